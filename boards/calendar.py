"""Open spaces as iCalendar: one card with a reminder, or subscribable feeds.

Times are written in UTC (a trailing Z), which every calendar converts to its
reader's zone, so no VTIMEZONE is needed. A card keeps its UID for life; its
SEQUENCE grows with every change (`Card.sequence`), and a released or removed
card stays in the feeds as CANCELLED (its UID, time and a neutral summary, nothing
else) so that subscribed calendars drop it.
"""

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext
from icalendar import Alarm, Calendar, Event

from boards.models import Card

CONTENT_TYPE = "text/calendar; charset=utf-8"
REMINDER = dt.timedelta(minutes=15)
REFRESH = "PT15M"


def card_uid(card: Card, domain: str) -> str:
    return f"card-{card.pk}@{domain}"


def calendar_for(
    cards: Iterable[Card], *, name: str, domain: str, url_for, alarm: bool = False
) -> bytes:
    """An iCalendar document of `cards`; `url_for(card)` gives each card's absolute URL."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{domain}//Open Spaces boards//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", dt.timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for card in cards:
        calendar.add_component(_event(card, domain=domain, url=url_for(card), alarm=alarm))
    return calendar.to_ical()


def _event(card: Card, *, domain: str, url: str, alarm: bool) -> Event:
    event = Event()
    event.add("uid", card_uid(card, domain))
    event.add("dtstamp", card.updated_at.astimezone(dt.UTC))
    event.add("last-modified", card.updated_at.astimezone(dt.UTC))
    event.add("sequence", card.sequence)
    event.add("dtstart", card.slot.starts_at.astimezone(dt.UTC))
    event.add("dtend", card.slot.ends_at.astimezone(dt.UTC))
    if not card.is_active:
        # Enough for a calendar to drop the event it has, and nothing of what it was:
        # a removed or hidden card's text, host and place are not public any more.
        event.add("summary", gettext("Cancelled open space"))
        event.add("status", "CANCELLED")
        return event
    room = card.slot.room
    event.add("created", card.created_at.astimezone(dt.UTC))
    event.add("summary", gettext("Open space: %(title)s") % {"title": card.title})
    event.add("location", ", ".join(part for part in (room.name, room.location) if part))
    host = card.host_name + (f" ({card.host_handle})" if card.host_handle else "")
    hosted = gettext("Host: %(host)s") % {"host": host}
    event.add("description", "\n\n".join(filter(None, [card.description, hosted, url])))
    event.add("url", url)
    event.add("status", "CONFIRMED")
    if alarm:
        reminder = Alarm()
        reminder.add("action", "DISPLAY")
        reminder.add(
            "description",
            gettext("In 15 minutes: %(title)s, %(room)s")
            % {"title": card.title, "room": room.name},
        )
        reminder.add("trigger", -REMINDER)
        event.add_component(reminder)
    return event
