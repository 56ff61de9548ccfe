"""What the views of every audience share."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import patch_cache_control
from django_htmx.middleware import HtmxDetails


def see_other(url: str) -> HttpResponseRedirect:
    """Post/redirect/get with 303, which tells every client to follow with a GET."""
    return HttpResponseRedirect(url, status=303)


class HtmxHttpRequest(HttpRequest):  # for type hints only: django-htmx's middleware adds .htmx
    htmx: HtmxDetails


def never_cache_headers(response: HttpResponse) -> None:
    patch_cache_control(response, private=True, no_store=True)
