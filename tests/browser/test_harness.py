"""The checks the other browser tests rely on do catch what they are for."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser import VIEWPORTS
from tests.browser.axe import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def viewport():
    return VIEWPORTS["phone"]  # what is checked here does not depend on the screen


def test_console_watch_reports_csp_violations(page: Page, conference, console):
    page.goto("/")

    page.evaluate(
        "() => document.body.append(Object.assign(document.createElement('script'),"
        " {textContent: 'window.injected = true'}))"
    )

    expect(page.locator("body")).to_be_visible()
    assert page.evaluate("window.injected") is None  # the CSP refused the inline script
    assert any("Content Security Policy" in error for error in console.unexpected())
    console.expect("Content Security Policy")


def test_axe_reports_violations(new_context, conference):
    page = new_context(bypass_csp=True).new_page()
    page.goto("/")
    page.evaluate(
        "() => document.querySelector('main').append(Object.assign("
        "document.createElement('img'), {src: '/static/icons/favicon.svg'}))"
    )

    violations = axe_violations(page)

    assert [violation["id"] for violation in violations] == ["image-alt"]
