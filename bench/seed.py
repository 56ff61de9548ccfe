"""Seed a benchmark conference and print what the benchmark needs, as JSON.

Run with the benchmark's environment (DATABASE_URL, SECRET_KEY ...) on an empty,
migrated database:

- tomorrow: a full day, 8 rooms x 8 hours (10-18), all 64 slots claimed; with
  BENCH_DAY=big a PyCon-2026-sized one, 18 rooms x 17 hours (06-23), 306 cards;
- the day after: the same grid, open for claims now, for the claim benchmarks.

It runs on the code of its working directory (bench/run.py's BENCH_ROOT: another checkout).

It also writes the exact bytes of the full board page to STATIC_ROOT/bench/board.html,
so that the same bytes can be served as a static file (the stack's ceiling).
"""

import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspaces.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from boards.management.commands.load_demo import CARDS  # noqa: E402
from boards.models import Day, Slot  # noqa: E402
from boards.services.cards import card_claim  # noqa: E402
from boards.services.setup import conference_setup  # noqa: E402

ROOMS = [f"Room {name}" for name in ("140A", "140B", "141", "250A", "250B", "251", "310", "312")]
BIG_ROOMS = [f"Room {number}" for number in range(101, 119)]
BIG = os.environ.get("BENCH_DAY") == "big"


def main() -> None:
    now = timezone.now()
    board_date = timezone.localdate(now) + dt.timedelta(days=1)
    conference_setup(
        first_day=board_date,
        days=2,
        rooms=BIG_ROOMS if BIG else ROOMS,
        hours=(6, 23) if BIG else (10, 18),
        reception=now - dt.timedelta(hours=1),
    )
    claims_day = Day.objects.get(date=board_date + dt.timedelta(days=1))
    claims_day.board_opens_at = now - dt.timedelta(hours=1)
    claims_day.save()
    for index, slot in enumerate(Slot.objects.filter(day__date=board_date).order_by("pk")):
        title, description, host_name, host_handle = CARDS[index % len(CARDS)]
        card_claim(
            slot=slot,
            title=title,
            description=description,
            host_name=host_name,
            host_handle=host_handle,
            now=now,
        )
    board_url = f"/day/{board_date.isoformat()}/"
    response = Client(HTTP_HOST="127.0.0.1").get(board_url)
    assert response.status_code == 200, response.status_code
    static_copy = Path(settings.STATIC_ROOT) / "bench" / "board.html"
    static_copy.parent.mkdir(parents=True, exist_ok=True)
    static_copy.write_bytes(response.content)
    free = list(Slot.objects.filter(day=claims_day).order_by("pk").values_list("pk", flat=True))
    print(
        json.dumps(
            {
                "board_url": board_url,
                "board_bytes": len(response.content),
                "claims_url": f"/day/{claims_day.date.isoformat()}/",
                "static_url": f"{settings.STATIC_URL}bench/board.html",
                "free_slots": free,
            }
        )
    )


if __name__ == "__main__":
    main()
