import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: board states, rendered boards, rate limits."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, test in a file rather than in memory.

    Races are tested with real threads; an in-memory database shares one cache between
    connections and fails with "table is locked" instead of waiting its turn, while a
    file in WAL mode honours the busy timeout as production does.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.db")


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
