import hashlib

from fastapi import FastAPI, File, HTTPException, UploadFile

app = FastAPI()

# Add `POST /files` taking an UploadFile field `file`: 415 for other media types, 400 for an
# empty file, 413 above 1024 bytes, else 201 with filename, content_type, size and sha256.
