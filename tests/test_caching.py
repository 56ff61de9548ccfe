"""Caching: ETags, the boards' fast path (boards.middleware), cached renderings and their
freshness (boards.caching)."""

import logging
import random
import sys
import threading
import time
import zlib

import pytest
import time_machine
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.test import Client

from boards import caching
from boards.caching.memo import Memo
from boards.models import Slot
from boards.services.grid import slots_block
from boards.views import public
from tests.factories import conference, local, make_card

pytestmark = pytest.mark.django_db

EVENING_BEFORE = local(2027, 5, 13, 20, 0)


def full_day(rooms: int = 8, hours: tuple[int, int] = (10, 18)):
    days = conference(rooms=rooms, hours=hours, days=1)
    return days[0]


@pytest.fixture
def _evening_before():
    with time_machine.travel(EVENING_BEFORE, tick=False):
        yield


# ETags and polls of the board page -------------------------------------------------------


def test_board_poll_with_the_current_etag_is_answered_304_with_one_small_read(
    client, django_assert_max_num_queries
):
    full_day(rooms=1, hours=(10, 11))
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        etag = client.get("/day/2027-05-14/")["ETag"]
        with django_assert_max_num_queries(1):  # the generation: is the board still the same?
            response = client.get("/day/2027-05-14/", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""


def test_board_etag_changes_when_a_card_is_pinned(client):
    day = full_day(rooms=1, hours=(10, 11))
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        before = client.get("/day/2027-05-14/")["ETag"]
        make_card(slot=Slot.objects.get(day=day), title="Fresh")
        response = client.get("/day/2027-05-14/", headers={"if-none-match": before})
    assert response.status_code == 200
    assert response["ETag"] != before
    assert "Fresh" in response.content.decode()


def test_board_etag_changes_when_the_next_slot_starts(client):
    full_day(rooms=1, hours=(10, 12))
    with time_machine.travel(local(2027, 5, 14, 9, 59), tick=False):
        before = client.get("/day/2027-05-14/")["ETag"]
    with time_machine.travel(local(2027, 5, 14, 10, 0), tick=False):
        response = client.get("/day/2027-05-14/", headers={"if-none-match": before})
    assert response.status_code == 200
    assert 'class="claim-link' in response.content.decode()  # 11:00 is still free
    # 10:00 is under way, and free for a walk-up claim in its first 15 minutes.
    assert response.content.decode().count('<a class="claim-link cell open ') == 2
    during = response["ETag"]
    with time_machine.travel(local(2027, 5, 14, 10, 15), tick=False):
        response = client.get("/day/2027-05-14/", headers={"if-none-match": during})
    assert response.status_code == 200  # the walk-up minutes are over: time alone changed it
    assert response.content.decode().count('<a class="claim-link cell open ') == 1


def test_board_served_when_the_cache_loses_everything(client, settings):
    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    settings.CACHES = {"default": dummy, "shared": dummy}
    day = full_day(rooms=1, hours=(10, 11))
    make_card(slot=Slot.objects.get(day=day), title="Still here")
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        response = client.get("/day/2027-05-14/")
    assert response.status_code == 200
    assert "Still here" in response.content.decode()


def test_board_from_the_fast_path_has_plain_str_headers_for_any_wsgi_server(client):
    full_day(rooms=1, hours=(10, 11))
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        client.get("/day/2027-05-14/")  # rendered and cached
        response = client.get("/day/2027-05-14/")  # answered from the cache
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    assert all(type(name) is str and type(value) is str for name, value in response.items())


# The cache and the fast path, the evening before the conference --------------------------


@pytest.mark.usefixtures("_evening_before")
def test_the_board_rendering_is_cached_per_board_version(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    conference()
    first = client.get("/day/2027-05-14/")
    with django_assert_max_num_queries(1):  # the generation
        again = client.get("/day/2027-05-14/")
    assert again.content == first.content
    with django_assert_max_num_queries(1):
        poll = client.get("/day/2027-05-14/", headers={"If-None-Match": first["ETag"]})
    assert poll.status_code == 304

    slot = Slot.objects.filter(day__date="2027-05-14").first()
    fields = {"title": "Fresh", "host_name": "Ada", "description": "", "host_handle": ""}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/slot/{slot.pk}/claim/", fields | {"email": "", "website": ""})
    changed = client.get("/day/2027-05-14/", headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert "Fresh" in changed.content.decode()


@pytest.mark.usefixtures("_evening_before")
def test_a_poll_with_the_current_etag_is_304_with_one_small_read_and_no_session(
    client, django_assert_max_num_queries
):
    conference()
    board = client.get("/")
    assert board.status_code == 200
    with django_assert_max_num_queries(2):  # one read of the generation each
        poll = client.get("/", headers={"If-None-Match": board["ETag"]})
        again = client.get("/")
    assert poll.status_code == 304
    assert poll["ETag"] == board["ETag"]
    assert again.content == board.content
    for response in [board, poll, again]:
        # gzip when asked; `/` alone sends a reader of another language to its board.
        assert response["Vary"] == "HX-Request, Accept-Encoding, Accept-Language, Cookie"
        assert response["Content-Language"] == "en"
        assert response["Cache-Control"] == "public, no-cache"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert not response.cookies


@pytest.mark.usefixtures("_evening_before")
def test_the_fast_path_answers_fragments_apart_and_keeps_allowed_hosts(client):
    conference()
    page = client.get("/day/2027-05-14/")
    fragment = client.get("/day/2027-05-14/", headers={"HX-Request": "true"})
    cached_fragment = client.get("/day/2027-05-14/", headers={"HX-Request": "true"})
    assert fragment["ETag"] != page["ETag"]
    assert cached_fragment.content == fragment.content
    assert "<html" in page.content.decode()
    assert "<html" not in fragment.content.decode()
    assert client.get("/day/2027-05-14/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/day/2027-02-30/").status_code == 404


@pytest.mark.usefixtures("_evening_before")
def test_a_write_changes_the_etag_at_once(client, django_capture_on_commit_callbacks):
    conference()
    before = client.get("/day/2027-05-14/")
    slot = Slot.objects.filter(day__date="2027-05-14").first()
    with django_capture_on_commit_callbacks(execute=True):
        caching_before = client.get("/day/2027-05-14/", headers={"If-None-Match": before["ETag"]})
        slots_block(slot_ids=[slot.pk], reason="Lunch")
    after = client.get("/day/2027-05-14/", headers={"If-None-Match": before["ETag"]})
    assert caching_before.status_code == 304
    assert after.status_code == 200
    assert "Blocked: Lunch" in after.content.decode()


# Read-your-writes, across threads and workers ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_thread_with_the_old_generation_cannot_pin_its_etag_in_the_memo(monkeypatch):
    """Regression: with gthread workers, a thread still working out the ETag of the board
    as it was before a write must not leave that ETag behind for the polls after it."""
    conference()
    real_board_tag = caching.board_tag
    computing, proceed = threading.Event(), threading.Event()

    def slow_board_tag(*args, **kwargs):
        if threading.current_thread().name == "old":
            computing.set()
            proceed.wait(10)
        return real_board_tag(*args, **kwargs)

    monkeypatch.setattr(caching, "board_tag", slow_board_tag)
    old = []
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):

        def poll_in_another_thread():
            try:
                old.append(Client().get("/day/2027-05-14/")["ETag"])
            finally:
                connection.close()  # each thread has its own

        thread = threading.Thread(name="old", target=poll_in_another_thread)
        thread.start()
        assert computing.wait(10)  # the old thread has read the states before the write
        slots_block(slot_ids=[Slot.objects.filter(day__date="2027-05-14").first().pk], reason="X")
        new = Client().get("/day/2027-05-14/")["ETag"]
        proceed.set()
        thread.join(10)
        after = Client().get("/day/2027-05-14/")
    assert old[0] != new
    assert after["ETag"] == new
    assert "Blocked: X" in after.text


@pytest.mark.django_db(transaction=True)
def test_a_write_in_another_worker_is_seen_by_the_next_read(client):
    """Each worker keeps its own local memory; the generation is in the database, so a
    write made elsewhere (here: with this process's copies forgotten nowhere) shows."""
    conference()
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        before = client.get("/day/2027-05-14/")
        slot = Slot.objects.filter(day__date="2027-05-14").first()
        # Another worker's write: the same services, but this process's local memory
        # (its board states and renderings) is not told anything.
        slots_block(slot_ids=[slot.pk], reason="Sponsor lunch")
        after = client.get("/day/2027-05-14/", headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert "Blocked: Sponsor lunch" in after.text


# One recipe ------------------------------------------------------------------------------


def test_a_search_with_a_colliding_checksum_cannot_poison_another_search(client):
    """The rendering of a search is cached under a cryptographic digest of the query:
    a crafted query with the same CRC32 as "django" gets a key of its own."""
    conference()
    make_card(slot=Slot.objects.filter(day__date="2027-05-14").first(), title="Django async")
    assert zlib.crc32(b"q=django") != zlib.crc32(b"q=nothing-here")  # (any two queries)
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        attacker = client.get("/day/2027-05-14/?q=nothing-here")
        reader = client.get("/day/2027-05-14/?q=django")
    assert attacker["ETag"] != reader["ETag"]
    assert caching.digest("q=django") in reader["ETag"]
    assert "Django async" in reader.text


def test_every_page_the_same_for_everyone_takes_its_etag_from_the_one_recipe(client):
    conference()
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        urls = [
            "/",
            "/day/2027-05-14/",
            "/day/2027-05-14/?q=django",
            "/now/",
            "/display/",
            "/schedule.json",
            "/calendar.ics",
            "/day/2027-05-14/calendar.ics",
        ]
        for url in urls:
            response = client.get(url)
            assert response["ETag"].startswith(f'"{caching.RELEASE}-'), url
            assert response["Cache-Control"] == "public, no-cache", url
            again = client.get(url, headers={"If-None-Match": response["ETag"]})
            assert again.status_code == 304, url


def test_before_the_first_board_the_page_is_not_kept_past_the_opening(client):
    conference()  # the first board opens at 17:30 the evening before
    with time_machine.travel(local(2027, 5, 13, 17, 29), tick=False):
        before = client.get("/")
    with time_machine.travel(local(2027, 5, 13, 17, 30), tick=False):
        opened = client.get("/", headers={"If-None-Match": before["ETag"]})
    assert "max-age" not in before["Cache-Control"]
    assert before["Cache-Control"] == "public, no-cache"
    assert "The first board goes up" in before.text
    assert opened.status_code == 200
    assert "The first board goes up" not in opened.text


def test_the_release_stamp_changes_with_the_code(settings, tmp_path):
    (tmp_path / "boards").mkdir()
    code = tmp_path / "boards" / "views.py"
    code.write_text("LAYOUT = 1\n")
    settings.BASE_DIR = tmp_path
    first = caching.release_stamp()
    code.write_text("LAYOUT = 2\n")
    assert caching.release_stamp() != first


# HEAD ------------------------------------------------------------------------------------


def test_head_works_wherever_get_does(client):
    conference()
    card = make_card(slot=Slot.objects.filter(day__date="2027-05-14").first())
    urls = [
        "/",
        "/day/2027-05-14/",
        "/now/",
        "/display/",
        "/schedule.json",
        "/calendar.ics",
        "/day/2027-05-14/calendar.ics",
        f"/card/{card.pk}/",
        f"/card/{card.pk}/calendar.ics",
        f"/slot/{Slot.objects.last().pk}/claim/",
        "/healthz",
    ]
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        for url in urls:
            client.get(url)  # cached, so that the fast path answers the boards' HEADs too
            response = client.head(url)
            assert response.status_code == 200, url
            assert response.content == b"", url


@pytest.mark.django_db(transaction=True)
def test_rate_limit_counters_shared_by_workers_lose_no_count():
    """Without Redis the counters live in the database; racing adds must all count
    (Django's own database cache adds by read-then-write and loses some)."""
    shared = caches["shared"]
    shared.add("ratelimit:test", 0, 60)

    def add_many():
        try:
            for _ in range(25):
                shared.incr("ratelimit:test")
        finally:
            connection.close()

    threads = [threading.Thread(target=add_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert shared.get("ratelimit:test") == 100
    shared.delete("ratelimit:test")  # the table is not flushed between tests


# The fast path learns from the views -----------------------------------------------------


def test_every_same_for_everyone_page_is_answered_by_the_fast_path_as_its_view_did(
    client, django_assert_max_num_queries
):
    """The second request for an address is answered from what its view said (no view:
    no query beyond the generation), with the same headers, CSP and Vary included."""
    conference()
    room = Slot.objects.filter(day__date="2027-05-14").first().room
    urls = [
        "/",
        "/day/2027-05-14/",
        "/es/day/2027-05-14/",
        "/now/",
        "/display/",
        f"/room/{room.pk}/",
        "/schedule.json",
        "/calendar.ics",
        "/day/2027-05-14/calendar.ics",
        "/soon.atom",
        "/schedule.xml",
        "/guide/",
        "/es/guide/",
        "/ideas/",
        "/es/ideas/",
        "/proceedings/",
        "/day/2027-05-14/proceedings/",
        "/day/2027-05-14/print/",
        "/day/2027-05-14/print/rooms/?size=a4",
        f"/day/2027-05-14/print/room/{room.pk}/",
    ]
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        for url in urls:
            first = client.get(url)
            assert first.status_code == 200, url
            with django_assert_max_num_queries(1):  # the generation, nothing else
                again = client.get(url)
                poll = client.get(url, headers={"If-None-Match": first["ETag"]})
            assert again.content == first.content, url
            assert dict(again.items()) == dict(first.items()), url
            assert poll.status_code == 304, url
            assert poll["ETag"] == first["ETag"], url
            assert poll["Content-Security-Policy"] == first["Content-Security-Policy"], url


def test_the_fast_path_never_answers_for_another_host_or_scheme(client):
    """Some pages hold absolute links: what was learned for one Host is not another's."""
    conference()
    make_card(slot=Slot.objects.filter(day__date="2027-05-14").first(), title="Linked")
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        first = client.get("/schedule.json")
        other = client.get("/schedule.json", headers={"Host": "127.0.0.1"})
        secure = client.get("/schedule.json", secure=True)
    assert "http://testserver/" in first.text
    assert "http://127.0.0.1/" in other.text
    assert "https://testserver/" in secure.text


@pytest.mark.django_db(transaction=True)
def test_threads_that_miss_the_same_board_together_render_it_once(monkeypatch):
    """A new worker's threads all miss the board at once: one renders it, the others wait
    for that rendering instead of each making its own (a PyCon-sized day takes 0.1 s)."""
    conference(days=1)
    real_render = public._render_board
    renders = []

    def slow_render(*args, **kwargs):
        renders.append(threading.current_thread().name)
        time.sleep(0.2)  # long enough for every thread to miss it
        return real_render(*args, **kwargs)

    monkeypatch.setattr(public, "_render_board", slow_render)
    barrier = threading.Barrier(6)
    pages: list[tuple[int, str, bytes]] = []

    def first_visit() -> None:
        try:
            barrier.wait(10)
            response = Client().get("/day/2027-05-14/")
            pages.append((response.status_code, response["ETag"], response.content))
        finally:
            connection.close()

    with time_machine.travel(local(2027, 5, 14, 9), tick=True):
        threads = [threading.Thread(target=first_visit) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert len(renders) == 1
    assert len(pages) == 6
    assert len(set(pages)) == 1 and pages[0][0] == 200


def test_the_memo_stays_bounded_and_whole_under_threads():
    """Regression: without its lock, a read that marks an entry as recently used races
    a write that drops it (KeyError), on gthread workers' threads."""
    memo: Memo[int, int] = Memo(4)
    errors = []

    def hammer(seed: int) -> None:
        rnd = random.Random(seed)
        try:
            for _ in range(20000):
                key = rnd.randrange(16)
                if rnd.random() < 0.5:
                    memo.put(key, key)
                else:
                    assert memo.get(key) in (None, key)
        except Exception as error:  # noqa: BLE001 - any error in any thread fails the test
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=hammer, args=(seed,)) for seed in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(memo) == 4


def test_board_served_and_the_outage_logged_when_redis_is_unreachable(client, settings, caplog):
    """Redis down: the cache's reads fail, are logged, and the board comes from the
    database, never an error page."""
    unreachable = {
        "BACKEND": "boards.caching.backends.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.25,
            "SOCKET_TIMEOUT": 0.25,
        },
    }
    settings.CACHES = {"default": unreachable, "shared": unreachable}
    day = full_day(rooms=1, hours=(10, 11))
    make_card(slot=Slot.objects.get(day=day), title="Still here")
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        response = client.get("/day/2027-05-14/")
    assert response.status_code == 200
    assert "Still here" in response.text
    assert "Redis unreachable" in caplog.text


# Failures that must not hide ------------------------------------------------------------


def test_a_generation_that_cannot_be_read_is_logged_not_only_replaced(monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise DatabaseError("the generation table is gone")

    monkeypatch.setattr(caching.watch.table, "read", unreachable)
    with caplog.at_level(logging.WARNING, logger="boards.caching"):
        first, second = caching.read_generation(), caching.read_generation()
    assert first != second  # served on: every read goes to the database
    (record,) = [each for each in caplog.records if each.name == "boards.caching"][:1]
    assert "generation could not be read" in record.getMessage()
    assert record.exc_info and "the generation table is gone" in str(record.exc_info[1])
