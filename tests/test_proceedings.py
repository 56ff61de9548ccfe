"""/proceedings/ and /day/<date>/proceedings/: every open space that happened, with its
host, room, time, how many came, notes and links; cached like the boards; both languages.
And the card's page, which shows the notes once there are any."""

import pytest
import time_machine

from boards.services.cards import card_notes, card_release
from tests.factories import committed, conference, local, make_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def days():
    return conference(days=2, rooms=2, hours=(10, 12))


def _slots(day):
    return list(day.slots.select_related("room").order_by("starts_at", "room__name"))


def _at(hour: int, minute: int = 0, day: int = 14):
    return time_machine.travel(local(2027, 5, day, hour, minute), tick=False)


def _noted(card, **fields):
    values = {"notes": "", "links": [], "attendance": None} | fields
    with committed():
        card_notes(card=card, now=card.slot.ends_at, **values)
    return card


@pytest.fixture
def happened(days):
    first, second = days
    morning, _other, late, _ = _slots(first)
    notes = "We compared three tools.\n\nSlides: https://example.org/slides"
    typed = _noted(
        make_card(slot=morning, title="Type hints", host_name="Lukas"),
        notes=notes,
        links=["https://pad.example.org/p/types"],
        attendance=23,
    )
    later = make_card(slot=late, title="Later today", host_name="Ada")
    tomorrow = make_card(slot=_slots(second)[0], title="Tomorrow talk", host_name="Bea")
    return typed, later, tomorrow


def test_the_proceedings_list_what_happened_with_host_room_time_notes_and_links(client, happened):
    typed, later, tomorrow = happened
    with _at(10, 30):
        page = client.get("/proceedings/").text
    assert "Type hints" in page and "Lukas" in page and typed.slot.room.name in page
    assert "10:00–11:00" in page
    assert "23 people came." in page
    assert "<p>We compared three tools.</p>" in page
    assert '<a href="https://example.org/slides" rel="nofollow ugc">' in page
    assert '<a href="https://pad.example.org/p/types" rel="nofollow ugc">' in page
    assert "Later today" not in page  # its hour has not begun
    assert "Tomorrow" not in page


def test_a_day_has_its_own_proceedings(client, happened):
    typed, later, tomorrow = happened
    with _at(12, 0, day=15):
        whole = client.get("/proceedings/").text
        first = client.get("/day/2027-05-14/proceedings/").text
        second = client.get("/day/2027-05-15/proceedings/").text
        none = client.get("/day/2027-05-16/proceedings/")
    assert all(title in whole for title in ("Type hints", "Later today", "Tomorrow talk"))
    assert "Type hints" in first and "Later today" in first and "Tomorrow" not in first
    assert "Tomorrow" in second and "Type hints" not in second
    assert "No notes yet." in second
    assert none.status_code == 404


def test_a_released_card_is_not_in_the_proceedings(client, happened):
    typed, later, tomorrow = happened
    with committed():
        card_release(card=later)
    with _at(12, 0, day=15):
        assert "Later today" not in client.get("/proceedings/").text


def test_the_proceedings_in_spanish(client, happened):
    with _at(12, 0, day=15):
        page = client.get("/es/proceedings/").text
    assert "actas" in page.lower()
    assert "vinieron 23 personas." in page.lower()


def test_the_proceedings_answer_polls_304_until_notes_change(client, happened):
    typed, later, tomorrow = happened
    with _at(10, 30):
        first = client.get("/proceedings/")
        etag = first["ETag"]
        assert first["Cache-Control"] == "public, no-cache"
        assert "Cookie" not in first.get("Vary", "")
        again = client.get("/proceedings/", headers={"if-none-match": etag})
        assert again.status_code == 304
        _noted(typed, notes="Changed.", attendance=30)
        changed = client.get("/proceedings/", headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert "30 people came." in changed.text


def test_the_proceedings_change_when_an_hour_begins(client, happened):
    with _at(10, 30):
        etag = client.get("/proceedings/")["ETag"]
    with _at(11, 1):
        response = client.get("/proceedings/", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert "Later today" in response.text


@pytest.mark.parametrize("cards", [1, 8])
def test_the_proceedings_cost_the_same_queries_with_one_card_and_many(
    client, days, django_assert_max_num_queries, cards
):
    slots = [slot for day in days for slot in _slots(day)][:cards]
    for slot in slots:
        _noted(make_card(slot=slot), notes="Notes.", links=["https://example.org/"], attendance=9)
    with _at(12, 0, day=16), django_assert_max_num_queries(4):
        response = client.get("/proceedings/")
    assert response.text.count('class="proceeding"') == cards


def test_the_card_page_shows_notes_and_links_once_there_are_any(client, happened):
    typed, later, tomorrow = happened
    with _at(11, 30):
        noted = client.get(typed.get_absolute_url()).text
        bare = client.get(later.get_absolute_url()).text
    assert "After the hour" in noted and "23 people came." in noted
    assert '<a href="https://pad.example.org/p/types" rel="nofollow ugc">' in noted
    assert "After the hour" not in bare


@pytest.mark.parametrize(
    "hostile",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        'https://example.org/"onmouseover="alert(1)',
        '<a href="javascript:alert(1)">x</a> <img src=x onerror=alert(1)>',
    ],
)
def test_a_hostile_address_in_a_description_or_notes_never_becomes_a_link(client, days, hostile):
    card = make_card(slot=_slots(days[0])[0], description=f"See {hostile} now")
    _noted(card, notes=f"Notes: {hostile}")
    with _at(11, 30):
        page = client.get(card.get_absolute_url()).text
    assert 'href="javascript' not in page
    assert 'href="data:' not in page
    assert "onmouseover=" not in page.replace("&quot;onmouseover=&quot;", "")
    assert "<img" not in page


def test_an_address_in_a_description_is_a_link_on_the_card_and_the_board(client, days):
    card = make_card(
        slot=_slots(days[0])[0], description="Read https://peps.python.org/pep-0484/ first."
    )
    with _at(9, 0):
        page = client.get(card.get_absolute_url()).text
    link = '<a href="https://peps.python.org/pep-0484/" rel="nofollow ugc">'
    assert link in page
    assert "first." in page


def test_bare_domains_and_emails_stay_text(client, days):
    card = make_card(slot=_slots(days[0])[0], description="www.example.org or ada@example.org")
    with _at(9, 0):
        page = client.get(card.get_absolute_url()).text
    assert "www.example.org or ada@example.org" in page
    assert "mailto:ada" not in page and "http://www.example.org" not in page


def test_notes_are_in_the_schedule_json_and_csv(admin_client, client, happened):
    typed, later, tomorrow = happened
    with _at(11, 30):
        schedule = client.get("/schedule.json").json()
    (shown,) = [
        slot["card"]
        for day in schedule["days"]
        for slot in day["slots"]
        if slot["card"] and slot["card"]["id"] == typed.pk
    ]
    assert shown["attendance"] == 23
    assert shown["links"] == ["https://pad.example.org/p/types"]
    assert shown["notes"].startswith("We compared three tools.")
    csv = admin_client.get("/admin/boards/card/export.csv").content.decode()
    header, *rows = csv.splitlines()
    assert header.endswith("notes,links,attendance")
    assert "https://pad.example.org/p/types" in csv and ",23" in csv


def test_reported_notes_leave_the_card_and_the_proceedings_until_the_chair_decides(
    client, happened, settings
):
    settings.OPENSPACES_FLAG_LIMIT = 1
    typed, later, tomorrow = happened
    with _at(11, 30):
        page = client.get(typed.get_absolute_url()).text
        assert "Report this card as inappropriate" in page  # beside its notes
        with committed():
            client.post(f"/card/{typed.pk}/flag/", {"reason": "Spam links in the notes"})
        card_page = client.get(typed.get_absolute_url())
        proceedings = client.get("/proceedings/").text
    assert card_page.status_code == 410
    assert "We compared" not in card_page.text
    assert "Type hints" not in proceedings


def test_the_board_links_to_its_days_proceedings(client, days):
    with _at(9, 0):
        board = client.get("/day/2027-05-14/").text
    assert 'href="/day/2027-05-14/proceedings/"' in board
