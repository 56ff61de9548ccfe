"""Attendees in a browser: find as you type, now and next, interest, the big screen."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import axe_violations, describe

pytestmark = pytest.mark.django_db(transaction=True)


def test_find_filters_the_board_as_you_type(page: Page, conference):
    page.goto(conference.url + "/")
    board = page.locator("#board")
    expect(board.get_by_role("link", name="Packaging pains")).to_be_visible()

    page.get_by_label("Find a topic, host or handle").press_sequentially("async")

    expect(board.get_by_role("link", name="Packaging pains")).to_have_count(0)
    expect(board.get_by_role("link", name="Django async in production")).to_be_visible()
    expect(page).to_have_url(conference.url + "/?q=async")


def test_find_works_without_javascript(plain_page: Page, conference):
    plain_page.goto(conference.url + "/")
    plain_page.get_by_label("Find a topic, host or handle").fill("packaging")
    plain_page.get_by_role("button", name="Find").click()
    board = plain_page.locator("#board")
    expect(board.get_by_role("link", name="Packaging pains")).to_be_visible()
    expect(board.get_by_role("link", name="Django async in production")).to_have_count(0)


def test_now_and_next_lists_what_is_on_and_what_starts_within_the_hour(page: Page, conference):
    page.goto(conference.url + "/now/")  # 09:30 on the first day
    on_now = page.get_by_role("region", name="On now")
    next_hour = page.get_by_role("region", name="In the next hour")
    expect(on_now).to_contain_text("Packaging pains")
    expect(next_hour).to_contain_text("Django async in production")
    expect(next_hour).to_contain_text("Level 1, north hall")


def test_interest_toggle_counts_this_browser_once(page: Page, conference):
    page.goto(f"{conference.url}/card/{conference.card.pk}/")
    page.get_by_role("button", name="I’m interested").click()
    expect(page.locator("#interest")).to_contain_text("1 person is interested, you included")
    page.reload()
    expect(page.locator("#interest")).to_contain_text("you included")
    # Pressed reads as pressed, and the way back is in words beside it.
    pressed = page.get_by_role("button", name="I’m interested", pressed=True)
    expect(pressed).to_have_css("background-color", "rgb(22, 101, 52)")
    expect(pressed).to_have_accessible_description(
        "Changed your mind? Press it again to take it back."
    )
    expect(page.get_by_text("Changed your mind? Press it again to take it back.")).to_be_visible()
    pressed.click()  # taken back
    expect(page.locator("#interest")).to_contain_text("Nobody has said they are interested")
    expect(page.get_by_role("button", name="I’m interested", pressed=False)).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "plain"])
def test_the_report_form_is_folded_until_asked_for(
    page: Page, plain_page: Page, conference, javascript
):
    page = page if javascript else plain_page
    page.goto(f"{conference.url}/card/{conference.card.pk}/")
    reason = page.get_by_label("What is wrong with this card?")
    expect(reason).to_be_hidden()
    page.get_by_text("Report this card as inappropriate").click()
    expect(reason).to_be_visible()
    reason.fill("Spam")
    page.get_by_role("button", name="Send the report").click()
    expect(
        page.get_by_text("Thank you: the Open Spaces chair will look at this card.")
    ).to_be_visible()


# Every layout shift the page makes, as the browser reports them (the CLS metric's parts).
RECORD_LAYOUT_SHIFTS = """
window.layoutShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.layoutShifts.push(entry.value);
}).observe({type: "layout-shift", buffered: true});
"""


def test_card_page_does_not_move_when_its_script_shows_the_copy_button(page: Page, conference):
    page.add_init_script(RECORD_LAYOUT_SHIFTS)
    page.goto(f"{conference.url}/card/{conference.card.pk}/")
    expect(page.get_by_role("button", name="Copy", exact=True)).to_be_visible()
    page.wait_for_load_state("load")
    assert page.evaluate("window.layoutShifts") == []


def test_card_page_without_javascript_offers_no_button_that_needs_it(plain_page: Page, conference):
    plain_page.goto(f"{conference.url}/card/{conference.card.pk}/")
    expect(plain_page.get_by_role("heading", level=1)).to_be_visible()
    expect(plain_page.get_by_role("button", name="Copy", exact=True)).to_be_hidden()
    expect(plain_page.get_by_role("button", name="Share…")).to_be_hidden()


def test_display_fits_a_1920_screen_with_the_qr_code_and_hashtag(new_context, conference):
    context = new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    page = context.new_page()
    page.goto(conference.url + "/display/")
    expect(page.locator(".display-qr svg")).to_be_visible()
    expect(page.get_by_text("#PyConOpenSpace").first).to_be_visible()
    expect(page.get_by_text("Django async in production")).to_be_visible()
    overflow = page.evaluate(
        "() => [document.documentElement.scrollHeight - innerHeight,"
        " document.documentElement.scrollWidth - innerWidth]"
    )
    assert overflow[0] <= 0 and overflow[1] <= 0, overflow
    violations = axe_violations(page)
    assert not violations, describe(violations)
