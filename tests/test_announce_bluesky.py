"""`manage.py announce` to Bluesky beside Mastodon, against servers of the tests' own
(tests/bluesky_server.py, tests/mastodon_server.py); `announce --dry-run`; the chair's
read-only list of announcements."""

import io
import threading

import pytest
import time_machine
from atproto_client.models.string_formats import TID_RE
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from boards.announcements import graphemes
from boards.models import Announcement, Slot
from tests import bluesky_server
from tests.bluesky_server import FakeBluesky
from tests.factories import conference, local, make_card
from tests.mastodon_server import FakeMastodon
from tests.mastodon_server import serve as serve_mastodon

SITE = "https://openspaces.example.org"


@pytest.fixture
def bluesky(settings):
    fake = FakeBluesky()
    server = bluesky_server.serve(fake)
    settings.BLUESKY_SERVICE = fake.url
    settings.BLUESKY_HANDLE = bluesky_server.HANDLE
    settings.BLUESKY_APP_PASSWORD = bluesky_server.PASSWORD
    settings.OPENSPACES_SITE_URL = SITE
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def mastodon(settings):
    fake = FakeMastodon()
    server = serve_mastodon(fake)
    settings.MASTODON_API_BASE_URL = fake.url
    settings.MASTODON_ACCESS_TOKEN = "test-token"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def days():
    return conference(rooms=2, hours=(10, 13))


def slot(room: str, hour: int) -> Slot:
    return Slot.objects.get(room__name=room, starts_at=local(2027, 5, 14, hour))


def announce_at(hour: int, minute: int, *args) -> str:
    out = io.StringIO()
    with time_machine.travel(local(2027, 5, 14, hour, minute), tick=False):
        call_command("announce", *args, stdout=out)
    return out.getvalue()


def faceted(record: dict) -> list[tuple[str, dict]]:
    """Each facet's text (its bytes of the UTF-8 text) and its feature."""
    data = record["text"].encode()
    return [
        (data[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode(), feature)
        for facet in record["facets"]
        for feature in facet["features"]
    ]


@pytest.mark.django_db
def test_announce_posts_each_card_once_to_bluesky_and_to_mastodon(bluesky, mastodon, days):
    card = make_card(slot=slot("Room A", 10), title="Café ☕ and 👩🏽‍💻 pairing", host_name="Zoë")

    out = announce_at(9, 45)
    announce_at(9, 46)
    announce_at(9, 50)

    expected = (
        f"10:00 · Room A: Café ☕ and 👩🏽‍💻 pairing, hosted by Zoë {SITE}/card/{card.pk}/ "
        "#PyConOpenSpace"
    )
    assert bluesky.texts == [expected]
    assert mastodon.texts == [expected]
    assert bluesky.sessions == 1
    (record,) = bluesky.posts
    assert record["$type"] == "app.bsky.feed.post"
    assert record["langs"] == ["en"]
    # Offsets in bytes: the accents and emoji before them take more than one each.
    assert faceted(record) == [
        (
            f"{SITE}/card/{card.pk}/",
            {"$type": "app.bsky.richtext.facet#link", "uri": f"{SITE}/card/{card.pk}/"},
        ),
        ("#PyConOpenSpace", {"$type": "app.bsky.richtext.facet#tag", "tag": "PyConOpenSpace"}),
    ]
    (key,) = bluesky.records
    assert TID_RE.match(key)  # the record key is a TID, as the post collection wants
    posts = Announcement.objects.filter(card=card, posted_at__isnull=False)
    assert sorted(posts.values_list("network", flat=True)) == ["bluesky", "mastodon"]
    assert posts.get(network="bluesky").status_id.startswith(f"at://{bluesky_server.DID}/")
    assert "Posted to Bluesky: 10:00 · Room A" in out
    assert "Posted to Mastodon: 10:00 · Room A" in out


@pytest.mark.django_db
def test_a_bluesky_post_stays_within_300_graphemes(bluesky, days, settings):
    settings.OPENSPACES_HASHTAG = "#" + "x" * 215  # a long hashtag leaves little room
    # 16 people coding, each five code points and one grapheme: counted in code points,
    # the title would seem to take 80 characters; a person sees 16.
    make_card(slot=slot("Room A", 10), title="👩🏽‍💻" * 16, host_name="Ada")

    announce_at(9, 45)

    (text,) = bluesky.texts
    assert graphemes(text) <= 300
    assert len(text) > 300  # in code points it is longer: the count must be graphemes
    title = text.split(": ", 1)[1].split(", hosted by")[0]
    assert title.endswith("👩🏽‍💻…")  # cut between people, never inside one
    assert text.endswith(settings.OPENSPACES_HASHTAG)


@pytest.mark.django_db
def test_a_failing_bluesky_is_retried_the_next_minute_and_mastodon_goes_on(
    bluesky, mastodon, days
):
    make_card(slot=slot("Room A", 10), title="Retried on Bluesky")
    bluesky.fail_next = 1

    announce_at(9, 45)
    failed = Announcement.objects.get(network="bluesky")
    announce_at(9, 46)

    assert failed.posted_at is None
    assert "500" in failed.last_error or "Internal" in failed.last_error
    assert failed.text.startswith("10:00 · Room A: Retried on Bluesky")
    assert len(mastodon.texts) == 1
    assert len(bluesky.texts) == 1
    posted = Announcement.objects.get(network="bluesky")
    assert (posted.attempts, posted.last_error) == (2, "")
    assert posted.posted_at == local(2027, 5, 14, 9, 46)


@pytest.mark.django_db
def test_a_post_whose_answer_was_lost_is_found_and_not_posted_twice(bluesky, days):
    make_card(slot=slot("Room A", 10), title="Answer lost")
    bluesky.lose_next = 1  # the server takes the post, the answer is an error

    announce_at(9, 45)
    announce_at(9, 46)

    assert len(bluesky.texts) == 1
    posted = Announcement.objects.get(network="bluesky")
    assert posted.posted_at == local(2027, 5, 14, 9, 45)
    (key,) = bluesky.records
    assert posted.status_id == f"at://{bluesky_server.DID}/app.bsky.feed.post/{key}"


@pytest.mark.django_db
def test_a_retry_after_a_post_that_got_through_does_not_post_twice(bluesky, days):
    make_card(slot=slot("Room A", 10), title="Taken, then retried")
    bluesky.lose_next = 1  # taken, but the answer is an error ...
    bluesky.fail_reads = 1  # ... and the server cannot say so at once

    announce_at(9, 45)
    pending = Announcement.objects.get(network="bluesky")
    announce_at(9, 46)  # the retry: the same record key, which the server already holds
    announce_at(9, 47)

    assert pending.posted_at is None
    assert len(bluesky.texts) == 1
    assert bluesky.posts_tried == 2
    posted = Announcement.objects.get(network="bluesky")
    assert (posted.posted_at, posted.attempts) == (local(2027, 5, 14, 9, 46), 2)


@pytest.mark.django_db
def test_bluesky_alone_is_enough(bluesky, days, settings):
    settings.MASTODON_ACCESS_TOKEN = ""
    make_card(slot=slot("Room B", 11), title="Only on Bluesky")

    announce_at(10, 45)

    assert [text.split(",")[0] for text in bluesky.texts] == ["11:00 · Room B: Only on Bluesky"]
    assert list(Announcement.objects.values_list("network", flat=True)) == ["bluesky"]


@pytest.mark.django_db
def test_a_wrong_app_password_posts_nothing_and_says_why(bluesky, days, settings):
    settings.BLUESKY_APP_PASSWORD = "zzzz-wrong-pass-zzzz"
    make_card(slot=slot("Room A", 10), title="Not logged in")

    announce_at(9, 45)

    assert bluesky.texts == []
    pending = Announcement.objects.get(network="bluesky")
    assert pending.posted_at is None
    assert "Invalid password" in pending.last_error
    assert "zzzz-wrong-pass-zzzz" not in pending.last_error  # the admin never shows it


@pytest.mark.django_db(transaction=True)
def test_two_announce_processes_at_once_post_each_card_once_to_each_network(bluesky, mastodon):
    conference(rooms=4, hours=(10, 11))
    for index, each in enumerate(Slot.objects.filter(day__date="2027-05-14")):
        make_card(slot=each, title=f"Topic {index}")
    bluesky.delay = mastodon.delay = 0.05
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            call_command("announce", stdout=io.StringIO())
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(local(2027, 5, 14, 9, 50), tick=True):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    for fake in (bluesky, mastodon):
        assert len(fake.texts) == 4
        assert sorted(fake.texts) == sorted(set(fake.texts))
    assert bluesky.posts_tried == 4  # the database let one process post each
    for network in ("bluesky", "mastodon"):
        assert Announcement.objects.filter(network=network, posted_at__isnull=False).count() == 4


@pytest.mark.django_db
def test_the_database_keeps_one_announcement_of_a_card_per_network(days):
    card = make_card(slot=slot("Room A", 10))
    fields = {
        "card": card,
        "slot": card.slot,
        "slot_starts_at": card.slot.starts_at,
        "kind": "posted",
        "claimed_until": card.slot.starts_at,
    }
    Announcement.objects.create(network="mastodon", **fields)
    Announcement.objects.create(network="bluesky", **fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        Announcement.objects.create(network="bluesky", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Announcement.objects.create(network="myspace", **fields)


# The dry run --------------------------------------------------------------------------


@pytest.mark.django_db
def test_dry_run_says_what_it_would_post_where_and_posts_nothing(bluesky, mastodon, days):
    card = make_card(slot=slot("Room A", 10), title="Just looking", host_name="Ada")

    out = announce_at(9, 45, "--dry-run")

    line = f"10:00 · Room A: Just looking, hosted by Ada {SITE}/card/{card.pk}/ #PyConOpenSpace"
    assert f"Would post to Mastodon: {line}" in out
    assert f"Would post to Bluesky: {line}" in out
    assert "nothing was posted or recorded" in out
    assert mastodon.texts == [] and mastodon.posts_tried == 0
    assert bluesky.texts == [] and bluesky.posts_tried == 0
    assert bluesky.sessions == 0  # not even logged in
    assert not Announcement.objects.exists()
    # The real run afterwards posts it, as if the dry run had not been.
    announce_at(9, 46)
    assert len(mastodon.texts) == len(bluesky.texts) == 1


@pytest.mark.django_db
def test_dry_run_with_nothing_due_says_so(bluesky, days):
    make_card(slot=slot("Room A", 12), title="Later")

    out = announce_at(9, 45, "--dry-run")

    assert "Nothing is due now (posting to Bluesky)" in out
    assert not Announcement.objects.exists()


def test_dry_run_does_not_loop():
    with pytest.raises(CommandError, match="--dry-run"):
        call_command("announce", "--dry-run", "--loop", stdout=io.StringIO())


# The chair's list ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_lists_what_was_posted_where_when_and_what_failed(
    admin_client, bluesky, mastodon, days
):
    make_card(slot=slot("Room A", 10), title="Seen in the admin")
    bluesky.fail_next = 1
    announce_at(9, 45)

    page = admin_client.get(reverse("admin:boards_announcement_changelist"))
    failed = Announcement.objects.get(network="bluesky")
    detail = admin_client.get(reverse("admin:boards_announcement_change", args=[failed.pk]))

    assert page.status_code == 200
    assert page.text.count("Seen in the admin") == 2
    assert "Bluesky" in page.text and "Mastodon" in page.text
    assert "Internal Server Error" in page.text
    assert detail.status_code == 200
    assert "Save" not in detail.text  # read only: what the poster wrote stays as it was
    assert admin_client.get(reverse("admin:boards_announcement_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:boards_announcement_delete", args=[failed.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Announcement.objects.count() == 2


@pytest.mark.django_db
def test_the_chair_reads_the_announcements(chair_client, days):
    card = make_card(slot=slot("Room A", 10), title="A chair's view")
    Announcement.objects.create(
        card=card,
        slot=card.slot,
        slot_starts_at=card.slot.starts_at,
        kind="posted",
        network="bluesky",
        claimed_until=card.slot.starts_at,
        text="10:00 · Room A: A chair's view",
    )

    page = chair_client.get(reverse("admin:boards_announcement_changelist"))

    assert page.status_code == 200
    assert "A chair&#x27;s view" in page.text


@pytest.mark.django_db
@pytest.mark.parametrize("cards", [1, 12])
def test_the_announcements_list_runs_constant_queries(
    admin_client, days, django_assert_max_num_queries, cards
):
    for each in Slot.objects.all()[:cards]:
        card = make_card(slot=each)
        for network in ("mastodon", "bluesky"):
            Announcement.objects.create(
                card=card,
                slot=each,
                slot_starts_at=each.starts_at,
                kind="posted",
                network=network,
                claimed_until=each.starts_at,
            )

    with django_assert_max_num_queries(4):
        page = admin_client.get(reverse("admin:boards_announcement_changelist"))

    assert page.status_code == 200
    assert f"{2 * cards} announcements" in page.text
