"""The fast path: same-for-everyone pages answered before most of the stack.

The view decides, the middleware remembers (boards.caching.responses). A page answered
with cached_page is tagged with its ETag and how long that holds; on the way out this
middleware learns, from the tag and the response's final headers, the answer for that
address under the generation the request read. The next GET or HEAD of that address,
while the generation is the same and the ETag still valid, is answered here: 304 for a
matching If-None-Match, or the rendering kept under the ETag; one read of the shared
generation, no session, CSRF, auth or messages middleware, no URL resolving. Anything
else (a first rendering, a 404, any other page) goes on to the views.

It comes right after static files, before the CSP, clickjacking and NUL middleware: the
headers they add are among those it learned, and an address it answers has been
answered by a view before (a NUL would have been refused then).
"""

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from boards import languages
from boards.caching import generation, responses


class BoardFastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        generation.request_started()
        try:
            if request.method in ("GET", "HEAD"):
                response = self.known(request)
                if response is not None:
                    return response
            response = self.get_response(request)
            if request.method in ("GET", "HEAD"):
                responses.learn(request, response)
            return response
        finally:
            generation.request_finished()

    @staticmethod
    def known(request: HttpRequest) -> HttpResponseBase | None:
        # `/` of a reader of another language redirects (openspaces.middleware does it).
        if not responses.learnable(request) or languages.home_redirect(request):
            return None
        return responses.known_answer(request, generation.generation())
