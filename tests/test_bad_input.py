"""A corpus of awkward input: never a 500, never lost, always shown as text."""

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from boards.models import Card, Room, Slot
from tests.factories import committed, conference, local, make_card

pytestmark = pytest.mark.django_db

BASE = {"title": "Topic", "description": "", "host_name": "Host", "host_handle": "", "email": ""}


@pytest.fixture
def slot():
    conference(days=1, rooms=1, hours=(10, 11))
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        yield Slot.objects.get()


def post(client, slot, **fields):
    with committed():
        return client.post(f"/slot/{slot.pk}/claim/", {**BASE, **fields})


@pytest.mark.parametrize(
    ("fields", "stored_title", "stored_host"),
    [
        ({"title": "Emoji 🐍🎉 and ZWJ 👩‍💻"}, "Emoji 🐍🎉 and ZWJ 👩‍💻", "Host"),
        ({"title": "مرحبا بايثون", "host_name": "שלום"}, "مرحبا بايثون", "שלום"),
        ({"title": "Bell\x07 and\x1b escape"}, "Bell and escape", "Host"),
        ({"title": "Hidden \u202eevil\u202c override"}, "Hidden evil override", "Host"),
        ({"title": "  padded  ", "host_name": "\tTabbed\t"}, "padded", "Tabbed"),
        ({"title": "x" * 80}, "x" * 80, "Host"),
    ],
)
def test_bad_input_is_cleaned_and_stored(client, slot, fields, stored_title, stored_host):
    response = post(client, slot, **fields)
    assert response.status_code == 303
    card = Card.objects.get()
    assert (card.title, card.host_name) == (stored_title, stored_host)


@pytest.mark.parametrize(
    "fields",
    [
        {"title": ""},
        {"title": "\x00"},
        {"title": "x" * 81},
        {"title": "x" * 100_000},
        {"description": "NUL\x00inside"},
        {"host_name": "\x00"},
        {"host_handle": "\x00@x"},
        {"email": "a\x00@example.org"},
        {"host_name": "\x07\x08"},  # nothing left once control characters go
    ],
)
def test_bad_input_is_answered_422_never_500(client, slot, fields):
    response = post(client, slot, **fields)
    assert response.status_code == 422
    assert not Card.objects.exists()


def test_bad_input_markup_in_every_field_shows_as_text(client, slot):
    markup = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = post(client, slot, title=markup[:80], description=markup, host_name=markup[:60])
    assert response.status_code == 303
    card = Card.objects.get()
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        pages = [client.get(f"/card/{card.pk}/"), client.get("/day/2027-05-14/")]
    for page in pages:
        html = page.content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_bad_input_markup_is_kept_escaped_in_the_form_after_an_error(client, slot):
    response = post(client, slot, title="", description='"><script>alert(1)</script>')
    html = response.content.decode()
    assert response.status_code == 422
    assert "<script>alert(1)" not in html
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


# The input gate (openspaces.middleware.RejectInvalidInputMiddleware) --------------------


def test_bad_input_a_nul_byte_in_a_claim_is_refused_with_everything_typed_before_any_query(
    client, slot, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):  # no view ran: not even the slot was read
        response = post(client, slot, title="Nul\x00title", description="My own words")
    assert response.status_code == 422
    html = response.content.decode()
    assert "The field “title” holds a NUL character (U+0000)." in html
    assert "Nul\ufffdtitle" in html and "My own words" in html  # all of it, to copy back
    assert f'href="/slot/{slot.pk}/claim/"' in html
    assert not Card.objects.exists()


@pytest.mark.parametrize("raw_title", [b"%ff%fe", b"%ed%a0%80"])  # not UTF-8; a lone surrogate
def test_bad_input_bytes_that_are_not_utf8_in_a_form_are_a_422_naming_the_field(
    client, slot, raw_title
):
    body = b"title=" + raw_title + b"&description=kept+words&host_name=Host"
    with committed():
        response = client.post(
            f"/slot/{slot.pk}/claim/", body, content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 422
    html = response.content.decode()
    assert "The field “title” holds bytes that are not UTF-8 text." in html
    assert "kept words" in html
    assert not Card.objects.exists()


@pytest.mark.parametrize(
    ("path", "cookie"),
    [
        ("/?q=%ff", ""),
        ("/?q=a%00b", ""),
        ("/day/2027-05-14/?q=%ed%a0%80", ""),
        ("/room/1/?day=2027-05-14%00", ""),
        ("/now/", 'openspaces_browser="\\000"'),
        ("/now/", "csrftoken=\xff\xfe"),
    ],
)
def test_bad_input_in_the_address_or_a_cookie_is_a_400_before_any_query(
    client, slot, path, cookie, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        response = client.get(path, HTTP_COOKIE=cookie)
    assert response.status_code == 400


def test_bad_input_a_nul_title_reaching_the_claim_view_is_a_422_on_every_database(
    client, slot, settings
):
    """The claim view itself, without the gate: the raw title once reached a query (the
    repeated-claim lookup), and PostgreSQL answered a NUL in it with a 500."""
    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if not name.endswith("RejectInvalidInputMiddleware")
    ]
    client.get(f"/slot/{slot.pk}/claim/")  # the form: the browser gets its CSRF cookie
    response = post(client, slot, title="Nul\x00title", email="not an address")
    assert response.status_code == 422
    assert 'value="Nul' in response.content.decode()
    assert not Card.objects.exists()


# Text people read is text people can see (boards.text.visible_text) --------------------

ZERO_WIDTH = "\u200b\u200c\u2060\ufeff"  # zero-width space, non-joiner, word joiner, BOM


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "\u200b\u200b"}, "title"),
        ({"host_name": "\u200b"}, "host_name"),
        ({"title": ZERO_WIDTH + " \u202e\u2066 \u00ad"}, "title"),  # overrides, soft hyphen
        ({"host_name": "\u3164\u3164"}, "host_name"),  # Hangul fillers: letters, but blank
        ({"title": "\ufe0f\u200d"}, "title"),  # a variation selector and a joiner alone
        ({"title": "\ue000\U000f0000"}, "title"),  # private use
    ],
)
def test_bad_input_nothing_visible_is_refused_like_an_empty_field(client, slot, fields, field):
    response = post(client, slot, **fields)
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_{field}_error"><strong>Error:</strong> This field is required.</p>' in html
    assert not Card.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Cafe\u0301 talk", "Café talk"),  # NFC: one character, as the search expects
        ("  lots   of\u00a0\u2003 space\u3000 ", "lots of space"),
        ("Zero\u200bwidth\u2060 inside", "Zerowidth inside"),
        ("👩‍💻 pair coding", "👩‍💻 pair coding"),  # the joiner of an emoji stays
        ("❤️‍🔥 and ❤️", "❤️‍🔥 and ❤️"),  # so do variation selectors
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Scots", None),
        ("a\u200db", "ab"),  # a joiner between letters shows nothing
        ("mixed \u200fעברית\u200e text", "mixed עברית text"),  # format characters go
    ],
)
def test_bad_input_text_is_stored_as_people_will_see_it(client, slot, typed, stored):
    response = post(client, slot, title=typed)
    assert response.status_code == 303
    assert Card.objects.get().title == (stored or typed)


def test_bad_input_a_description_keeps_its_line_breaks_and_loses_the_invisible(client, slot):
    typed = "First line \u200b\r\n\r\n\r\n\r\n  second\t\tline\x0b  \n\u200b"
    response = post(client, slot, description=typed)
    assert response.status_code == 303
    assert Card.objects.get().description == "First line\n\nsecond line"


def test_bad_input_an_invisible_card_never_reaches_the_board(client, slot):
    post(client, slot, title="\u200b\u200b", host_name="\u200b")
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        board = client.get("/day/2027-05-14/")
    assert not Card.objects.exists()
    assert "Free: host here" in board.content.decode()


def test_bad_input_a_flag_reason_with_nothing_visible_is_refused(client):
    card = make_card()
    response = client.post(f"/card/{card.pk}/flag/", {"reason": "\u200b\u202e"})
    assert response.status_code == 422
    assert "Say in a few words what is wrong, for the chair." in response.content.decode()
    assert not card.flags.exists()


def test_bad_input_a_chair_reason_with_nothing_visible_is_asked_again(admin_client):
    conference(days=1, rooms=1, hours=(10, 11))
    slot = Slot.objects.get()
    response = admin_client.post(
        reverse("admin:boards_slot_changelist"),
        {
            "action": "block_slots",
            ACTION_CHECKBOX_NAME: [slot.pk],
            "apply": "1",
            "reason": "\u200b",
        },
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    slot.refresh_from_db()
    assert slot.blocked_reason == ""


def test_bad_input_a_room_name_with_nothing_visible_is_refused_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:boards_room_add"),
        {"name": "\u200b\u3164", "position": "0", "location": "Floor\u200b 2"},
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Room.objects.exists()


@pytest.mark.parametrize("selected", ["", "x", "9223372036854775808", "1e3"])
def test_bad_input_an_admin_action_on_ids_that_are_not_ids_selects_nothing(admin_client, selected):
    """Django's changelist filtered by the ids as sent: a 500 (ValueError, or OverflowError
    on SQLite) for anything but an id in range."""
    conference(days=1, rooms=1, hours=(10, 11))
    response = admin_client.post(
        reverse("admin:boards_slot_changelist"),
        {"action": "block_slots", ACTION_CHECKBOX_NAME: [selected], "apply": "1", "reason": "X"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Items must be selected in order to perform actions on them." in response.text
    assert not Slot.objects.exclude(blocked_reason="").exists()
