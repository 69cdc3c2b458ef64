from fastapi import FastAPI

app = FastAPI()

# Add CORSMiddleware (origins https://app.example.com and https://admin.example.com,
# credentials, methods GET and POST, header Authorization) and a `GET /ping` route
# returning {"pong": true}.
