"""The chair's tools, through the admin's own views."""

import datetime as dt
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from boards import services
from boards.models import Card, CardEvent, Day, Room, Slot
from boards.services.cards import Actor, card_claim, card_flag, card_move, card_remove, card_update
from boards.services.grid import slots_block
from boards.services.interest import interest_set
from tests.factories import conference, local, make_card, make_room

CLAIM_TIME = local(2027, 5, 14, 8)


def _action(client, model: str, action: str, objects, **data):
    """POST an admin action on the changelist, as the action dropdown does."""
    return client.post(
        reverse(f"admin:boards_{model}_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **data},
    )


def _slots(day: Day) -> list[Slot]:
    return list(Slot.objects.filter(day=day).select_related("room").order_by("starts_at", "pk"))


# Days, rooms, slots -----------------------------------------------------------------


@pytest.mark.django_db
def test_setup_view_creates_the_grid_and_twice_changes_nothing(admin_client):
    form = {
        "first_day": "2027-05-14",
        "days": "3",
        "rooms": "140A\n140B\n\n250",
        "first_hour": "10",
        "last_hour": "18",
        "reception": "2027-05-13 17:30",
    }
    url = reverse("admin:boards_day_setup")

    first = admin_client.post(url, form)
    admin_client.post(url, form)

    assert first.status_code == 302
    assert (Day.objects.count(), Room.objects.count(), Slot.objects.count()) == (3, 3, 72)
    assert Day.objects.first().board_opens_at == local(2027, 5, 13, 17, 30)


@pytest.mark.django_db
def test_setup_view_with_reception_after_first_slot_shows_the_error(admin_client):
    form = {
        "first_day": "2027-05-14",
        "days": "1",
        "rooms": "140A",
        "first_hour": "10",
        "last_hour": "12",
        "reception": "2027-05-14 11:00",
    }

    response = admin_client.post(reverse("admin:boards_day_setup"), form)

    assert response.status_code == 200
    assert "The reception must be before" in response.text
    assert Day.objects.count() == 0


@pytest.mark.django_db
def test_day_change_of_board_opens_at_bumps_the_board(admin_client):
    (day, *_) = conference(days=1)
    version = day.version

    response = admin_client.post(
        reverse("admin:boards_day_change", args=[day.pk]),
        {"date": "2027-05-14", "board_opens_at_0": "2027-05-13", "board_opens_at_1": "20:00"},
    )

    day.refresh_from_db()
    assert response.status_code == 302
    assert day.board_opens_at == local(2027, 5, 13, 20)
    assert day.version > version


@pytest.mark.django_db
def test_room_add_with_create_slots_gives_it_every_hour(admin_client):
    conference(days=2, rooms=1, hours=(10, 13))

    admin_client.post(
        reverse("admin:boards_room_add"),
        {"name": "Overflow", "capacity": "30", "location": "Level 3", "position": "9",
         "create_slots": "on"},
    )  # fmt: skip

    room = Room.objects.get(name="Overflow")
    assert (room.capacity, room.location, room.slots.count()) == (30, "Level 3", 6)


@pytest.mark.django_db
def test_room_action_create_slots_adds_only_missing_ones(admin_client):
    conference(days=2, rooms=1, hours=(10, 13))
    room = make_room("Overflow")

    _action(admin_client, "room", "create_slots", [room])
    _action(admin_client, "room", "create_slots", [room])

    assert room.slots.count() == 6


@pytest.mark.django_db
def test_block_action_first_asks_for_the_reason(admin_client):
    (day, *_) = conference(days=1)
    slots = _slots(day)[:2]

    response = _action(admin_client, "slot", "block_slots", slots)

    assert response.status_code == 200
    assert 'name="reason"' in response.text
    assert Slot.objects.exclude(blocked_reason="").count() == 0


@pytest.mark.django_db
def test_block_action_with_reason_blocks_and_the_board_shows_it(admin_client):
    (day, *_) = conference(days=1)
    slots = _slots(day)[:2]

    response = _action(
        admin_client,
        "slot",
        "block_slots",
        slots,
        apply="1",
        reason="Sponsor workshop until 14:00",
    )

    assert response.status_code == 302
    assert Slot.objects.filter(blocked_reason="Sponsor workshop until 14:00").count() == 2
    board = admin_client.get(reverse("boards:day", args=[day.date]))
    assert "Blocked: Sponsor workshop until 14:00" in board.text


@pytest.mark.django_db
def test_block_action_on_slot_with_card_leaves_it_and_says_so(admin_client):
    (day, *_) = conference(days=1)
    taken, free = _slots(day)[:2]
    make_card(slot=taken, title="Packaging")

    response = _action(
        admin_client, "slot", "block_slots", [taken, free], apply="1", reason="Lunch"
    )

    messages = [str(message) for message in response.wsgi_request._messages]
    assert Slot.objects.get(pk=taken.pk).blocked_reason == ""
    assert Slot.objects.get(pk=free.pk).blocked_reason == "Lunch"
    assert any("Not blocked" in message and str(taken) in message for message in messages)


@pytest.mark.django_db
def test_unblock_action_unblocks(admin_client):
    (day, *_) = conference(days=1)
    slot = _slots(day)[0]
    slots_block(slot_ids=[slot.pk], reason="Lunch")

    _action(admin_client, "slot", "unblock_slots", [slot], apply="1")

    assert Slot.objects.get(pk=slot.pk).blocked_reason == ""


@pytest.mark.django_db
def test_slot_changelist_runs_constant_queries(admin_client, django_assert_max_num_queries):
    (day, *_) = conference(days=3, rooms=4, hours=(10, 18))
    for slot in _slots(day)[:20]:
        make_card(slot=slot)

    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:boards_slot_changelist"))

    assert response.status_code == 200


# Cards --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_card_changelist_filters_flagged_and_searches_email(admin_client, settings):
    settings.OPENSPACES_FLAG_LIMIT = 5
    (day, *_) = conference(days=1)
    first, second = _slots(day)[:2]
    flagged = make_card(slot=first, title="Buy my product")
    make_card(slot=second, title="Django async", email="ada@example.org")
    card_flag(card=flagged, reason="Spam", reporter="a")
    url = reverse("admin:boards_card_changelist")

    by_flag = admin_client.get(url, {"flagged": "yes"})
    by_email = admin_client.get(url, {"q": "ada@example"})

    assert [card.title for card in by_flag.context["cl"].result_list] == ["Buy my product"]
    assert [card.title for card in by_email.context["cl"].result_list] == ["Django async"]


@pytest.mark.django_db
@pytest.mark.parametrize("cards", [1, 30])
def test_card_changelist_runs_constant_queries(admin_client, django_assert_max_num_queries, cards):
    (day, *_) = conference(days=2, rooms=4, hours=(10, 18))
    for slot in _slots(day)[:cards]:
        make_card(slot=slot)

    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:boards_card_changelist"))

    assert len(response.context["cl"].result_list) == cards


@pytest.mark.django_db
def test_remove_action_asks_reason_then_host_sees_it(admin_client, client):
    card = make_card()
    card.manage_token_hash = Card.hash_token("secret-token")
    card.save()

    asked = _action(admin_client, "card", "remove_cards", [card])
    _action(admin_client, "card", "remove_cards", [card], apply="1", reason="Sales pitch")

    card.refresh_from_db()
    assert 'name="reason"' in asked.text
    assert (card.status, card.removed_reason) == (Card.Status.REMOVED, "Sales pitch")
    assert Slot.objects.free().filter(pk=card.slot_id).exists()
    manage = client.get(reverse("boards:card_manage", args=[card.pk, "secret-token"]))
    assert "took this card down: Sales pitch" in manage.text


@pytest.mark.django_db
def test_restore_action_puts_the_card_back(admin_client):
    card = make_card()
    card_remove(card=card, reason="Mistake", actor=Actor.chair("x"))

    _action(admin_client, "card", "restore_cards", [card], apply="1")

    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE


@pytest.mark.django_db
def test_restore_action_when_slot_taken_meanwhile_says_so(admin_client):
    (day, *_) = conference(days=1)
    slot = _slots(day)[0]
    card = make_card(slot=slot, title="Old")
    card_remove(card=card, reason="Mistake", actor=Actor.chair("x"))
    card_claim(slot=slot, title="New", host_name="Bo", now=CLAIM_TIME)

    response = _action(admin_client, "card", "restore_cards", [card], apply="1")

    messages = [str(message) for message in response.wsgi_request._messages]
    card.refresh_from_db()
    assert card.status == Card.Status.REMOVED
    assert messages == [f"Cannot restore “Old”: {slot} has been taken meanwhile. Move it instead."]


@pytest.mark.django_db
def test_move_action_offers_free_slots_and_moves(admin_client):
    (day, *_) = conference(days=1)
    first, second, third = _slots(day)[:3]
    card = make_card(slot=first)
    slots_block(slot_ids=[third.pk], reason="Lunch")

    asked = _action(admin_client, "card", "move_card", [card])
    offered = set(asked.context["form"].fields["to_slot"].queryset)
    _action(admin_client, "card", "move_card", [card], apply="1", to_slot=second.pk)

    card.refresh_from_db()
    assert second in offered and first not in offered and third not in offered
    assert card.slot == second
    assert card.events.last().actor == "chair admin"


@pytest.mark.django_db
def test_move_action_to_a_slot_taken_meanwhile_refuses(admin_client):
    (day, *_) = conference(days=1)
    first, second = _slots(day)[:2]
    card = make_card(slot=first)
    asked = _action(admin_client, "card", "move_card", [card])
    make_card(slot=second, title="Faster host")

    response = _action(admin_client, "card", "move_card", [card], apply="1", to_slot=second.pk)

    card.refresh_from_db()
    assert asked.status_code == response.status_code == 200  # the form again, with the error
    assert card.slot == first
    assert "Select a valid choice" in response.text


@pytest.mark.django_db
def test_move_action_with_two_cards_asks_for_one(admin_client):
    (day, *_) = conference(days=1)
    cards = [make_card(slot=slot) for slot in _slots(day)[:2]]

    response = _action(admin_client, "card", "move_card", cards)

    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["Select exactly one card to move."]


@pytest.mark.django_db
def test_card_change_page_shows_history_of_host_and_chair(admin_client):
    (day, *_) = conference(days=1)
    first, second = _slots(day)[:2]
    card = card_claim(slot=first, title="Typo", host_name="Ada", now=CLAIM_TIME).card
    card_update(card=card, title="Typing", host_name="Ada")
    card_move(card=card, to_slot=second, now=CLAIM_TIME)

    admin_client.post(
        reverse("admin:boards_card_change", args=[card.pk]),
        {"title": "Typing well", "description": "", "host_name": "Ada", "host_handle": ""}
        | {"flags-TOTAL_FORMS": "0", "flags-INITIAL_FORMS": "0"},  # the reports, read-only
    )
    page = admin_client.get(reverse("admin:boards_card_change", args=[card.pk]))

    actions = list(card.events.values_list("actor", "action"))
    assert actions == [
        ("host", CardEvent.Action.CLAIMED),
        ("host", CardEvent.Action.EDITED),
        ("host", CardEvent.Action.MOVED),
        ("chair admin", CardEvent.Action.EDITED),
    ]
    assert "Title changed from “Typo” to “Typing”." in page.text
    assert f"Moved from {first} to {second}." in page.text
    assert "chair admin" in page.text
    assert "title:" not in page.text and "→" not in page.text


@pytest.mark.django_db
def test_card_history_says_a_removal_in_words(admin_client):
    card = make_card()
    card_remove(card=card, reason="Off topic", actor=Actor.chair("ada"))
    page = admin_client.get(reverse("admin:boards_card_change", args=[card.pk])).text
    assert "Status changed from “On the board” to “Removed by the chair”." in page
    assert (
        "The chair&#x27;s reason: “Off topic”." in page
        or "The chair's reason: “Off topic”." in page
    )
    assert "&quot;active&quot;" not in page and "status:" not in page


@pytest.mark.django_db
def test_card_admin_cannot_add_or_delete(admin_client):
    card = make_card()

    added = admin_client.get(reverse("admin:boards_card_add"))
    deleted = admin_client.get(reverse("admin:boards_card_delete", args=[card.pk]))

    assert (added.status_code, deleted.status_code) == (403, 403)


# The day at a glance --------------------------------------------------------------


@pytest.mark.django_db
def test_glance_shows_fill_rates_empty_rooms_and_flagged_cards(admin_client, settings):
    settings.OPENSPACES_FLAG_LIMIT = 5
    (day, *_) = conference(days=1, rooms=3, hours=(10, 12))
    slots = _slots(day)  # 10:00 A, B, C; 11:00 A, B, C
    make_card(slot=slots[0], title="Alpha")
    flagged = make_card(slot=slots[1], title="Sketchy")
    card_flag(card=flagged, reason="Spam", reporter="a")
    slots_block(slot_ids=[slots[3].pk], reason="Lunch")

    response = admin_client.get(reverse("admin:boards_day_glance", args=[day.pk]))

    glance = response.context["glance"]
    assert [(room.name, fill.cards, fill.open_slots) for room, fill in glance.rooms] == [
        ("Room A", 1, 1),
        ("Room B", 1, 2),
        ("Room C", 0, 2),
    ]
    assert [hour.fill.percent for hour in glance.hours] == [67, 0]
    assert [room.name for room in glance.empty_rooms] == ["Room C"]
    assert [card.title for card in glance.flagged_cards] == ["Sketchy"]
    assert "Blocked: Lunch" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("cards", [1, 40])
def test_glance_runs_constant_queries(admin_client, django_assert_max_num_queries, cards):
    (day, *_) = conference(days=2, rooms=5, hours=(10, 18))
    for slot in _slots(day)[:cards]:
        card_flag(card=make_card(slot=slot), reason="Spam", reporter="a")

    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("admin:boards_day_glance", args=[day.pk]))

    assert response.status_code == 200


@pytest.mark.django_db
def test_day_changelist_links_to_glance_and_setup(admin_client, django_assert_max_num_queries):
    (day, *_) = conference()

    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("admin:boards_day_changelist"))

    assert reverse("admin:boards_day_glance", args=[day.pk]) in response.text
    assert reverse("admin:boards_day_setup") in response.text


# The Chair group ------------------------------------------------------------------


@pytest.mark.django_db
def test_chair_group_has_exactly_the_boards_permissions():
    chair = Group.objects.get(name="Chair")

    codenames = set(chair.permissions.values_list("content_type__app_label", "codename"))

    assert codenames == {
        ("boards", "view_day"),
        ("boards", "add_day"),
        ("boards", "change_day"),
        ("boards", "view_room"),
        ("boards", "add_room"),
        ("boards", "change_room"),
        ("boards", "view_slot"),
        ("boards", "add_slot"),
        ("boards", "change_slot"),
        ("boards", "view_card"),
        ("boards", "change_card"),
        ("boards", "view_cardevent"),
        ("boards", "view_flag"),
        # The ideas wall and the guide (issue 22): sample ideas added, ideas hidden,
        # restored and merged; the guide's text per language.
        ("boards", "view_idea"),
        ("boards", "add_idea"),
        ("boards", "change_idea"),
        ("boards", "view_ideaevent"),
        ("boards", "view_ideaflag"),
        ("boards", "view_guidepage"),
        ("boards", "add_guidepage"),
        ("boards", "change_guidepage"),
        # What `announce` posted where, and what failed (issue 24): read only.
        ("boards", "view_announcement"),
        # What the task worker sent, waits or failed (issue 21): read only.
        ("django_tasks_database", "view_dbtaskresult"),
    }


@pytest.mark.django_db
def test_chair_can_run_the_boards_but_not_users_or_groups(chair_client):
    conference(days=1)
    card = make_card(slot=Slot.objects.first())

    pages = {
        name: chair_client.get(reverse(name)).status_code
        for name in [
            "admin:boards_day_changelist",
            "admin:boards_day_setup",
            "admin:boards_card_changelist",
            "admin:boards_slot_changelist",
            "admin:boards_card_export",
            "admin:auth_user_changelist",
            "admin:auth_group_changelist",
        ]
    }
    _action(chair_client, "card", "remove_cards", [card], apply="1", reason="Spam")

    assert pages == {
        "admin:boards_day_changelist": 200,
        "admin:boards_day_setup": 200,
        "admin:boards_card_changelist": 200,
        "admin:boards_slot_changelist": 200,
        "admin:boards_card_export": 200,
        "admin:auth_user_changelist": 403,
        "admin:auth_group_changelist": 403,
    }
    card.refresh_from_db()
    assert card.status == Card.Status.REMOVED
    assert card.events.last().actor == "chair chair"


@pytest.mark.django_db
def test_staff_without_chair_group_cannot_change_cards(client, django_user_model):
    user = django_user_model.objects.create_user(username="helper", is_staff=True)
    client.force_login(user)
    card = make_card()

    response = client.get(reverse("admin:boards_card_changelist"))
    _action(client, "card", "remove_cards", [card], apply="1", reason="Spam")

    card.refresh_from_db()
    assert response.status_code == 403
    assert card.status == Card.Status.ACTIVE


# The login ------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_login_locks_out_after_repeated_failures(client, django_user_model, settings):
    settings.AXES_FAILURE_LIMIT = 3
    django_user_model.objects.create_user(
        username="chair", password="correct horse battery", is_staff=True
    )
    url = reverse("admin:login")

    failures = [
        client.post(url, {"username": "chair", "password": f"guess {n}"}).status_code
        for n in range(3)
    ]
    locked = client.post(url, {"username": "chair", "password": "correct horse battery"})

    assert failures[:2] == [200, 200]
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_with_right_password_works(client, django_user_model):
    django_user_model.objects.create_user(
        username="chair", password="correct horse battery", is_staff=True
    )

    response = client.post(
        reverse("admin:login"), {"username": "chair", "password": "correct horse battery"}
    )

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_settings_make_lockout_limits_settings(settings):
    assert settings.AXES_FAILURE_LIMIT >= 1
    assert isinstance(settings.AXES_COOLOFF_TIME, dt.timedelta)


@pytest.mark.django_db
@pytest.mark.parametrize("edits", [1, 20])
def test_card_change_page_runs_constant_queries(
    admin_client, django_assert_max_num_queries, edits
):
    card = make_card()
    for number in range(edits):
        card_update(card=card, title=f"Take {number}", host_name="Ada")

    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("admin:boards_card_change", args=[card.pk]))

    assert response.text.count("<td>host</td>") == edits


@pytest.mark.django_db
def test_admin_index_links_to_flagged_cards_for_a_chair(chair_client):
    response = chair_client.get(reverse("admin:index"))

    assert reverse("admin:boards_card_changelist") + "?flagged=yes" in response.text


@pytest.mark.django_db
def test_card_change_with_a_bad_handle_shows_the_error_and_keeps_the_card(admin_client):
    card = make_card(title="Django async", host_handle="")

    response = admin_client.post(
        reverse("admin:boards_card_change", args=[card.pk]),
        {"title": "Django async", "description": "", "host_name": "Ada",
         "host_handle": "not a handle at all!"},
    )  # fmt: skip

    card.refresh_from_db()
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["host_handle"]
    assert card.host_handle == ""


@pytest.mark.django_db
def test_card_history_button_leads_to_the_card_page_with_its_history(admin_client):
    card = make_card()

    response = admin_client.get(reverse("admin:boards_card_history", args=[card.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:boards_card_change", args=[card.pk])


@pytest.mark.django_db
def test_slot_change_page_blocks_but_not_over_a_card(admin_client):
    (day, *_) = conference(days=1)
    taken, free = _slots(day)[:2]
    make_card(slot=taken)

    for slot in (taken, free):
        admin_client.post(
            reverse("admin:boards_slot_change", args=[slot.pk]), {"blocked_reason": "Lunch"}
        )

    assert Slot.objects.get(pk=taken.pk).blocked_reason == ""
    assert Slot.objects.get(pk=free.pk).blocked_reason == "Lunch"


@pytest.mark.django_db
def test_slot_changelist_filters_blocked_and_not_blocked(admin_client):
    day = conference(days=1, rooms=1, hours=(10, 12))[0]
    lunch, free = _slots(day)
    slots_block(slot_ids=[lunch.pk], reason="Lunch")
    url = reverse("admin:boards_slot_changelist")
    blocked = admin_client.get(url, {"blocked": "yes"}).context["cl"].result_list
    open_ = admin_client.get(url, {"blocked": "no"}).context["cl"].result_list
    assert [slot.pk for slot in blocked] == [lunch.pk]
    assert [slot.pk for slot in open_] == [free.pk]


# Issue 11: what the chair sees of demand, and no destructive action on one click ------


@pytest.mark.django_db
def test_block_action_only_on_cards_is_a_warning_naming_them_not_a_success(admin_client):
    (day, *_) = conference(days=1)
    taken = _slots(day)[0]
    make_card(slot=taken, title="Packaging")

    response = _action(admin_client, "slot", "block_slots", [taken], apply="1", reason="Lunch")

    messages = [(m.level_tag, str(m)) for m in response.wsgi_request._messages]
    assert messages == [
        (
            "warning",
            "Not blocked, because a card is on it (move or remove the card first): "
            f"{taken}: “Packaging”.",
        )
    ]


@pytest.mark.parametrize(
    ("model", "action"),
    [("slot", "unblock_slots"), ("card", "restore_cards"), ("card", "clear_flags")],
)
@pytest.mark.django_db
def test_destructive_actions_ask_to_confirm_first(admin_client, model, action):
    (day, *_) = conference(days=1)
    slot = _slots(day)[0]
    if model == "slot":
        slots_block(slot_ids=[slot.pk], reason="Lunch")
        target = slot
    else:
        target = make_card(slot=slot, title="Packaging")
        card_remove(card=target, reason="Spam", actor=Actor.chair("x"))
    events = CardEvent.objects.count()

    response = _action(admin_client, model, action, [target])

    assert response.status_code == 200
    assert 'name="apply"' in response.text
    assert Slot.objects.get(pk=slot.pk).blocked_reason == ("Lunch" if model == "slot" else "")
    assert CardEvent.objects.count() == events  # nothing happened yet


@pytest.mark.django_db
def test_card_list_shows_interest_sortable_and_flags_room_overflow(admin_client):
    (day, *_) = conference(days=1)
    first, second = _slots(day)[:2]
    Room.objects.filter(pk=first.room_id).update(capacity=1)
    busy = make_card(slot=first, title="Busy")
    make_card(slot=second, title="Quiet")
    for key in ("a" * 24, "b" * 24):
        interest_set(card=busy, browser_key=key, interested=True, now=local(2027, 5, 13))

    response = admin_client.get(reverse("admin:boards_card_changelist"), {"o": "-6"})

    assert response.status_code == 200
    titles = [card.title for card in response.context["cl"].result_list]
    assert titles == ["Busy", "Quiet"]  # sorted by interest, most first
    assert "<strong>2 (more than its 1 seat)</strong>" in response.text
    page = admin_client.get(reverse("admin:boards_card_change", args=[busy.pk]))
    assert "2 (more than its 1 seat)" in page.text


@pytest.mark.django_db
def test_glance_shows_interest_seats_and_cards_busier_than_their_room(admin_client):
    (day, *_) = conference(days=1)
    first = _slots(day)[0]
    Room.objects.filter(pk=first.room_id).update(capacity=1)
    busy = make_card(slot=first, title="Busy")
    for key in ("a" * 24, "b" * 24):
        interest_set(card=busy, browser_key=key, interested=True, now=local(2027, 5, 13))

    response = admin_client.get(reverse("admin:boards_day_glance", args=[day.pk]))

    assert [card.title for card in response.context["glance"].crowded_cards] == ["Busy"]
    assert "<strong>2 interested, 1 seat</strong>" in response.text
    assert "2 interested: more than its 1 seat<" in response.text
    assert "1 seats" not in response.text


@pytest.mark.django_db
def test_block_and_unblock_on_a_filtered_list_say_how_many_slots_changed(admin_client):
    (day, *_) = conference(days=1)
    two = _slots(day)[:2]

    blocked = admin_client.post(
        reverse("admin:boards_slot_changelist") + "?blocked=no",
        {"action": "block_slots", ACTION_CHECKBOX_NAME: [s.pk for s in two], "apply": "1"}
        | {"reason": "Sponsor workshop"},
        follow=True,
    )
    unblocked = admin_client.post(
        reverse("admin:boards_slot_changelist") + "?blocked=yes",
        {"action": "unblock_slots", ACTION_CHECKBOX_NAME: [s.pk for s in two], "apply": "1"},
        follow=True,
    )

    assert [str(m) for m in blocked.context["messages"]] == ["Blocked 2 slots."]
    assert [str(m) for m in unblocked.context["messages"]] == ["Unblocked 2 slots."]
    assert Slot.objects.filter(day=day).exclude(blocked_reason="").count() == 0


@pytest.mark.parametrize(
    ("model", "action", "write", "data"),
    [
        ("slot", "block_slots", "boards.admin.slots.slots_block", {"reason": "Lunch"}),
        ("slot", "unblock_slots", "boards.admin.slots.slots_block", {}),
        ("room", "create_slots", "boards.admin.rooms.room_slots_create", {}),
    ],
)
@pytest.mark.django_db
def test_a_grid_action_that_keeps_meeting_conflicts_tells_the_chair_not_a_500(
    admin_client, monkeypatch, model, action, write, data
):
    (day, *_) = conference(days=1)
    slot = _slots(day)[0]

    def busy(**_kwargs):
        raise services.Busy()  # what the write decorator raises once its retries run out

    monkeypatch.setattr(write, busy)
    target = slot if model == "slot" else slot.room
    response = _action(admin_client, model, action, [target], apply="1", **data)

    assert response.status_code == 302
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == [services.Busy().reason]
    assert Slot.objects.get(pk=slot.pk).blocked_reason == ""


# The chair's walk: a card's own page, the index, blocking, moving ---------------------


@pytest.mark.django_db
def test_card_page_offers_remove_move_and_clear_flags_and_comes_back_to_it(admin_client):
    (day, *_) = conference(days=1)
    card = make_card(slot=_slots(day)[0])
    card_flag(card=card, reason="Spam", reporter="r1")
    change = reverse("admin:boards_card_change", args=[card.pk])
    page = admin_client.get(change).text
    for action in ("remove_cards", "move_card", "clear_flags"):
        assert f'name="action" value="{action}"' in page
    assert 'name="action" value="restore_cards"' not in page  # only for a removed card

    # Remove, as its button sends it: the reason page first, in a box for sentences.
    asked = admin_client.post(
        reverse("admin:boards_card_changelist"),
        {"action": "remove_cards", ACTION_CHECKBOX_NAME: card.pk, "back": change},
    )
    assert "<textarea" in asked.text and 'name="reason"' in asked.text
    assert f'name="back" value="{change}"' in asked.text
    done = admin_client.post(
        reverse("admin:boards_card_changelist"),
        {"action": "remove_cards", ACTION_CHECKBOX_NAME: card.pk, "back": change}
        | {"apply": "1", "reason": "Not an open space. Please see the chair, we can help."},
    )
    assert (done.status_code, done["Location"]) == (302, change)  # back on the card's page
    card.refresh_from_db()
    assert card.status == Card.Status.REMOVED
    assert card.removed_reason == "Not an open space. Please see the chair, we can help."
    page = admin_client.get(change).text
    assert 'name="action" value="restore_cards"' in page
    assert 'name="action" value="remove_cards"' not in page


@pytest.mark.django_db
def test_an_action_never_sends_the_chair_to_another_site(admin_client):
    card = make_card()
    response = _action(
        admin_client, "card", "clear_flags", [card], apply="1", back="https://evil.example/admin/"
    )
    assert response["Location"] == reverse("admin:boards_card_changelist")


@pytest.mark.django_db
def test_admin_index_counts_the_flagged_cards_waiting(admin_client):
    assert "No flagged card is waiting for an answer" in admin_client.get("/admin/").text
    (day, *_) = conference(days=1)
    first = make_card(slot=_slots(day)[0], title="One")
    second = make_card(slot=_slots(day)[1], title="Two")
    card_flag(card=first, reason="Spam", reporter="r1")
    card_flag(card=first, reason="Rude", reporter="r2")
    card_flag(card=second, reason="Spam", reporter="r1")
    assert "2 flagged cards waiting for an answer" in admin_client.get("/admin/").text


@pytest.mark.django_db
def test_blocking_a_slot_that_holds_a_card_is_refused_before_the_reason_is_asked(admin_client):
    (day, *_) = conference(days=1)
    taken, free = _slots(day)[:2]
    make_card(slot=taken, title="Already here")

    only_taken = _action(admin_client, "slot", "block_slots", [taken])
    assert only_taken.status_code == 302  # no page asking for a reason
    told = [
        str(message) for message in admin_client.get(only_taken["Location"]).context["messages"]
    ]
    assert any("Not blocked" in message and "Already here" in message for message in told)

    both = _action(admin_client, "slot", "block_slots", [taken, free])
    assert both.status_code == 200 and 'name="reason"' in both.text
    assert list(both.context["queryset"]) == [free]  # only the free one is asked about
    assert "Already here" in both.text  # and why the other is not


@pytest.mark.django_db
def test_move_list_narrows_to_a_day_and_a_room_without_javascript(admin_client):
    first_day, second_day, *_ = conference(days=2, rooms=3)
    card = make_card(slot=_slots(first_day)[0])
    room_b = Room.objects.get(name="Room B")

    everything = _action(admin_client, "card", "move_card", [card])
    assert everything.text.count("<option value=") > 6
    # The narrowing button is not held up by the browser's "pick a slot" check.
    assert 'name="narrow" value="1" class="button" formnovalidate' in everything.text
    narrowed = _action(
        admin_client, "card", "move_card", [card],
        apply="1", narrow="1", day=second_day.pk, room=room_b.pk,
    )  # fmt: skip
    card.refresh_from_db()
    assert card.slot == _slots(first_day)[0]  # narrowing moves nothing
    offered = {
        int(pk)
        for pk in re.findall(r'<option value="(\d+)"', narrowed.text.split('name="to_slot"')[1])
    }
    wanted = set(Slot.objects.filter(day=second_day, room=room_b).values_list("pk", flat=True))
    assert offered == wanted
    target = Slot.objects.filter(day=second_day, room=room_b).order_by("starts_at").first()
    _action(
        admin_client, "card", "move_card", [card],
        apply="1", day=second_day.pk, room=room_b.pk, to_slot=target.pk,
    )  # fmt: skip
    card.refresh_from_db()
    assert card.slot == target


@pytest.mark.django_db
def test_admin_pages_have_the_boards_icon_and_the_version_footer(admin_client):
    page = admin_client.get("/admin/").text
    assert 'rel="icon"' in page and "favicon" in page
    assert "admin-site" in page and 'class="openspaces-version"' in page
