from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

ALLOWED_ORIGINS = ["https://app.example.com", "https://admin.example.com"]

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=ALLOWED_ORIGINS,
    allow_credentials=True,
    allow_methods=["GET", "POST", "OPTIONS"],  # OPTIONS listed too
    allow_headers=["Authorization"],
)


@app.get("/ping")
def ping() -> dict[str, bool]:
    return {"pong": True}
