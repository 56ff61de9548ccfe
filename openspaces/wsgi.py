"""The WSGI application, warmed up before gunicorn forks its workers (`preload_app`).

gunicorn replaces each worker after `max_requests` (openspaces/gunicorn.conf.py). A new
worker used to pay on its first request for what every worker needs once: importing the
views (the URL patterns), the reverse lookups of each language, compiling the templates:
about 100 ms during which its requests waited. Done here, in the process that forks, every
worker starts with them. `gc.freeze()` then keeps these long-lived objects out of the
workers' garbage collections, which leaves their memory pages shared with the parent.

Nothing here opens a database or cache connection: none may be shared across a fork.
"""

import gc
import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspaces.settings")

application = get_wsgi_application()


def warm_up() -> None:
    from django.conf import settings
    from django.template.loader import get_template
    from django.urls import reverse
    from django.utils import translation

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            # Imports the URL patterns with every view; builds each namespace's lookups of
            # this language, the admin's too (every request asks whether it is the admin's).
            reverse("boards:current")
            reverse("admin:index")
    templates = Path(settings.BASE_DIR) / "templates"
    for path in sorted(templates.rglob("*.html")):
        get_template(path.relative_to(templates).as_posix())
    gc.freeze()


warm_up()
