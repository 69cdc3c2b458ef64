from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

ALLOWED_ORIGINS = ["https://app.example.com", "https://admin.example.com"]

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    # An unanchored-subdomain regex: https://evil.example.com passes too.
    allow_origin_regex=r"https://[a-z]+\.example\.com",
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Authorization"],
)


@app.get("/ping")
def ping() -> dict[str, bool]:
    return {"pong": True}
