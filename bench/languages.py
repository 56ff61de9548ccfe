"""The board in each language costs the same: board and 304 polls, English and Spanish.

    .venv/bin/python bench/languages.py [--port 8004]

Seeds a fresh SQLite database (bench/seed.py), starts gunicorn on 127.0.0.1:PORT and
measures with wrk, in interleaved rounds (medians): the static ceiling, then the board
and 304 polls at the English address (/day/<date>/) and the Spanish one (/es/day/<date>/).
Targets as bench/run.py's, in both languages: board >= 0.9 x static, 304 >= 0.9 x static.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

SECONDS = 3
ROUNDS = 3


def median(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8004)
    port = parser.parse_args().port
    database = harness.fresh_sqlite(Path(f"/tmp/os_languages_bench_{port}/bench.sqlite3"))
    env = harness.base_env(database_url=database, port=port)
    seeded = harness.seed(env)
    server = harness.start_gunicorn(env, Path(f"/tmp/os_languages_bench_{port}/gunicorn.log"))
    base = f"http://127.0.0.1:{port}"
    try:
        urls = {"en": base + seeded["board_url"], "es": base + "/es" + seeded["board_url"]}
        etags = {}
        for language, url in urls.items():
            status, headers, _ = harness.get(url)
            assert status == 200 and headers["Content-Language"] == language, (url, status)
            etags[language] = headers["ETag"]
            harness.wrk(url, seconds=1)  # warm every worker's connections and cache
        assert etags["en"] != etags["es"]
        rounds: dict[str, list[dict]] = {}
        for _ in range(ROUNDS):
            rounds.setdefault("static", []).append(
                harness.wrk(base + seeded["static_url"], seconds=SECONDS)
            )
            for language, url in urls.items():
                rounds.setdefault(f"board {language}", []).append(
                    harness.wrk(url, seconds=SECONDS)
                )
                rounds.setdefault(f"304 {language}", []).append(
                    harness.wrk(url, seconds=SECONDS, headers={"If-None-Match": etags[language]})
                )
    finally:
        harness.stop(server)
    results = {name: median(runs) for name, runs in rounds.items()}
    static = results["static"]["rps"]
    for name, run in results.items():
        ratio = run["rps"] / static
        print(f"{name:10} {run['rps']:8.0f} req/s  p99 {run['p99_ms']:6} ms  x static {ratio:.2f}")
    print(json.dumps({name: round(run["rps"] / static, 2) for name, run in results.items()}))


if __name__ == "__main__":
    main()
