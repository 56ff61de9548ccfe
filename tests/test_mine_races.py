"""Two presses of "Make my private calendar address" at once in one browser (a double tap,
two tabs): one address, every answer a redirect, never a 500. Real threads, real database."""

import threading

import pytest
from django.db import connection
from django.test import Client

from boards.models import CalendarKey

PRESSES = 8
BROWSER = "b" * 32  # the same interest cookie in every request: one browser


@pytest.mark.django_db(transaction=True)
def test_presses_at_once_make_one_address_and_no_error():
    barrier = threading.Barrier(PRESSES)
    outcomes: list[object] = []
    lock = threading.Lock()

    def press() -> None:
        client = Client()
        client.cookies["os_browser"] = BROWSER
        try:
            barrier.wait(timeout=30)
            response = client.post("/mine/calendar/", {"action": "renew"})
            outcome: object = response.status_code
        except Exception as error:  # noqa: BLE001 the test reports what a thread met
            outcome = error
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=press) for _ in range(PRESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes == [303] * PRESSES
    [row] = CalendarKey.objects.all()
    client = Client()
    client.cookies["os_browser"] = BROWSER
    html = client.get("/mine/").content.decode()
    assert f"/mine/{row.key}/calendar.ics" in html
    assert client.get(f"/mine/{row.key}/calendar.ics").status_code == 200
