import logging

from django.http import HttpRequest, HttpResponse

from openspaces.views import database_unavailable, is_database_down

logger = logging.getLogger("openspaces.database")


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with Retry-After, not 500.

    Errors raised outside views (other middleware) reach handler500, which does the
    same (openspaces.views.server_error).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_database_down(exception):
            return None
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exception)
        return database_unavailable(request)
