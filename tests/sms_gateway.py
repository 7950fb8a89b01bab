"""A fake 46elks on loopback, for the tests: a real HTTP server that speaks the API of
https://46elks.com/docs/send-sms closely enough to test the adapter against it.

    with FakeElks() as gateway:
        FortySixElks("user", "pass", "Kommune", url=gateway.url).send(...)
        gateway.sent  # [{"from": ..., "to": ..., "message": ...}, ...]

It checks HTTP Basic auth (401 with a text body otherwise, as 46elks does), parses the
form, records what it accepted and answers 200 with JSON. `answer_next(status)` makes
the next requests answer 400, 429, 500, a redirect … instead, and `answer_next("hang")` makes them
wait without answering until the test ends (or `hang_seconds`), to exercise timeouts.
"""
import base64
import json
import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USERNAME = "u0123456789abcdef"
PASSWORD = "elks-test-password"
PATH = "/a1/sms"

BODIES = {400: b"Invalid to number", 403: b"Forbidden", 404: b"Not found",
          429: b"Too many requests", 500: b"Internal server error",
          503: b"Service unavailable"}


class FakeElks:
    def __init__(self, username=USERNAME, password=PASSWORD, hang_seconds=30):
        self.username, self.password = username, password
        self.hang_seconds = hang_seconds
        self.sent = []       # the form fields of every accepted request
        self.requests = []   # every request: method, path, authorization, content_type, form
        self._answers = []   # queued answers for the next requests: a status or "hang"
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"

    def answer_next(self, *answers):
        with self._lock:
            self._answers.extend(answers)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next_answer(self):
        with self._lock:
            return self._answers.pop(0) if self._answers else None

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("ascii")
                form = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
                with fake._lock:
                    fake.requests.append({
                        "method": self.command, "path": self.path,
                        "authorization": self.headers.get("Authorization", ""),
                        "content_type": self.headers.get("Content-Type", ""),
                        "form": form})
                return form

            def do_GET(self):
                self._record()
                self._text(405, b"Method not allowed")

            def do_POST(self):
                form = self._record()
                answer = fake._next_answer()
                if answer == "hang":
                    fake._release.wait(fake.hang_seconds)
                    return
                if self.path != PATH:
                    return self._text(404, b"Not found")
                if not fake._authorized(self.headers.get("Authorization", "")):
                    return self._text(401, b"Unauthorized")
                if answer is not None and 300 <= answer < 400:
                    # A redirect to itself: a client that follows it sends a second request.
                    return self._send(answer, "text/plain", b"Moved",
                                      location=fake.url + "?moved")
                if answer is not None:
                    return self._text(answer, BODIES.get(answer, b"Error"))
                missing = [key for key in ("from", "to", "message") if not form.get(key)]
                if missing:
                    return self._text(400, f"Missing key {missing[0]}".encode())
                if not form["to"].startswith("+"):
                    return self._text(400, b"Invalid to number")
                reply = {"status": "created", "from": form["from"], "to": form["to"],
                         "message": form["message"], "direction": "outgoing", "parts": 1}
                if form.get("dryrun") == "yes":
                    reply["estimated_cost"] = 3500
                else:
                    reply["id"] = "s" + secrets.token_hex(16)
                    reply["cost"] = 3500
                    with fake._lock:
                        fake.sent.append(form)
                self._send(200, "application/json", json.dumps(reply).encode())

            def _text(self, status, body):
                self._send(status, "text/plain", body)

            def _send(self, status, content_type, body, location=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def _authorized(self, header):
        scheme, _, token = header.partition(" ")
        if scheme != "Basic":
            return False
        try:
            user, _, password = base64.b64decode(token).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(user, self.username) and secrets.compare_digest(
            password, self.password)
