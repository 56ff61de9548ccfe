import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from boards.board import normalise_query
from boards.models import Slot
from tests.factories import conference, local, make_card

pytestmark = pytest.mark.django_db

DURING = local(2027, 5, 14, 9, 0)


def _board(client, query=None, **headers):
    url = reverse("boards:day", kwargs={"date": dt.date(2027, 5, 14)})
    data = {"q": query} if query is not None else {}
    with time_machine.travel(DURING, tick=False):
        return client.get(url, data, headers=headers)


def _titles(response) -> list[str]:
    board = response.context["board"]
    return [cell.card.title for hour in board.hours for cell in hour.cells if cell.card]


@pytest.fixture
def board_with_cards():
    first, *_ = conference(rooms=2, hours=(10, 12))
    slots = list(Slot.objects.filter(day=first).order_by("starts_at", "room__position"))
    make_card(slot=slots[0], title="Django async", host_name="Carlton")
    make_card(slot=slots[1], title="Packaging", description="uv and pip", host_name="Priya")
    make_card(
        slot=slots[2], title="Rust and Python", host_name="Ines", host_handle="@ines@m.social"
    )
    return first


def test_find_without_javascript_filters_by_title(client, board_with_cards):
    response = _board(client, "django")
    assert response.status_code == 200
    assert _titles(response) == ["Django async"]
    html = response.content.decode()
    assert 'value="django"' in html  # the box keeps the word
    assert "Packaging" not in html


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("PIP", ["Packaging"]),  # description, any case
        ("priya", ["Packaging"]),  # host
        ("ines@m", ["Rust and Python"]),  # handle
        ("python rust", ["Rust and Python"]),  # every word, any order
        ("python django", []),
        ("", ["Django async", "Packaging", "Rust and Python"]),
    ],
)
def test_find_matches_title_description_host_and_handle(client, board_with_cards, query, titles):
    assert _titles(_board(client, query)) == titles


def test_find_with_no_match_says_so(client, board_with_cards):
    response = _board(client, "cobol")
    assert "Nothing on any day’s board matches “cobol”" in response.content.decode()


def test_find_from_htmx_answers_the_board_fragment(client, board_with_cards):
    response = _board(client, "django", hx_request="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"')
    assert "<html" not in html
    # The fragment polls with the same word, so the filter survives the next poll.
    assert 'hx-get="/day/2027-05-14/?q=django"' in html


def test_find_query_is_normalised_into_one_cache_entry(client, board_with_cards):
    assert normalise_query("  DJANGO   Async ") == "django async"
    first = _board(client, "  DJANGO   Async ")
    second = _board(client, "django async")
    assert first["ETag"] == second["ETag"]
    assert first["ETag"] != _board(client)["ETag"]
    assert _board(client, "django async", if_none_match=first["ETag"]).status_code == 304


def test_find_changes_when_a_matching_card_is_pinned(
    client, board_with_cards, django_capture_on_commit_callbacks
):
    etag = _board(client, "testing")["ETag"]
    slot = Slot.objects.filter(day=board_with_cards, cards__isnull=True).first()
    with django_capture_on_commit_callbacks(execute=True):
        make_card(slot=slot, title="Testing at scale")
    response = _board(client, "testing", if_none_match=etag)
    assert response.status_code == 200
    assert _titles(response) == ["Testing at scale"]


def test_find_never_touches_the_session(client, board_with_cards):
    response = _board(client, "django")
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


@pytest.mark.parametrize("cards", [1, 24])
def test_find_query_count_is_constant(client, django_assert_max_num_queries, cards):
    first, *_ = conference(rooms=8, hours=(10, 13))
    for slot in Slot.objects.filter(day=first).order_by("starts_at", "room__position")[:cards]:
        make_card(slot=slot, title=f"Topic {slot.pk}")
    url = reverse("boards:day", kwargs={"date": dt.date(2027, 5, 14)})
    with time_machine.travel(DURING, tick=False), django_assert_max_num_queries(6):
        response = client.get(url, {"q": "topic"})
    assert len(_titles(response)) == cards


# Issue 11: a search covers the whole conference, grouped by day.


@pytest.fixture
def cards_on_two_days():
    first, second, _ = conference(rooms=2, hours=(10, 12))
    make_card(slot=Slot.objects.filter(day=first).first(), title="Django async")
    make_card(slot=Slot.objects.filter(day=second).first(), title="Django ORM")
    make_card(slot=Slot.objects.filter(day=second).last(), title="Packaging")
    return first, second


def test_find_covers_every_day_grouped_by_day(client, cards_on_two_days):
    response = _board(client, "django")

    results = response.context["search_results"]
    found = {
        result.day.date: [cell.card.title for hour in result.hours for cell in hour.card_cells]
        for result in results
    }
    assert found == {
        dt.date(2027, 5, 14): ["Django async"],
        dt.date(2027, 5, 15): ["Django ORM"],
        dt.date(2027, 5, 16): [],
    }
    html = response.content.decode()
    assert "2 open spaces match “django” across the conference." in html
    assert 'href="/day/2027-05-15/?q=django" rel="next"' in html  # the day link keeps it


def test_find_says_one_open_space_matches_in_the_singular(client, cards_on_two_days):
    html = _board(client, "orm").content.decode()
    assert "1 open space matches “orm” across the conference." in html


def test_find_across_days_shows_a_change_on_another_day(client, cards_on_two_days):
    _, second = cards_on_two_days
    before = _board(client, "rust")
    make_card(slot=Slot.objects.filter(day=second, cards=None).first(), title="Rust")
    after = _board(client, "rust", if_none_match=before["ETag"])
    assert after.status_code == 200
    assert "1 open space matches “rust”" in after.content.decode()
