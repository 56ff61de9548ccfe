"""Before/after on one machine: two checkouts' servers measured in alternation.

    BENCH_ROOT=/tmp/before .venv/bin/python bench/ab.py [CONFIG ...]

For each configuration of bench/run.py (sqlite, sqlite+redis, postgres, postgres+redis,
big) it seeds one database, then in each round starts the other checkout's gunicorn
(BENCH_ROOT, "before") and this one's ("after") in turn on the same port, the shared
Redis database flushed between them (their generations need not agree on a format), and
measures the board, the static ceiling and 304 polls on each. On a shared, loaded
machine a figure taken minutes apart moves by ±30%; taken in the same round, the
ratios board/static and 304/static of the two codes compare. Prints the median of each.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import run  # noqa: E402

HERE = harness.ROOT


def measure(name: str, before: Path) -> dict:
    config = run.CONFIGS[name]
    redis_url = run.REDIS if config["redis"] else ""
    env = harness.base_env(
        database_url=run.database_url(config["db"]),
        redis_url=redis_url,
        port=run.PORT,
        BENCH_DAY=config.get("day", ""),
    )
    seeded = harness.seed(env)
    # The same static copy of the board for the other checkout's whitenoise.
    copy = Path("staticfiles") / "bench" / "board.html"
    (before / copy).parent.mkdir(parents=True, exist_ok=True)
    (before / copy).write_bytes((HERE / copy).read_bytes())
    base = f"http://127.0.0.1:{run.PORT}"
    board_url, static_url = base + seeded["board_url"], base + seeded["static_url"]
    ratios: dict[str, dict[str, list[float]]] = {
        code: {"board": [], "304": []} for code in ("before", "after")
    }
    for number in range(run.ROUNDS):
        codes = [("before", before), ("after", HERE)]
        for code, root in codes if number % 2 == 0 else codes[::-1]:
            harness.use_root(root)
            if redis_url:
                harness.flush_redis(redis_url)
            server = harness.start_gunicorn(env, harness.RESULTS / f"ab-{code}-{name}.log")
            try:
                _, headers, _ = harness.get(board_url)
                poll = {"If-None-Match": headers["ETag"]}
                harness.wrk(board_url, seconds=1)  # warm the workers
                static = harness.wrk(static_url, seconds=run.SECONDS)["rps"]
                board = harness.wrk(board_url, seconds=run.SECONDS)["rps"]
                polls = harness.wrk(board_url, seconds=run.SECONDS, headers=poll)["rps"]
            finally:
                harness.stop(server)
            ratios[code]["board"].append(board / static)
            ratios[code]["304"].append(polls / static)
    harness.use_root(HERE)

    def middle(values: list[float]) -> float:
        return round(sorted(values)[len(values) // 2], 2)

    return {
        "config": name,
        **{
            f"{code} {kind}/static": middle(values)
            for code, kinds in ratios.items()
            for kind, values in kinds.items()
        },
    }


def main() -> None:
    before = Path(os.environ["BENCH_ROOT"]).resolve()
    names = sys.argv[1:] or list(run.CONFIGS)
    # Static files for both checkouts (each serves its own).
    for root in (before, HERE):
        harness.use_root(root)
        env = harness.base_env(database_url=f"sqlite:///{run.SQLITE_DIR / 'static.sqlite3'}")
        run.SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        harness.manage(env, "collectstatic", "--noinput", "-v0")
    harness.use_root(HERE)
    results = [measure(name, before) for name in names]
    keys = [key for key in results[0] if key != "config"]
    print(f"before: {before}; after: {HERE}; {run.ROUNDS} rounds, medians; {harness.pinning()}")
    print(" | ".join([f"{'':16}", *(f"{key:>18}" for key in keys)]))
    for result in results:
        print(" | ".join([f"{result['config']:16}", *(f"{result[key]:>18}" for key in keys)]))


if __name__ == "__main__":
    main()
