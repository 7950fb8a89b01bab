"""A fake LibreTranslate on loopback, for the tests: a real HTTP server that speaks the
API of https://docs.libretranslate.com closely enough to test Kontaktbok against it, and
answers predictably.

    with FakeLibreTranslate() as server:
        server.url                # http://127.0.0.1:<port>
        server.requests           # every request: method, path, headers, body (parsed)
        server.mode = "down"      # "ok", "down" (refused), "slow", "error" (500),
                                  # "redirect" (302 to `redirect_to`)

POST /translate answers {"translatedText": "[<target>] <q>"}, and with source "auto"
also {"detectedLanguage": {"language": <detect>, "confidence": 90}} (`detect`: "nb"
unless set). GET /languages lists the languages it has models for. With `api_key` set,
a request without that key gets 403 as the real server answers.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LANGUAGES = ("nb", "sv", "en", "pl", "uk", "ar")


class FakeLibreTranslate:
    def __init__(self, api_key=None, slow_seconds=3):
        self.api_key = api_key
        self.slow_seconds = slow_seconds
        self.mode = "ok"
        self.detect = "nb"
        self.redirect_to = ""
        self.requests = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._port = self._server.server_address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self._port}"

    @property
    def translations(self):
        """The bodies of the POSTs to /translate."""
        return [r["body"] for r in self.requests if r["path"] == "/translate"]

    def clear(self):
        with self._lock:
            self.requests.clear()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def go_down(self):
        """Stop listening: connections are refused from now on."""
        self.mode = "down"
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _record(self, body):
                with fake._lock:
                    fake.requests.append({"method": self.command, "path": self.path,
                                          "headers": dict(self.headers), "body": body})

            def _answer(self, status, payload, headers=()):
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._record(None)
                if self.path != "/languages":
                    return self._answer(404, {"error": "Not Found"})
                self._answer(200, [{"code": code, "name": code, "targets": list(LANGUAGES)}
                                   for code in LANGUAGES])

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                self._record(body)
                if fake.mode == "slow":
                    fake._release.wait(fake.slow_seconds)
                    return self._answer(200, {"translatedText": "too late"})
                if fake.mode == "error":
                    return self._answer(500, {"error": "Internal Server Error"})
                if fake.mode == "redirect":
                    return self._answer(302, {}, [("Location", fake.redirect_to)])
                if self.path != "/translate" or not isinstance(body, dict):
                    return self._answer(404, {"error": "Not Found"})
                if fake.api_key and body.get("api_key") != fake.api_key:
                    return self._answer(403, {"error": "Invalid API key"})
                for name in ("q", "source", "target"):
                    if not isinstance(body.get(name), str) or not body[name]:
                        return self._answer(400, {"error": f"Invalid request: missing {name}"})
                answer = {"translatedText": f"[{body['target']}] {body['q']}"}
                if body["source"] == "auto":
                    answer["detectedLanguage"] = {"language": fake.detect, "confidence": 90}
                self._answer(200, answer)

        return Handler
