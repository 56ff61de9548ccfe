"""Which address a request comes from: the one answer every limit uses.

The claim and flag limits (django-ratelimit, through RATELIMIT_IP_META_KEY), the flag
rule "reports from different addresses" and the admin lockout (django-axes, through
AXES_CLIENT_IP_CALLABLE) all call `client_address`, so that behind a proxy they all
count the real client, and none of them can be fooled by a header the client wrote.
"""

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest

type Network = ipaddress.IPv4Network | ipaddress.IPv6Network
type Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@cache
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def trusted_proxies() -> tuple[Network, ...]:
    """TRUSTED_PROXIES, parsed once per value (tests change it)."""
    return _trusted(tuple(settings.TRUSTED_PROXIES))


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address in network for network in proxies)


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer's, or, when the peer is a trusted proxy, the
    right-most address of X-Forwarded-For that is not a trusted proxy.

    Only a trusted proxy's header is believed: anyone else can write any X-Forwarded-For.
    Each trusted proxy appends the address it saw, so reading from the right, the first
    address that is not one of ours is the client (what is left of it, the client may
    have made up). A missing or malformed header is the peer's word alone.
    """
    peer_text = request.META.get("REMOTE_ADDR", "")
    peer = _address(peer_text)
    if peer is None:
        return peer_text or "0.0.0.0"  # noqa: S104 - a Unix socket peer has no address
    proxies = trusted_proxies()
    if not proxies or not _is_trusted(peer, proxies):
        return str(peer)
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [_address(entry) for entry in header.split(",")] if header.strip() else []
    addresses = [address for address in chain if address is not None]
    if not addresses or len(addresses) != len(chain):
        return str(peer)
    for address in reversed(addresses):
        if not _is_trusted(address, proxies):
            return str(address)
    return str(addresses[0])  # every hop is one of ours: the first one is the client
