"""`manage.py announce` against a Mastodon server of the tests' own, and the /soon.atom feed."""

import datetime as dt
import io
import threading

import feedparser
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from boards.models import Announcement, Card, Slot
from boards.services.cards import Actor, card_move, card_release, card_remove
from tests.factories import committed, conference, local, make_card
from tests.mastodon_server import FakeMastodon, serve

SITE = "https://openspaces.example.org"


@pytest.fixture
def mastodon(settings):
    fake = FakeMastodon()
    server = serve(fake)
    settings.MASTODON_API_BASE_URL = fake.url
    settings.MASTODON_ACCESS_TOKEN = "test-token"
    settings.OPENSPACES_SITE_URL = SITE
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def days():
    return conference(rooms=2, hours=(10, 13))


def slot(room: str, hour: int, day: int = 14) -> Slot:
    return Slot.objects.get(room__name=room, starts_at=local(2027, 5, day, hour))


def announce_at(hour: int, minute: int, *args) -> str:
    out = io.StringIO()
    with time_machine.travel(local(2027, 5, 14, hour, minute), tick=False):
        call_command("announce", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_announce_posts_each_card_once_at_its_minute(mastodon, days):
    first = make_card(
        slot=slot("Room A", 10),
        title="Django async in production",
        host_name="Carlton G.",
        host_handle="@carlton@fosstodon.org",
    )
    second = make_card(slot=slot("Room B", 11), title="Packaging pains", host_name="Priya")
    announce_at(9, 44)
    assert mastodon.texts == []
    announce_at(9, 45)
    assert mastodon.texts == [
        f"10:00 · Room A: Django async in production, hosted by Carlton G. "
        f"@carlton@fosstodon.org {SITE}/card/{first.pk}/ #PyConOpenSpace"
    ]
    announce_at(9, 46)
    announce_at(10, 30)
    assert len(mastodon.texts) == 1
    announce_at(10, 45)
    announce_at(10, 50)
    assert mastodon.texts[1:] == [
        f"11:00 · Room B: Packaging pains, hosted by Priya {SITE}/card/{second.pk}/ "
        "#PyConOpenSpace"
    ]
    posted = Announcement.objects.get(card=first)
    assert (posted.kind, posted.status_id, posted.posted_at) == (
        "posted",
        "1",
        local(2027, 5, 14, 9, 45),
    )


@pytest.mark.django_db
def test_announce_never_posts_removed_or_hidden_cards(mastodon, days):
    removed = make_card(slot=slot("Room A", 10), title="Removed topic")
    hidden = make_card(slot=slot("Room B", 10), title="Hidden topic")
    released = make_card(slot=slot("Room A", 11), title="Released topic")
    with committed():
        card_remove(card=removed, reason="Spam", actor=Actor.chair("test"))
        Card.objects.filter(pk=hidden.pk).update(status=Card.Status.HIDDEN)
        card_release(card=released)
    announce_at(9, 50)
    announce_at(10, 50)
    assert mastodon.texts == []
    assert not Announcement.objects.exists()


@pytest.mark.django_db
def test_announce_retries_a_failing_server_the_next_minute(mastodon, days):
    make_card(slot=slot("Room A", 10), title="Retried topic")
    mastodon.fail_next = 1
    announce_at(9, 45)
    assert mastodon.texts == []
    pending = Announcement.objects.get()
    assert pending.posted_at is None
    assert "500" in pending.last_error
    announce_at(9, 46)
    assert [text.split(",")[0] for text in mastodon.texts] == ["10:00 · Room A: Retried topic"]
    assert Announcement.objects.get().attempts == 2


# Transactional: the loop closes broken connections between runs, as a long-lived process must.
@pytest.mark.django_db(transaction=True)
def test_announce_loop_survives_failures_and_runs_every_minute(mastodon, days, monkeypatch):
    make_card(slot=slot("Room A", 10), title="Looped topic")
    mastodon.fail_next = 2
    minutes = iter(range(45, 60))
    waits = []

    with time_machine.travel(
        local(2027, 5, 14, 9, 44) + dt.timedelta(seconds=30), tick=False
    ) as traveller:

        def sleep(seconds):  # the loop's wait for the next minute
            waits.append(seconds)
            if len(waits) == 5:
                raise KeyboardInterrupt
            traveller.move_to(local(2027, 5, 14, 9, next(minutes)))

        monkeypatch.setattr("boards.management.commands.announce.pause", sleep)
        out = io.StringIO()
        call_command("announce", "--loop", stdout=out)
    assert waits[0] == 30  # to the start of the next minute
    assert mastodon.posts_tried == 3  # 09:45 and 09:46 failed, 09:47 posted
    assert len(mastodon.texts) == 1
    assert "Stopped." in out.getvalue()


@pytest.mark.django_db
def test_a_card_moved_before_its_announcement_is_announced_at_its_new_time(mastodon, days):
    card = make_card(slot=slot("Room A", 10), title="Moved early")
    with committed(), time_machine.travel(local(2027, 5, 14, 9), tick=False):
        card_move(card=card, to_slot=slot("Room B", 12), now=local(2027, 5, 14, 9))
    announce_at(9, 45)
    assert mastodon.texts == []
    announce_at(11, 45)
    assert [text.split(":")[0:2] for text in mastodon.texts] == [["12", "00 · Room B"]]


@pytest.mark.django_db
def test_a_card_moved_after_its_announcement_gets_one_moved_post(mastodon, days):
    card = make_card(slot=slot("Room A", 10), title="Moved late", host_name="Ola")
    announce_at(9, 45)
    with committed(), time_machine.travel(local(2027, 5, 14, 9, 50), tick=False):
        card_move(
            card=card,
            to_slot=slot("Room B", 12),
            now=local(2027, 5, 14, 9, 50),
            actor=Actor.chair("t"),
        )
    announce_at(9, 51)
    announce_at(9, 52)
    announce_at(11, 45)
    assert len(mastodon.texts) == 2
    assert mastodon.texts[1].startswith("Moved to Fri 12:00 · Room B: Moved late, hosted by Ola")


@pytest.mark.django_db
def test_announce_keeps_within_the_servers_length_limit(mastodon, days):
    mastodon.max_characters = 110
    make_card(slot=slot("Room A", 10), title="A very long title " * 4, host_name="Long")
    announce_at(9, 45)
    (text,) = mastodon.texts
    # Within the limit, the title cut short to fit (at a word: a space may be left over,
    # which is why it is not always exactly the limit; the card's id changes the length).
    assert 105 <= len(text) <= 110
    assert text.startswith("10:00 · Room A: A very long title")
    assert "…, hosted by Long https://" in text
    assert text.endswith("#PyConOpenSpace")


@pytest.mark.django_db
def test_announce_without_an_account_posts_nothing(days, settings):
    settings.MASTODON_ACCESS_TOKEN = ""
    make_card(slot=slot("Room A", 10), title="Nobody hears")
    assert "nothing to post" in announce_at(9, 45)
    assert not Announcement.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_announce_processes_at_once_post_each_card_once(mastodon):
    conference(rooms=4, hours=(10, 11))
    for index, each in enumerate(Slot.objects.filter(day__date="2027-05-14")):
        make_card(slot=each, title=f"Topic {index}")
    mastodon.delay = 0.05
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
    assert sorted(mastodon.texts) == sorted(set(mastodon.texts))
    assert len(mastodon.texts) == 4
    assert Announcement.objects.filter(posted_at__isnull=False).count() == 4


# The feed -----------------------------------------------------------------------------


def feed_at(client, hour: int, minute: int):
    with time_machine.travel(local(2027, 5, 14, hour, minute), tick=False):
        response = client.get(reverse("boards:soon"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return feedparser.parse(response.content)


@pytest.mark.django_db
def test_soon_feed_is_atom_with_cards_as_they_come_up_newest_first(client, days):
    early = make_card(
        slot=slot("Room A", 10), title="Early", host_name="Ada", host_handle="@ada@hachyderm.io"
    )
    make_card(slot=slot("Room B", 11), title="Later", host_name="Bo")
    make_card(slot=slot("Room A", 12), title="Not yet", host_name="Cy")
    feed = feed_at(client, 10, 50)
    assert feed.bozo == 0
    assert feed.version == "atom10"
    assert feed.feed.title == "PyCon US Open Spaces: starting soon"
    assert [entry.title for entry in feed.entries] == ["Later", "Early"]
    entry = feed.entries[1]
    assert entry.link == f"http://testserver/card/{early.pk}/"
    assert entry.author == "Ada"
    assert "10:00–11:00 · Room A · hosted by Ada @ada@hachyderm.io" in entry.summary
    assert entry.updated == "2027-05-14T09:45:00-04:00"


@pytest.mark.django_db
def test_soon_feed_ends_each_sentence_with_one_full_stop(client, days):
    make_card(slot=slot("Room A", 10), host_name="Grace L.", description="Share what you learnt")
    make_card(slot=slot("Room B", 10), host_name="Bo", description="Bring questions!")
    summaries = sorted(entry.summary for entry in feed_at(client, 9, 45).entries)
    assert summaries[0].endswith("Room A · hosted by Grace L. Share what you learnt.")
    assert summaries[1].endswith("Room B · hosted by Bo. Bring questions!")


@pytest.mark.django_db
def test_soon_feed_shows_what_hosts_typed_as_text(client, days):
    make_card(
        slot=slot("Room A", 10),
        title="<b>Bold</b> topic",
        host_name="<i>Eve</i>",
        description="<img src=x onerror=alert(1)>",
    )
    (entry,) = feed_at(client, 9, 45).entries
    assert entry.title == "<b>Bold</b> topic"
    assert "<img" not in entry.summary and "<i>" not in entry.summary
    assert "&lt;i&gt;Eve&lt;/i&gt;" in entry.summary
    assert "&lt;img src=x onerror=alert(1)&gt;" in entry.summary


@pytest.mark.django_db
def test_soon_feed_leaves_out_removed_and_hidden_cards(client, days):
    removed = make_card(slot=slot("Room A", 10), title="Removed topic")
    hidden = make_card(slot=slot("Room B", 10), title="Hidden topic")
    make_card(slot=slot("Room A", 11), title="Kept topic")
    with committed():
        card_remove(card=removed, reason="Spam", actor=Actor.chair("test"))
        Card.objects.filter(pk=hidden.pk).update(status=Card.Status.HIDDEN)
    feed = feed_at(client, 10, 50)
    assert [entry.title for entry in feed.entries] == ["Kept topic"]


@pytest.mark.django_db
def test_soon_feed_keeps_the_last_fifty(client):
    conference(rooms=10, hours=(9, 15), days=1)
    for index, each in enumerate(Slot.objects.order_by("starts_at", "room__name")):
        make_card(slot=each, title=f"Topic {index:02}")
    feed = feed_at(client, 20, 0)
    assert len(feed.entries) == 50
    assert feed.entries[0].title == "Topic 59"
