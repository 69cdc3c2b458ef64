import math
import time

from fastapi import FastAPI, Header, HTTPException, Request

app = FastAPI()

# Add `GET /api/data`: 401 without an X-API-Key, 3 requests per key per 60-second window,
# then 429 {"detail": "rate limit exceeded"} with a Retry-After header.
