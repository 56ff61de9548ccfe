"""Hosts edit, move and release their card through the private manage link."""

import re

import pytest
from playwright.sync_api import Page, expect

from boards.models import Card
from tests.factories import run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def _manage_url(conference) -> str:
    return f"/card/{conference.card.pk}/manage/token/"  # tests.factories.make_card's token


def test_host_edits_card_through_manage_link(page: Page, conference):
    page.goto(_manage_url(conference))
    expect(page.get_by_label("Title")).to_have_value("Django async in production")

    page.get_by_label("Title").fill("Django async: war stories")
    page.get_by_label("Description").fill("Bring yours.")
    page.get_by_role("button", name="Save changes").click()

    # A clean address (a bookmark replays nothing); the message is said once.
    expect(page).to_have_url(f"{conference.url}{_manage_url(conference)}")
    expect(page.get_by_role("status")).to_have_text("Your changes are on the board.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your card: Django async: war stories"
    )
    page.goto("/")
    expect(page.get_by_role("link", name="Django async: war stories")).to_be_visible()
    expect(page.get_by_role("link", name="Django async in production")).to_have_count(0)


def test_host_moves_card_to_another_slot(page: Page, conference):
    page.goto(_manage_url(conference))

    move_to = page.get_by_role("combobox", name="Move to")
    expect(move_to).to_have_value("")  # nothing chosen for the host
    expect(move_to.locator("optgroup").first).to_have_attribute("label", "Friday 14 May, 10:00")
    move_to.select_option(value=str(conference.free.pk))
    page.get_by_role("button", name="Move my card").click()

    expect(page.get_by_role("status")).to_have_text(
        "Your card has moved. Tell people who planned to come!"
    )
    expect(page.locator(".slot-facts")).to_contain_text("Friday 14 May, 11:00–12:00")
    assert Card.objects.get(pk=conference.card.pk).slot == conference.free


def test_host_releases_card(page: Page, conference, console):
    console.expect(r"status of 410")  # the released card's page says Gone, as designed
    page.goto(_manage_url(conference))

    page.get_by_role("button", name="Release my slot…").click()
    expect(page.get_by_role("heading", name="Release this slot?")).to_be_visible()
    assert Card.objects.get(pk=conference.card.pk).status == Card.Status.ACTIVE
    page.get_by_role("button", name="Yes, release my slot").click()

    expect(page.get_by_role("status")).to_have_text(
        "You released this card: the slot is free again. The card is kept for the record "
        "but no longer shown."
    )
    expect(page.get_by_role("button", name="Release my slot…")).to_have_count(0)
    page.goto("/")
    expect(page.get_by_role("link", name="Django async in production")).to_have_count(0)
    expect(
        page.get_by_role("link", name="Free: host here (Room A, 10:00)", exact=True)
    ).to_be_visible()
    response = page.goto(f"/card/{conference.card.pk}/")
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This open space is not on the board any more"
    )


def test_host_who_lost_the_link_gets_a_new_one_by_mail_without_javascript(
    plain_page: Page, conference, mailoutbox, console
):
    console.expect(r"status of 404")  # the card's "not your card" page, then the old link
    Card.objects.filter(pk=conference.card.pk).update(email="carlton@example.org")
    page = plain_page
    page.goto(f"/card/{conference.card.pk}/manage/")  # not the browser that pinned it
    page.get_by_role("link", name="have a new link mailed to you").click()
    page.get_by_label("The email you gave when you pinned your card").fill("carlton@example.org")
    page.get_by_role("button", name="Mail me the links").click()
    expect(page.get_by_role("status")).to_contain_text("Check your mail.")

    run_tasks()  # the worker
    [message] = mailoutbox
    link = re.search(r"http://localhost:\d+/manage/lost/\S+/", message.body)[0]
    page.goto(link)
    expect(page.get_by_text("Django async in production")).to_be_visible()
    page.get_by_role("button", name="Get a new private link").click()

    expect(page.get_by_text("This is your new private link")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your card: Django async in production"
    )
    assert re.search(rf"/card/{conference.card.pk}/manage/[^/]+/$", page.url)
    assert page.goto(_manage_url(conference)).status == 404  # the old link
