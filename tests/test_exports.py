"""The chair's CSV of cards and the public schedule feed."""

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from boards.models import Slot
from boards.services.cards import Actor, card_flag, card_remove
from boards.services.grid import slots_block
from boards.services.interest import interest_set
from tests.factories import conference, make_card


def _rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.django_db
def test_cards_csv_button_exports_every_card_with_email(admin_client):
    conference(days=1)
    first, second = Slot.objects.order_by("starts_at", "pk")[:2]
    make_card(slot=first, title="Django async", email="ada@example.org")
    removed = make_card(slot=second, title='=HYPERLINK("evil")')
    card_remove(card=removed, reason="Spam", actor=Actor.chair("x"))

    response = admin_client.get(reverse("admin:boards_card_export"))

    rows = _rows(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert [(row["title"], row["status"], row["email"]) for row in rows] == [
        ("Django async", "On the board", "ada@example.org"),
        ('\'=HYPERLINK("evil")', "Removed by the chair", ""),
    ]
    assert rows[0]["room"] == "Room A"


@pytest.mark.django_db
def test_cards_csv_action_exports_the_selection(admin_client):
    conference(days=1)
    first, second = Slot.objects.order_by("starts_at", "pk")[:2]
    chosen = make_card(slot=first, title="Chosen")
    make_card(slot=second, title="Other")

    response = admin_client.post(
        reverse("admin:boards_card_changelist"),
        {"action": "export_csv", ACTION_CHECKBOX_NAME: [chosen.pk]},
    )

    assert [row["title"] for row in _rows(response)] == ["Chosen"]


@pytest.mark.django_db
def test_cards_csv_needs_a_staff_login(client):
    response = client.get(reverse("admin:boards_card_export"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.django_db
def test_schedule_json_lists_days_rooms_slots_and_cards_without_emails(client):
    (day, *_) = conference(days=2, rooms=2, hours=(10, 12))
    first = Slot.objects.filter(day=day).order_by("starts_at", "pk").first()
    make_card(
        slot=first,
        title="Django async",
        email="ada@example.org",
        host_handle="@ada@mastodon.social",
    )
    slots_block(slot_ids=[first.pk + 1], reason="Lunch")

    response = client.get(reverse("boards:schedule_json"))

    data = response.json()
    assert response["Content-Type"] == "application/json"
    assert [room["name"] for room in data["rooms"]] == ["Room A", "Room B"]
    assert [entry["date"] for entry in data["days"]] == ["2027-05-14", "2027-05-15"]
    slots = data["days"][0]["slots"]
    assert len(slots) == 4
    assert slots[0]["starts_at"] == "2027-05-14T10:00:00-04:00"
    assert slots[0]["card"]["title"] == "Django async"
    assert (
        slots[0]["card"]["url"]
        == "http://testserver"
        + reverse("boards:card", args=[1])[:-2]
        + f"{slots[0]['card']['id']}/"
    )
    assert slots[1]["blocked_reason"] == "Lunch"
    assert "ada@example.org" not in response.text
    assert "email" not in response.text


@pytest.mark.django_db
def test_schedule_json_leaves_out_removed_and_hidden_cards(client, settings):
    settings.OPENSPACES_FLAG_LIMIT = 1
    conference(days=1)
    first, second = Slot.objects.order_by("starts_at", "pk")[:2]
    card_remove(card=make_card(slot=first, title="Removed"), reason="x", actor=Actor.chair("c"))
    card_flag(card=make_card(slot=second, title="Hidden"), reason="Spam", reporter="a")

    response = client.get(reverse("boards:schedule_json"))

    assert "Removed" not in response.text
    assert "Hidden" not in response.text


@pytest.mark.django_db
def test_schedule_json_answers_304_when_nothing_changed(
    client, django_capture_on_commit_callbacks
):
    conference(days=1)
    first = client.get(reverse("boards:schedule_json"))

    again = client.get(reverse("boards:schedule_json"), HTTP_IF_NONE_MATCH=first["ETag"])
    with django_capture_on_commit_callbacks(execute=True):
        make_card(slot=Slot.objects.first())
    changed = client.get(reverse("boards:schedule_json"), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert changed.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("cards", [1, 30])
def test_schedule_json_runs_constant_queries(client, django_assert_max_num_queries, cards):
    conference(days=3, rooms=4, hours=(10, 18))
    for slot in Slot.objects.all()[:cards]:
        make_card(slot=slot)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("boards:schedule_json"))

    assert response.status_code == 200


@pytest.mark.django_db
def test_cards_csv_button_keeps_the_changelist_filters(admin_client):
    conference(days=1)
    first, second = Slot.objects.order_by("starts_at", "pk")[:2]
    make_card(slot=first, title="Kept")
    card_remove(card=make_card(slot=second, title="Gone"), reason="x", actor=Actor.chair("c"))
    changelist = admin_client.get(
        reverse("admin:boards_card_changelist"), {"status__exact": "active"}
    )
    export_url = reverse("admin:boards_card_export") + "?status__exact=active"

    response = admin_client.get(export_url)

    assert f'href="{export_url}">Export these cards as CSV' in changelist.text
    assert [row["title"] for row in _rows(response)] == ["Kept"]


@pytest.mark.django_db
def test_schedule_json_served_again_from_the_cache(client, django_assert_max_num_queries):
    conference(days=1)
    first = client.get(reverse("boards:schedule_json"))

    with django_assert_max_num_queries(1):  # the generation
        again = client.get(reverse("boards:schedule_json"))

    assert again.content == first.content


@pytest.mark.django_db
def test_cards_csv_has_the_interest_of_each_card(admin_client):
    conference(days=1)
    card = make_card(slot=Slot.objects.order_by("starts_at", "pk").first(), title="Busy")
    for key in ("a" * 24, "b" * 24):
        interest_set(card=card, browser_key=key, interested=True, now=card.created_at)

    rows = _rows(admin_client.get(reverse("admin:boards_card_export")))

    assert [(row["title"], row["interested"], row["open_flags"]) for row in rows] == [
        ("Busy", "2", "0")
    ]
