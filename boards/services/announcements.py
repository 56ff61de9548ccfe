"""Announcements: each post about a card claimed in the database before it is made, so that
two `announce` processes, or one restarted, never post a card twice to a network (boards.
models.Announcement says how); then made, and what came of it kept. Each network
(Mastodon, Bluesky) has its own claims: one that fails waits for the next run on its own.
"""

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from boards import announcements, queries
from boards.models import Announcement, Card

logger = logging.getLogger(__name__)

# How long a claim is held while its post is made; a poster that died holding one is
# replaced after this long (the retry carries the same idempotency key).
LEASE = dt.timedelta(minutes=5)


def announcement_claim(
    *, card: Card, kind: str, network: str, now: dt.datetime
) -> Announcement | None:
    """The claim to post about `card` to `network` now, or None when another poster holds
    it or made it.

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
                network=network,
                claimed_until=now + LEASE,
            )
    except IntegrityError:
        pass
    # A card moved before its (failed) announcement is announced at its new slot.
    mine = Q(card=card, kind=kind) if kind == Announcement.Kind.POSTED else Q(card=card, slot=slot)
    mine &= Q(network=network)
    taken = Announcement.objects.filter(
        mine, kind=kind, posted_at__isnull=True, claimed_until__lte=now
    ).update(
        slot=slot,
        slot_starts_at=slot.starts_at,
        claimed_until=now + LEASE,
        attempts=F("attempts") + 1,
    )
    return Announcement.objects.get(mine, kind=kind) if taken else None


@dataclasses.dataclass(frozen=True)
class Planned:
    """A post `announce` would make: to which network, about which card, in which words."""

    network: str
    card: Card
    text: str


def _text(poster: announcements.Poster, item: queries.Due) -> str:
    return announcements.post_text(
        item.card,
        link=announcements.site_url() + item.card.get_absolute_url(),
        limit=poster.limit(),
        moved=item.kind == Announcement.Kind.MOVED,
        length=poster.length,
    )


def announcements_planned(
    *, posters: Iterable[announcements.Poster], now: dt.datetime | None = None
) -> list[Planned]:
    """What announce_due would post at `now`, to each network: read only, nothing claimed,
    posted or recorded (`announce --dry-run`)."""
    now = now or timezone.now()
    return [
        Planned(network=poster.network, card=item.card, text=_text(poster, item))
        for poster in posters
        for item in queries.announcements_due(now, poster.network)
    ]


def announce_due(
    *, posters: Iterable[announcements.Poster], now: dt.datetime | None = None
) -> list[Announcement]:
    """Post everything due at `now` to each network, each at most once per network;
    returns the posts made.

    Each step is its own transaction, the post to the server between them (never inside
    one). A post the server refused is released at once, to be tried again at the next
    run; the other network's posts go on.
    """
    now = now or timezone.now()
    made = []
    for poster in posters:
        for item in queries.announcements_due(now, poster.network):
            announcement = announcement_claim(
                card=item.card, kind=item.kind, network=poster.network, now=now
            )
            if announcement is None:
                continue
            text = _text(poster, item)
            try:
                # The same key for every try at this post and slot (the poster derives it
                # from the claim): a server that took the post before a failure or crash
                # does not take it twice.
                status_id = poster.post(text, announcement=announcement)
            except Exception as error:  # any failure: this post is tried again at the next run
                logger.warning("Posting %r to %s failed: %s", text, poster.network, error)
                # The words kept with the error: the chair sees what failed in the admin.
                Announcement.objects.filter(pk=announcement.pk).update(
                    claimed_until=now, last_error=str(error)[:300], text=text
                )
                continue
            Announcement.objects.filter(pk=announcement.pk).update(
                posted_at=timezone.now(), status_id=status_id, text=text, last_error=""
            )
            announcement.refresh_from_db()
            made.append(announcement)
    return made
