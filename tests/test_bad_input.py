"""A corpus of awkward input: never a 500, never lost, always shown as text."""

import pytest
import time_machine

from boards.models import Card, Slot
from tests.factories import committed, conference, local

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
    response = post(client, slot, title="Nul\x00title")
    assert response.status_code == 422
    assert 'value="Nul' in response.content.decode()
    assert not Card.objects.exists()
