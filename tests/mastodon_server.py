"""A small Mastodon server for the tests of `manage.py announce`: the instance endpoints
Mastodon.py asks for and POST /api/v1/statuses, on an ephemeral local port."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class FakeMastodon:
    max_characters: int = 500
    fail_next: int = 0  # answer this many posts with 500
    delay: float = 0.0  # seconds each post takes (to widen races)
    statuses: list[dict] = field(default_factory=list)
    posts_tried: int = 0
    url: str = ""
    _by_key: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def texts(self) -> list[str]:
        return [status["content"] for status in self.statuses]

    def instance(self, version: int) -> dict:
        info = {
            "uri": "mastodon.test",
            "title": "Test",
            "version": "4.3.0",
            "configuration": {"statuses": {"max_characters": self.max_characters}},
        }
        if version == 2:
            info |= {"domain": "mastodon.test", "api_versions": {"mastodon": 2}}
        return info

    def post(self, text: str, key: str | None) -> tuple[int, dict]:
        time.sleep(self.delay)
        with self._lock:
            self.posts_tried += 1
            if self.fail_next:
                self.fail_next -= 1
                return 500, {"error": "Something went wrong"}
            if key and key in self._by_key:  # Mastodon's Idempotency-Key: the same status
                return 200, self._by_key[key]
            status = {
                "id": str(len(self.statuses) + 1),
                "content": text,
                "visibility": "public",
                "created_at": "2027-05-14T13:45:00.000Z",
            }
            self.statuses.append(status)
            if key:
                self._by_key[key] = status
            return 200, status


def serve(fake: FakeMastodon):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = self.path.split("?")[0].rstrip("/")
            if path in ("/api/v1/instance", "/api/v2/instance"):
                return self._answer(200, fake.instance(int(path[6])))
            return self._answer(404, {"error": "Not found"})

        def do_POST(self):
            if self.path.split("?")[0] != "/api/v1/statuses":
                return self._answer(404, {"error": "Not found"})
            if self.headers.get("Authorization") != "Bearer test-token":
                return self._answer(401, {"error": "The access token is invalid"})
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                text = json.loads(raw)["status"]
            else:
                text = parse_qs(raw)["status"][0]
            return self._answer(*fake.post(text, self.headers.get("Idempotency-Key")))

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server
