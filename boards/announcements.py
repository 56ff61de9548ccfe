"""Open spaces as they come up: which cards are announced when, the post's words, and the
posting itself (the /soon.atom feed and `manage.py announce` both read from here).

A card comes up OPENSPACES_ANNOUNCE_MINUTES before its start. `announce` posts it once; each
post is claimed in the database (boards.models.Announcement) before it is made, so that two
processes, or one restarted, never post a card twice.
"""

import dataclasses
import datetime as dt
import logging
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from boards.models import SLOT_LENGTH, Announcement, Card, CardQuerySet

logger = logging.getLogger(__name__)

# A card is still posted this long after its start (the poster was down, the server
# failed): later than that, a post would send people to a meetup that is half over.
LATE = dt.timedelta(minutes=15)
# How long a claim is held while its post is made; a poster that died holding one is
# replaced after this long (the retry carries the same idempotency key).
LEASE = dt.timedelta(minutes=5)
# The length limit when the server does not say (Mastodon's own default).
DEFAULT_LIMIT = 500


def lead() -> dt.timedelta:
    return dt.timedelta(minutes=settings.OPENSPACES_ANNOUNCE_MINUTES)


def comes_up_at(card: Card) -> dt.datetime:
    return card.slot.starts_at - lead()


def coming_up(now: dt.datetime) -> CardQuerySet:
    """Cards on the board that have come up by `now`, latest first (the feed's entries)."""
    return (
        Card.objects.active()
        .with_place()
        .filter(slot__starts_at__lte=now + lead())
        .order_by("-slot__starts_at", "-slot__room__position", "-pk")
    )


def site_url() -> str:
    """The boards' public address, for links made outside a request."""
    if settings.OPENSPACES_SITE_URL:
        return settings.OPENSPACES_SITE_URL.rstrip("/")
    scheme = "https" if settings.HTTPS else "http"
    return f"{scheme}://{settings.ALLOWED_HOSTS[0]}"


def post_text(card: Card, *, link: str, limit: int, moved: bool = False) -> str:
    """ "14:00 · Room 250A: <title>, hosted by <name> <handle> <link> #PyConOpenSpace",
    the title shortened when the whole would pass the server's `limit`."""
    start = timezone.localtime(card.slot.starts_at)
    when = f"{date_format(start, 'TIME_FORMAT')} · {card.slot.room.name}"
    if moved:
        when = gettext("Moved to %(when)s · %(room)s") % {
            "when": date_format(start, "SHORT_DATETIME_FORMAT"),
            "room": card.slot.room.name,
        }
    handle = card.handle
    host = card.host_name + (f" {handle.text}" if handle else "")
    rest = gettext(", hosted by %(host)s %(link)s %(hashtag)s") % {
        "host": host,
        "link": link,
        "hashtag": settings.OPENSPACES_HASHTAG,
    }
    title = card.title
    room_for_title = limit - len(f"{when}: ") - len(rest)
    if len(title) > room_for_title:
        title = title[: max(room_for_title - 1, 0)].rstrip() + "…"
    return f"{when}: {title}{rest}"


@dataclasses.dataclass(frozen=True)
class Due:
    card: Card
    kind: str


def due(now: dt.datetime) -> list[Due]:
    """What to post at `now`: cards that came up and were never posted, and cards moved
    to another slot after their post (one "moved" post per slot they move to)."""
    posted = Announcement.objects.filter(
        card=OuterRef("pk"), kind=Announcement.Kind.POSTED, posted_at__isnull=False
    )
    cards = Card.objects.active().with_place()
    to_announce = (
        cards.filter(slot__starts_at__lte=now + lead(), slot__starts_at__gt=now - LATE)
        .exclude(Exists(posted))
        .order_by("slot__starts_at", "slot__room__position")
    )
    moved = (
        cards.filter(Exists(posted.exclude(slot=OuterRef("slot"))))
        .exclude(
            Exists(
                Announcement.objects.filter(
                    card=OuterRef("pk"),
                    slot=OuterRef("slot"),
                    kind=Announcement.Kind.MOVED,
                    posted_at__isnull=False,
                )
            )
        )
        .filter(slot__starts_at__gt=now - SLOT_LENGTH)
        .order_by("slot__starts_at", "slot__room__position")
    )
    return [Due(card, Announcement.Kind.POSTED) for card in to_announce] + [
        Due(card, Announcement.Kind.MOVED) for card in moved
    ]


def claim(*, card: Card, kind: str, now: dt.datetime) -> Announcement | None:
    """The claim to post about `card` now, or None when another poster holds it or made it.

    A new claim is a new row (the unique constraints let one process in); a claim whose
    poster failed or died is taken over by one UPDATE that only one process can win.
    """
    slot = card.slot
    try:
        with transaction.atomic():
            return Announcement.objects.create(
                card=card,
                slot=slot,
                slot_starts_at=slot.starts_at,
                kind=kind,
                claimed_until=now + LEASE,
            )
    except IntegrityError:
        pass
    # A card moved before its (failed) announcement is announced at its new slot.
    mine = Q(card=card, kind=kind) if kind == Announcement.Kind.POSTED else Q(card=card, slot=slot)
    taken = Announcement.objects.filter(
        mine, kind=kind, posted_at__isnull=True, claimed_until__lte=now
    ).update(
        slot=slot,
        slot_starts_at=slot.starts_at,
        claimed_until=now + LEASE,
        attempts=F("attempts") + 1,
    )
    return Announcement.objects.get(mine, kind=kind) if taken else None


class Poster(Protocol):
    def limit(self) -> int: ...

    def post(self, text: str, *, idempotency_key: str) -> str: ...


class MastodonPoster:
    """The conference's Mastodon account, through Mastodon.py."""

    def __init__(self, api_base_url: str, access_token: str):
        from mastodon import Mastodon

        # "throw": a rate limit is a failure like any other, retried at the next run,
        # rather than a sleep that would hold up every other post.
        self.api = Mastodon(
            api_base_url=api_base_url,
            access_token=access_token,
            ratelimit_method="throw",
            request_timeout=10,
        )
        self._limit: int | None = None

    def limit(self) -> int:
        """The server's status length limit, asked once; its default when it does not say."""
        if self._limit is None:
            try:
                info = self.api.instance_v2()
                self._limit = int(info["configuration"]["statuses"]["max_characters"])
            except Exception:  # an older server or a failure: Mastodon's default, asked again
                logger.warning("The Mastodon server did not give its length limit", exc_info=True)
                return DEFAULT_LIMIT
        return self._limit

    def post(self, text: str, *, idempotency_key: str) -> str:
        status = self.api.status_post(text, idempotency_key=idempotency_key, visibility="public")
        return str(status["id"])


def configured_poster() -> MastodonPoster | None:
    if settings.MASTODON_API_BASE_URL and settings.MASTODON_ACCESS_TOKEN:
        return MastodonPoster(settings.MASTODON_API_BASE_URL, settings.MASTODON_ACCESS_TOKEN)
    return None


def announce_due(*, poster: Poster, now: dt.datetime | None = None) -> list[Announcement]:
    """Post everything due at `now`, each at most once; returns the posts made.

    A post the server refused is released at once, to be tried again at the next run.
    """
    now = now or timezone.now()
    made = []
    for item in due(now):
        announcement = claim(card=item.card, kind=item.kind, now=now)
        if announcement is None:
            continue
        link = site_url() + item.card.get_absolute_url()
        text = post_text(
            item.card,
            link=link,
            limit=poster.limit(),
            moved=item.kind == Announcement.Kind.MOVED,
        )
        # The same key for every try at this post and slot: a server that took the post
        # before a failure or crash drops the repeat.
        key = f"openspaces-{announcement.pk}-{announcement.slot_id}"
        try:
            status_id = poster.post(text, idempotency_key=key)
        except Exception as error:  # any failure: this post is tried again at the next run
            logger.warning("Posting %r failed: %s", text, error)
            Announcement.objects.filter(pk=announcement.pk).update(
                claimed_until=now, last_error=str(error)[:300]
            )
            continue
        Announcement.objects.filter(pk=announcement.pk).update(
            posted_at=timezone.now(), status_id=status_id, text=text, last_error=""
        )
        announcement.refresh_from_db()
        made.append(announcement)
    return made
