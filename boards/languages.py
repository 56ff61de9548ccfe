"""The reader's language: which one a visit to `/` should land in.

Every page's language is in its address (LANGUAGE_CODE without a prefix, the others under
/<code>/), so a page is the same for everyone at its address and caches stay exact. Only
the front door, `/`, looks at the reader: the language they chose in the footer (Django's
set_language cookie), else their browser's (Accept-Language), sends them to its board.
"""

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

# What the answer at `/` depends on besides its address; shared caches must key on them.
HOME_VARY = ("Accept-Language", "Cookie")


def home_redirect(request: HttpRequest) -> str | None:
    """The home board in the reader's language, when `/` is asked for in another one."""
    if request.path_info != "/" or request.method not in {"GET", "HEAD"}:
        return None
    # The set_language cookie, else Accept-Language, else LANGUAGE_CODE.
    language = translation.get_language_from_request(request)
    if language == settings.LANGUAGE_CODE:
        return None
    with translation.override(language):
        url = reverse("boards:current")
    query = request.META.get("QUERY_STRING", "")
    return f"{url}?{query}" if query else url
