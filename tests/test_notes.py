"""After the hour: the host's notes, links and head count, through the manage link only;
the chair's edits and clearing; every change in the card's history."""

import re

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from boards.models import Card, CardEvent, Slot
from tests.factories import committed, conference, local

pytestmark = pytest.mark.django_db

TYPED = {"title": "Type hints", "description": "", "host_name": "Lukas", "host_handle": ""}
NOTES = {
    "notes": "We agreed on three things.\r\n\r\nFirst: annotate the boundaries.",
    "links": "https://slides.example.org/types\r\n\r\nhttp://pad.example.org/p/types",
    "attendance": "23",
}


@pytest.fixture
def claimed(client):
    """A card claimed at 9:00 through the form for 10:00, and its manage URL."""
    conference(days=2, rooms=2, hours=(10, 12))
    slot = Slot.objects.order_by("starts_at", "room__name").first()
    with time_machine.travel(local(2027, 5, 14, 9), tick=False), committed():
        response = client.post(f"/slot/{slot.pk}/claim/", {**TYPED, "email": ""})
        page = client.get(response["Location"]).content.decode()
    url = re.search(r'href="http://testserver(/card/\d+/manage/[^"]+/)"', page)[1]
    return Card.objects.get(), url


@pytest.fixture
def chair(django_user_model):
    """A member of the Chair group (not a superuser)."""
    user = django_user_model.objects.create_user(
        username="chair", password="not-used-here-1234", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Chair"))
    return user


def _signed_in(user) -> Client:
    """Another browser, signed in as `user` now (the session lasts from the frozen now)."""
    browser = Client()
    browser.force_login(user)
    return browser


def _at(hour: int, minute: int = 0, day: int = 14):
    return time_machine.travel(local(2027, 5, day, hour, minute), tick=False)


def test_after_the_hour_the_host_leaves_notes_links_and_a_head_count(client, claimed):
    card, url = claimed
    with _at(11, 5):
        assert 'action="' + url + 'notes/"' in client.get(url).text
        with committed():
            response = client.post(url + "notes/", NOTES)
        assert response.status_code == 303
        assert response["Location"] == url  # a clean address: the message is told once
        assert "your notes are on the card" in client.get(response["Location"]).text

    card.refresh_from_db()
    assert card.notes == "We agreed on three things.\n\nFirst: annotate the boundaries."
    assert card.links == ["https://slides.example.org/types", "http://pad.example.org/p/types"]
    assert card.attendance == 23
    event = card.events.last()
    assert (event.actor, event.action) == ("host", CardEvent.Action.NOTES)
    assert event.before["attendance"] is None and event.after["attendance"] == 23
    assert ("attendance", "", 23) in event.changes()
    assert (
        "links",
        "",
        "https://slides.example.org/types http://pad.example.org/p/types",
    ) in event.changes()


def test_the_same_notes_sent_twice_are_one_change_in_the_history(client, claimed):
    card, url = claimed
    with _at(11, 5):
        client.post(url + "notes/", NOTES)
        client.post(url + "notes/", NOTES)
    assert card.events.filter(action=CardEvent.Action.NOTES).count() == 1


def test_notes_are_refused_through_anyone_elses_link(client, claimed):
    card, url = claimed
    other = f"/card/{card.pk}/manage/not-the-token/notes/"
    with _at(11, 5):
        response = client.post(other, NOTES)
    assert response.status_code == 404
    card.refresh_from_db()
    assert (card.notes, card.links, card.attendance) == ("", [], None)


def test_before_the_hour_the_form_is_not_offered_and_a_post_is_refused(client, claimed):
    card, url = claimed
    with _at(9, 30):
        page = client.get(url).text
        response = client.post(url + "notes/", NOTES)
    assert "notes/" not in page
    assert "Once your hour has begun" in page
    assert response.status_code == 409
    assert "Notes open when your hour begins" in response.text
    assert "We agreed on three things." in response.text  # nothing typed is lost
    card.refresh_from_db()
    assert card.notes == ""


def test_during_the_hour_notes_are_taken(client, claimed):
    card, url = claimed
    with _at(10, 30):
        assert client.post(url + "notes/", NOTES).status_code == 303


def test_hosts_may_change_notes_until_notes_days_after_the_last_day(client, claimed, settings):
    card, url = claimed
    settings.OPENSPACES_NOTES_DAYS = 14
    # The conference's last day is 15 May: the 29th is still open, the 30th is not.
    with _at(23, 59, day=29):
        assert client.post(url + "notes/", NOTES).status_code == 303
    with _at(0, 1, day=30):
        response = client.post(url + "notes/", {**NOTES, "attendance": "24"})
    assert response.status_code == 409
    assert "the Open Spaces chair can still change them" in response.text
    card.refresh_from_db()
    assert card.attendance == 23


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("links", "javascript:alert(1)", "Not a web address"),
        ("links", "data:text/html,<b>x</b>", "Not a web address"),
        ("links", "ftp://files.example.org/x", "Not a web address"),
        ("links", "\n".join(f"https://example.org/{n}" for n in range(7)), "At most 6 links"),
        ("attendance", "0", "greater than or equal to 1"),
        ("attendance", "100000", "less than or equal to 10000"),
        ("attendance", "lots", "Enter a whole number"),
        ("notes", "x" * 4001, "at most 4000 characters"),
    ],
)
def test_bad_notes_are_422_with_the_reason_and_the_text_kept(
    client, claimed, field, value, message
):
    card, url = claimed
    with _at(11, 5):
        response = client.post(url + "notes/", {**NOTES, field: value})
    assert response.status_code == 422
    assert message in response.text
    assert "We agreed on three things." in response.text or field == "notes"
    card.refresh_from_db()
    assert card.notes == ""


def test_a_released_card_takes_no_notes(client, claimed):
    card, url = claimed
    with _at(9, 30):
        client.post(url + "release/", {"confirm": "release"})
    with _at(11, 5):
        response = client.post(url + "notes/", NOTES)
    assert response.status_code == 409
    assert "You released this card." in response.text


def _change_form(card: Card, **fields) -> dict:
    return {
        "title": card.title,
        "description": card.description,
        "host_name": card.host_name,
        "host_handle": card.host_handle,
        "notes": card.notes,
        "links": "\n".join(card.links),
        "attendance": card.attendance or "",
        "flags-TOTAL_FORMS": "0",
        "flags-INITIAL_FORMS": "0",
        **fields,
    }


def test_the_chair_changes_notes_whenever_in_the_history(client, chair, claimed):
    card, url = claimed
    with _at(11, 5):
        client.post(url + "notes/", NOTES)
    card.refresh_from_db()
    with _at(12, 0, day=30):  # long after the host's window closed
        browser = _signed_in(chair)
        shown = browser.get(reverse("admin:boards_card_change", args=[card.pk])).text
        assert "https://slides.example.org/types\nhttp://pad.example.org/p/types" in shown
        response = browser.post(
            reverse("admin:boards_card_change", args=[card.pk]),
            _change_form(card, notes="Written up by the chair.", attendance="40"),
        )
    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.notes, card.attendance) == ("Written up by the chair.", 40)
    event = card.events.last()
    assert (event.actor, event.action) == ("chair chair", CardEvent.Action.NOTES)


def test_the_chair_admin_refuses_a_javascript_link(chair, claimed):
    card, url = claimed
    with _at(11, 5):
        response = _signed_in(chair).post(
            reverse("admin:boards_card_change", args=[card.pk]),
            _change_form(card, links="javascript:alert(1)"),
        )
    assert response.status_code == 200  # the admin shows its form again
    assert "Not a web address" in response.text
    card.refresh_from_db()
    assert card.links == []


def test_the_chair_clears_notes_and_links_and_the_history_keeps_them(client, chair, claimed):
    card, url = claimed
    with _at(11, 5):
        client.post(url + "notes/", NOTES)
    changelist = reverse("admin:boards_card_changelist")
    form = {"action": "clear_notes", ACTION_CHECKBOX_NAME: [card.pk]}
    with _at(12, 0):
        browser = _signed_in(chair)
        asked = browser.post(changelist, form)
        assert "Clear notes" in asked.text
        card.refresh_from_db()
        assert card.notes  # not before the chair confirms
        browser.post(changelist, {**form, "apply": "1"})

    card.refresh_from_db()
    assert (card.notes, card.links, card.attendance) == ("", [], 23)
    event = card.events.last()
    assert (event.actor, event.action) == ("chair chair", CardEvent.Action.NOTES_CLEARED)
    assert event.before["notes"].startswith("We agreed")
    assert "We agreed" not in client.get(card.get_absolute_url()).text


def test_the_glance_shows_how_many_came_beside_interest_and_seats(client, chair, claimed):
    card, url = claimed
    with _at(11, 5):
        client.post(url + "notes/", NOTES)
        page = _signed_in(chair).get(reverse("admin:boards_day_glance", args=[card.slot.day_id]))
    assert page.context["glance"].attendance == 23
    assert "23 people came, as 1 host counted." in page.text
    assert "0 interested<" in page.text.replace("</span>", "<")
    assert "23 came" in page.text
