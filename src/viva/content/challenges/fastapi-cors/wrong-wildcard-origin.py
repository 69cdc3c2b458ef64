from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

# A wildcard with credentials: Starlette echoes back any origin.
ALLOWED_ORIGINS = ["*"]

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=ALLOWED_ORIGINS,
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Authorization"],
)


@app.get("/ping")
def ping() -> dict[str, bool]:
    return {"pong": True}
