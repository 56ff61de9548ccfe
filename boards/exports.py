"""What leaves the boards in bulk: the chair's CSV of cards and the public schedule feed."""

import csv
from collections.abc import Iterable
from typing import IO

from django.utils import timezone

from boards import queries
from boards.models import Card

CSV_COLUMNS = [
    "id",
    "day",
    "starts_at",
    "room",
    "title",
    "description",
    "host_name",
    "host_handle",
    "email",
    "status",
    "removed_reason",
    "open_flags",
    "interested",
    "created_at",
    "updated_at",
    "notes",
    "links",
    "attendance",
]


def write_cards_csv(cards: Iterable[Card], out: IO[str]) -> None:
    """The chair's export: every field, the private email too (it stays in the admin)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for card in cards:
        row = [
            card.pk,
            card.slot.day.date.isoformat(),
            timezone.localtime(card.slot.starts_at).isoformat(),
            card.slot.room.name,
            card.title,
            card.description,
            card.host_name,
            card.host_handle,
            card.email,
            card.get_status_display(),  # words, not the stored code
            card.removed_reason,
            getattr(card, "open_flags", 0),
            getattr(card, "interest_count", 0),
            timezone.localtime(card.created_at).isoformat(),
            timezone.localtime(card.updated_at).isoformat(),
            card.notes,
            " ".join(card.web_links),
            card.attendance or "",
        ]
        writer.writerow([_spreadsheet_safe(cell) for cell in row])


# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _spreadsheet_safe(value):
    """Every text cell, whoever typed it, is shown as text: a leading quote disarms it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def schedule(*, build_url) -> dict:
    """The public schedule: days, rooms, slots and the cards on the boards. Never emails.

    `build_url` turns a path into an absolute URL. The reads are queries.programme().
    """
    programme = queries.programme()
    by_day: dict[int, list[dict]] = {}
    for day_id, slots in programme.slots.items():
        by_day[day_id] = [
            {
                "id": slot.pk,
                "room_id": slot.room_id,
                "starts_at": timezone.localtime(slot.starts_at).isoformat(),
                "ends_at": timezone.localtime(slot.ends_at).isoformat(),
                "blocked_reason": slot.blocked_reason,
                "card": _public_card(card, build_url) if card else None,
            }
            for slot, card in slots
        ]
    return {
        "generated_at": timezone.localtime().isoformat(),
        "time_zone": timezone.get_current_timezone_name(),
        "rooms": [
            {
                "id": room.pk,
                "name": room.name,
                "capacity": room.capacity,
                "location": room.location,
            }
            for room in programme.rooms
        ],
        "days": [
            {
                "date": day.date.isoformat(),
                "board_opens_at": timezone.localtime(day.board_opens_at).isoformat(),
                "url": build_url(day.get_absolute_url()),
                "slots": by_day.get(day.pk, []),
            }
            for day in programme.days
        ],
    }


def _public_card(card: Card, build_url) -> dict:
    handle = card.handle
    return {
        "id": card.pk,
        "title": card.title,
        "description": card.description,
        "host_name": card.host_name,
        "host_handle": handle.text if handle else "",
        "host_url": (handle.url or "") if handle else "",
        "url": build_url(card.get_absolute_url()),
        # After the hour (empty before): what the host left, and how many came.
        "notes": card.notes,
        "links": card.web_links,
        "attendance": card.attendance,
    }
