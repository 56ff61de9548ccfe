"""openspaces/middleware.py: an outage is a 503, a NUL byte a 400 before any view, and only
the front door and the admin look at the reader's language."""

import pytest
import time_machine
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import Client, RequestFactory

from boards.models import Card, Slot
from boards.services import _write
from openspaces.middleware import DatabaseUnavailableMiddleware, RejectInvalidInputMiddleware
from tests.factories import conference, local

pytestmark = pytest.mark.django_db

SPANISH = {"Accept-Language": "es"}
CLAIM = {"title": "Lost in the outage?", "host_name": "Ada"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        yield


# A database outage -------------------------------------------------------------------


@pytest.mark.parametrize(
    "outage",
    [
        OperationalError("server closed the connection"),
        InterfaceError("connection already closed"),
    ],
)
def test_an_outage_during_a_claim_is_a_friendly_503_and_saves_nothing(monkeypatch, outage):
    conference(days=1)
    slot = Slot.objects.order_by("starts_at").first()

    def unreachable(slot_ids):
        raise outage

    monkeypatch.setattr(_write, "lock_slots", unreachable)
    response = Client().post(f"/slot/{slot.pk}/claim/", CLAIM)

    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert "Back in a moment" in response.content.decode()
    assert not Card.objects.exists()


def test_an_error_that_is_not_an_outage_is_left_to_the_500_page():
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/")

    assert middleware.process_exception(request, ValueError("a bug")) is None
    assert middleware.process_exception(request, OperationalError("down")).status_code == 503


# A NUL byte ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/day/2027-05-14\x00/", "/?q=a%00b", "/card/1/manage/x/?next=%00"]
)
def test_a_nul_byte_in_the_address_is_a_400_and_no_view_runs(path):
    views = []
    middleware = RejectInvalidInputMiddleware(
        lambda request: views.append(request) or HttpResponse()
    )

    response = middleware(RequestFactory().get(path))

    assert response.status_code == 400
    assert views == []


def test_an_address_without_a_nul_byte_goes_on_to_the_view():
    middleware = RejectInvalidInputMiddleware(lambda request: HttpResponse("the view"))

    response = middleware(RequestFactory().get("/day/2027-05-14/?q=django%20async"))

    assert response.content == b"the view"


# The reader's language -----------------------------------------------------------------


def test_only_the_front_door_varies_on_the_readers_language(client):
    conference(days=1)

    front = client.get("/")
    board = client.get("/day/2027-05-14/")

    assert {"Accept-Language", "Cookie"} <= {part.strip() for part in front["Vary"].split(",")}
    assert "Accept-Language" not in board["Vary"]
    assert "Cookie" not in board["Vary"]


def test_every_page_says_its_language_and_the_address_decides_it(client):
    conference(days=1)

    english = client.get("/day/2027-05-14/", headers=SPANISH)
    spanish = client.get("/es/day/2027-05-14/")

    assert (english.status_code, english["Content-Language"]) == (200, "en")
    assert (spanish.status_code, spanish["Content-Language"]) == (200, "es")


def test_the_admin_follows_the_chairs_browser_and_varies_on_it(client):
    response = client.get("/admin/login/", headers=SPANISH)

    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]
    assert "Iniciar sesión" in response.content.decode()
