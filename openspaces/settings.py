"""Settings for the Open Spaces boards, read from the environment.

Every variable is listed in the README; development needs none of them,
production needs at least SECRET_KEY and ALLOWED_HOSTS.
"""

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DEBUG")
HTTPS = env_flag("HTTPS")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            'string (python -c "import secrets; print(secrets.token_urlsafe(50))"), '
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "boards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before the rest of the stack (whitenoise's advice).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Board polls and cached boards are answered here, from the cache alone: the
    # middleware below (session, CSRF, auth) has nothing to do with a public board, and
    # it adds the CSP and X-Frame-Options headers the next two would.
    "boards.middleware.BoardFastPathMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "openspaces.middleware.RejectInvalidInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: from the address (/es/…), English (LANGUAGE_CODE) without a prefix.
    "openspaces.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "openspaces.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every login (the admin's included) before Django's own backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "openspaces.urls"
WSGI_APPLICATION = "openspaces.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "boards.context_processors.conference",
            ],
        },
    },
]

# Database: SQLite in the project by default, anything dj-database-url reads otherwise.
SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the
    # busy timeout instead of failing with "database is locked" mid-transaction.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
    ),
}
if database_url := os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    else:
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
            # Keep each thread's connection: the boards' fast path reads one row per poll.
            "CONN_MAX_AGE": 60,
            # A file, not the in-memory default, so that tests with threads see the
            # same locking as production (shared-cache memory databases lock by table).
            "TEST": {"NAME": BASE_DIR / "test-db.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: board states and renderings, rate-limit counters. Redis is shared
# by every worker; a Redis outage must never become an error page, hence
# IGNORE_EXCEPTIONS and short socket timeouts.
if redis_url := os.environ.get("REDIS_URL"):
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "boards.caching.backends.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "openspaces",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# What every worker must count together (rate-limit counters): Redis when there is one,
# else a table in the database (local memory is one worker's own). The boards' generation,
# which every page's freshness rests on, is always in the database (boards.caching).
CACHES["shared"] = (
    CACHES["default"]
    if redis_url
    else {
        "BACKEND": "boards.caching.backends.SharedDatabaseCache",
        "LOCATION": "boards_shared_cache",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
)

# On PostgreSQL each worker process is told of every change to the boards (LISTEN/NOTIFY)
# and believes what it was told for this many seconds without asking again, instead of
# reading the generation per request; a write is answered once every worker has seen it.
# A worker killed without leaving makes writes wait up to this long. 0: read per request.
OPENSPACES_GENERATION_LEASE = float(os.environ.get("OPENSPACES_GENERATION_LEASE", "2"))

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The conference's main language (served without a prefix); the others live under /<code>/.
LANGUAGES = [("en", "English"), ("es", "Español")]
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE={LANGUAGE_CODE!r} is not one of {', '.join(dict(LANGUAGES))}."
    )
LOCALE_PATHS = [BASE_DIR / "boards" / "locale"]
# Per-language date and time formats (a 24-hour clock for both): openspaces/formats/<code>/.
FORMAT_MODULE_PATH = ["openspaces.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: the manage link goes to hosts who gave an address (it is shown on the page
# too, so mail is a convenience). Printed to the console in development; sent over
# SMTP (a local MTA unless EMAIL_HOST says otherwise) in production.
if DEBUG and not os.environ.get("EMAIL_HOST"):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_flag("EMAIL_USE_TLS"),
                "timeout": 10,
            },
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "openspaces@localhost")

# What is sent (mail; the posts of `announce`) is a Django task (boards/tasks.py): a request
# only adds a row to the tasks table, in the database every server already has, and the
# worker (`manage.py db_worker`, started beside the server by `make run` and `make serve`)
# sends it. The same backend in development and tests: the immediate one would hide a
# worker's bugs (arguments that do not survive JSON, a task that is not importable).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# /healthz says "late" when a task has waited longer than this for a worker (seconds).
OPENSPACES_TASKS_LATE_SECONDS = int(os.environ.get("OPENSPACES_TASKS_LATE_SECONDS", "300"))

# Security headers. The policy allows nothing inline: htmx is configured through a
# <meta> tag and every script and style is a static file.
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # htmx sends the token from the form, never from JS reading it.
SESSION_COOKIE_HTTPONLY = True
if HTTPS:
    SECURE_SSL_REDIRECT = True
    # Load balancers probe over plain HTTP; the health check must not be redirected.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The conference.
OPENSPACES_NAME = os.environ.get("OPENSPACES_NAME", "PyCon US Open Spaces")
OPENSPACES_HASHTAG = os.environ.get("OPENSPACES_HASHTAG", "#PyConOpenSpace")
# Claims a minute from one client address. A conference venue often puts
# hundreds of phones behind one NAT address, so the default is generous.
OPENSPACES_CLAIM_RATE = int(os.environ.get("OPENSPACES_CLAIM_RATE", "30"))
# A free room can be claimed for the hour under way during its first minutes (a walk-up
# session); 0: only hours still to come.
OPENSPACES_WALKUP_MINUTES = int(os.environ.get("OPENSPACES_WALKUP_MINUTES", "15"))
# "I'm interested" clicks a minute allowed from one browser, and from one address
# (many phones share a venue's NAT address); `0` turns a limit off.
OPENSPACES_INTEREST_RATE = int(os.environ.get("OPENSPACES_INTEREST_RATE", "20"))
OPENSPACES_INTEREST_IP_RATE = int(os.environ.get("OPENSPACES_INTEREST_IP_RATE", "600"))
# Interest counts reach the boards at most this many seconds late; a busy board
# changes at most once per window because of them.
OPENSPACES_INTEREST_WINDOW = int(os.environ.get("OPENSPACES_INTEREST_WINDOW", "60"))

# Flags from attendees: past this many open flags a card is hidden until the chair looks.
OPENSPACES_FLAG_LIMIT = int(os.environ.get("OPENSPACES_FLAG_LIMIT", "3"))
# Flags a minute from one client address (each browser flags a card once); 0 turns it off.
OPENSPACES_FLAG_RATE = int(os.environ.get("OPENSPACES_FLAG_RATE", "10"))
# Hosts may add or change their notes, links and head count until this many days after
# the conference's last day; the chair always can.
OPENSPACES_NOTES_DAYS = max(0, int(os.environ.get("OPENSPACES_NOTES_DAYS", "14")))

# The ideas wall (/ideas/): suggestions a minute from one client address; 0 turns it off.
OPENSPACES_IDEA_RATE = int(os.environ.get("OPENSPACES_IDEA_RATE", "5"))
# How to reach the chair and the code of conduct, on the guide and in every page's footer;
# empty: not shown.
OPENSPACES_CONTACT_EMAIL = os.environ.get("OPENSPACES_CONTACT_EMAIL", "")
OPENSPACES_CONDUCT_URL = os.environ.get("OPENSPACES_CONDUCT_URL", "")

# A host who lost the manage link asks for it at /manage/lost/: requests an hour from one
# client address (a venue's NAT puts many hosts behind one) and for one email address.
OPENSPACES_LOST_LINK_RATE = int(os.environ.get("OPENSPACES_LOST_LINK_RATE", "30"))
OPENSPACES_LOST_LINK_EMAIL_RATE = int(os.environ.get("OPENSPACES_LOST_LINK_EMAIL_RATE", "3"))

# The admin login: after AXES_FAILURE_LIMIT wrong passwords for one user name from one
# address, that pair is locked out for AXES_COOLOFF_MINUTES. Locking the pair (not the
# name alone) keeps a stranger from locking the chair out at the desk.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "boards.clients.client_address"

# The reverse proxies whose X-Forwarded-For is believed (addresses or networks); the
# client is the right-most address in it that is not one of them (boards.clients).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# django-ratelimit counts in the shared cache; if Redis is down, let people claim.
RATELIMIT_USE_CACHE = "shared"
RATELIMIT_FAIL_OPEN = True
RATELIMIT_IP_META_KEY = "boards.clients.client_address"
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit knows only its own list of backends; the shared database cache
    # adds atomically (boards.caching.backends), which is what its check asks for.
    "django_ratelimit.W001",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No manage token in any log line (a 404 for a mistyped manage link is logged).
    "filters": {"no_tokens": {"()": "openspaces.logfilters.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_tokens"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # Django's own loggers go through the root handler above, once; Django's default
    # "django" handlers would print every line a second time.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}

# The physical board and the hashtag (issue 13). Paper size of the print pages:
# letter, a4, a3 or tabloid; a page can ask for another with ?size=.
OPENSPACES_PAPER = os.environ.get("OPENSPACES_PAPER", "letter")
# How long before its start a card is announced (the /soon.atom feed, `manage.py announce`).
OPENSPACES_ANNOUNCE_MINUTES = int(os.environ.get("OPENSPACES_ANNOUNCE_MINUTES", "15"))
# The Mastodon account `announce` posts to; without both, nothing is posted.
MASTODON_API_BASE_URL = os.environ.get("MASTODON_API_BASE_URL", "")
MASTODON_ACCESS_TOKEN = os.environ.get("MASTODON_ACCESS_TOKEN", "")
# The Bluesky account `announce` posts to, with an app password (Settings → App passwords),
# never the account's own; without both, nothing is posted there. BLUESKY_SERVICE is its
# PDS (another server than Bluesky's own, for an account hosted elsewhere).
BLUESKY_SERVICE = os.environ.get("BLUESKY_SERVICE", "") or "https://bsky.social"
BLUESKY_HANDLE = os.environ.get("BLUESKY_HANDLE", "")
BLUESKY_APP_PASSWORD = os.environ.get("BLUESKY_APP_PASSWORD", "")
# The public address of the boards (https://openspaces.example.org), for the links in posts
# made outside a request; without it, the first of ALLOWED_HOSTS over http(s).
OPENSPACES_SITE_URL = os.environ.get("OPENSPACES_SITE_URL", "")
