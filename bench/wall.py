"""The ideas wall and the guide under polling: 304s against the static ceiling.

    .venv/bin/python bench/wall.py [--port 8022]

Seeds a fresh SQLite database (bench/seed.py's conference) with 40 ideas on the wall (a
few hosted, each with "I'd come"s), starts gunicorn on 127.0.0.1:PORT and measures with
wrk, in interleaved rounds (medians of each round's ratio): the static ceiling, the wall
rendered (/ideas/), polls of the wall and of the guide with their current ETag.
Target, as the board's: 304 >= 0.9 x static.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

SECONDS = 3
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
IDEAS = """
from django.utils import timezone
from boards.models import Slot
from boards.services import cards, ideas
free = list(Slot.objects.claimable(timezone.now()).select_related("day")[:5])
for number in range(40):
    idea = ideas.idea_suggest(title=f"Idea number {number}", description="A line about it.")
    for supporter in range(number % 7):
        ideas.idea_support_set(idea=idea, browser_key=f"bench-{number}-{supporter}-" + "x" * 20,
                               supports=True, now=timezone.now())
    if number < len(free):
        cards.card_claim(slot=free[number], title=idea.title, host_name="Ada",
                         now=timezone.now(), actor=cards.DEMO, idea_id=idea.pk)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8022)
    port = parser.parse_args().port
    folder = Path(f"/tmp/os_wall_bench_{port}")
    database = harness.fresh_sqlite(folder / "bench.sqlite3")
    env = harness.base_env(database_url=database, port=port)
    seeded = harness.seed(env)
    harness.manage(env, "shell", "-c", IDEAS)
    server = harness.start_gunicorn(env, folder / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    try:
        urls = {"wall": base + "/ideas/", "guide": base + "/guide/"}
        etags = {}
        for name, url in urls.items():
            status, headers, body = harness.get(url)
            assert status == 200, (url, status)
            assert name != "wall" or body.count(b'class="idea"') == 40
            etags[name] = headers["ETag"]
            harness.wrk(url, seconds=1)  # warm every worker's connections and cache
        rounds: dict[str, list[dict]] = {}
        for _ in range(ROUNDS):
            rounds.setdefault("static", []).append(
                harness.wrk(base + seeded["static_url"], seconds=SECONDS)
            )
            rounds.setdefault("wall 200", []).append(harness.wrk(urls["wall"], seconds=SECONDS))
            for name, url in urls.items():
                rounds.setdefault(f"{name} 304", []).append(
                    harness.wrk(url, seconds=SECONDS, headers={"If-None-Match": etags[name]})
                )
    finally:
        harness.stop(server)
    ratios = {
        name: sorted(
            run["rps"] / static["rps"] for run, static in zip(runs, rounds["static"], strict=True)
        )[len(runs) // 2]
        for name, runs in rounds.items()
    }
    for name, runs in rounds.items():
        run = sorted(runs, key=lambda each: each["rps"])[len(runs) // 2]
        print(
            f"{name:10} {run['rps']:8.0f} req/s  p99 {run['p99_ms']:6} ms  "
            f"x static {ratios[name]:.2f}"
        )
    print(json.dumps({name: round(ratio, 2) for name, ratio in ratios.items()}))


if __name__ == "__main__":
    main()
