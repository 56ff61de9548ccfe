"""What leaves the boards in bulk: the chair's CSV of cards and the public schedule feeds
(/schedule.json, and /schedule.xml for conference apps)."""

import csv
import datetime as dt
import re
from collections.abc import Iterable
from typing import IO
from xml.etree.ElementTree import Element, SubElement, tostring

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from boards import queries
from boards.models import SLOT_LENGTH, Card
from openspaces import __version__

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


# /schedule.xml: the frab (Pentabarf) schedule, as conference apps read it ---------------

# What frab calls the track and the type of every event here.
OPEN_SPACE = "Open Space"
# XML 1.0 has no way to write these characters, not even escaped; a card saved past the
# forms (the admin, a shell) might hold one, and an app's parser would stop at it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def acronym() -> str:
    """The conference's short name for frab (lowercase letters, digits, _ and -, four or
    more): the hashtag's, else the name's."""
    for source in (settings.OPENSPACES_HASHTAG, settings.OPENSPACES_NAME):
        word = slugify(source)
        if len(word) >= 4:
            return word
    return "openspaces"


def _event_slug(prefix: str, card: Card) -> str:
    """Unique and stable enough for file names (the c3voc tools name recordings by it):
    `<acronym>-<card id>-<title>`, in frab's `[a-z0-9_]{4,}-[a-z0-9-_]{4,}`."""
    title = slugify(card.title)[:50].strip("-")
    return f"{prefix}-{card.pk:04d}" + (f"-{title}" if title else "")


def _abstract(description: str) -> str:
    """The first paragraph: what an app shows in its list."""
    return description.strip().split("\n\n")[0].strip()


def schedule_xml(*, build_url, version: str) -> str:
    """The public schedule in frab's schedule.xml (boards/schemas/schedule.xml.xsd says
    what that is; tests/test_schedule_xml.py checks the two agree): one <day> per
    conference day, every room in each, one <event> per card on the boards.

    `build_url` turns a path into an absolute URL; `version` is the boards' version, so an
    app sees the schedule changed. Never an email; a removed or hidden card is not there.
    """
    programme = queries.programme()
    rooms = {room.pk: room for room in programme.rooms}
    prefix = acronym().replace("-", "_")

    root = Element("schedule")
    SubElement(root, "generator", name="openspaces", version=__version__)
    SubElement(root, "url").text = build_url(reverse("boards:schedule_xml"))
    SubElement(root, "version").text = version
    conference = SubElement(root, "conference")
    SubElement(conference, "title").text = _xml_text(settings.OPENSPACES_NAME)
    SubElement(conference, "acronym").text = acronym()
    if programme.days:
        SubElement(conference, "start").text = programme.days[0].date.isoformat()
        SubElement(conference, "end").text = programme.days[-1].date.isoformat()
    SubElement(conference, "days").text = str(len(programme.days))
    SubElement(conference, "timeslot_duration").text = _duration(SLOT_LENGTH)
    SubElement(conference, "base_url").text = build_url("/")
    SubElement(conference, "time_zone_name").text = timezone.get_current_timezone_name()

    for index, day in enumerate(programme.days, start=1):
        slots = programme.slots.get(day.pk, [])
        day_start, day_end = _day_span(day, slots)
        day_element = SubElement(
            root,
            "day",
            index=str(index),
            date=day.date.isoformat(),
            start=day_start.isoformat(),
            end=day_end.isoformat(),
        )
        for room in programme.rooms:
            room_element = SubElement(day_element, "room", name=_xml_text(room.name))
            for slot, card in slots:
                if card is not None and slot.room_id == room.pk:
                    _event(room_element, card, slot, rooms[slot.room_id], prefix, build_url)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode")


def _event(parent: Element, card: Card, slot, room, prefix: str, build_url) -> None:
    start = timezone.localtime(slot.starts_at)
    event = SubElement(parent, "event", id=str(card.pk), guid=str(card.guid))
    handle = card.handle
    fields = {
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "duration": _duration(slot.ends_at - slot.starts_at),
        "room": room.name,
        "slug": _event_slug(prefix, card),
        "url": build_url(card.get_absolute_url()),
        "title": card.title,
        "subtitle": "",
        "track": OPEN_SPACE,
        "type": OPEN_SPACE,
        "language": settings.LANGUAGE_CODE,
        "abstract": _abstract(card.description),
        "description": card.description,
    }
    for name, text in fields.items():
        SubElement(event, name).text = _xml_text(text)
    persons = SubElement(event, "persons")
    SubElement(persons, "person").text = _xml_text(card.host_name)
    links = SubElement(event, "links")
    if handle and handle.url:
        SubElement(links, "link", href=handle.url).text = _xml_text(handle.text)
    # After the hour: what the host linked to (slides, notes, a recording).
    for address in card.web_links:
        SubElement(links, "link", href=_xml_text(address)).text = _xml_text(address)


def _day_span(day, slots) -> tuple[dt.datetime, dt.datetime]:
    """A day runs from its first slot's start to its last slot's end; a day without
    slots, midnight to midnight."""
    if slots:
        return (
            timezone.localtime(min(slot.starts_at for slot, _card in slots)),
            timezone.localtime(max(slot.ends_at for slot, _card in slots)),
        )
    zone = timezone.get_current_timezone()
    midnight = dt.datetime.combine(day.date, dt.time(), tzinfo=zone)
    return midnight, dt.datetime.combine(day.date + dt.timedelta(days=1), dt.time(), tzinfo=zone)


def _duration(length: dt.timedelta) -> str:
    minutes = int(length.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)
