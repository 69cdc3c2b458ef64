from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, field_validator

app = FastAPI()

# Define a Pydantic model for the body (username, email, age, tags; extra fields forbidden)
# and add `POST /users`: 201 with the stored user plus an `id`, 422 on invalid bodies,
# 409 {"detail": "username already exists"} for a taken username.
