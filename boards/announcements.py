"""Open spaces as they come up: when a card is announced, the post's words, and the
account posts go to. Which cards are due is read by boards.queries (the /soon.atom feed,
`manage.py announce`); the posting, each post claimed in the database before it is made,
is boards.services.announcements.

A card comes up OPENSPACES_ANNOUNCE_MINUTES before its start.
"""

import datetime as dt
import logging
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from boards.models import Card

logger = logging.getLogger(__name__)

# A card is still posted this long after its start (the poster was down, the server
# failed): later than that, a post would send people to a meetup that is half over.
LATE = dt.timedelta(minutes=15)
# The length limit when the server does not say (Mastodon's own default).
DEFAULT_LIMIT = 500


def lead() -> dt.timedelta:
    return dt.timedelta(minutes=settings.OPENSPACES_ANNOUNCE_MINUTES)


def comes_up_at(card: Card) -> dt.datetime:
    return card.slot.starts_at - lead()


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
