import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from boards.models import Slot
from boards.views.common import qr_svg
from tests.factories import conference, local, make_card

pytestmark = pytest.mark.django_db

DURING = local(2027, 5, 14, 11, 20)


def _display(client, url=None, when=DURING, **headers):
    with time_machine.travel(when, tick=False):
        return client.get(url or reverse("boards:display"), headers=headers)


@pytest.fixture
def board():
    first, *_ = conference(rooms=2, hours=(10, 14))
    make_card(
        slot=Slot.objects.get(room__name="Room A", starts_at=local(2027, 5, 14, 11)),
        title="Happening now",
    )
    make_card(
        slot=Slot.objects.get(room__name="Room B", starts_at=local(2027, 5, 14, 12)),
        title="Up next",
    )
    return first


def test_display_shows_now_then_next_first_and_leaves_out_past_hours(client, board):
    response = _display(client)
    assert response.status_code == 200
    labels = [(hour.starts_at.hour, label) for hour, label in response.context["hours"]]
    assert labels == [(11, "now"), (12, "next"), (13, "")]
    html = response.content.decode()
    assert html.index("Happening now") < html.index("Up next")
    assert "10:00" not in html


def test_display_has_the_hashtag_and_a_qr_code_to_the_phone_board(client, board):
    html = _display(client).content.decode()
    assert "#PyConOpenSpace" in html
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="segno">', html)
    assert "<?xml" not in html
    assert "style=" not in html


def test_display_refreshes_itself_with_and_without_javascript(client, board):
    html = _display(client).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="60"></noscript>' in html
    assert 'hx-get="/display/"' in html and "data-poll" in html
    assert "<script>" not in html


def test_display_fragment_for_htmx_and_304_for_an_unchanged_board(client, board):
    fragment = _display(client, hx_request="true")
    assert fragment.content.decode().lstrip().startswith('<main id="display"')
    again = _display(client, hx_request="true", if_none_match=fragment["ETag"])
    assert again.status_code == 304


def test_display_moves_on_when_the_next_hour_starts(client, board):
    first = _display(client)
    later = _display(client, when=local(2027, 5, 14, 12, 5), if_none_match=first["ETag"])
    assert later.status_code == 200
    assert [label for _, label in later.context["hours"]] == ["now", "next"]


def test_display_of_another_day_has_no_now_or_next(client, board):
    url = reverse("boards:day_display", kwargs={"date": dt.date(2027, 5, 15)})
    response = _display(client, url)
    assert response.status_code == 200
    assert {label for _, label in response.context["hours"]} == {""}
    assert len(response.context["hours"]) == 4


def test_display_of_a_day_without_a_board_is_404(client, board):
    url = reverse("boards:day_display", kwargs={"date": dt.date(2027, 6, 1)})
    assert _display(client, url).status_code == 404


def test_display_never_touches_the_session(client, board):
    response = _display(client)
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


def test_qr_svg_is_inline_markup_without_size_or_style():
    svg = qr_svg("https://openspaces.example.org/")
    assert svg.startswith('<svg viewBox="')
    assert "width=" not in svg.split(">")[0] and "style" not in svg
    assert "<title>QR code: https://openspaces.example.org/</title>" in svg


@pytest.mark.parametrize("cards", [1, 64])
def test_display_query_count_is_constant(client, django_assert_max_num_queries, cards):
    conference(rooms=8, hours=(10, 18))
    for slot in Slot.objects.order_by("starts_at", "room__position")[:cards]:
        make_card(slot=slot, title=f"Topic {slot.pk}")
    with django_assert_max_num_queries(6):
        response = _display(client, when=local(2027, 5, 14, 9, 0))
    assert len(response.context["hours"]) == 8
