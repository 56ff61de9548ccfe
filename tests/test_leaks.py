"""Nothing leaks: gone cards in feeds and calendar files, manage tokens in logs,
formulas in the chair's CSV."""

import csv
import importlib.util
import io
import logging
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from gunicorn.config import Config
from icalendar import Calendar

from boards.models import Card, Slot
from boards.services.cards import Actor, card_flag, card_release, card_remove
from tests.factories import conference, make_card

pytestmark = pytest.mark.django_db

SECRET = {
    "title": "Secret title",
    "description": "Secret description",
    "host_name": "Secret Host",
    "host_handle": "@secret",
}


def _gone_cards() -> list[Card]:
    """A removed, a hidden (reported) and a released card."""
    conference(days=1)
    first, second, third = Slot.objects.order_by("starts_at", "pk")[:3]
    removed = make_card(slot=first, **SECRET)
    card_remove(card=removed, reason="Spam", actor=Actor.chair("x"))
    hidden = make_card(slot=second, **SECRET)
    with override_settings(OPENSPACES_FLAG_LIMIT=1):
        card_flag(card=hidden, reason="Spam", reporter="someone")
    released = make_card(slot=third, **SECRET)
    card_release(card=released)
    return [removed, hidden, released]


@pytest.mark.parametrize("url", ["/calendar.ics", "/day/2027-05-14/calendar.ics"])
def test_feeds_cancel_gone_cards_with_uid_time_and_a_neutral_summary_only(client, url):
    gone = _gone_cards()
    response = client.get(url)
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert sorted(str(event["uid"]) for event in events) == sorted(
        f"card-{card.pk}@testserver" for card in gone
    )
    for event in events:
        assert str(event["status"]) == "CANCELLED"
        assert str(event["summary"]) == "Cancelled open space"
        assert {"DESCRIPTION", "LOCATION", "URL", "ORGANIZER"}.isdisjoint(event)
    assert "Secret" not in response.text


def test_a_gone_cards_calendar_file_answers_410_like_its_page(client):
    for card in _gone_cards():
        page = client.get(card.get_absolute_url())
        ics = client.get(reverse("boards:card_calendar", args=[card.pk]))
        assert (page.status_code, ics.status_code) == (410, 410), card.status
        assert "Secret" not in ics.content.decode()


def test_no_manage_token_in_djangos_log_lines(client):
    card = make_card()
    (console,) = logging.getLogger().handlers[:1]  # settings.LOGGING's console handler
    lines = io.StringIO()
    stream = console.setStream(lines)
    try:
        client.get(f"/card/{card.pk}/manage/a-wrong-secret-token/")
        client.post(f"/card/{card.pk}/manage/another-secret-token/release/")
    finally:
        console.setStream(stream)
    logged = lines.getvalue()
    assert f"/card/{card.pk}/manage/…/" in logged
    assert "secret-token" not in logged


def test_no_manage_token_in_gunicorns_access_log():
    path = Path(settings.BASE_DIR) / "openspaces" / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    config = Config()
    config.set("access_log_format", conf.access_log_format)
    config.set("accesslog", os.devnull)
    logger = conf.logger_class(config)
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    logger.access_log.addHandler(handler)
    logger.access_log.setLevel(logging.INFO)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/card/7/manage/the-secret-token/?done=saved",
        "PATH_INFO": "/card/7/manage/the-secret-token/",
        "QUERY_STRING": "done=saved",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://example.org/card/7/manage/the-secret-token/",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
    request = SimpleNamespace(headers=[])
    logger.access(response, request, environ, SimpleNamespace(seconds=0, microseconds=5))
    assert "/card/7/manage/…/" in lines.getvalue()
    assert "the-secret-token" not in lines.getvalue()


def test_every_csv_cell_a_spreadsheet_would_run_is_neutralised(admin_client):
    conference(days=1)
    slot = Slot.objects.order_by("starts_at", "pk").first()
    make_card(
        slot=slot,
        title="+SUM(1)",
        description="-2+3",
        host_name="@cmd",
        host_handle="\tx",
        email="=1+1@example.org",
    )
    response = admin_client.get(reverse("admin:boards_card_export"))
    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert [row[name] for name in ("title", "description", "host_name", "email")] == [
        "'+SUM(1)",
        "'-2+3",
        "'@cmd",
        "'=1+1@example.org",
    ]
    assert row["host_handle"] == "'\tx"
