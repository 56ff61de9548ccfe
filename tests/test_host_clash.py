"""A host who claims a second card at an hour they already host is warned on the claim's
answer, and the claim is made all the same."""

import pytest
import time_machine

from boards.models import Card, Slot
from tests.factories import committed, conference, local

pytestmark = pytest.mark.django_db

TYPED = {"title": "Typing in anger", "host_name": "Ravi", "email": "ravi@example.org"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(local(2027, 5, 14, 8), tick=False):
        yield


@pytest.fixture
def slots() -> list[Slot]:
    conference(days=1, rooms=2, hours=(10, 12))
    return list(Slot.objects.select_related("room").order_by("starts_at", "room__name"))


def claim(client, slot: Slot, **typed) -> str:
    """The claim's answer as the host sees it: the card page the 303 leads to."""
    with committed():
        response = client.post(f"/slot/{slot.pk}/claim/", {**TYPED, **typed})
    assert response.status_code == 303
    return client.get(response["Location"]).content.decode()


def test_a_second_card_at_the_same_hour_is_made_and_the_host_warned(client, slots):
    claim(client, slots[0])
    page = claim(client, slots[1], title="Typing in joy")
    assert Card.objects.active().count() == 2
    assert "You also host another open space at this hour:" in page
    first = Card.objects.get(title="Typing in anger")
    assert f'<a href="/card/{first.pk}/">Typing in anger</a>, {slots[0].room.name}' in page


def test_the_same_name_without_an_address_is_the_same_host(client, slots):
    claim(client, slots[0], email="")
    page = claim(client, slots[1], title="Typing in joy", email="", host_name="ravi")
    assert "You also host another open space at this hour" in page


def test_the_same_address_under_another_name_is_the_same_host(client, slots):
    claim(client, slots[0])
    page = claim(
        client, slots[1], title="Typing in joy", host_name="R. K.", email="RAVI@example.org"
    )
    assert "You also host another open space at this hour" in page


def test_no_warning_for_another_host_or_another_hour(client, slots):
    claim(client, slots[0])
    other_host = claim(client, slots[1], title="Other", host_name="Mei", email="mei@example.org")
    next_hour = claim(client, slots[2], title="Later")
    assert "You also host" not in other_host
    assert "You also host" not in next_hour


def test_a_released_card_is_no_clash(client, slots):
    claim(client, slots[0])
    Card.objects.filter(title="Typing in anger").update(status=Card.Status.RELEASED)
    assert "You also host" not in claim(client, slots[1], title="Typing in joy")


def test_a_claim_from_the_boards_panel_carries_the_warning_to_the_card_page(client, slots):
    claim(client, slots[0])
    with committed():
        response = client.post(
            f"/slot/{slots[1].pk}/claim/",
            {**TYPED, "title": "Typing in joy"},
            headers={"HX-Request": "true"},
        )
    # The panel's claim ends on the card's own page, loaded whole (as a reload shows it).
    answer = client.get(response["Location"], headers={"HX-Request": "true"})
    assert answer["HX-Redirect"] == response["Location"]
    page = client.get(answer["HX-Redirect"]).content.decode()
    assert "You also host another open space at this hour" in page
