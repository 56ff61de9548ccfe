import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from boards.models import Slot
from tests.factories import conference, local, make_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def card():
    conference(rooms=1, hours=(10, 12))
    return make_card(slot=Slot.objects.first(), title="Django async")


def test_share_card_page_has_web_share_button_mail_link_and_text(client, card):
    html = client.get(card.get_absolute_url()).content.decode()
    assert "data-share" in html and 'data-share-url="http://testserver/card/' in html
    assert "hidden>Share…</button>" in html  # revealed by boards.js where navigator.share exists
    assert 'href="mailto:?subject=Django%20async&amp;body=Open%20space%3A%20' in html
    assert "#PyConOpenSpace" in html


def test_board_marks_the_hour_under_way_with_a_jump_link(client, card):
    url = reverse("boards:day", kwargs={"date": dt.date(2027, 5, 14)})
    with time_machine.travel(local(2027, 5, 14, 10, 30), tick=False):
        html = client.get(url).content.decode()
    assert '<a class="jump-now" href="#hour-1000">Jump to now (10:00)</a>' in html
    assert 'class="hour now" id="hour-1000"' in html
    assert '<span class="badge now-badge">Now</span>' in html


def test_board_before_the_day_has_no_jump_link(client, card):
    url = reverse("boards:day", kwargs={"date": dt.date(2027, 5, 14)})
    with time_machine.travel(local(2027, 5, 14, 8, 0), tick=False):
        html = client.get(url).content.decode()
    assert "jump-now" not in html
