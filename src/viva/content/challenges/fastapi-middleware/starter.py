from fastapi import FastAPI

app = FastAPI()

# Add an HTTP middleware that sets X-Request-ID (echo a valid incoming id, else a new
# uuid4 hex) and X-Process-Time-Ms on every response, and a `GET /hello` route.
