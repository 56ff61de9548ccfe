"""Read-your-writes under gunicorn: stale board reads after claims, releases and removals.

    .venv/bin/python bench/freshness.py --port 8100 [--rounds 200] [--database sqlite|postgres]
        [--postgres-db NAME] [--redis redis://127.0.0.1:6379/N] [--speed] [--root DIR]
        [--claim-limit 30]

Starts gunicorn (4 gthread workers, 4 threads each) on 127.0.0.1:PORT with a fresh
database, then runs ROUNDS rounds; each round makes one write (a claim, the host's
release, or the chair's removal in the admin, in turn) and, as soon as the write is
answered, reads the board READS times on new connections (so the reads spread over the
workers), plain and with the ETag read before the write. A read is stale when it
does not show the write. With --speed it also measures board/static and 304/static
with wrk (interleaved runs, medians). --claim-limit N instead sends 5 x N claims from one
address, 8 at a time, and counts how many got past the limit of N a minute. --root runs
another checkout's code (e.g. the main branch, for a before/after figure). Stops its
gunicorn at the end.
"""

import argparse
import http.cookiejar
import json
import re
import sys
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

READS = 5
CHAIR = ("bench-chair", "bench-chair-password-1234")


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=10) as answer:
                return answer.status, dict(answer.headers), answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.cookies if c.name == name), "")

    def post(self, path: str, data: dict, referer: str = ""):
        data = {**data, "csrfmiddlewaretoken": self.cookie("csrftoken")}
        return self.request(path, data, headers={"Referer": self.base + (referer or path)})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def reads(base: str, board_url: str, etag: str) -> list[str]:
    """The board READS times, each on a new connection: alternately plain and conditional."""
    pages = []
    for index in range(READS):
        headers = {"If-None-Match": etag} if index % 2 else {}
        status, _, body = harness.get(base + board_url, headers)
        pages.append(body.decode() if status == 200 else "<304>")
    return pages


def run_rounds(base: str, seeded: dict, rounds: int) -> dict:
    board_url = seeded["claims_url"]
    host = Browser(base)
    chair = Browser(base)
    chair.request("/admin/login/")
    chair.post("/admin/login/", {"username": CHAIR[0], "password": CHAIR[1], "next": "/admin/"})
    slots = seeded["free_slots"]
    stale = {"claim": 0, "release": 0, "remove": 0}
    counts = dict.fromkeys(stale, 0)
    card = None  # (pk, token, title) of the card on the board, if any
    for number in range(rounds):
        _, headers, _ = harness.get(base + board_url)
        etag = headers.get("ETag", "")
        if card is None:
            kind = "claim"
            slot = slots[number % len(slots)]
            host.request(f"/slot/{slot}/claim/")
            title = f"Fresh round {number}"
            fields = {"title": title, "host_name": "Ada", "description": "", "host_handle": ""}
            status, answer, _ = host.post(
                f"/slot/{slot}/claim/", fields | {"email": "", "website": ""}
            )
            assert status == 303, status
            pk = int(re.search(r"/card/(\d+)/", answer["Location"])[1])
            # The card page shows the manage link once, to the browser that claimed.
            _, _, page = host.request(answer["Location"])
            token = re.search(rf"/card/{pk}/manage/([^/\"]+)/", page)[1]
            card = (pk, token, title)
        elif (number // 2) % 2 == 0:
            kind = "release"
            pk, token, title = card
            status, _, _ = host.post(f"/card/{pk}/manage/{token}/release/", {"confirm": "release"})
            assert status == 303, status
            card = None
        else:
            kind = "remove"
            pk, token, title = card
            status, _, body = chair.post(
                "/admin/boards/card/",
                {"action": "remove_cards", "_selected_action": [pk], "apply": "1"}
                | {"reason": "Bench removal"},
            )
            assert status == 302, (status, body[:300])
            card = None
        counts[kind] += 1
        shown = title
        for page in reads(base, board_url, etag):
            on_board = page != "<304>" and shown in page
            if (kind == "claim") != on_board:
                stale[kind] += 1
    return {
        "rounds": rounds,
        "reads": rounds * READS,
        "writes": counts,
        "stale": stale,
        "stale_total": sum(stale.values()),
    }


def speed(base: str, seeded: dict, runs: int = 3) -> dict:
    """board/static and 304/static: runs of 3 s, interleaved, medians (a shared machine)."""
    _, headers, _ = harness.get(base + seeded["board_url"])
    poll = {"If-None-Match": headers["ETag"]}
    rps = {"board": [], "static": [], "poll": []}
    for _ in range(runs):
        rps["board"].append(harness.wrk(base + seeded["board_url"], seconds=3)["rps"])
        rps["static"].append(harness.wrk(base + seeded["static_url"], seconds=3)["rps"])
        rps["poll"].append(harness.wrk(base + seeded["board_url"], seconds=3, headers=poll)["rps"])
    board, static, polls = (sorted(rps[name])[runs // 2] for name in ("board", "static", "poll"))
    return {
        "board_rps": board,
        "static_rps": static,
        "poll_rps": polls,
        "board_static": round(board / static, 2),
        "poll_static": round(polls / static, 2),
    }


def claim_limit(base: str, seeded: dict, limit: int, attempts: int = 5) -> dict:
    """`attempts` x the limit of claims (empty forms: 422 until limited) from one address,
    8 at a time on new connections, so that all workers take some: how many got past."""
    slot = seeded["free_slots"][0]

    def one(_):
        browser = Browser(base)
        browser.request(f"/slot/{slot}/claim/")
        return browser.post(f"/slot/{slot}/claim/", {})[0]

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, range(limit * attempts)))
    accepted = sum(status != 429 for status in statuses)
    return {
        "limit": limit,
        "sent": len(statuses),
        "accepted": accepted,
        "limited": statuses.count(429),
    }


def database_url(args) -> str:
    if args.database == "sqlite":
        return harness.fresh_sqlite(Path("/tmp") / f"freshness-{args.port}" / "db.sqlite3")
    import psycopg

    with psycopg.connect(harness.PG_ADMIN.format(port=5432), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.postgres_db}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{args.postgres_db}"')
    return f"postgres://postgres@127.0.0.1:5432/{args.postgres_db}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-db", default="openspaces_i10")
    parser.add_argument("--redis", default="")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--root", default=str(harness.ROOT))
    parser.add_argument("--claim-limit", type=int, default=0, help="check this claim rate instead")
    args = parser.parse_args()
    root = Path(args.root).resolve()
    harness.ROOT, harness.PYTHON = root, str(root / ".venv" / "bin" / "python")
    harness.GUNICORN = str(root / ".venv" / "bin" / "gunicorn")
    if args.redis:
        harness.flush_redis(args.redis)
    env = harness.base_env(
        database_url=database_url(args),
        redis_url=args.redis,
        port=args.port,
        WEB_CONCURRENCY="4",
        GUNICORN_WORKER_CLASS="gthread",
        GUNICORN_THREADS="4",
        OPENSPACES_CLAIM_RATE=str(args.claim_limit),
    )
    harness.manage(env, "collectstatic", "--noinput", "-v0")
    seeded = harness.seed(env)
    harness.manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        f"User.objects.create_superuser({CHAIR[0]!r}, '', {CHAIR[1]!r})",
    )
    log = Path("/tmp") / f"freshness-{args.port}" / "gunicorn.log"
    server = harness.start_gunicorn(env, log)
    try:
        base = f"http://127.0.0.1:{args.port}"
        result = {"root": str(root), "database": args.database, "redis": bool(args.redis)}
        if args.claim_limit:
            result |= claim_limit(base, seeded, args.claim_limit)
        else:
            result |= run_rounds(base, seeded, args.rounds)
        if args.speed:
            result["speed"] = speed(base, seeded)
    finally:
        harness.stop(server)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
