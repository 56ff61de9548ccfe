import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation

from boards import caching
from boards.caching import watch


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: board states, rendered boards, rate limits.

    The shared cache is a database table in tests: rolled back with each test's data."""
    cache.clear()
    caching.forget_local_copies()
    yield
    cache.clear()
    caching.forget_local_copies()


@pytest.fixture(autouse=True, scope="session")
def _generation_read_per_request(django_db_setup):
    """Requests read the generation row themselves, as on SQLite, for the whole session
    (the live server's threads too, between tests): a watcher thread (boards.caching.watch)
    would hold a connection to the test database past the test, and the database could not
    be dropped. tests/test_watch.py turns watching on, with real workers' threads; any
    watcher left is stopped before the test database goes."""
    with override_settings(OPENSPACES_GENERATION_LEASE=0):
        yield
    watch.stop_watching()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request to /es/… leaves Spanish active in
    the test's thread, and a later test's mail or page would be Spanish for no reason."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Logins in tests need no protection against cracking; the default hasher is slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def chair_client(client, django_user_model):
    """A client logged in as a staff member of the Chair group, not a superuser."""
    from django.contrib.auth.models import Group

    chair = django_user_model.objects.create_user(
        username="chair", password="not-used-here-1234", is_staff=True
    )
    chair.groups.add(Group.objects.get(name="Chair"))
    client.force_login(chair)
    return client
