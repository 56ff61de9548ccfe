"""The ideas wall in a browser: suggest an idea, say "I'd come", host it; with and without
JavaScript, on a phone and a laptop."""

import pytest
from playwright.sync_api import Page, expect

from boards.models import Card, Idea

pytestmark = pytest.mark.django_db(transaction=True)


def _suggest_support_and_host(page: Page, conference) -> None:
    page.goto("/")
    page.get_by_role("link", name="Ideas wall").first.click()
    expect(page.get_by_role("heading", name="The ideas wall")).to_be_visible()

    # Suggest: the form on its own page, then back on the wall at once.
    page.get_by_role("link", name="Suggest an idea").click()
    page.get_by_label("Your idea").fill("Typing in Python, for real")
    page.get_by_label("A line about it").fill("mypy, pyright, and what they miss.")
    page.get_by_role("button", name="Put it on the wall").click()
    idea = Idea.objects.get(title="Typing in Python, for real")
    item = page.locator(f"#idea-{idea.pk}")
    expect(item).to_contain_text("0 people would come")

    # "I'd come", on the idea's page: counted for this browser, and taken back.
    item.get_by_role("link", name="I’d come").click()
    page.get_by_role("button", name="I’d come").click()
    expect(page.locator("#support")).to_contain_text("1 person would come, you included.")
    expect(page.get_by_role("button", name="I’d come")).to_have_attribute("aria-pressed", "true")

    # Host this: a free slot, then the claim form with the idea's text filled in.
    page.get_by_role("link", name="Host this").click()
    page.locator(f'a[href="/slot/{conference.free.pk}/claim/?idea={idea.pk}"]').click()
    expect(page.get_by_label("Title")).to_have_value("Typing in Python, for real")
    expect(page.get_by_label("Description")).to_have_value("mypy, pyright, and what they miss.")
    page.get_by_label("Your name").fill("Noor")
    page.get_by_role("button", name="Pin my card").click()
    expect(page.get_by_text("Your card is on the board")).to_be_visible()
    card = Card.objects.get(idea=idea)

    # The idea links to its card, on the wall and on its own page.
    page.goto("/ideas/")
    hosted = page.locator(f"#idea-{idea.pk} .hosted").get_by_role("link")
    expect(hosted).to_have_attribute("href", f"/card/{card.pk}/")
    expect(page.locator(f"#idea-{idea.pk}")).to_contain_text("Hosted:")
    width = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert width <= 0, "the wall scrolls sideways"


def test_suggest_support_and_host_with_javascript(page: Page, conference):
    _suggest_support_and_host(page, conference)


def test_suggest_support_and_host_without_javascript(plain_page: Page, conference):
    _suggest_support_and_host(plain_page, conference)
