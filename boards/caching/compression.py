"""Compression of the pages that are the same for everyone, done by the app itself.

A board is about 30 kB of HTML and 4 kB gzipped; a phone on the venue's Wi-Fi should
not wait for the difference when no proxy in front compresses it. Only renderings that
carry no secret come here (boards.caching.responses: cached_page and the fast path's answers):
compressing a page that reflects a secret next to what a visitor typed (the manage page,
a CSRF token) would open it to BREACH, which is why Django's GZipMiddleware, which
compresses everything, is not used.

A rendering is compressed once per process and kept under its key (the ETag, which names
one rendering for good), so no request after the first pays for it.
"""

from django.http import HttpResponse
from django.utils.cache import has_vary_header, patch_vary_headers
from django.utils.text import compress_string

from boards.caching.memo import Memo

# Below this, the gzip header and the lost round trip of a bigger first packet cost more
# than they save (Django's GZipMiddleware draws the line at 200 bytes too).
MINIMUM_SIZE = 200
COMPRESSED_COPIES = 64

_compressed: Memo[str, bytes] = Memo(COMPRESSED_COPIES)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (and does not refuse it with q=0)."""
    for item in accept_encoding.lower().split(","):
        coding, _, parameters = item.partition(";")
        if coding.strip() == "gzip":
            weight = parameters.strip().removeprefix("q=").strip()
            try:
                return not weight or float(weight) > 0
            except ValueError:
                return False
    return False


def encode(body: bytes, accept_encoding: str, key: str) -> tuple[bytes, dict[str, str]]:
    """The body to send for a client's Accept-Encoding, and the headers to add to it.

    `key` names this body (an ETag does): the compressed copy is kept under it. A body
    small or refused by the client is sent as it is.
    """
    if len(body) < MINIMUM_SIZE or not accepts_gzip(accept_encoding):
        return body, {}
    compressed = _compressed.get(key)
    if compressed is None:
        # Django's gzip (level 6, mtime 0): the same rendering gives the same bytes on
        # every worker.
        compressed = compress_string(body)
        _compressed.put(key, compressed)
    return compressed, {"Content-Encoding": "gzip"}


def forget_copies() -> None:
    """Drop the compressed copies (with boards.caching.forget_local_copies)."""
    _compressed.clear()


def compress_response(response: HttpResponse, accept_encoding: str, key: str) -> HttpResponse:
    """Compress a new HttpResponse whose content is a public rendering named by `key`.

    Every answer names Accept-Encoding in Vary, compressed or not, so that a shared
    cache never hands a gzipped page to a client that cannot read it, or the reverse.
    """
    if not has_vary_header(response, "Accept-Encoding"):
        patch_vary_headers(response, ["Accept-Encoding"])
    if response.status_code != 200 or response.has_header("Content-Encoding"):
        return response
    body, headers = encode(response.content, accept_encoding, key)
    if headers:
        response.content = body
        response["Content-Length"] = str(len(body))
        for name, value in headers.items():
            response[name] = value
    return response
