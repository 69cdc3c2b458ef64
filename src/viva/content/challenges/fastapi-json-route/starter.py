from fastapi import FastAPI

app = FastAPI()

# Define a request model (message: 1-280 chars, repeat: 1-5, default 1) and
# a `POST /echo` route that returns message, repeat, result and length.
