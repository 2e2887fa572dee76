"""The framework's own limit: a minimal Flask endpoint served with the same gunicorn settings."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "ok"
