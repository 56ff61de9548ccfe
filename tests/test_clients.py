"""The client's address behind proxies (boards.clients): one answer for the claim limit,
the flag rule and the admin lockout; a header is believed only from a trusted proxy."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from boards.models import Card
from tests.factories import local, make_card, make_slot

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"
NOT_A_PROXY = "203.0.113.9"


@pytest.fixture(autouse=True)
def _proxies(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    settings.OPENSPACES_CLAIM_RATE = 2
    # One rate-limit window for the whole test, however slow the machine.
    with time_machine.travel(local(2027, 5, 14, 9), tick=False):
        yield


def _invalid_claim(slot, *, peer: str, forwarded: str | None = None) -> int:
    """A claim with nothing typed (422 until the limit, then 429), as `peer` sends it."""
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return (
        Client(REMOTE_ADDR=peer).post(f"/slot/{slot.pk}/claim/", {}, headers=headers).status_code
    )


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored():
    slot = make_slot(hour=10)
    # Each request claims to come from somebody else; the peer is counted all the same.
    statuses = [
        _invalid_claim(slot, peer=NOT_A_PROXY, forwarded=f"198.51.100.{n}") for n in range(3)
    ]
    assert statuses == [422, 422, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit():
    slot = make_slot(hour=10)
    attacker = [
        _invalid_claim(slot, peer=PROXY, forwarded="198.51.100.7, 10.1.2.3") for _ in range(3)
    ]
    someone_else = _invalid_claim(slot, peer=PROXY, forwarded="198.51.100.8, 10.1.2.3")
    assert attacker == [422, 422, 429]
    assert someone_else == 422


def test_the_client_is_the_right_most_address_that_is_not_a_trusted_proxy():
    slot = make_slot(hour=10)
    # Whatever the client writes on the left, the proxies' own entries are on the right.
    statuses = [
        _invalid_claim(slot, peer=PROXY, forwarded=f"{made_up}, 198.51.100.7, 10.0.0.2")
        for made_up in ("1.1.1.1", "2.2.2.2", "3.3.3.3")
    ]
    assert statuses == [422, 422, 429]


@pytest.mark.parametrize(
    "forwarded",
    ["", "not-an-address", "198.51.100.7, garbage", "198.51.100.7,,", "[::1]:80", " , "],
)
def test_a_malformed_header_from_a_trusted_proxy_counts_the_proxy_and_never_fails(forwarded):
    slot = make_slot(hour=10)
    statuses = [_invalid_claim(slot, peer=PROXY, forwarded=forwarded) for _ in range(2)]
    # The header is not believed: the proxy itself is the client, one counter for all.
    statuses.append(_invalid_claim(slot, peer=PROXY, forwarded="2001:db8::1, not-an-address"))
    assert statuses == [422, 422, 429]


def test_an_ipv6_client_behind_a_trusted_proxy_is_read():
    slot = make_slot(hour=10)
    statuses = [_invalid_claim(slot, peer=PROXY, forwarded="2001:db8::7") for _ in range(3)]
    other = _invalid_claim(slot, peer=PROXY, forwarded="198.51.100.8")
    assert (statuses, other) == ([422, 422, 429], 422)


def test_wrong_passwords_from_a_stranger_do_not_lock_the_chair_out(django_user_model, settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
    django_user_model.objects.create_user(
        username="chair", password="the-right-password-1234", is_staff=True
    )
    stranger = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    for _ in range(6):
        stranger.post(reverse("admin:login"), {"username": "chair", "password": "wrong"})
    chair = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    response = chair.post(
        reverse("admin:login"),
        {"username": "chair", "password": "the-right-password-1234", "next": "/admin/"},
    )
    locked_out = stranger.post(
        reverse("admin:login"), {"username": "chair", "password": "the-right-password-1234"}
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert locked_out.status_code == 429


# Flags need people, not cookies -----------------------------------------------------------


def _report(card: Card, *, peer: str, reason: str = "Advertising", forwarded: str = ""):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    client = Client(REMOTE_ADDR=peer)  # a new client each time: no cookies kept
    return client.post(
        reverse("boards:card_flag", args=[card.pk]), {"reason": reason}, headers=headers
    )


def test_one_address_clearing_its_cookies_cannot_hide_a_card(settings):
    settings.OPENSPACES_FLAG_LIMIT = 3
    card = make_card()
    for _ in range(5):
        assert _report(card, peer=PROXY, forwarded="198.51.100.5").status_code == 303
    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE
    assert card.flags.count() == 1


def test_reports_from_different_addresses_hide_the_card(settings):
    settings.OPENSPACES_FLAG_LIMIT = 3
    card = make_card()
    for person in range(3):
        _report(card, peer=PROXY, forwarded=f"198.51.100.{person}")
    card.refresh_from_db()
    assert card.status == Card.Status.HIDDEN


def test_a_report_needs_a_reason_and_keeps_what_was_typed():
    card = make_card()
    response = _report(card, peer=NOT_A_PROXY, reason="   ")
    assert response.status_code == 422
    assert "Say in a few words what is wrong, for the chair." in response.text
    assert card.flags.count() == 0


def test_the_report_form_says_what_happens_next(client, settings):
    settings.OPENSPACES_FLAG_LIMIT = 3
    card = make_card()
    page = client.get(card.get_absolute_url())
    assert '<label for="id_reason">What is wrong with this card?</label>' in page.text
    assert "Once 3 different people have reported it, the card is hidden" in page.text


def test_the_chair_reads_the_reasons_on_the_card(admin_client):
    card = make_card()
    _report(card, peer=NOT_A_PROXY, reason="It sells crypto")
    page = admin_client.get(reverse("admin:boards_card_change", args=[card.pk]))
    flags = admin_client.get(reverse("admin:boards_flag_changelist"))
    assert "It sells crypto" in page.text
    assert "It sells crypto" in flags.text
