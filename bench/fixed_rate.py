"""GET a URL at a fixed rate and report latency from each request's *scheduled* time.

    python bench/fixed_rate.py http://127.0.0.1:8004/day/2027-05-14/ --rate 200 --seconds 5

Measuring from the schedule, not from the send, counts the time a request waited
because the server was slow (no coordinated omission), as wrk2 does. Keep-alive
connections, one per thread. Prints JSON: sent, rate achieved, statuses, p50/p99 ms.
"""

import argparse
import http.client
import json
import queue
import threading
import time
from urllib.parse import urlsplit


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--threads", type=int, default=16)
    options = parser.parse_args()
    url = urlsplit(options.url)
    path = url.path + (f"?{url.query}" if url.query else "")
    total = int(options.rate * options.seconds)
    schedule: queue.Queue = queue.Queue()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def worker() -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        while (due := schedule.get()) is not None:
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
                status = 0
            done = time.perf_counter()
            with lock:
                latencies.append((done - due) * 1000)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(options.threads)]
    start = time.perf_counter() + 0.2
    for index in range(total):
        schedule.put(start + index / options.rate)
    for _ in threads:
        schedule.put(None)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(options.seconds + 30)
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "sent": len(latencies),
                "rate": round(len(latencies) / elapsed, 1),
                "statuses": {str(k): v for k, v in statuses.items()},
                "p50_ms": round(percentile(latencies, 0.5), 1),
                "p99_ms": round(percentile(latencies, 0.99), 1),
                "max_ms": round(max(latencies), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
