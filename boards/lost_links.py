"""A lost manage link is one form away (/manage/lost/): the keys the mail carries.

The link cannot be mailed again as it was: only a hash of its token is stored. So the mail
carries, for each card pinned with the address, a key to /manage/lost/<key>/: signed by
Django (the card and a piece of its token's hash), good for KEY_MAX_AGE. There one press
of a button gives the card a new token, and so a new manage link; the old one stops
working.

Why not a new token at once, put in the mail: then anyone who knows a host's address could
break the host's bookmarked link and the browser's memory of it ("Manage your card"), as
often as the rate limits allow, and a mail scanner that follows links could not, but a
stranger could. With the key only the mailbox's owner replaces the link, and only by
choosing to. A key works once: the new token changes the hash it was made for.
"""

import dataclasses
import datetime as dt
import hmac

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import ngettext

from boards import queries
from boards.models import Card

KEY_SALT = "boards.lost-link"
KEY_MAX_AGE = dt.timedelta(hours=24)
# The part of the token's hash a key is bound to: enough that no other token matches it.
HASH_PART = 16


def key_for(card: Card) -> str:
    return signing.dumps(
        {"card": card.pk, "hash": card.manage_token_hash[:HASH_PART]}, salt=KEY_SALT
    )


@dataclasses.dataclass(frozen=True)
class Key:
    card_id: int
    hash_part: str

    def opens(self, card: Card) -> bool:
        """True while the card's token is still the one the key was made for."""
        return hmac.compare_digest(card.manage_token_hash[:HASH_PART], self.hash_part)


def read_key(key: str) -> Key | None:
    """The key's card and hash, or None when it is forged, mangled or too old."""
    try:
        data = signing.loads(key, salt=KEY_SALT, max_age=KEY_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return None
    return Key(card_id=int(data["card"]), hash_part=str(data["hash"]))


@dataclasses.dataclass(frozen=True)
class Message:
    subject: str
    body: str


def message(*, email: str, site_url: str) -> Message | None:
    """The mail to `email` with a key for each of its cards; None when it has none."""
    cards = list(queries.cards_pinned_with(email))
    if not cards:
        return None
    base = site_url.rstrip("/")
    links = [
        (card, base + reverse("boards:lost_link", kwargs={"key": key_for(card)})) for card in cards
    ]
    hours = int(KEY_MAX_AGE.total_seconds() // 3600)
    body = render_to_string("boards/email/lost_links.txt", {"links": links, "hours": hours})
    subject = ngettext(
        "%(name)s: the link to manage your open space",
        "%(name)s: the links to manage your open spaces",
        len(cards),
    ) % {"name": settings.OPENSPACES_NAME}
    return Message(subject=subject, body=body)
