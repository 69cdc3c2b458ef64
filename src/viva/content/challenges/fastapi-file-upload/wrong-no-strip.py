import hashlib
from typing import Annotated, Any

from fastapi import FastAPI, File, HTTPException, UploadFile, status

MAX_BYTES = 1024
ALLOWED_MEDIA_TYPES = {"text/plain", "application/json"}

app = FastAPI()


@app.post("/files", status_code=status.HTTP_201_CREATED)
async def upload_file(file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    media_type = (
        (file.content_type or "").split(";", 1)[0].lower()
    )  # "text/plain ; charset=utf-8" refused
    if media_type not in ALLOWED_MEDIA_TYPES:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail="unsupported media type")
    data = await file.read(MAX_BYTES + 1)  # one byte more than allowed is enough to decide
    if not data:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="empty file")
    if len(data) > MAX_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail="file too large")
    return {
        "filename": file.filename,
        "content_type": file.content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
