"""axe-core finds no WCAG 2.2 A/AA violations on any public page, on a phone and a laptop."""

import pytest
from playwright.sync_api import Page, expect

from boards import lost_links
from boards.models import Card, Slot
from boards.services import ideas
from boards.services.cards import Actor, card_move
from tests import factories
from tests.browser import VIEWPORTS
from tests.browser.axe import axe_violations, describe

pytestmark = pytest.mark.django_db(transaction=True)


def _board(page: Page, conference) -> None:
    page.goto(conference.url + "/")


def _tomorrow(page: Page, conference) -> None:
    page.goto(f"{conference.url}/day/{conference.days[1].date}/")


def _not_open_yet(page: Page, conference) -> None:
    page.goto(f"{conference.url}/day/{conference.days[2].date}/")


def _claim_panel(page: Page, conference) -> None:
    page.goto(conference.url + "/")
    page.locator(f'a.claim-link[href="/slot/{conference.free.pk}/claim/"]').filter(
        visible=True
    ).click()
    expect(page.locator("#claim-panel h2")).to_be_focused()


def _claim(page: Page, conference) -> None:
    page.goto(f"{conference.url}/slot/{conference.free.pk}/claim/")


def _claim_errors(page: Page, conference) -> None:
    page.goto(f"{conference.url}/slot/{conference.free.pk}/claim/")
    page.get_by_label("Social handle").fill("not a handle at all")
    with page.expect_response(lambda response: response.status == 422):
        page.get_by_role("button", name="Pin my card").click()
    expect(page.locator(".error").first).to_be_visible()


def _claim_taken(page: Page, conference) -> None:
    page.goto(f"{conference.url}/slot/{conference.card.slot.pk}/claim/")


def _card(page: Page, conference) -> None:
    page.goto(f"{conference.url}/card/{conference.card.pk}/")


def _card_just_claimed(page: Page, conference) -> None:
    page.goto(f"{conference.url}/slot/{conference.free.pk}/claim/")
    page.get_by_label("Title").fill("Accessibility in web apps")
    page.get_by_label("Your name").fill("Noor")
    page.get_by_role("button", name="Pin my card").click()
    expect(page.get_by_text("Your card is on the board")).to_be_visible()


def _manage(page: Page, conference) -> None:
    page.goto(f"{conference.url}/card/{conference.card.pk}/manage/token/")


def _release_confirm(page: Page, conference) -> None:
    page.goto(f"{conference.url}/card/{conference.card.pk}/manage/token/")
    page.get_by_role("button", name="Release my slot…").click()
    expect(page.get_by_role("heading", name="Release this slot?")).to_be_visible()


def _manage_after_chairs_move(page: Page, conference) -> None:
    card_move(
        card=Card.objects.get(pk=conference.card.pk),
        to_slot=conference.free,
        now=conference.free.starts_at,
        actor=Actor.chair("chair"),
        reason="A bigger room",
    )
    page.goto(f"{conference.url}/card/{conference.card.pk}/manage/token/")
    expect(page.get_by_role("heading", name="What changed")).to_be_visible()


def _mine_empty(page: Page, conference) -> None:
    page.goto("/mine/")


def _mine_with_clash_and_calendar(page: Page, conference) -> None:
    slot = Slot.objects.get(room=conference.rooms[1], starts_at=conference.card.slot.starts_at)
    other = factories.make_card(slot=slot, title="Packaging, again", host_name="Priya N.")
    for card in (conference.card, other):
        page.goto(f"/card/{card.pk}/")
        page.get_by_role("button", name="I’m interested").click()
        expect(page.get_by_role("button", name="I’m interested")).to_have_attribute(
            "aria-pressed", "true"
        )
    page.goto("/mine/")
    page.get_by_role("button", name="Make my private calendar address").click()
    expect(page.locator(".space.clash")).to_have_count(2)


def _not_your_card(page: Page, conference) -> None:
    page.goto(f"{conference.url}/card/{conference.card.pk}/manage/")


def _lost_links(page: Page, conference) -> None:
    page.goto("/manage/lost/")


def _lost_links_error(page: Page, conference) -> None:
    page.goto("/manage/lost/")
    page.get_by_label("The email you gave when you pinned your card").fill("not an address")
    page.get_by_role("button", name="Mail me the links").click()
    expect(page.get_by_text("Please check the address below.")).to_be_visible()


def _lost_links_sent(page: Page, conference) -> None:
    page.goto("/manage/lost/sent/")


def _lost_link(page: Page, conference) -> None:
    page.goto(f"/manage/lost/{lost_links.key_for(conference.card)}/")


def _lost_link_gone(page: Page, conference) -> None:
    page.goto("/manage/lost/not-a-key/")


def _find_nothing(page: Page, conference) -> None:
    page.goto("/?q=cobol")


def _find(page: Page, conference) -> None:
    page.goto("/?q=django")


def _now_and_next(page: Page, conference) -> None:
    page.goto("/now/")


def _display(page: Page, conference) -> None:
    page.goto("/display/")


def _with_notes(card) -> None:
    """Notes, links and a head count on `card`, as its host leaves them after the hour."""
    from boards.services.cards import Actor, card_notes

    card_notes(
        card=card,
        notes="We compared three approaches.\n\nSlides: https://example.org/slides",
        links=["https://pad.example.org/p/async", "https://github.com/example/async"],
        attendance=31,
        now=card.slot.ends_at,
        actor=Actor.chair("axe"),
    )


def _card_with_notes(page: Page, conference) -> None:
    _with_notes(conference.card)
    page.goto(f"{conference.url}/card/{conference.card.pk}/")


def _manage_after_the_hour(page: Page, conference) -> None:
    started = Card.objects.get(title="Packaging pains")
    page.goto(f"{conference.url}/card/{started.pk}/manage/token/")
    page.get_by_role("spinbutton", name="How many came").fill("0")
    with page.expect_response(lambda response: response.status == 422):
        page.get_by_role("button", name="Save the notes").click()
    expect(page.locator(".notes-form .error").first).to_be_visible()


def _proceedings(page: Page, conference) -> None:
    _with_notes(Card.objects.get(title="Packaging pains"))
    page.goto("/proceedings/")


def _day_proceedings(page: Page, conference) -> None:
    page.goto(f"/day/{conference.days[0].date}/proceedings/")


def _not_found(page: Page, conference) -> None:
    page.goto("/day/2030-01-01/")


def _an_idea() -> int:
    return ideas.idea_suggest(title="Packaging war stories", description="uv, wheels").pk


def _guide(page: Page, conference) -> None:
    _an_idea()
    page.goto("/guide/")


def _ideas_wall(page: Page, conference) -> None:
    _an_idea()
    page.goto("/ideas/")


def _idea(page: Page, conference) -> None:
    page.goto(f"/idea/{_an_idea()}/")


def _idea_host(page: Page, conference) -> None:
    page.goto(f"/idea/{_an_idea()}/host/")


def _idea_suggest_errors(page: Page, conference) -> None:
    page.goto("/ideas/suggest/")
    with page.expect_response(lambda response: response.status == 422):
        page.get_by_role("button", name="Put it on the wall").click()
    expect(page.locator(".error").first).to_be_visible()


PAGES = [
    _guide,
    _ideas_wall,
    _idea,
    _idea_host,
    _idea_suggest_errors,
    _board,
    _tomorrow,
    _not_open_yet,
    _claim_panel,
    _claim,
    _claim_errors,
    _claim_taken,
    _card,
    _card_just_claimed,
    _manage,
    _release_confirm,
    _manage_after_chairs_move,
    _mine_empty,
    _mine_with_clash_and_calendar,
    _not_your_card,
    _lost_links,
    _lost_links_error,
    _lost_links_sent,
    _lost_link,
    _lost_link_gone,
    _find,
    _find_nothing,
    _now_and_next,
    _display,
    _card_with_notes,
    _manage_after_the_hour,
    _proceedings,
    _day_proceedings,
    _not_found,
]


@pytest.fixture
def context(new_context, console):
    # axe is injected as a script: the app's CSP (script-src 'self') would refuse it.
    context = new_context(viewport=VIEWPORTS["phone"], bypass_csp=True)
    console.watch(context)
    return context


@pytest.mark.parametrize("visit", PAGES, ids=lambda visit: visit.__name__.strip("_"))
def test_page_has_no_axe_violations(page: Page, conference, visit, console):
    console.expect(r"status of 422")  # the claim with errors answers 422, as it should
    console.expect(r"status of 404")  # and a day without a board 404, as it should
    console.expect(r"status of 410")  # and a lost-link key that opens nothing 410

    visit(page, conference)  # on a phone, then the same page on a laptop

    found = {}
    for name, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        if violations := axe_violations(page):
            found[name] = f"{name}, {size['width']}×{size['height']}:\n{describe(violations)}"
    assert not found, f"axe found on {page.url}\n" + "\n".join(found.values())
