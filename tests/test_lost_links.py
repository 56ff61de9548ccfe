"""A lost manage link is one form away: /manage/lost/ (DESIGN.md)."""

import datetime as dt
import io
import logging
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from boards.models import Card, CardEvent, Slot
from boards.services import cards as card_services
from tests.factories import committed, conference, local, run_tasks

pytestmark = pytest.mark.django_db

BEFORE_TEN = local(2027, 5, 14, 9)
HOST = "priya@example.org"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(BEFORE_TEN, tick=False) as traveller:
        yield traveller


@pytest.fixture
def cards():
    """Two of Priya's cards (one typed in capitals), one she released, one of someone else."""
    conference(days=1, rooms=2, hours=(10, 13))
    slots = list(Slot.objects.order_by("starts_at", "room__name"))

    def pin(slot, title, email):
        claimed = card_services.card_claim(
            slot=slot,
            now=BEFORE_TEN,
            title=title,
            host_name="Priya",
            email=email,
        )
        return claimed.card, claimed.token

    with committed():
        first = pin(slots[0], "Packaging: uv and lockfiles", HOST)
        second = pin(slots[1], "Typing Django", "Priya@Example.org")
        released, _token = pin(slots[2], "Released one", HOST)
        card_services.card_release(card=released)
        pin(slots[3], "Someone else's", "lucia@example.org")
    return [first, second]


def ask(client, email, **extra):
    with committed():
        return client.post("/manage/lost/", {"email": email}, **extra)


def mailed_links(message) -> list[str]:
    return re.findall(r"http://testserver(/(?:es/)?manage/lost/[^/\s]+/)", message.body)


def test_the_form_asks_for_the_email_with_a_label(client):
    response = client.get("/manage/lost/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_email">The email you gave when you pinned your card' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'type="email"' in html


def test_the_answer_is_byte_identical_for_a_known_and_an_unknown_address(cards):
    known, unknown = Client(), Client()
    for browser in (known, unknown):
        browser.get("/manage/lost/")  # the form: each gets its CSRF cookie
    answers = []
    for browser, email in ((known, HOST), (unknown, "nobody@example.org")):
        with CaptureQueriesContext(connection) as queries:
            answer = ask(browser, email)
        followed = browser.get(answer["Location"])
        answers.append((answer, followed, [query["sql"] for query in queries]))
    (known_answer, known_page, known_sql), (unknown_answer, unknown_page, unknown_sql) = answers
    assert known_answer.status_code == unknown_answer.status_code == 303
    for one, other in ((known_answer, unknown_answer), (known_page, unknown_page)):
        assert one.content == other.content
        assert dict(one.items()) == dict(other.items())
        assert one.cookies.keys() == other.cookies.keys() == set()
    assert "Check your mail." in known_page.content.decode()
    # The same work: one task enqueued, and no card looked up in the request.
    assert len(known_sql) == len(unknown_sql)
    assert not [sql for sql in known_sql + unknown_sql if "boards_card" in sql]
    assert DBTaskResult.objects.count() == 2


def test_the_worker_mails_a_link_for_each_card_held_with_that_address(client, cards):
    ask(client, "PRIYA@example.org ")
    assert mail.outbox == []
    run_tasks()
    [message] = mail.outbox
    assert message.to == ["PRIYA@example.org"]
    assert message.subject == "PyCon US Open Spaces: the links to manage your open spaces"
    assert "Packaging: uv and lockfiles" in message.body
    assert "Typing Django" in message.body
    assert "Released one" not in message.body
    assert "Someone else" not in message.body
    assert len(mailed_links(message)) == 2
    assert "old link stops working" in message.body


def test_an_unknown_address_gets_no_mail(client, cards):
    ask(client, "nobody@example.org")
    run_tasks()
    assert mail.outbox == []


def open_mailed_link(client, title: str) -> str:
    ask(client, HOST)
    run_tasks()
    [message] = mail.outbox
    for link in mailed_links(message):
        if title in client.get(link).content.decode():
            return link
    raise AssertionError(f"no link for {title}")


def test_the_mailed_link_gives_the_card_a_new_manage_link_and_ends_the_old(client, cards):
    (card, old_token), _second = cards
    link = open_mailed_link(client, card.title)
    page = client.get(link)
    assert page.status_code == 200
    assert "The old link stops working" in page.content.decode()
    assert (
        client.get(f"/card/{card.pk}/manage/{old_token}/").status_code == 200
    )  # a GET: no change

    with committed():
        renewed = client.post(link)
    assert renewed.status_code == 303
    new_url = renewed["Location"]
    assert re.fullmatch(rf"/card/{card.pk}/manage/[^/]+/", new_url)
    manage = client.get(new_url)
    assert manage.status_code == 200
    assert "This is your new private link" in manage.content.decode()
    assert client.get(f"/card/{card.pk}/manage/{old_token}/").status_code == 404
    # This browser remembers the new link ("Manage your card" on the card's page).
    assert client.get(f"/card/{card.pk}/manage/")["Location"] == new_url.split("?")[0]
    assert CardEvent.objects.filter(card=card, action="link_renewed").count() == 1


def test_the_same_press_sent_twice_answers_the_same_new_link(client, cards):
    (card, _token), _second = cards
    link = open_mailed_link(client, card.title)
    with committed():
        first = client.post(link)
        again = client.post(link)  # a double tap, or the first answer never arrived
    assert first.status_code == again.status_code == 303
    assert first["Location"] == again["Location"]
    assert client.get(again["Location"]).status_code == 200
    assert CardEvent.objects.filter(card=card, action="link_renewed").count() == 1


def test_a_used_link_opens_nothing_in_another_browser(client, cards):
    (card, _token), _second = cards
    link = open_mailed_link(client, card.title)
    with committed():
        client.post(link)
    other = Client()
    assert other.get(link).status_code == 410
    assert "This link no longer works" in other.get(link).content.decode()
    other.get("/manage/lost/")  # a CSRF cookie, so that the POST reaches the view
    assert other.post(link).status_code == 410


def test_a_link_older_than_a_day_opens_nothing(client, cards, frozen):
    (card, old_token), _second = cards
    link = open_mailed_link(client, card.title)
    frozen.shift(dt.timedelta(hours=25))
    assert client.get(link).status_code == 410
    with committed():
        assert client.post(link).status_code == 410
    assert client.get(f"/card/{card.pk}/manage/{old_token}/").status_code == 200


@pytest.mark.parametrize("key", ["nonsense", "eyJjYXJkIjoxfQ:1abc:forged", "a:b:c", "a" * 300])
def test_a_forged_or_mangled_link_answers_410(client, cards, key):
    assert client.get(f"/manage/lost/{key}/").status_code == 410


def test_a_link_made_for_an_old_token_opens_nothing(client, cards):
    (card, _token), _second = cards
    link = open_mailed_link(client, card.title)
    Card.objects.filter(pk=card.pk).update(manage_token_hash=Card.hash_token("another"))
    assert client.get(link).status_code == 410


def test_an_invalid_address_is_refused_with_what_was_typed_kept(client):
    response = ask(client, "priya at example")
    html = response.content.decode()
    assert response.status_code == 422
    assert 'value="priya at example"' in html
    assert "Enter a valid email address." in html
    assert DBTaskResult.objects.count() == 0


def test_too_many_requests_from_one_address_answer_429(client, settings):
    settings.OPENSPACES_LOST_LINK_RATE = 3
    settings.OPENSPACES_LOST_LINK_EMAIL_RATE = 0
    statuses = [ask(client, f"host{n}@example.org").status_code for n in range(4)]
    assert statuses == [303, 303, 303, 429]
    again = ask(client, "host9@example.org")
    assert again.status_code == 429
    assert 'value="host9@example.org"' in again.content.decode()
    assert "Too many requests for links." in again.content.decode()
    # Another client address is not held up.
    assert ask(client, "host9@example.org", REMOTE_ADDR="10.1.2.3").status_code == 303
    assert DBTaskResult.objects.count() == 4


def test_too_many_requests_for_one_email_answer_429_from_any_address(client, settings):
    settings.OPENSPACES_LOST_LINK_RATE = 0
    settings.OPENSPACES_LOST_LINK_EMAIL_RATE = 2
    addresses = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    statuses = [ask(client, HOST, REMOTE_ADDR=address).status_code for address in addresses]
    assert statuses == [303, 303, 429]
    assert ask(client, HOST.upper(), REMOTE_ADDR="10.0.0.4").status_code == 429
    assert ask(client, "lucia@example.org", REMOTE_ADDR="10.0.0.4").status_code == 303


def test_the_form_needs_its_csrf_token(cards):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/manage/lost/", {"email": HOST}).status_code == 403
    assert DBTaskResult.objects.count() == 0


def test_in_spanish_the_page_the_mail_and_its_links(client, cards):
    (card, _token), _second = cards
    page = client.get("/es/manage/lost/")
    assert "¿Perdiste el enlace de tu tarjeta?" in page.content.decode()
    with committed():
        answer = client.post("/es/manage/lost/", {"email": HOST})
    assert answer["Location"] == "/es/manage/lost/sent/"
    assert "Mira tu correo." in client.get(answer["Location"]).content.decode()
    run_tasks()
    [message] = mail.outbox
    assert message.body.startswith("Hola:")
    assert "viernes 14 de mayo" in message.body
    links = mailed_links(message)
    assert links and all(link.startswith("/es/manage/lost/") for link in links)
    assert "Obtener un nuevo enlace privado" in client.get(links[0]).content.decode()


def test_the_claims_confirmation_and_the_lost_page_lead_here(client, cards):
    conference_slot = Slot.objects.filter(cards__isnull=True).order_by("starts_at").first()
    with committed():
        claimed = client.post(
            f"/slot/{conference_slot.pk}/claim/",
            {"title": "Hosting", "host_name": "Ana", "email": "ana@example.org"},
        )
    confirmation = client.get(claimed["Location"]).content.decode()
    assert 'href="/manage/lost/">Have a new link mailed to you' in confirmation
    (card, _token), _second = cards
    stranger = Client().get(f"/card/{card.pk}/manage/").content.decode()
    assert 'href="/manage/lost/"' in stranger


def test_no_lost_link_key_in_the_log(client, cards, frozen):
    (card, _token), _second = cards
    link = open_mailed_link(client, card.title)
    key = link.rstrip("/").rsplit("/", 1)[1]
    frozen.shift(dt.timedelta(days=2))
    (console,) = logging.getLogger().handlers[:1]  # settings.LOGGING's console handler
    lines = io.StringIO()
    stream = console.setStream(lines)
    try:
        Client().get(link)  # too old: a 410, logged as a client error
    finally:
        console.setStream(stream)
    assert "/manage/lost/…/" in lines.getvalue()
    assert key not in lines.getvalue()


def test_the_pages_cost_a_few_queries(client, cards, django_assert_max_num_queries):
    (card, _token), _second = cards
    link = open_mailed_link(client, card.title)
    with django_assert_max_num_queries(3):
        client.get("/manage/lost/")
    # Two new rate-limit counts (without Redis, 5 queries each in the shared database
    # cache, boards.caching.backends) and the task's row.
    with django_assert_max_num_queries(11):
        ask(client, "nobody@example.org", REMOTE_ADDR="10.9.9.9")
    with django_assert_max_num_queries(3):
        client.get(link)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({}, 422),
        ({"email": ""}, 422),
        ({"email": "\x00@example.org"}, 422),
        ({"email": "a" * 100_000 + "@example.org"}, 422),
        ({"email": '"><script>alert(1)</script>@example.org'}, 422),
        # Django's EmailField takes it, as the claim's does: it matches no card, mails nobody.
        ({"email": "priya@example.org\u202e"}, 303),
        # Two values: a form reads the last, like every Django form.
        ({"email": ["nobody@example.org", "lucia@example.org"]}, 303),
    ],
)
def test_hostile_input_is_refused_never_500_and_shown_as_text(client, data, status):
    with committed():
        response = client.post("/manage/lost/", data)
    assert response.status_code == status
    assert "<script>alert" not in response.content.decode()
    assert DBTaskResult.objects.count() == (1 if status == 303 else 0)
