import datetime as dt
import re

from django import template
from django.utils.formats import date_format
from django.utils.html import Urlizer, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


class WebLinks(Urlizer):
    """Django's urlize, narrowed to what people type as links in a card: addresses that
    start with http:// or https://. Not bare domains ("example.org", which urlize guesses
    the scheme of), not email addresses (no mailto: harvesting from the board). Every link
    is rel="nofollow ugc" (search engines: typed by users, not endorsed)."""

    simple_url_2_re = re.compile(r"(?!)")  # never matches: no guessed scheme
    url_template = '<a href="{href}" rel="nofollow ugc">{url}</a>'

    @staticmethod
    def is_email_simple(value: str) -> bool:
        return False


web_links = WebLinks()
# A link's text is cut to this, so that a long address does not widen a phone's page.
LINK_TEXT_LENGTH = 60


@register.filter(is_safe=True, needs_autoescape=True)
def linked(text: str, autoescape: bool = True) -> SafeString:
    """`text` escaped, its http(s) addresses made links (then |linebreaksbr or
    |linebreaks for its lines)."""
    return SafeString(web_links(text, trim_url_limit=LINK_TEXT_LENGTH, autoescape=True))


@register.filter
def clause(text: str) -> str:
    """Words someone typed, without their closing full stop, to go inside a sentence
    that has its own (a chair's reason: "… took this card down: <reason>. Find …")."""
    return text.rstrip(".")


@register.filter
def relative_day(date: dt.date, today: dt.date) -> str:
    """'Today', 'Tomorrow' or 'Yesterday' relative to `today`; empty for other dates."""
    days = (date - today).days
    if days == 0:
        return gettext("Today")
    if days == 1:
        return gettext("Tomorrow")
    if days == -1:
        return gettext("Yesterday")
    return ""


@register.filter
def day_label(date: dt.date, today: dt.date) -> str:
    """The relative name of `date` where there is one, else e.g. 'Fri 29 May' ('vie 29 may')."""
    return relative_day(date, today) or date_format(date, "SHORT_DATE_FORMAT")


@register.filter
def handle_breaks(text: str) -> SafeString:
    """A handle that may wrap only before an inner "@" (@lukasw<wbr>@hachyderm.io) or
    after a "/", not mid-word: escaped, with a line-break opportunity there
    (static/css/boards.css breaks inside a part only when it cannot fit its line)."""
    first, rest = text[:1], text[1:]
    # Also after a "/" (github.com/<wbr>you): the other handles' natural seam.
    return mark_safe(escape(first) + escape(rest).replace("@", "<wbr>@").replace("/", "/<wbr>"))
