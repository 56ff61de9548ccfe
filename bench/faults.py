"""Behaviour under faults, each a short bounded run against real servers on loopback.

    bench/faults.sh                 # all four
    bench/faults.sh redis worker    # some: postgres, redis, worker, two

postgres  PostgreSQL restarted during load (a throwaway cluster "faults" on port 5440):
          requests fail cleanly (the friendly 503, never a 500 or a traceback), service
          resumes by itself, and every claim answered 303 is in the database afterwards.
redis     Redis stopped during load (our own redis-server on port 6390): no errors at
          all, and every claim answered 303 is in the database.
worker    one gunicorn worker killed with SIGKILL during concurrent claims: no claim
          answered 303 is lost, and no slot has two cards.
two       two app servers (ports 8007 and 8008) on one PostgreSQL and one Redis: 24
          claimers per slot spread over both give exactly one winner per slot, and a
          claim on one server shows at once on the other's board.

Each prints what it saw and PASS or FAIL; the exit status is non-zero if any failed.
"""

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from claims import Claimer  # noqa: E402

PG_VERSION = "15"
FAULTS_PG_PORT = 5440
FAULTS_REDIS_PORT = 6390
CARD_ID = re.compile(r"/card/(\d+)/")
ALLOWED = {200, 303, 304, 409, 503}


def claim(base: str, slot: int, number: int) -> Claimer:
    claimer = Claimer(base, slot, number, threading.Barrier(1))
    claimer.run()
    return claimer


class Load:
    """Readers and claimers against `bases` until stopped; everything they saw."""

    def __init__(self, bases: list[str], board_url: str, slots: list[int], readers: int = 3):
        self.bases, self.board_url, self.slots = bases, board_url, list(slots)
        self.readers = readers
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.statuses: dict[str, int] = {}
        self.bad: list[str] = []
        self.acknowledged: list[int] = []
        self.answered_503 = 0

    def note(self, what: str, status: int, body: bytes = b"") -> None:
        with self.lock:
            self.statuses[f"{what} {status}"] = self.statuses.get(f"{what} {status}", 0) + 1
            if status not in ALLOWED or b"Traceback" in body:
                self.bad.append(f"{what} {status} {body[:120]!r}")
            if status == 503:
                self.answered_503 += 1
                if what != "healthz" and b"Back in a moment" not in body:
                    self.bad.append(f"{what} 503 without the friendly page")

    def read(self, number: int) -> None:
        paths = [self.board_url, "/healthz", f"/slot/{self.slots[-1]}/claim/"]
        index = number
        while not self.stopping.is_set():
            base = self.bases[index % len(self.bases)]
            path = paths[index % len(paths)]
            try:
                status, _, body = harness.get(base + path)
                self.note(path.split("/")[1] or "board", status, body)
            except OSError as error:
                self.note(f"connection {type(error).__name__}", 0)
            index += 1
            time.sleep(0.02)

    def claim_all(self) -> None:
        for number, slot in enumerate(self.slots[:-1]):
            if self.stopping.is_set():
                break
            claimer = claim(self.bases[number % len(self.bases)], slot, number)
            if claimer.status is None:
                self.note("claim-error", 0)
            else:
                self.note("claim", claimer.status, claimer.body)
            if claimer.status == 303:
                with self.lock:
                    self.acknowledged.append(int(CARD_ID.search(claimer.location)[1]))
            time.sleep(0.1)

    def __enter__(self):
        self.threads = [
            threading.Thread(target=self.read, args=(n,), daemon=True) for n in range(self.readers)
        ]
        self.threads.append(threading.Thread(target=self.claim_all, daemon=True))
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(60)


def active_cards(database_url: str) -> dict[int, int]:
    """card id -> slot id of every active card, read straight from the database."""
    import psycopg

    if database_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            rows = connection.execute(
                "SELECT id, slot_id FROM boards_card WHERE status = 'active'"
            ).fetchall()
    else:
        with psycopg.connect(database_url) as connection:
            rows = connection.execute(
                "SELECT id, slot_id FROM boards_card WHERE status = 'active'"
            ).fetchall()
    return dict(rows)


def report(name: str, checks: dict[str, bool], facts: dict) -> bool:
    passed = all(checks.values())
    print(f"== {name}: {'PASS' if passed else 'FAIL'}")
    print("   " + json.dumps(facts))
    for check, ok in checks.items():
        print(f"   [{'x' if ok else ' '}] {check}")
    return passed


def missing(acknowledged: list[int], database_url: str) -> list[int]:
    cards = active_cards(database_url)
    return [card for card in acknowledged if card not in cards]


# PostgreSQL restarted --------------------------------------------------------------------


def faults_cluster() -> None:
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    if not any(line.split()[:2] == [PG_VERSION, "faults"] for line in clusters.splitlines()):
        subprocess.run(
            [
                "pg_createcluster",
                PG_VERSION,
                "faults",
                "--port",
                str(FAULTS_PG_PORT),
                "--",
                "--auth-local=trust",
                "--auth-host=trust",
            ],
            check=True,
            capture_output=True,
        )
    pg_ctl("start", check=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(FAULTS_PG_PORT)])
        if ready.returncode == 0:
            return
        time.sleep(0.5)
    sys.exit("the faults cluster did not start")


def pg_ctl(action: str, check: bool = True) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "faults", action],
        check=check,
        capture_output=True,
    )


def postgres_restart() -> bool:
    faults_cluster()
    database_url = harness.fresh_postgres("os_production_faults", port=FAULTS_PG_PORT)
    env = harness.base_env(database_url=database_url, port=8005)
    seeded = harness.seed(env)
    server = harness.start_gunicorn(env, harness.RESULTS / "faults-postgres.log")
    base = "http://127.0.0.1:8005"
    try:
        with Load([base], seeded["board_url"], seeded["free_slots"][:40]) as load:
            time.sleep(2)
            pg_ctl("stop")  # fast shutdown: every connection is cut
            time.sleep(3)  # down for a few seconds, under load
            pg_ctl("start")
            time.sleep(4)
        resumed = [harness.get(base + "/healthz")[0] for _ in range(3)]
        after = claim(base, seeded["free_slots"][45], 99)
        lost = missing(load.acknowledged + [int(CARD_ID.search(after.location)[1])], database_url)
    finally:
        harness.stop(server)
        pg_ctl("stop", check=False)  # the throwaway cluster is left stopped (it is kept)
    return report(
        "postgres restarted during load",
        {
            "no 500 and no traceback (only 200/303/304/409/503)": not load.bad,
            "the outage was seen as 503s": load.answered_503 > 0,
            "service resumed by itself (healthz 200, a claim 303)": (
                resumed == [200, 200, 200] and after.status == 303
            ),
            "every claim answered 303 is in the database": not lost,
        },
        {
            "statuses": load.statuses,
            "acknowledged": len(load.acknowledged),
            "lost": lost,
            "bad": load.bad[:5],
        },
    )


# Redis stopped -----------------------------------------------------------------------


def redis_stopped() -> bool:
    redis_server = shutil.which("redis-server")
    log = (harness.RESULTS / "faults-redis-server.log").open("ab")

    def start_redis() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                redis_server,
                "--port",
                str(FAULTS_REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        time.sleep(0.5)
        return process

    redis = start_redis()
    database_url = harness.fresh_sqlite(Path("/tmp/os_production_faults/redis.sqlite3"))
    env = harness.base_env(
        database_url=database_url, redis_url=f"redis://127.0.0.1:{FAULTS_REDIS_PORT}/0", port=8006
    )
    seeded = harness.seed(env)
    server = harness.start_gunicorn(env, harness.RESULTS / "faults-redis.log")
    base = "http://127.0.0.1:8006"
    try:
        with Load([base], seeded["board_url"], seeded["free_slots"][:40]) as load:
            time.sleep(2)
            redis.terminate()  # our own redis-server, by its pid
            redis.wait(10)
            time.sleep(4)
            redis = start_redis()
            time.sleep(3)
        health = harness.get(base + "/healthz")
    finally:
        harness.stop(server)
        redis.terminate()
        redis.wait(10)
    lost = missing(load.acknowledged, database_url)
    return report(
        "redis stopped during load",
        {
            "no errors at all (no 5xx, no traceback)": not load.bad and load.answered_503 == 0,
            "claims went on while Redis was down": len(load.acknowledged) >= 10,
            "healthz 200 after Redis came back": health[0] == 200,
            "every claim answered 303 is in the database": not lost,
        },
        {
            "statuses": load.statuses,
            "acknowledged": len(load.acknowledged),
            "lost": lost,
            "healthz": json.loads(health[2]),
            "bad": load.bad[:5],
        },
    )


# A worker killed ---------------------------------------------------------------------


def worker_killed() -> bool:
    database_url = harness.fresh_postgres("os_production_faults_kill")
    env = harness.base_env(database_url=database_url, port=8009)
    seeded = harness.seed(env)
    server = harness.start_gunicorn(env, harness.RESULTS / "faults-worker.log")
    base = "http://127.0.0.1:8009"
    slots = seeded["free_slots"][:48]
    results: list[Claimer] = []
    lock = threading.Lock()

    def claimer(offset: int) -> None:
        for index in range(offset, len(slots), 8):
            done = claim(base, slots[index], index)
            with lock:
                results.append(done)

    try:
        threads = [threading.Thread(target=claimer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(0.4)
        before = harness.worker_pids(server)
        victim = before[0]
        subprocess.run(["kill", "-9", str(victim)], check=True)
        for thread in threads:
            thread.join(60)
        time.sleep(1)
        after = harness.worker_pids(server)
    finally:
        harness.stop(server)
    acknowledged = [int(CARD_ID.search(r.location)[1]) for r in results if r.status == 303]
    cards = active_cards(database_url)
    lost = [card for card in acknowledged if card not in cards]
    per_slot: dict[int, int] = {}
    for slot in cards.values():
        per_slot[slot] = per_slot.get(slot, 0) + 1
    statuses: dict[str, int] = {}
    for result in results:
        key = str(result.status or "connection error")
        statuses[key] = statuses.get(key, 0) + 1
    return report(
        "a gunicorn worker killed (SIGKILL) during claims",
        {
            "no claim answered 303 is lost": not lost,
            "no slot has two active cards": all(count == 1 for count in per_slot.values()),
            "gunicorn replaced the worker": victim not in after and len(after) == len(before),
        },
        {
            "killed_pid": victim,
            "statuses": statuses,
            "acknowledged": len(acknowledged),
            "active_cards": len(cards),
            "lost": lost,
        },
    )


# Two app servers ---------------------------------------------------------------------


def two_servers() -> bool:
    database_url = harness.fresh_postgres("os_production_faults_two")
    redis_url = "redis://127.0.0.1:6379/6"
    harness.flush_redis(redis_url)
    env_a = harness.base_env(database_url=database_url, redis_url=redis_url, port=8007)
    env_b = harness.base_env(database_url=database_url, redis_url=redis_url, port=8008)
    seeded = harness.seed(env_a)
    servers = [
        harness.start_gunicorn(env_a, harness.RESULTS / "faults-two-a.log"),
        harness.start_gunicorn(env_b, harness.RESULTS / "faults-two-b.log"),
    ]
    bases = ["http://127.0.0.1:8007", "http://127.0.0.1:8008"]
    slots = seeded["free_slots"][:5]
    winners: dict[int, int] = {}
    statuses: dict[str, int] = {}
    try:
        for slot in slots:
            barrier = threading.Barrier(24)
            claimers = [Claimer(bases[n % 2], slot, n, barrier) for n in range(24)]
            for thread in claimers:
                thread.start()
            for thread in claimers:
                thread.join(60)
            winners[slot] = sum(c.status == 303 for c in claimers)
            for c in claimers:
                statuses[str(c.status)] = statuses.get(str(c.status), 0) + 1
        # A claim on A shows on B's board at once: the shared cache's generation changed.
        claims_day = seeded["claims_url"]
        _, headers, _ = harness.get(bases[1] + claims_day)
        before = headers["ETag"]
        late = claim(bases[0], seeded["free_slots"][10], 500)
        status_b, headers_b, body_b = harness.get(
            bases[1] + claims_day, headers={"If-None-Match": before}
        )
    finally:
        for server in servers:
            harness.stop(server)
    cards = active_cards(database_url)
    return report(
        "two app servers on one PostgreSQL and one Redis",
        {
            "exactly one winner per slot": all(count == 1 for count in winners.values()),
            "the database holds one active card per contested slot": all(
                list(cards.values()).count(slot) == 1 for slot in slots
            ),
            "a claim on server A shows at once on server B's board": (
                late.status == 303 and status_b == 200 and b"Bench claim 500" in body_b
            ),
        },
        {"winners_per_slot": winners, "statuses": statuses},
    )


SCENARIOS = {
    "postgres": postgres_restart,
    "redis": redis_stopped,
    "worker": worker_killed,
    "two": two_servers,
}


def main() -> None:
    names = sys.argv[1:] or list(SCENARIOS)
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        sys.exit(f"unknown scenario(s) {sorted(unknown)}; pick from {list(SCENARIOS)}")
    harness.RESULTS.mkdir(parents=True, exist_ok=True)
    env = harness.base_env(database_url="sqlite:////tmp/os_production_faults/static.sqlite3")
    if not (harness.ROOT / "staticfiles" / "staticfiles.json").exists():
        harness.manage(env, "collectstatic", "--noinput", "-v0")
    results = [SCENARIOS[name]() for name in names]
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
