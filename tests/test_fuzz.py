"""The fuzzer: every public form and every address that takes a parameter, driven with
hostile input by Hypothesis.

Each example is sent as a browser (or a script) would send it, as raw bytes: NUL and other
control characters, lone surrogates and bytes that are not UTF-8, right-to-left overrides,
zero-width-only text, 1 MB fields, huge numbers, SQL and template syntax. Each one must
give: no 5xx; a refused form that keeps what was typed; nothing stored that holds a control
character (what is stored is visible text: boards.text.visible_text changes nothing in it).

The seed is fixed (derandomize) and the examples few, so that the suite stays quick and
gives the same answer every run; `make fuzz` runs many more (FUZZ_EXAMPLES, default 500).
FUZZ_REPORT=<file> counts instead of failing (examples and 5xx per endpoint, as JSON): how
the before/after table of issue 19 was made.
"""

import json
import os
import unicodedata
from dataclasses import dataclass, field
from html import escape
from http.cookies import SimpleCookie
from urllib.parse import quote_from_bytes

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boards.models import Card, Flag, Idea, Room, Slot
from boards.services import cards, ideas
from boards.text import visible_text
from tests.factories import conference, local

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0")) or None
REPORT = os.environ.get("FUZZ_REPORT", "")

settings.register_profile(
    "suite",
    max_examples=10,
    derandomize=True,  # the same examples every run: a CI failure can be run again
    deadline=None,  # a 1 MB field takes its time; speed is bench/'s business
    database=None,  # nothing written next to the code
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one conference per endpoint, on purpose
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
settings.register_profile("fuzz", settings.get_profile("suite"), max_examples=EXAMPLES or 500)
FUZZ = settings.get_profile("fuzz" if EXAMPLES else "suite")

# Hostile input --------------------------------------------------------------------------

MEGABYTE = 1_000_000
NAMED = [
    b"",
    b"\x00",
    b"title\x00with a NUL",
    b"\x01\x07\x08\x0b\x0c\x1b\x7f",
    "\x80\x85\x9b\x9f".encode(),  # C1 controls, as UTF-8
    b"\xff\xfe",  # not UTF-8
    b"\xc3\x28",  # a broken two-byte sequence
    "\ud800".encode("utf-8", "surrogatepass"),  # a lone surrogate, as it arrives
    "\udfff lone".encode("utf-8", "surrogatepass"),
    "\u202eevil\u202c and \u202d\u2066".encode(),  # bidi overrides and isolates
    "\u200b\u200b".encode(),  # zero-width spaces only
    "\u200b\u200c\u200d\u2060\ufeff\u00ad".encode(),
    "\u3164\u115f\u1160\uffa0".encode(),  # Hangul fillers
    "\ufe0f\u200d".encode(),
    "👩‍💻 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f".encode(),
    b"x" * MEGABYTE,
    "é".encode() * (MEGABYTE // 2),
    b"9" * 40,
    b"-1",
    b"0",
    b"2147483648",
    b"9223372036854775808",
    b"1e309",
    b"NaN",
    b"' OR '1'='1",
    b"'; DROP TABLE boards_card; --",
    b"1 UNION SELECT password FROM auth_user",
    b"%00",
    b"%s %d %(x)s {0}",
    b"{{ request.META }}{% debug %}",
    b"${7*7}<%= 7*7 %>",
    b"<script>alert(1)</script>",
    b"../../../../etc/passwd",
    b"\r\nSet-Cookie: x=1",
    b"2027-02-30",
    b"9999-12-31",
    b"0000-00-00",
]
UNICODE = st.characters(codec=None, categories=None)  # every code point, surrogates too
text_bytes = st.text(UNICODE, max_size=120).map(lambda text: text.encode("utf-8", "surrogatepass"))
hostile = st.one_of(
    st.sampled_from(NAMED),
    text_bytes,
    st.binary(max_size=64),
    st.integers(min_value=-(10**30), max_value=10**30).map(lambda n: str(n).encode()),
    st.tuples(st.sampled_from(NAMED[:15]), text_bytes).map(lambda pair: pair[0] + pair[1]),
)


def form_body(fields: dict[str, bytes]) -> bytes:
    return b"&".join(
        quote_from_bytes(name.encode()).encode() + b"=" + quote_from_bytes(value).encode()
        for name, value in fields.items()
    )


# gunicorn answers a longer request line or header itself (400), before Django.
REQUEST_LINE, HEADER = 4094, 8190


def query(fields: dict[str, bytes]) -> str:
    return form_body(fields).decode("ascii")[:REQUEST_LINE]


def segment(value: bytes) -> str:
    """A value as one segment of a path (a slash in it would be two)."""
    return quote_from_bytes(value[: REQUEST_LINE // 3], safe=b"") or "x"


# What each example must give -------------------------------------------------------------

# Fields whose text is shown again on a refused form (a select or a button is not typed).
NOT_TYPED = {"csrfmiddlewaretoken", "website", "to_slot", "interested", "confirm", "apply"}
NOT_TYPED |= {"action", ACTION_CHECKBOX_NAME, "language", "next", "create_slots", "position"}
NOT_TYPED |= {"days", "first_hour", "last_hour", "capacity", "first_day", "reception"}
NOT_TYPED |= {"attendance"}  # a number field: the browser sends digits only
REFUSED = {409, 422}


@dataclass
class Tally:
    examples: int = 0
    errors: int = 0  # 5xx
    lost: int = 0  # a refused form without what was typed
    stored: int = 0  # a control character stored
    first: list[str] = field(default_factory=list)


TALLIES: dict[str, Tally] = {}


def stored_problems() -> list[str]:
    """Text stored anywhere people will read it that is not visible text."""
    problems = []
    multiline = {"description", "notes"}
    rows: list[tuple[str, dict]] = [
        *(
            ("card", row)
            for row in Card.objects.values(
                "title", "description", "host_name", "host_handle", "removed_reason", "notes"
            )
        ),
        *(
            ("card", {"links": link})
            for links in Card.objects.values_list("links", flat=True)
            for link in links
        ),
        *(("flag", row) for row in Flag.objects.values("reason")),
        *(("idea", row) for row in Idea.objects.values("title", "description")),
        *(("slot", row) for row in Slot.objects.values("blocked_reason")),
        *(("room", row) for row in Room.objects.values("name", "location")),
    ]
    for model, row in rows:
        for name, value in row.items():
            if value and visible_text(value, multiline=name in multiline) != value:
                problems.append(f"{model}.{name}={value[:60]!r}")
    for email in Card.objects.exclude(email="").values_list("email", flat=True):
        if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") for char in email):
            problems.append(f"card.email={email[:60]!r}")
    return problems


def check(endpoint: str, response, sent: dict[str, bytes] | None = None) -> None:
    tally = TALLIES.setdefault(endpoint, Tally())
    tally.examples += 1
    failures = []
    if response.status_code >= 500:
        tally.errors += 1
        failures.append(f"{response.status_code} for {sorted((sent or {}).items())!r:.300}")
    elif sent is not None and response.status_code in REFUSED:
        body = response.content.decode("utf-8", "replace")
        for name, value in sent.items():
            typed = value.decode("utf-8", "replace").replace("\x00", "\ufffd")
            if name not in NOT_TYPED and typed.strip() and escape(typed) not in body:
                tally.lost += 1
                failures.append(f"{name} not kept on a {response.status_code}: {typed[:60]!r}")
                break
    if problems := stored_problems():
        tally.stored += 1
        failures.append(f"stored: {problems}")
    if failures:
        tally.first = tally.first or failures
        if not REPORT:
            pytest.fail("; ".join(failures))


@pytest.fixture(scope="session", autouse=True)
def report():
    yield
    if REPORT:
        table = {name: vars(tally) for name, tally in sorted(TALLIES.items())}
        with open(REPORT, "w") as out:
            json.dump(table, out, indent=1)


# The conference every example is sent to -------------------------------------------------

NOW = local(2027, 5, 14, 9, 30)


@dataclass
class World:
    browser: Client
    chair: Client
    slot: Slot  # free
    card: Card
    token: str

    def visitor(self, cookies: dict[str, str] | None = None) -> Client:
        """The browser, its cookies cleared for each example: no session or cookie left by
        the one before (their rows were rolled back, the cache that holds sessions was
        not). One client for all: a new one loads the middleware (and whitenoise's file
        list) again."""
        self.browser.cookies = SimpleCookie(cookies or {})
        return self.browser

    def post(self, endpoint: str, path: str, fields: dict[str, bytes], *, client=None, **kw):
        """POST `fields` as raw bytes (application/x-www-form-urlencoded), in a savepoint
        rolled back after the checks: each example starts from the same conference."""
        with transaction.atomic():
            response = (client or self.visitor(**kw)).post(
                path, form_body(fields), content_type="application/x-www-form-urlencoded"
            )
            check(endpoint, response, fields)
            transaction.set_rollback(True)
        return response

    def get(self, endpoint: str, path: str, *, client=None, **headers):
        with transaction.atomic():
            check(endpoint, (client or self.visitor()).get(path, headers=headers))
            transaction.set_rollback(True)


@pytest.fixture
def world(settings):
    for rate in ("CLAIM", "INTEREST", "INTEREST_IP", "FLAG", "LOST_LINK", "LOST_LINK_EMAIL"):
        setattr(settings, f"OPENSPACES_{rate}_RATE", 0)  # the fuzzer is one fast client
    with time_machine.travel(NOW, tick=False):
        conference(days=2, rooms=2, hours=(10, 13))
        slots = list(Slot.objects.order_by("starts_at", "room__position"))
        claim = cards.card_claim(
            slot=slots[1], title="Django async", host_name="Ada", email="ada@example.org", now=NOW
        )
        user = get_user_model().objects.create_superuser("chair", "chair@example.org", "pw")
        chair = Client(raise_request_exception=False)
        chair.force_login(user)
        yield World(
            browser=Client(raise_request_exception=False),
            chair=chair,
            slot=slots[0],
            card=claim.card,
            token=claim.token,
        )


CARD_TEXT = ("title", "description", "host_name", "host_handle")


def card_fields(draw_values: dict[str, bytes]) -> dict[str, bytes]:
    return {"title": b"Topic", "host_name": b"Host", **draw_values}


text_fields = st.dictionaries(st.sampled_from(CARD_TEXT), hostile, min_size=1)

# Hosts ------------------------------------------------------------------------------------


@settings(FUZZ)
@given(fields=text_fields, email=hostile)
def test_fuzz_claim(world, fields, email):
    # With a CSRF cookie, as a browser that loaded the form has: the repeated-claim lookup
    # goes by it (a raw title reached that query once: a 500 on PostgreSQL).
    path, cookies = f"/slot/{world.slot.pk}/claim/", {"csrftoken": "c" * 32}
    world.post("claim", path, {**card_fields(fields), "email": email}, cookies=cookies)


@settings(FUZZ)
@given(fields=text_fields)
def test_fuzz_edit(world, fields):
    path = f"/card/{world.card.pk}/manage/{world.token}/"
    world.post("edit", path, card_fields(fields))


@settings(FUZZ)
@given(notes=hostile, links=hostile, attendance=hostile)
def test_fuzz_notes(world, notes, links, attendance):
    path = f"/card/{world.card.pk}/manage/{world.token}/notes/"
    world.post("notes", path, {"notes": notes, "links": links, "attendance": attendance})


@settings(FUZZ)
@given(email=hostile)
def test_fuzz_host_email(world, email):
    path = f"/card/{world.card.pk}/manage/{world.token}/email/"
    world.post("host email", path, {"email": email})


@settings(FUZZ)
@given(value=hostile, key=hostile)
def test_fuzz_mine(world, value, key):
    cookies = {name: value.decode("latin-1")[:HEADER] for name in ("os_browser", "pinned")}
    world.get(
        "mine",
        "/mine/?" + query({"done": key}),
        HTTP_COOKIE="; ".join(f"{name}={text}" for name, text in cookies.items()),
    )
    world.post("mine", "/mine/calendar/", {"action": key}, cookies=cookies)
    world.get("mine", f"/mine/{segment(key)}/calendar.ics")


@settings(FUZZ)
@given(to_slot=hostile)
def test_fuzz_move(world, to_slot):
    path = f"/card/{world.card.pk}/manage/{world.token}/move/"
    world.post("move", path, {"to_slot": to_slot})


@settings(FUZZ)
@given(confirm=hostile)
def test_fuzz_release(world, confirm):
    path = f"/card/{world.card.pk}/manage/{world.token}/release/"
    world.post("release", path, {"confirm": confirm})


@settings(FUZZ)
@given(token=hostile, pk=hostile)
def test_fuzz_manage_addresses(world, token, pk):
    world.get("manage link", f"/card/{world.card.pk}/manage/{segment(token)}/")
    world.get("manage link", f"/card/{segment(pk)}/manage/{world.token}/?done={segment(token)}")
    world.get("lost link key", f"/manage/lost/{segment(token)}/")


@settings(FUZZ)
@given(email=hostile)
def test_fuzz_lost_link(world, email):
    world.post("lost link", "/manage/lost/", {"email": email})


# Attendees --------------------------------------------------------------------------------


@settings(FUZZ)
@given(reason=hostile)
def test_fuzz_flag(world, reason):
    world.post("flag", f"/card/{world.card.pk}/flag/", {"reason": reason})


@settings(FUZZ)
@given(title=hostile, description=hostile, pk=hostile, reason=hostile)
def test_fuzz_ideas(world, title, description, pk, reason):
    fields = {"title": title, "description": description}
    world.post("ideas", "/ideas/", fields)
    world.post("ideas", "/ideas/suggest/", fields)
    idea = ideas.idea_suggest(title="Board games", description="")
    world.post("ideas", f"/idea/{idea.pk}/interest/", {"interested": pk})
    world.post("ideas", f"/idea/{idea.pk}/flag/", {"reason": reason})
    for page in ("", "host/"):
        world.get("ideas", f"/idea/{segment(pk)}/{page}")
    world.get("ideas", f"/idea/{idea.pk}/host/?" + query({"slot": pk}))
    world.get("ideas", "/guide/?" + query({"q": pk}))


@settings(FUZZ)
@given(interested=hostile, cookie=hostile)
def test_fuzz_interest(world, interested, cookie):
    path = f"/card/{world.card.pk}/interest/"
    cookies = {"os_browser": cookie.decode("latin-1")[:HEADER]}
    world.post("interest", path, {"interested": interested}, cookies=cookies)


@settings(FUZZ)
@given(q=hostile)
def test_fuzz_search(world, q):
    world.get("search", "/?" + query({"q": q}))
    world.get("search", "/day/2027-05-14/?" + query({"q": q}))


@settings(FUZZ)
@given(day=hostile)
def test_fuzz_day(world, day):
    for page in ("", "calendar.ics", "display/", "print/", "print/rooms/", "proceedings/"):
        world.get("day", f"/day/{segment(day)}/{page}")


@settings(FUZZ)
@given(room=hostile, day=hostile)
def test_fuzz_room(world, room, day):
    world.get("room", f"/room/{segment(room)}/")
    room_id = Room.objects.order_by("pk").values_list("pk", flat=True).first()
    world.get("room", f"/room/{room_id}/?" + query({"day": day}))
    world.get("room", f"/day/2027-05-14/print/room/{segment(room)}/")


@settings(FUZZ)
@given(size=hostile)
def test_fuzz_print_size(world, size):
    world.get("print size", "/day/2027-05-14/print/?" + query({"size": size}))
    world.get("print size", "/day/2027-05-14/print/rooms/?" + query({"size": size}))


@settings(FUZZ)
@given(pk=hostile)
def test_fuzz_card_addresses(world, pk):
    for page in ("", "calendar.ics", "manage/"):
        world.get("card", f"/card/{segment(pk)}/{page}")
    world.get("slot", f"/slot/{segment(pk)}/claim/")
    for feed in ("schedule.xml", "schedule.json", "soon.atom", "calendar.ics"):
        world.get("feeds", f"/{feed}?" + query({"q": pk}))


@settings(FUZZ)
@given(language=hostile, next_page=hostile)
def test_fuzz_language_switch(world, language, next_page):
    world.post("language switch", "/i18n/setlang/", {"language": language, "next": next_page})


@settings(FUZZ)
@given(
    cookie=hostile,
    name=st.sampled_from(["csrftoken", "sessionid", "os_browser", "host", "pinned", "claimed"]),
)
def test_fuzz_cookies(world, cookie, name):
    raw = f"{name}={cookie.decode('latin-1')}"[:HEADER]
    world.get("cookies", f"/card/{world.card.pk}/", HTTP_COOKIE=raw)
    world.get("cookies", f"/slot/{world.slot.pk}/claim/", HTTP_COOKIE=raw)


# The chair --------------------------------------------------------------------------------


def action(name: str, objects, **fields: bytes) -> dict[str, bytes]:
    return {
        "action": name.encode(),
        ACTION_CHECKBOX_NAME: str(objects[0].pk).encode(),
        "apply": b"1",
        **fields,
    }


@settings(FUZZ)
@given(reason=hostile)
def test_fuzz_chair_reasons(world, reason):
    slots = reverse("admin:boards_slot_changelist")
    world.post(
        "admin: block",
        slots,
        action("block_slots", [world.slot], reason=reason),
        client=world.chair,
    )
    cards_page = reverse("admin:boards_card_changelist")
    world.post(
        "admin: remove",
        cards_page,
        action("remove_cards", [world.card], reason=reason),
        client=world.chair,
    )


@settings(FUZZ)
@given(to_slot=hostile, selected=hostile)
def test_fuzz_chair_move_and_selection(world, to_slot, selected):
    cards_page = reverse("admin:boards_card_changelist")
    world.post(
        "admin: move",
        cards_page,
        action("move_card", [world.card], to_slot=to_slot),
        client=world.chair,
    )
    fields = {"action": b"restore_cards", ACTION_CHECKBOX_NAME: selected}
    world.post("admin: selection", cards_page, fields, client=world.chair)


@settings(FUZZ)
@given(fields=text_fields)
def test_fuzz_chair_card_edit(world, fields):
    path = reverse("admin:boards_card_change", args=[world.card.pk])
    world.post("admin: card", path, card_fields(fields), client=world.chair)


@settings(FUZZ)
@given(name=hostile, location=hostile, capacity=hostile)
def test_fuzz_chair_room(world, name, location, capacity):
    fields = {"name": name, "location": location, "capacity": capacity, "position": b"0"}
    world.post("admin: room", reverse("admin:boards_room_add"), fields, client=world.chair)


@settings(FUZZ)
@given(rooms=hostile, numbers=st.lists(hostile, min_size=5, max_size=5))
def test_fuzz_chair_setup(world, rooms, numbers):
    first_day, days, first_hour, last_hour, reception = numbers
    fields = {
        "first_day": first_day,
        "days": days,
        "rooms": rooms,
        "first_hour": first_hour,
        "last_hour": last_hour,
        "reception": reception,
    }
    world.post("admin: setup", reverse("admin:boards_day_setup"), fields, client=world.chair)


@settings(FUZZ)
@given(q=hostile, status=hostile, order=hostile, page=hostile)
def test_fuzz_chair_lists(world, q, status, order, page):
    for model in ("card", "slot", "room", "flag", "cardevent", "announcement"):
        path = reverse(f"admin:boards_{model}_changelist")
        world.get(
            "admin: lists", path + "?" + query({"q": q, "o": order, "p": page}), client=world.chair
        )
    cards_page = reverse("admin:boards_card_changelist")
    world.get(
        "admin: lists", cards_page + "?" + query({"status__exact": status}), client=world.chair
    )
    world.get(
        "admin: lists",
        reverse("admin:boards_card_change", args=[segment(page)]),
        client=world.chair,
    )
