"""Social handles: what hosts type, normalised, and the profile it points to.

Accepted forms (case of the domain does not matter, a leading @ is optional where it
is unambiguous):

- Mastodon: ``@user@instance.social`` or ``https://instance.social/@user``
- Bluesky: ``name.bsky.social`` (any domain handle with a dot) or ``https://bsky.app/profile/name``
- GitHub: ``github.com/user`` or ``https://github.com/user``
- Twitter/X: ``x.com/user``, ``twitter.com/user`` or a bare ``@user``

A bare ``@user`` could be on any network, so it is kept as text; ``x.com/user``
says which one it is and links to it.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext

USERNAME = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,38}"
DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"

MASTODON = re.compile(rf"@?(?P<user>{USERNAME})@(?P<host>{DOMAIN})")
DOMAIN_HANDLE = re.compile(rf"@?(?P<host>{DOMAIN})")
BARE = re.compile(rf"@(?P<user>{USERNAME})")
SITE_PATHS = {
    "github.com": ("github", re.compile(rf"/(?P<user>{USERNAME})/?")),
    "x.com": ("x", re.compile(r"/(?P<user>[A-Za-z0-9_]{1,15})/?")),
    "twitter.com": ("x", re.compile(r"/(?P<user>[A-Za-z0-9_]{1,15})/?")),
    "bsky.app": ("bluesky", re.compile(rf"/profile/@?(?P<user>{DOMAIN})/?")),
}
MASTODON_PATH = re.compile(rf"/@(?P<user>{USERNAME})/?")


class InvalidHandle(ValueError):
    pass


@dataclass(frozen=True)
class Handle:
    network: str  # "mastodon", "bluesky", "github", "x" or "unknown"
    text: str  # the normalised form, as stored and shown
    url: str  # the profile, or "" when the form does not say which network

    @classmethod
    def parse(cls, raw: str) -> "Handle":
        value = raw.strip()
        if not value:
            raise InvalidHandle(gettext("Empty handle."))
        if "://" in value or re.match(rf"{DOMAIN}/", value):
            return cls._from_url(value if "://" in value else f"https://{value}")
        if match := MASTODON.fullmatch(value):
            user, host = match["user"], match["host"].lower()
            return cls("mastodon", f"@{user}@{host}", f"https://{host}/@{user}")
        if match := DOMAIN_HANDLE.fullmatch(value):
            host = match["host"].lower()
            return cls("bluesky", f"@{host}", f"https://bsky.app/profile/{host}")
        if match := BARE.fullmatch(value) or BARE.fullmatch(f"@{value}"):
            return cls("unknown", f"@{match['user']}", "")
        raise InvalidHandle(
            gettext(
                "Use a form such as @you@mastodon.social, you.bsky.social, "
                "github.com/you or x.com/you."
            )
        )

    @classmethod
    def _from_url(cls, url: str) -> "Handle":
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        if parts.scheme not in {"http", "https"} or not re.fullmatch(DOMAIN, host):
            raise InvalidHandle(gettext("That link is not a profile address."))
        if host in SITE_PATHS:
            network, path = SITE_PATHS[host]
            if match := path.fullmatch(parts.path):
                user = match["user"]
                if network == "bluesky":
                    return cls.parse(user)
                site = "github.com" if network == "github" else "x.com"
                return cls(network, f"{site}/{user}", f"https://{site}/{user}")
        elif match := MASTODON_PATH.fullmatch(parts.path):
            user = match["user"]
            return cls("mastodon", f"@{user}@{host}", f"https://{host}/@{user}")
        raise InvalidHandle(gettext("That link is not a profile address we recognise."))
