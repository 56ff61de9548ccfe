"""Which address a request comes from, read the same way by every limit.

django-ratelimit reads RATELIMIT_IP_META_KEY itself; django-axes asks this function,
so that behind a proxy both count the real client, not the proxy.
"""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    value = request.META.get(settings.RATELIMIT_IP_META_KEY, "")
    # X-Forwarded-For lists the client first, then each proxy.
    return value.split(",")[0].strip()
