"""The boards in Spanish: chosen by the browser or the footer's switch, the language in the
address, every word of the interface translated, dates in Spanish, the chair's admin too."""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from boards.models import Card, Room, Slot
from boards.services.grid import bump_board_versions
from tests.factories import committed, conference, local, make_card, run_tasks

pytestmark = pytest.mark.django_db

BEFORE_TEN = local(2027, 5, 14, 9)
SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
CATALOGUE = Path(settings.BASE_DIR) / "boards" / "locale" / "es" / "LC_MESSAGES" / "django.po"
WORD = re.compile(r"[^\W\d_]{3,}")


def _english_words() -> set[str]:
    """The words of the interface in English that its Spanish never uses: any of them on a
    Spanish page is a word left untranslated."""
    english, spanish = set(), set()
    for entry in polib.pofile(str(CATALOGUE)):
        texts = [entry.msgid, entry.msgid_plural]
        english |= {word.casefold() for text in texts for word in WORD.findall(text)}
        translations = [entry.msgstr, *entry.msgstr_plural.values()]
        spanish |= {word.casefold() for text in translations for word in WORD.findall(text)}
    # Placeholders and markup inside messages are not words people read; "may" is also
    # Spanish (mayo, abbreviated).
    return english - spanish - {"counter", "strong", "href", "url", "may"}


ENGLISH = _english_words()


class _Visible(HTMLParser):
    """The text a reader meets: content, and the attributes read aloud or shown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self.hidden += 1
        values = dict(attrs)
        self.texts += [
            value
            for name, value in attrs
            if value
            and (
                name in {"aria-label", "title", "alt", "placeholder"}
                or name.startswith("data-")
                and " " in value
            )
        ]
        if tag == "meta" and values.get("name") == "description":
            self.texts.append(values.get("content") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.texts.append(data)


def english_left(html: str, *content: str) -> list[str]:
    """The interface's English words on a page, once the conference's own text is taken out."""
    parser = _Visible()
    parser.feed(html)
    text = " ".join(parser.texts)
    for name in sorted(
        [settings.OPENSPACES_NAME, settings.OPENSPACES_HASHTAG, *content], key=len, reverse=True
    ):
        text = text.replace(name, " ")
    return sorted({word for word in WORD.findall(text) if word.casefold() in ENGLISH})


def test_the_guard_sees_an_english_word():
    assert english_left("<p>Libre: <b>Free</b> sala</p>") == ["Free"]
    assert english_left('<button aria-label="Find">Buscar</button>') == ["Find"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(BEFORE_TEN, tick=False) as traveller:
        yield traveller


@pytest.fixture
def board():
    """Two days, two rooms, a card on the first day at ten."""
    days = conference(days=2, rooms=2, hours=(10, 13))
    Room.objects.filter(name="Room A").update(capacity=30, location="Level 2")
    slot = Slot.objects.filter(day=days[0]).order_by("starts_at", "room__name").first()
    with committed():
        card = make_card(slot=slot, title="Django async", host_name="Carlton")
        bump_board_versions(slot.day_id)
    return days, card


def content(card: Card) -> list[str]:
    return [card.title, card.host_name, *Room.objects.values_list("name", flat=True), "Level 2"]


def test_a_spanish_browser_at_the_front_door_lands_on_the_spanish_board(client, board):
    response = client.get("/", headers=SPANISH)
    assert response.status_code == 302
    assert response["Location"] == "/es/"
    assert set(re.split(r",\s*", response["Vary"])) >= {"Accept-Language", "Cookie"}
    # An English browser, and any other address, stays where it is.
    assert client.get("/", headers={"Accept-Language": "en-US,en"}).status_code == 200
    assert client.get("/day/2027-05-14/", headers=SPANISH).status_code == 200


def test_every_public_page_is_in_spanish_with_no_english_left(client, board):
    days, card = board
    free = Slot.objects.filter(cards__isnull=True, day=days[0]).order_by("starts_at").first()
    pages = [
        "/es/",
        "/es/day/2027-05-15/",
        "/es/now/",
        f"/es/card/{card.pk}/",
        f"/es/slot/{free.pk}/claim/",
        "/es/display/",
        f"/es/room/{free.room_id}/",
        "/es/day/2027-05-14/print/",
        "/es/day/2027-05-14/print/rooms/",
        "/es/?q=django",
        "/es/?q=cobol",
        "/es/day/2030-01-01/",  # 404
        "/es/mine/",  # with a followed card and a private calendar address (below)
    ]
    client.post(f"/es/card/{card.pk}/interest/", {"interested": "1"})
    client.post("/es/mine/calendar/", {"action": "renew"})
    left = {}
    for path in pages:
        response = client.get(path, headers=SPANISH)
        html = response.content.decode()
        assert response.status_code in {200, 404}, path
        assert '<html lang="es"' in html, path
        assert response["Content-Language"] == "es"
        # Addresses shown as text (the private calendar's) are data, not interface words.
        addresses = re.findall(r"http://testserver/[^<\s\"]+", html)
        if words := english_left(html, *content(card), *addresses):
            left[path] = words
    assert left == {}


def test_the_spanish_board_writes_dates_the_spanish_way(client, board):
    html = client.get("/es/day/2027-05-14/").content.decode()
    assert "viernes 14 de mayo" in html
    assert "Hoy" in html
    assert "2 espacios abiertos" not in html  # one card: the singular
    assert "1 espacio abierto" in html
    assert "10:00" in html  # a 24-hour clock
    card_page = client.get(f"/es/card/{board[1].pk}/").content.decode()
    assert "viernes 14 de mayo, 10:00–11:00" in card_page


def test_the_footer_switch_remembers_the_choice(client, board):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/day/2027-05-14/"})
    assert response.status_code == 302
    assert response["Location"] == "/es/day/2027-05-14/"
    # The front door now opens in Spanish for this browser, whatever it asks for.
    home = client.get("/", headers={"Accept-Language": "en"})
    assert home["Location"] == "/es/"
    page = client.get("/es/", headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="es"' in page
    assert english_left(page, *content(board[1])) == []
    # And back: English without a prefix, remembered too.
    back = client.post("/i18n/setlang/", {"language": "en", "next": "/es/day/2027-05-14/"})
    assert back["Location"] == "/day/2027-05-14/"
    assert client.get("/", headers=SPANISH).status_code == 200


def test_the_switch_is_a_plain_form_on_every_page(client, board):
    html = client.get("/day/2027-05-14/").content.decode()
    form = re.search(r'<form class="language-switch".*?</form>', html, flags=re.S)[0]
    assert 'action="/i18n/setlang/" method="post"' in form
    assert 'name="language" value="es" lang="es"' in form
    # A cached board cannot name itself in `next`: the browser's Referer says which page.
    response = client.post(
        "/i18n/setlang/",
        {"language": "es", "next": ""},
        headers={"Referer": "http://testserver/day/2027-05-14/"},
    )
    assert response["Location"] == "http://testserver/es/day/2027-05-14/"
    back = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": ""},
        headers={"Referer": "http://testserver/es/now/"},
    )
    assert back["Location"] == "http://testserver/now/"


def test_a_board_is_cached_per_language(client, board):
    english = client.get("/day/2027-05-14/")
    spanish = client.get("/es/day/2027-05-14/")
    assert english["ETag"] != spanish["ETag"]
    assert "Find a topic" in english.content.decode()
    assert "Busca un tema" in spanish.content.decode()
    # Each language's poll gets its own 304, and a cached copy never crosses over.
    for path, response in [("/day/2027-05-14/", english), ("/es/day/2027-05-14/", spanish)]:
        poll = client.get(path, headers={"If-None-Match": response["ETag"]})
        assert poll.status_code == 304
        assert client.get(path).content == response.content
    crossed = client.get("/es/day/2027-05-14/", headers={"If-None-Match": english["ETag"]})
    assert crossed.status_code == 200
    assert "Vary" not in crossed or "Accept-Language" not in crossed["Vary"]


def test_a_spanish_poll_is_304_as_cheaply_as_an_english_one(
    client, board, django_assert_max_num_queries
):
    for path in ["/day/2027-05-14/", "/es/day/2027-05-14/", "/es/"]:
        first = client.get(path)
        with django_assert_max_num_queries(1):  # one read of the generation, no session
            poll = client.get(path, headers={"If-None-Match": first["ETag"]})
        assert poll.status_code == 304
        assert poll["Content-Language"] == first["Content-Language"]
        assert not poll.cookies


# The claim in Spanish: 422, 409, 303 ------------------------------------------------------

TYPED = {"title": "Empaquetado con uv", "host_name": "Lucía", "description": "", "email": ""}


def claim(client: Client, slot: Slot, data: dict[str, str]):
    with committed():
        return client.post(f"/es/slot/{slot.pk}/claim/", data, headers=SPANISH)


def test_a_claim_in_spanish_answers_303_to_the_spanish_card(client, board):
    days, card = board
    free = Slot.objects.filter(cards__isnull=True, day=days[0]).order_by("starts_at").first()
    response = claim(client, free, TYPED)
    assert response.status_code == 303
    new = Card.objects.get(slot=free)
    assert response["Location"] == f"/es/card/{new.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Tu tarjeta está en el tablero" in page
    assert english_left(page, *content(new), new.title, "Lucía") == []


def test_a_claim_with_errors_in_spanish_answers_422_in_spanish(client, board):
    days, card = board
    free = Slot.objects.filter(cards__isnull=True, day=days[0]).order_by("starts_at").first()
    response = claim(client, free, TYPED | {"title": "", "host_handle": "not a handle!"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Corrige 2 cosas aquí abajo." in html
    assert "Este campo es obligatorio." in html  # Django's own Spanish
    assert "Escríbelo como @tu@mastodon.social" in html
    assert 'value="Lucía"' in html  # what was typed is kept
    assert english_left(html, *content(card), "Lucía", "not a handle!") == []


def test_a_claim_of_a_taken_slot_in_spanish_answers_409_in_spanish(client, board):
    days, card = board
    response = claim(client, card.slot, TYPED)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Alguien acaba de reservar esta franja." in html
    assert "Cuélgala en una de estas franjas libres:" in html
    assert english_left(html, *content(card), "Empaquetado con uv", "Lucía") == []


# The chair's admin ------------------------------------------------------------------------


def test_the_chairs_admin_is_in_spanish_for_a_spanish_browser(client, board):
    days, card = board
    chair = User.objects.create_superuser("chair", "chair@example.org", "x")
    client.force_login(chair)
    changelist = client.get("/admin/boards/card/", headers=SPANISH)
    html = changelist.content.decode()
    assert '<html lang="es"' in html
    for words in ["Tarjetas", "Organiza", "Retirar las tarjetas seleccionadas (pide el motivo)"]:
        assert words in html
    assert "Accept-Language" in changelist["Vary"]
    glance = client.get(f"/admin/boards/day/{days[0].pk}/glance/", headers=SPANISH)
    assert glance.status_code == 200
    assert "viernes 14 de mayo de 2027 de un vistazo" in glance.content.decode()
    assert "Tarjetas con avisos" in glance.content.decode()
    # An English browser gets the English admin.
    english = client.get("/admin/boards/card/", headers={"Accept-Language": "en"})
    assert "Remove the selected cards (asks for the reason)" in english.content.decode()


def test_the_email_to_the_host_is_in_the_language_of_the_claim(client, board, mailoutbox):
    days, card = board
    free = Slot.objects.filter(cards__isnull=True, day=days[0]).order_by("starts_at").first()
    claim(client, free, TYPED | {"email": "lucia@example.org"})
    run_tasks()
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert body.startswith("Hola, Lucía:")
    assert "viernes 14 de mayo, 10:00." in body
    assert "/es/card/" in body
