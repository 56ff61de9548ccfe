"""Open spaces as they come up: when a card is announced, the post's words, and the
accounts posts go to (Mastodon, Bluesky). Which cards are due is read by boards.queries
(the /soon.atom feed, `manage.py announce`); the posting, each post claimed in the
database before it is made, is boards.services.announcements.

A card comes up OPENSPACES_ANNOUNCE_MINUTES before its start.
"""

import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

import regex
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from boards.models import Announcement, Card

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


def graphemes(text: str) -> int:
    """How many characters a person sees (Unicode's extended grapheme clusters: an emoji
    with its skin tone, or a family of four, is one): Bluesky's measure of a post."""
    return len(regex.findall(r"\X", text))


def _shortened(text: str, room: int, length: Callable[[str], int]) -> str:
    """`text` cut at a whole character (never inside a cluster) with "…", to fit `room`."""
    if length(text) <= room:
        return text
    clusters = regex.findall(r"\X", text)
    while clusters and length("".join(clusters).rstrip() + "…") > room:
        clusters.pop()
    return "".join(clusters).rstrip() + "…"


def post_text(
    card: Card,
    *,
    link: str,
    limit: int,
    moved: bool = False,
    length: Callable[[str], int] = len,
) -> str:
    """ "14:00 · Room 250A: <title>, hosted by <name> <handle> <link> #PyConOpenSpace",
    the title shortened when the whole would pass the server's `limit`, as the server
    counts (`length`: Mastodon counts code points, Bluesky graphemes)."""
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
    room_for_title = limit - length(f"{when}: ") - length(rest)
    title = _shortened(card.title, max(room_for_title, 1), length)
    return f"{when}: {title}{rest}"


class Poster(Protocol):
    """One of the conference's accounts: `network` is an Announcement.Network."""

    network: str

    def limit(self) -> int: ...

    def length(self, text: str) -> int: ...

    def post(self, text: str, *, announcement: Announcement) -> str: ...


class MastodonPoster:
    """The conference's Mastodon account, through Mastodon.py."""

    network: str = Announcement.Network.MASTODON

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

    def length(self, text: str) -> int:
        return len(text)

    def post(self, text: str, *, announcement: Announcement) -> str:
        # The same key for every try at this post and slot: Mastodon drops a repeat.
        key = f"openspaces-{announcement.pk}-{announcement.slot_id}"
        status = self.api.status_post(text, idempotency_key=key, visibility="public")
        return str(status["id"])


# Bluesky counts a post's length in graphemes and allows this many.
BLUESKY_LIMIT = 300
# The base-32 alphabet of AT Protocol record keys (TIDs), in sort order.
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def bluesky_record_key(announcement: Announcement) -> str:
    """The post's record key, the same for every try at this post and slot: a repository
    holds one record under a key, so a server that took the post before a failure or
    crash cannot take it twice (Bluesky has no idempotency key; this is its equivalent).

    A TID, as the post collection wants: 53 bits of microseconds (when the post was first
    claimed, plus the claim's id: unique among claims made in one second), then 10 bits
    of "clock id" (from the slot: a card moved before its post gets a new key).
    """
    microseconds = (
        int(announcement.created_at.timestamp()) * 1_000_000 + announcement.pk % 1_000_000
    )
    number = ((microseconds % (1 << 53)) << 10) | (announcement.slot_id % 1024)
    digits = []
    for _ in range(13):
        digits.append(_TID_ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(digits))


def bluesky_facets(text: str, *, link: str, hashtag: str) -> list[dict]:
    """The link and the hashtag as rich-text facets, so that Bluesky makes them a link and
    a tag (it does not find them in the text itself). Facets count in bytes of UTF-8."""

    def span(part: str) -> dict:
        start = len(text[: text.rindex(part)].encode())
        return {"byteStart": start, "byteEnd": start + len(part.encode())}

    facets = [
        {
            "index": span(link),
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}],
        }
    ]
    if hashtag.startswith("#") and len(hashtag) > 1 and hashtag in text:
        facets.append(
            {
                "index": span(hashtag),
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": hashtag[1:]}],
            }
        )
    return facets


class BlueskyPoster:
    """The conference's Bluesky account, through the AT Protocol's SDK (atproto): a session
    from its handle and app password (com.atproto.server.createSession), then each post a
    record (com.atproto.repo.createRecord)."""

    network: str = Announcement.Network.BLUESKY

    def __init__(self, service: str, handle: str, app_password: str):
        from atproto import Client
        from atproto_client.request import Request

        self.client = Client(base_url=service, request=Request(timeout=10))
        self.handle = handle
        self.app_password = app_password
        self._did: str | None = None

    def limit(self) -> int:
        return BLUESKY_LIMIT

    def length(self, text: str) -> int:
        return graphemes(text)

    def _repo(self) -> str:
        """The account's DID, logging in on the first post (a dry run never logs in)."""
        if self._did is None:
            # Only com.atproto.server: the profile (app.bsky) is not needed to post.
            self.client.login(self.handle, self.app_password, fetch_bsky_profile=False)
            session = self.client._session
            assert session is not None
            self._did = session.did
        return self._did

    def post(self, text: str, *, announcement: Announcement) -> str:
        from atproto import models

        repo = self._repo()
        link = site_url() + announcement.card.get_absolute_url()
        record = models.AppBskyFeedPost.Record(
            text=text,
            created_at=self.client.get_current_time_iso(),
            langs=[settings.LANGUAGE_CODE],
            facets=[
                models.AppBskyRichtextFacet.Main.model_validate(facet)
                for facet in bluesky_facets(text, link=link, hashtag=settings.OPENSPACES_HASHTAG)
            ],
        )
        key = bluesky_record_key(announcement)
        try:
            return self.client.app.bsky.feed.post.create(repo, record, rkey=key).uri
        except Exception:
            # An earlier try may have got through before its answer was lost: then the
            # record is there under its key, and this post is made.
            try:
                return self.client.app.bsky.feed.post.get(repo, key).uri
            except Exception:
                pass
            raise


def configured_posters() -> list[Poster]:
    """The accounts `announce` posts to: those whose settings are all there."""
    posters: list[Poster] = []
    if settings.MASTODON_API_BASE_URL and settings.MASTODON_ACCESS_TOKEN:
        posters.append(
            MastodonPoster(settings.MASTODON_API_BASE_URL, settings.MASTODON_ACCESS_TOKEN)
        )
    if settings.BLUESKY_HANDLE and settings.BLUESKY_APP_PASSWORD:
        posters.append(
            BlueskyPoster(
                settings.BLUESKY_SERVICE, settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD
            )
        )
    return posters
