"""A push service on loopback, and a browser's side of a subscription, for the Web Push
tests.

`PushService` records what the app server sends (headers and the encrypted body) and
answers with the status it is told to. `Receiver` is what a browser keeps for a
subscription: a P-256 key pair and an auth secret; it decrypts a message with the
independent `http_ece` package, so the tests do not trust our own encryption code.
"""
import base64
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class Received:
    path: str
    headers: object  # case-insensitive, as HTTP header names are
    body: bytes


@dataclass
class PushService:
    host: str = "127.0.0.1"
    status: int = 201  # what the next requests are answered with
    received: list = field(default_factory=list)

    def __post_init__(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                service.received.append(Received(self.path, self.headers, body))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((self.host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       name="push-service")
        self.thread.start()

    @property
    def origin(self):
        return f"http://{self.host}:{self.server.server_port}"

    def endpoint(self, name=None):
        """A new subscription's address on this service."""
        return f"{self.origin}/push/{name or b64url(os.urandom(12))}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class Receiver:
    """A browser's keys for one subscription."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)

    @property
    def p256dh(self):
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    @property
    def auth(self):
        return b64url(self.auth_secret)

    def subscription(self, endpoint):
        """What PushSubscription.toJSON() gives in the browser."""
        return {"endpoint": endpoint, "expirationTime": None,
                "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def decrypt(self, body):
        return http_ece.decrypt(body, private_key=self.private_key,
                                auth_secret=self.auth_secret, version="aes128gcm")
