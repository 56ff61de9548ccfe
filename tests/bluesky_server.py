"""A small Bluesky PDS for the tests of `manage.py announce`: the XRPC endpoints the
atproto SDK uses to post (com.atproto.server.createSession, com.atproto.repo.createRecord,
and com.atproto.repo.getRecord to find a post made before a lost answer), on an ephemeral
local port. Like a real repository, it holds one record under a key."""

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DID = "did:plc:openspacestest0000000000"
HANDLE = "openspaces.bsky.test"
PASSWORD = "abcd-efgh-ijkl-mnop"


def _jwt(subject: str, lifetime: int = 7200) -> str:
    """An unsigned token of the JWT shape the SDK reads its expiry from."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"sub": subject, "iat": now, "exp": now + lifetime, "scope": "com.atproto.appPass"}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


@dataclass
class FakeBluesky:
    fail_next: int = 0  # answer this many posts with 500
    lose_next: int = 0  # take this many posts, then answer 500 as if the answer was lost
    fail_reads: int = 0  # answer this many getRecord with 500
    delay: float = 0.0  # seconds each post takes (to widen races)
    records: dict[str, dict] = field(default_factory=dict)  # by record key
    sessions: int = 0
    posts_tried: int = 0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def posts(self) -> list[dict]:
        return list(self.records.values())

    @property
    def texts(self) -> list[str]:
        return [record["text"] for record in self.posts]

    def create_session(self, body: dict) -> tuple[int, dict]:
        if body.get("identifier") != HANDLE or body.get("password") != PASSWORD:
            return 401, {"error": "AuthenticationRequired", "message": "Invalid password"}
        with self._lock:
            self.sessions += 1
        return 200, {
            "did": DID,
            "handle": HANDLE,
            "accessJwt": _jwt(DID),
            "refreshJwt": _jwt(DID, 86400),
            "active": True,
        }

    def create_record(self, body: dict) -> tuple[int, dict]:
        time.sleep(self.delay)
        with self._lock:
            self.posts_tried += 1
            if self.fail_next:
                self.fail_next -= 1
                return 500, {"error": "InternalServerError", "message": "Internal Server Error"}
            if body.get("repo") != DID or body.get("collection") != "app.bsky.feed.post":
                return 400, {"error": "InvalidRequest", "message": "Wrong repo or collection"}
            key = body.get("rkey") or f"auto{len(self.records)}"
            if key in self.records:  # as the PDS does: one record under a key
                return 500, {"error": "InternalServerError", "message": "Internal Server Error"}
            self.records[key] = body["record"]
            if self.lose_next:
                self.lose_next -= 1
                return 500, {"error": "InternalServerError", "message": "Internal Server Error"}
            return 200, {"uri": self._uri(key), "cid": "bafyreitestcid"}

    def get_record(self, query: dict) -> tuple[int, dict]:
        key = query.get("rkey", [""])[0]
        with self._lock:
            if self.fail_reads:
                self.fail_reads -= 1
                return 500, {"error": "InternalServerError", "message": "Internal Server Error"}
        if key not in self.records:
            return 400, {"error": "RecordNotFound", "message": f"Could not locate record: {key}"}
        return 200, {"uri": self._uri(key), "cid": "bafyreitestcid", "value": self.records[key]}

    def _uri(self, key: str) -> str:
        return f"at://{DID}/app.bsky.feed.post/{key}"


def serve(fake: FakeBluesky):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            return token.count(".") == 2 and token.startswith("ey")

        def do_GET(self):
            address = urlsplit(self.path)
            if address.path != "/xrpc/com.atproto.repo.getRecord":
                return self._answer(404, {"error": "MethodNotImplemented"})
            return self._answer(*fake.get_record(parse_qs(address.query)))

        def do_POST(self):
            path = urlsplit(self.path).path
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            if path == "/xrpc/com.atproto.server.createSession":
                return self._answer(*fake.create_session(body))
            if path != "/xrpc/com.atproto.repo.createRecord":
                return self._answer(404, {"error": "MethodNotImplemented"})
            if not self._authorised():
                return self._answer(401, {"error": "AuthenticationRequired"})
            return self._answer(*fake.create_record(body))

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server
