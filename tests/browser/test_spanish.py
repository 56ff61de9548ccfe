"""The boards in Spanish in a real browser: the footer's switch, a claim, axe on each page."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser import VIEWPORTS
from tests.browser.axe import axe_violations, describe

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_browser_language_the_footer_switch_then_a_claim_in_spanish(page: Page, conference):
    # This browser asks for Spanish (the context below): the front door sends it to /es/.
    page.goto(conference.url + "/")
    expect(page).to_have_url(conference.url + "/es/")
    page.locator(".language-switch").get_by_role("button", name="English").click()
    expect(page).to_have_url(conference.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".language-switch").get_by_role("button", name="Español").click()
    expect(page).to_have_url(conference.url + "/es/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_label("Busca un tema, una persona o un usuario")).to_be_visible()
    page.goto(f"{conference.url}/es/slot/{conference.free.pk}/claim/")
    page.get_by_label("Título").fill("Accesibilidad en aplicaciones web")
    page.get_by_label("Tu nombre").fill("Noor")
    page.get_by_role("button", name="Colgar mi tarjeta").click()
    expect(page.get_by_text("Tu tarjeta está en el tablero")).to_be_visible()
    expect(page).to_have_url(f"{conference.url}/es/card/{conference.free.cards.get().pk}/")
    # The choice is remembered: the front door opens in Spanish from now on.
    page.goto(conference.url + "/")
    expect(page).to_have_url(conference.url + "/es/")


@pytest.fixture
def context(new_context, console):
    # axe is injected as a script: the app's CSP (script-src 'self') would refuse it.
    context = new_context(viewport=VIEWPORTS["phone"], bypass_csp=True, locale="es-ES")
    console.watch(context)
    return context


@pytest.mark.parametrize(
    "path",
    ["/es/", "/es/slot/{free}/claim/", "/es/card/{card}/", "/es/now/", "/es/display/"],
)
def test_spanish_page_says_so_and_has_no_axe_violations(page: Page, conference, path):
    page.goto(conference.url + path.format(free=conference.free.pk, card=conference.card.pk))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    found = {}
    for name, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        if violations := axe_violations(page):
            found[name] = f"{name}, {size['width']}×{size['height']}:\n{describe(violations)}"
    assert not found, f"axe found on {page.url}\n" + "\n".join(found.values())
