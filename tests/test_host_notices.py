"""Hosts are told of every change to their card they did not make: the manage page says
what changed, when and why, and a host who gave an address gets exactly one mail per
change, in the card's language, sent by the task worker; none for their own changes."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from boards.models import Card, Room, Slot
from tests.factories import committed, conference, local, run_tasks

pytestmark = pytest.mark.django_db

TYPED = {"title": "Packaging pain", "host_name": "Noor", "email": "noor@example.org"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(local(2027, 5, 14, 8), tick=False) as traveller:
        yield traveller


@pytest.fixture
def slots() -> list[Slot]:
    conference(days=1, rooms=2, hours=(10, 12))
    return list(Slot.objects.select_related("room").order_by("starts_at", "room__name"))


def claim(client, slot: Slot, *, prefix: str = "", **typed) -> tuple[Card, str]:
    """A card claimed through the form; its manage path; the claim's own mail sent."""
    with committed():
        response = client.post(f"{prefix}/slot/{slot.pk}/claim/", {**TYPED, **typed})
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    url = re.search(r'href="http://testserver(/(?:es/)?card/\d+/manage/[^"]+/)"', page)[1]
    run_tasks()
    mail.outbox.clear()  # the manage link, mailed at the claim
    return Card.objects.get(title=typed.get("title", TYPED["title"])), url


def chair(client, action: str, card: Card, *, done: bool = True, **data):
    with committed():
        response = client.post(
            reverse("admin:boards_card_changelist"),
            {"action": action, ACTION_CHECKBOX_NAME: [card.pk], "apply": "1", **data},
        )
    assert (response.status_code == 302) is done


def flag_until_hidden(client, card: Card, settings) -> None:
    settings.OPENSPACES_FLAG_LIMIT = 2
    for address in ("10.0.0.1", "10.0.0.2"):
        with committed():
            client.post(
                reverse("boards:card_flag", args=[card.pk]),
                {"reason": "Spam"},
                REMOTE_ADDR=address,
            )
    card.refresh_from_db()
    assert card.status == Card.Status.HIDDEN


def test_a_chair_move_is_one_mail_with_the_new_place_the_reason_and_the_way_back(
    client, chair_client, slots
):
    card, _url = claim(client, slots[0])
    chair(chair_client, "move_card", card, to_slot=slots[3].pk, reason="A bigger room")
    assert mail.outbox == []  # nothing is sent inside the request
    run_tasks()
    [message] = mail.outbox
    assert message.to == ["noor@example.org"]
    assert message.subject == "PyCon US Open Spaces: a change to your card “Packaging pain”"
    assert "Why: A bigger room" in message.body
    assert (
        f"moved your card from {slots[0].room.name}, Friday 14 May, 10:00 to "
        f"{slots[3].room.name}, Friday 14 May, 11:00." in message.body
    )
    assert f"/card/{card.pk}/manage/" in message.body
    # The key in the mail gives the host a new manage link, should they have lost theirs.
    key_path = re.search(r"http://\S+?(/manage/lost/[^/\s]+/)", message.body)[1]
    assert client.get(key_path).status_code == 200
    run_tasks()
    assert len(mail.outbox) == 1  # once


def test_the_manage_page_says_what_changed_when_and_why(client, chair_client, slots):
    card, url = claim(client, slots[0])
    chair(chair_client, "move_card", card, to_slot=slots[3].pk, reason="A bigger room")
    html = client.get(url).content.decode()
    assert "What changed" in html
    assert f"to {slots[3].room.name}, Friday 14 May, 11:00." in html
    assert "Why: A bigger room" in html
    assert '<time datetime="2027-05-14T08:00:00-04:00">Friday 14 May, 08:00</time>' in html


@pytest.mark.parametrize(
    "change",
    ["move", "remove", "restore", "hidden by reports", "edit", "room renamed", "room relocated"],
)
def test_each_change_the_host_did_not_make_is_exactly_one_mail(
    client, chair_client, slots, settings, change
):
    card, url = claim(client, slots[0])
    expected = {
        "move": "moved your card",
        "remove": "took your card down",
        "restore": "put your card back on the board",
        "hidden by reports": "Attendees reported your card",
        "edit": "edited your card’s text",
        "room renamed": "Your room changed its name or place",
        "room relocated": "Your room changed its name or place",
    }[change]
    room = slots[0].room
    if change == "move":
        chair(chair_client, "move_card", card, to_slot=slots[1].pk)
    elif change == "remove":
        chair(chair_client, "remove_cards", card, reason="Off topic")
    elif change == "restore":
        flag_until_hidden(client, card, settings)
        run_tasks()
        mail.outbox.clear()
        chair(chair_client, "restore_cards", card)
    elif change == "hidden by reports":
        flag_until_hidden(client, card, settings)
    elif change == "edit":
        with committed():
            chair_client.post(
                reverse("admin:boards_card_change", args=[card.pk]),
                {
                    "title": "Packaging joy",
                    "description": "",
                    "host_name": "Noor",
                    "flags-TOTAL_FORMS": 0,
                    "flags-INITIAL_FORMS": 0,
                },
            )
    else:
        new = {"name": "Ballroom"} if change == "room renamed" else {"location": "Level 3"}
        with committed():
            response = chair_client.post(
                reverse("admin:boards_room_change", args=[room.pk]),
                {"name": room.name, "location": "", "position": room.position, **new},
            )
        assert response.status_code == 302
    run_tasks()
    [message] = mail.outbox
    assert expected in message.body
    assert message.to == ["noor@example.org"]
    assert expected in client.get(url).content.decode()


def test_the_hosts_own_changes_send_no_mail(client, slots):
    _card, url = claim(client, slots[0])
    with committed():
        client.post(url, {"title": "Packaging pain, again", "host_name": "Noor"})
        client.post(f"{url}move/", {"to_slot": slots[3].pk})
        client.post(f"{url}release/", {"confirm": "release"})
    run_tasks()
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(task_path="boards.tasks.tell_host").count() == 0
    assert "What changed" not in client.get(url).content.decode()


def test_a_host_without_an_address_is_told_on_the_manage_page_only(client, chair_client, slots):
    card, url = claim(client, slots[0], email="")
    chair(chair_client, "remove_cards", card, reason="Duplicate of another card")
    run_tasks()
    assert mail.outbox == []
    html = client.get(url).content.decode()
    assert "took your card down" in html and "Why: Duplicate of another card" in html


def test_a_refused_move_tells_nothing(client, chair_client, slots):
    card, _url = claim(client, slots[0])
    claim(client, slots[1], title="Faster host")
    # Taken: not offered, so the form asks again; nothing moved, nobody told.
    chair(chair_client, "move_card", card, to_slot=slots[1].pk, done=False)
    assert Card.objects.get(pk=card.pk).slot_id == slots[0].pk
    run_tasks()
    assert mail.outbox == []


def test_the_mail_speaks_the_language_the_host_claimed_in(client, chair_client, slots):
    card, _url = claim(client, slots[0], prefix="/es")
    chair(chair_client, "move_card", card, to_slot=slots[3].pk, reason="Más sillas")
    run_tasks()
    [message] = mail.outbox
    assert message.subject == "PyCon US Open Spaces: un cambio en tu tarjeta «Packaging pain»"
    assert "Por qué: Más sillas" in message.body


def test_the_host_adds_an_address_and_is_told_there(client, chair_client, slots):
    card, url = claim(client, slots[0], email="")
    with committed():
        response = client.post(f"{url}email/", {"email": "later@example.org"})
    assert response.status_code == 303
    assert "Your email is saved" in client.get(response["Location"]).content.decode()
    run_tasks()
    [link_mail] = mail.outbox  # the manage link, to the new address
    assert link_mail.to == ["later@example.org"] and url in link_mail.body
    chair(chair_client, "move_card", card, to_slot=slots[3].pk)
    run_tasks()
    assert [message.to for message in mail.outbox] == [["later@example.org"]] * 2


def test_a_bad_address_is_refused_and_kept(client, slots):
    _card, url = claim(client, slots[0])
    response = client.post(f"{url}email/", {"email": "not an address"})
    assert response.status_code == 422
    assert 'value="not an address"' in response.content.decode()
    assert Card.objects.get().email == "noor@example.org"


def test_the_host_takes_the_address_away_and_gets_no_mail(client, chair_client, slots):
    card, url = claim(client, slots[0])
    with committed():
        client.post(f"{url}email/", {"email": ""})
    chair(chair_client, "move_card", card, to_slot=slots[3].pk)
    run_tasks()
    assert mail.outbox == []
    assert Card.objects.get().email == ""


def test_the_chairs_move_page_says_the_host_is_told(chair_client, slots):
    from tests.factories import make_card

    card = make_card(slot=slots[0])
    page = chair_client.post(
        reverse("admin:boards_card_changelist"),
        {"action": "move_card", ACTION_CHECKBOX_NAME: [card.pk]},
    ).content.decode()
    assert "Its host is told" in page
    assert "Tell the host" not in page
    assert 'name="reason"' in page


def test_the_manage_page_reads_its_notices_in_a_fixed_number_of_queries(
    client, chair_client, slots, django_assert_max_num_queries
):
    card, url = claim(client, slots[0])
    chair(chair_client, "move_card", card, to_slot=slots[1].pk)
    with django_assert_max_num_queries(8):
        client.get(url)
    for target in (slots[2], slots[3], slots[0]):
        chair(chair_client, "move_card", card, to_slot=target.pk)
    with django_assert_max_num_queries(8):
        html = client.get(url).content.decode()
    assert html.count("moved your card") == 4


def test_a_room_not_renamed_tells_nobody(client, chair_client, slots):
    claim(client, slots[0])
    room = Room.objects.get(pk=slots[0].room_id)
    with committed():
        chair_client.post(
            reverse("admin:boards_room_change", args=[room.pk]),
            {"name": room.name, "location": "", "position": room.position, "capacity": 40},
        )
    run_tasks()
    assert mail.outbox == []


def test_a_failing_mail_server_is_tried_again_and_the_host_gets_one_mail(
    client, chair_client, slots, settings, frozen
):
    from tests.mail_servers import FlakyMailServer

    card, _url = claim(client, slots[0])
    settings.MAILERS = {
        "default": {"BACKEND": f"{FlakyMailServer.__module__}.{FlakyMailServer.__qualname__}"}
    }
    FlakyMailServer.failures = 1
    chair(chair_client, "move_card", card, to_slot=slots[3].pk, reason="A bigger room")
    run_tasks()
    assert mail.outbox == []
    frozen.shift(dt.timedelta(minutes=1))
    run_tasks()
    [message] = mail.outbox
    assert "Why: A bigger room" in message.body
    run_tasks()
    assert len(mail.outbox) == 1


def test_the_chair_saving_a_card_unchanged_tells_nobody(client, chair_client, slots):
    card, url = claim(client, slots[0])
    with committed():
        chair_client.post(
            reverse("admin:boards_card_change", args=[card.pk]),
            {
                "title": TYPED["title"],
                "description": "",
                "host_name": TYPED["host_name"],
                "flags-TOTAL_FORMS": 0,
                "flags-INITIAL_FORMS": 0,
            },
        )
    run_tasks()
    assert mail.outbox == []
    assert "What changed" not in client.get(url).content.decode()


def test_mine_says_a_followed_cards_room_changed(client, chair_client, slots, frozen):
    card, _url = claim(client, slots[0])
    with committed():
        client.post(reverse("boards:card_interest", args=[card.pk]), {"interested": "1"})
    frozen.shift(dt.timedelta(minutes=1))
    room = slots[0].room
    with committed():
        chair_client.post(
            reverse("admin:boards_room_change", args=[room.pk]),
            {"name": "Ballroom", "location": "Level 3", "position": room.position},
        )
    html = client.get("/mine/").content.decode()
    assert "Its room changed its name or place." in html
    assert f"It was {room.name}." in html
