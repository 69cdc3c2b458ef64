from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()


class EchoIn(BaseModel):
    message: str = Field(min_length=1, max_length=281)
    repeat: int = Field(default=1, ge=1, le=5)


class EchoOut(BaseModel):
    message: str
    repeat: int
    result: str
    length: int


@app.post("/echo", response_model=EchoOut)
def echo(payload: EchoIn) -> EchoOut:
    result = " ".join([payload.message] * payload.repeat)
    return EchoOut(
        message=payload.message, repeat=payload.repeat, result=result, length=len(result)
    )
