"""/soon.atom: open spaces as they come up, for feed readers and bots (Atom 1.0)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from boards import announcements, queries
from boards.models import Card
from boards.text import sentences

ENTRIES = 50


class SoonFeed(Feed):
    feed_type = Atom1Feed
    link = reverse_lazy("boards:current")
    feed_url = reverse_lazy("boards:soon")

    def title(self) -> str:
        return gettext("%(name)s: starting soon") % {"name": settings.OPENSPACES_NAME}

    def subtitle(self) -> str:
        minutes = settings.OPENSPACES_ANNOUNCE_MINUTES
        each = ngettext(
            "Each open space %(minutes)d minute before it starts.",
            "Each open space %(minutes)d minutes before it starts.",
            minutes,
        ) % {"minutes": minutes}
        return f"{each} {settings.OPENSPACES_HASHTAG}"

    def items(self) -> list[Card]:
        return list(queries.coming_up(timezone.now())[:ENTRIES])

    def item_title(self, card: Card) -> str:
        return card.title

    def item_description(self, card: Card) -> str:
        start = timezone.localtime(card.slot.starts_at)
        end = timezone.localtime(card.slot.ends_at)
        room = card.slot.room
        where = room.name + (f" ({room.location})" if room.location else "")
        handle = card.handle
        host = card.host_name + (f" {handle.text}" if handle else "")
        line = gettext("%(start)s–%(end)s · %(where)s · hosted by %(host)s") % {
            "start": date_format(start, "DATETIME_FORMAT"),
            "end": date_format(end, "TIME_FORMAT"),
            "where": where,
            "host": host,
        }
        # Atom readers take the summary as HTML: what hosts typed is text, never markup.
        summary = sentences(line, card.description) if card.description else line
        return escape(summary)

    def item_author_name(self, card: Card) -> str:
        return card.host_name

    def item_pubdate(self, card: Card):
        return timezone.localtime(announcements.comes_up_at(card))

    def item_updateddate(self, card: Card):
        return self.item_pubdate(card)
