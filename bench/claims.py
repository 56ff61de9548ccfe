"""Concurrent claimers: real HTTP POSTs with CSRF tokens, released together by a barrier.

    python bench/claims.py --base http://127.0.0.1:8004 --slots 7 --claimers 24
    python bench/claims.py --base http://127.0.0.1:8004 --slots 7 8 9 ... (one each)
    python bench/claims.py ... --email host@example.org (each claim has its link mailed)

Each claimer fetches the claim form first (for its CSRF cookie and token), waits at
the barrier, then POSTs. Prints JSON: statuses, winners (303s), p50/p99 latency in ms.
"""

import argparse
import http.client
import json
import re
import statistics
import threading
import time
from urllib.parse import urlencode, urlsplit

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Claimer(threading.Thread):
    def __init__(
        self, base: str, slot: int, number: int, barrier: threading.Barrier, email: str = ""
    ):
        super().__init__(daemon=True)
        self.email = email
        self.host, self.port = urlsplit(base).hostname, urlsplit(base).port
        self.slot, self.number, self.barrier = slot, number, barrier
        self.status = None
        self.location = ""
        self.latency = None
        self.error = ""
        self.body = b""

    def run(self) -> None:
        try:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            path = f"/slot/{self.slot}/claim/"
            connection.request("GET", path)
            form = connection.getresponse()
            body = form.read()
            if form.status != 200:  # e.g. 503 while the database is down: no form to send
                self.status, self.body = form.status, body
                self.barrier.abort()
                return
            cookie = form.getheader("Set-Cookie", "").split(";")[0]
            token = TOKEN.search(body)[1].decode()
            fields = {
                "csrfmiddlewaretoken": token,
                "title": f"Bench claim {self.number}",
                "description": "",
                "host_name": f"Claimer {self.number}",
                "host_handle": "",
                "email": self.email,
                "website": "",
            }
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
            self.barrier.wait(timeout=30)
            started = time.perf_counter()
            connection.request("POST", path, body=urlencode(fields), headers=headers)
            answer = connection.getresponse()
            self.body = answer.read()
            self.latency = (time.perf_counter() - started) * 1000
            self.status = answer.status
            self.location = answer.getheader("Location", "")
            connection.close()
        except Exception as error:  # reported, never hidden
            self.error = repr(error)
            self.barrier.abort()


def run(base: str, slots: list[int], claimers: int, email: str = "") -> dict:
    targets = slots if len(slots) > 1 else slots * claimers
    barrier = threading.Barrier(len(targets))
    threads = [Claimer(base, slot, n, barrier, email) for n, slot in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    latencies = [t.latency for t in threads if t.latency is not None]
    statuses: dict[str, int] = {}
    for thread in threads:
        key = str(thread.status or "error")
        statuses[key] = statuses.get(key, 0) + 1
    return {
        "claimers": len(threads),
        "slots": len(set(targets)),
        "winners": sum(t.status == 303 for t in threads),
        "statuses": statuses,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "errors": [t.error for t in threads if t.error][:3],
        "acknowledged": [t.location for t in threads if t.status == 303],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="http://127.0.0.1:8004")
    parser.add_argument("--slots", type=int, nargs="+", required=True)
    parser.add_argument("--claimers", type=int, default=24)
    parser.add_argument("--email", default="", help="the address each claim gives (mail sent)")
    options = parser.parse_args()
    print(json.dumps(run(options.base, options.slots, options.claimers, options.email)))


if __name__ == "__main__":
    main()
