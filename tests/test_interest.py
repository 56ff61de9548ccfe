import datetime as dt
import threading

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from boards import services
from boards.models import Card, Interest, Slot
from boards.services import _write, interest
from boards.services.cards import card_release
from boards.services.interest import interest_set
from tests.factories import conference, local, make_card

CLICK = local(2027, 5, 14, 9, 0) + dt.timedelta(seconds=10)


@pytest.fixture
def card(db):
    conference(rooms=1, hours=(10, 11))
    return make_card(slot=Slot.objects.first(), title="Django async")


def _interest(client, card, interested: str = "1", **headers):
    url = reverse("boards:card_interest", kwargs={"pk": card.pk})
    return client.post(url, {"interested": interested}, headers=headers)


def _board(client, when, **headers):
    url = reverse("boards:day", kwargs={"date": dt.date(2027, 5, 14)})
    with time_machine.travel(when, tick=False):
        return client.get(url, headers=headers)


def test_interest_without_javascript_redirects_to_the_card_with_the_count(client, card):
    with time_machine.travel(CLICK, tick=False):
        response = _interest(client, card)
        page = client.get(card.get_absolute_url())
    assert response.status_code == 303
    assert response["Location"] == card.get_absolute_url() + "#interest"
    assert response.cookies["os_browser"]["httponly"]
    assert "1 person is interested, you included." in page.content.decode()
    assert 'aria-pressed="true"' in page.content.decode()


def test_interest_twice_from_one_browser_counts_once_and_can_be_taken_back(client, card):
    with time_machine.travel(CLICK, tick=False):
        _interest(client, card)
        _interest(client, card)
        assert Interest.objects.filter(card=card).count() == 1
        _interest(client, card, "0")
    assert Interest.objects.filter(card=card).count() == 0


def test_interest_from_two_browsers_counts_two_and_shows_to_everyone(card):
    with time_machine.travel(CLICK, tick=False):
        _interest(Client(), card)
        _interest(Client(), card)
        page = Client().get(card.get_absolute_url())
    assert page.context["interest_count"] == 2
    assert "2 people are interested." in page.content.decode()


def test_interest_from_htmx_answers_the_form_fragment(client, card):
    with time_machine.travel(CLICK, tick=False):
        response = _interest(client, card, hx_request="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="interest"')
    assert "you included" in html
    assert "no-store" in response["Cache-Control"]


def test_interest_too_fast_is_429(client, card, settings):
    settings.OPENSPACES_INTEREST_RATE = 2
    with time_machine.travel(CLICK, tick=False):
        statuses = [_interest(client, card, value).status_code for value in "101"]
        limited = _interest(client, card, "1", hx_request="true")
    assert statuses == [303, 303, 429]
    assert limited.status_code == 429
    assert "Too many clicks" in limited.content.decode()


def test_interest_in_a_released_card_is_410(client, card):
    card_release(card=card)
    with time_machine.travel(CLICK, tick=False):
        response = _interest(client, card)
    assert response.status_code == 410
    assert not Interest.objects.exists()


def test_interest_without_csrf_token_is_refused(card):
    client = Client(enforce_csrf_checks=True)
    assert _interest(client, card).status_code == 403


def test_interest_reaches_the_board_at_the_next_window_not_at_every_click(
    client, card, django_capture_on_commit_callbacks
):
    before = _board(client, CLICK - dt.timedelta(seconds=5))
    assert "interested" not in before.content.decode()
    with (
        time_machine.travel(CLICK, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _interest(Client(), card)
        _interest(Client(), card)
    # Within the same minute the board keeps its ETag: polls stay 304.
    same_window = _board(client, CLICK + dt.timedelta(seconds=20), if_none_match=before["ETag"])
    assert same_window.status_code == 304
    # From the next window the counts are on the board, for everyone.
    later = _board(client, CLICK + dt.timedelta(seconds=60), if_none_match=before["ETag"])
    assert later.status_code == 200
    assert "2 interested" in later.content.decode()
    # And then it stays put again.
    again = _board(client, CLICK + dt.timedelta(seconds=200), if_none_match=later["ETag"])
    assert again.status_code == 304


def test_interest_board_version_is_not_bumped(card):
    version = card.slot.day.version
    with time_machine.travel(CLICK, tick=False):
        interest_set(card=card, browser_key="k" * 32, interested=True, now=CLICK)
    card.slot.day.refresh_from_db()
    assert card.slot.day.version == version


def test_interest_board_html_stays_the_same_for_everyone(client, card):
    with time_machine.travel(CLICK, tick=False):
        _interest(client, card)  # this browser now has the cookie
    mine = _board(client, CLICK + dt.timedelta(minutes=2))
    theirs = _board(Client(), CLICK + dt.timedelta(minutes=2))
    assert mine.content == theirs.content
    assert "Cookie" not in mine.get("Vary", "")


@pytest.mark.django_db(transaction=True)
def test_interest_concurrent_clicks_are_counted_exactly():
    conference(rooms=1, hours=(10, 11))
    card = make_card(slot=Slot.objects.first(), title="Popular")
    browsers = [f"browser-{index:02d}-{'x' * 20}" for index in range(8)]
    errors = []
    barrier = threading.Barrier(len(browsers))

    def click(key: str) -> None:
        try:
            barrier.wait()
            for _ in range(2):  # a double tap too
                interest_set(card=card, browser_key=key, interested=True, now=CLICK)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(key,)) for key in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Card.objects.with_interest().get(pk=card.pk).interest_count == len(browsers)


@pytest.mark.parametrize("interests", [1, 30])
def test_interest_card_page_query_count_is_constant(
    client, card, django_assert_max_num_queries, interests
):
    Interest.objects.bulk_create(
        Interest(card=card, browser_key=f"browser-{index}") for index in range(interests)
    )
    client.cookies["os_browser"] = "browser-0" + "x" * 20
    with django_assert_max_num_queries(4):
        response = client.get(card.get_absolute_url())
    assert response.context["interest_count"] == interests


def test_interest_when_the_database_keeps_refusing_is_409_and_not_counted(
    client, card, monkeypatch
):
    def refused(**_kwargs):
        raise services.Busy()  # what the write decorator raises once its retries run out

    monkeypatch.setattr(interest, "interest_set", refused)
    with time_machine.travel(CLICK, tick=False):
        response = _interest(client, card)
    assert response.status_code == 409
    assert "Nothing you typed is lost" in response.content.decode()
    assert Interest.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a request is: retried
def test_interest_whose_retries_run_out_is_the_busy_answer_not_a_500(client, card, monkeypatch):
    """The real write path: every attempt meets a deadlock, the write decorator gives up
    with Busy, and the click is answered "send it again"."""
    attempts = []

    def deadlocked(**_kwargs):
        attempts.append(1)
        error = OperationalError("deadlock detected")
        error.__cause__ = type("Cause", (Exception,), {"sqlstate": "40P01"})()
        raise error

    monkeypatch.setattr(Interest.objects, "create", deadlocked)
    with time_machine.travel(CLICK, tick=False):
        response = _interest(client, card)
    assert response.status_code == 409
    assert "Nothing you typed is lost" in response.content.decode()
    assert len(attempts) == _write.WRITE_ATTEMPTS
    assert Interest.objects.count() == 0
