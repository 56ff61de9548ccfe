"""Which board `/` shows, across the conference's timeline, in its time zone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from tests.factories import conference, local

pytestmark = pytest.mark.django_db

FIRST_DAY = dt.date(2027, 5, 14)  # a Friday; the reception is Thursday 13 May at 17:30


def board_heading(response) -> str:
    html = response.content.decode()
    start = html.index('<h1 class="board-title">')
    return html[start : html.index("</h1>", start)]


def test_home_an_hour_before_the_reception_says_when_and_where_the_first_board_opens(client):
    conference()
    with time_machine.travel(local(2027, 5, 13, 16, 30), tick=False):
        response = client.get("/")
    assert response.status_code == 200
    assert "The first board goes up Thursday 17:30 at the opening reception" in (
        response.content.decode()
    )
    assert 'href="/slot/' not in response.content.decode()


def test_home_at_the_reception_shows_the_first_days_board_open_for_claims(client):
    conference()
    with time_machine.travel(local(2027, 5, 13, 17, 30), tick=False):
        response = client.get("/")
    assert "Friday 14 May" in board_heading(response)
    assert "Tomorrow" in board_heading(response)
    assert response.content.decode().count('<a class="claim-link cell open ') == 2 * 2


def test_home_just_after_local_midnight_shows_the_new_day_while_utc_is_still_yesterday(client):
    with override_settings(TIME_ZONE="Europe/Berlin"):
        conference()
        berlin_half_past_midnight = dt.datetime(
            2027, 5, 15, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")
        )
        assert berlin_half_past_midnight.astimezone(dt.UTC).date() == dt.date(2027, 5, 14)
        with time_machine.travel(berlin_half_past_midnight, tick=False):
            response = client.get("/")
    assert "Saturday 15 May" in board_heading(response)
    assert "Today" in board_heading(response)


def test_home_late_evening_keeps_todays_board_while_utc_is_already_tomorrow(client):
    conference()
    ten_pm = local(2027, 5, 14, 22)
    assert ten_pm.astimezone(dt.UTC).date() == dt.date(2027, 5, 15)
    with time_machine.travel(ten_pm, tick=False):
        response = client.get("/")
    assert "Friday 14 May" in board_heading(response)
    assert 'rel="next">Tomorrow' in response.content.decode()


def test_home_on_the_last_evening_shows_the_last_day(client):
    conference()
    with time_machine.travel(local(2027, 5, 16, 21), tick=False):
        response = client.get("/")
    assert "Sunday 16 May" in board_heading(response)
    assert 'rel="next"' not in response.content.decode()


def test_home_after_the_conference_shows_the_last_days_board(client):
    conference()
    with time_machine.travel(local(2027, 5, 20, 9), tick=False):
        response = client.get("/")
    assert "Sunday 16 May" in board_heading(response)
    assert 'class="claim-link' not in response.content.decode()


def test_tomorrows_board_opens_when_today_begins(client):
    conference()
    with time_machine.travel(local(2027, 5, 13, 23, 59), tick=False):
        before = client.get("/day/2027-05-15/")
    with time_machine.travel(local(2027, 5, 14, 0, 0), tick=False):
        after = client.get("/day/2027-05-15/")
    assert 'class="claim-link' not in before.content.decode()
    assert "This board opens for sign-up at midnight, as Friday begins." in before.content.decode()
    assert after.content.decode().count('<a class="claim-link cell open ') == 4


def test_home_with_no_days_explains_that_no_boards_are_set_up(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No boards yet" in response.content.decode()


def test_day_board_for_a_date_without_a_board_is_404(client):
    conference()
    assert client.get("/day/2027-05-20/").status_code == 404
    assert client.get("/day/2027-02-30/").status_code == 404
    assert client.get("/day/tomorrow/").status_code == 404
