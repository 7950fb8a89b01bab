"""The yardstick: a bare Flask "hello" route, served the same way as Kontaktbok."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
