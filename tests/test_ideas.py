"""The guide and the ideas wall, through their pages, forms and the chair's admin."""

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from boards import queries
from boards.models import Card, GuidePage, Idea, IdeaEvent, IdeaSupport, Slot
from boards.services import cards, ideas
from boards.services.cards import Actor
from tests.factories import committed, conference, local

NOW = local(2027, 5, 14, 9, 0)
CHAIR = Actor.chair("chair")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def slots(db):
    conference(days=1, rooms=2, hours=(10, 12))
    return list(Slot.objects.order_by("starts_at", "room__position"))


def _idea(title="Packaging war stories", description="uv, wheels and locks", **fields):
    with committed():
        return ideas.idea_suggest(title=title, description=description, **fields)


def _support(client, idea, supports="1", **headers):
    return client.post(
        reverse("boards:idea_support", kwargs={"pk": idea.pk}), {"interested": supports}, **headers
    )


# The guide --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_guide_shows_the_default_text_sample_ideas_and_no_contact_when_unset(client, settings):
    settings.OPENSPACES_CONTACT_EMAIL = settings.OPENSPACES_CONDUCT_URL = ""
    _idea(title="Board games", sample=True)
    response = client.get("/guide/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The law of two feet" in html
    assert '<a href="/idea/' in html and "Board games" in html
    assert "mailto:" not in html and "code of conduct" not in html.lower()


@pytest.mark.django_db
def test_guide_shows_the_code_of_conduct_and_the_chairs_address_from_settings(client, settings):
    settings.OPENSPACES_CONTACT_EMAIL = "chair@example.org"
    settings.OPENSPACES_CONDUCT_URL = "https://example.org/coc"
    html = client.get("/guide/").content.decode()
    assert 'href="mailto:chair@example.org"' in html
    assert 'href="https://example.org/coc"' in html


@pytest.mark.django_db
def test_guide_in_spanish_by_default_and_the_chairs_text_per_language(client):
    assert "La ley de los dos pies" in client.get("/es/guide/").content.decode()
    with committed():
        ideas.guide_page_save(
            language="es", body="# Hola\n\nTexto <b>del</b> chair.\n- uno\n- dos", actor=CHAIR
        )
    html = client.get("/es/guide/").content.decode()
    assert "<h2>Hola</h2>" in html
    assert "<li>uno</li><li>dos</li>" in html
    assert "Texto &lt;b&gt;del&lt;/b&gt; chair." in html  # escaped, never HTML
    assert "The law of two feet" in client.get("/guide/").content.decode()  # English default


@pytest.mark.django_db
def test_guide_answers_304_until_the_chair_edits_it(client):
    first = client.get("/guide/")
    assert client.get("/guide/", headers={"if-none-match": first["ETag"]}).status_code == 304
    with committed():
        ideas.guide_page_save(language="en", body="New words.", actor=CHAIR)
    again = client.get("/guide/", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert "New words." in again.content.decode()


@pytest.mark.django_db
def test_chair_edits_the_guide_in_the_admin(chair_client):
    response = chair_client.post(
        reverse("admin:boards_guidepage_add"), {"language": "en", "body": "# Welcome\n\nHi."}
    )
    assert response.status_code == 302
    assert GuidePage.objects.get(language="en").body == "# Welcome\n\nHi."
    assert "<h2>Welcome</h2>" in Client().get("/guide/").content.decode()


@pytest.mark.django_db
def test_guide_and_wall_are_linked_from_the_board_and_the_claim_form(client, slots):
    board = client.get("/day/2027-05-14/").content.decode()
    claim = client.get(f"/slot/{slots[0].pk}/claim/").content.decode()
    for html in (board, claim):
        assert 'href="/guide/"' in html
    assert 'href="/ideas/"' in board


# The wall ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_suggest_answers_303_and_the_idea_is_on_the_wall_at_once(client):
    before = client.get("/ideas/")
    response = client.post("/ideas/", {"title": "Rust for Pythonistas", "description": "PyO3"})
    assert response.status_code == 303
    idea = Idea.objects.get()
    assert response["Location"] == f"/ideas/#idea-{idea.pk}"
    after = client.get("/ideas/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert "Rust for Pythonistas" in after.content.decode()
    assert IdeaEvent.objects.get().action == "suggested"


@pytest.mark.django_db
def test_suggest_without_a_title_is_422_with_the_text_kept(client):
    response = client.post("/ideas/", {"title": "  ", "description": "Kept line"})
    assert response.status_code == 422
    assert "Kept line" in response.content.decode()
    assert "Say in a few words what the idea is." in response.content.decode()
    assert not Idea.objects.exists()


@pytest.mark.django_db
def test_suggest_too_fast_from_one_address_is_429_with_the_text_kept(client, settings):
    settings.OPENSPACES_IDEA_RATE = 2
    for number in range(2):
        assert client.post("/ideas/", {"title": f"Idea {number}"}).status_code == 303
    response = client.post("/ideas/", {"title": "One too many"})
    assert response.status_code == 429
    assert 'value="One too many"' in response.content.decode()
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert other.post("/ideas/", {"title": "From elsewhere"}).status_code == 303
    assert Idea.objects.count() == 3


@pytest.mark.django_db
def test_suggest_limit_zero_turns_it_off(client, settings):
    settings.OPENSPACES_IDEA_RATE = 0
    for number in range(8):
        assert client.post("/ideas/", {"title": f"Idea {number}"}).status_code == 303


@pytest.mark.django_db
def test_wall_is_the_same_for_everyone_and_polls_answer_304(client):
    _idea()
    first = client.get("/ideas/")
    assert "csrfmiddlewaretoken" not in first.content.decode()
    assert "Cookie" not in first.get("Vary", "")
    assert first["Cache-Control"] == "public, no-cache"
    assert client.get("/ideas/", headers={"if-none-match": first["ETag"]}).status_code == 304


@pytest.mark.django_db
def test_wall_lists_the_most_wanted_first(client):
    few, many = _idea(title="Few want this"), _idea(title="Many want this")
    for _ in range(3):
        _support(Client(), many)
    _support(Client(), few)
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        html = client.get("/ideas/").content.decode()
    assert html.index("Many want this") < html.index("Few want this")
    assert "3 people would come" in html and "1 person would come" in html


@pytest.mark.django_db
def test_wall_counts_lag_by_the_interest_window_like_the_boards(client, settings):
    settings.OPENSPACES_INTEREST_WINDOW = 60
    idea = _idea()
    first = client.get("/ideas/")
    with committed():
        _support(Client(), idea)
    same = client.get("/ideas/", headers={"if-none-match": first["ETag"]})
    assert same.status_code == 304
    with time_machine.travel(NOW + dt.timedelta(seconds=60), tick=False):
        later = client.get("/ideas/", headers={"if-none-match": first["ETag"]})
    assert later.status_code == 200
    assert "1 person would come" in later.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 20])
def test_wall_query_count_is_fixed_whatever_the_number_of_ideas(
    client, slots, count, django_assert_max_num_queries
):
    made = [_idea(title=f"Idea {number}") for number in range(count)]
    for slot, idea in zip(slots, made, strict=False):  # some of them hosted
        with committed():
            cards.card_claim(
                slot=slot, title=idea.title, host_name="Ada", now=NOW, idea_id=idea.pk
            )
    with django_assert_max_num_queries(6):
        response = client.get("/ideas/")
    assert response.status_code == 200
    assert response.content.decode().count('class="idea"') == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 20])
def test_guide_and_idea_page_query_counts_are_fixed(client, count, django_assert_max_num_queries):
    made = [_idea(title=f"Idea {number}", sample=True) for number in range(count)]
    with django_assert_max_num_queries(5):
        assert client.get("/guide/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(f"/idea/{made[0].pk}/").status_code == 200


# "I'd come" -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_id_come_once_per_browser_and_taken_back(client):
    idea = _idea()
    response = _support(client, idea)
    assert response.status_code == 303
    assert response["Location"] == f"/idea/{idea.pk}/#support"
    _support(client, idea)
    page = client.get(f"/idea/{idea.pk}/").content.decode()
    assert "1 person would come, you included." in page
    assert "1 person would come." in Client().get(f"/idea/{idea.pk}/").content.decode()
    _support(client, idea, supports="0")
    assert IdeaSupport.objects.count() == 0


@pytest.mark.django_db
def test_id_come_shares_the_browser_cookie_with_card_interest(client, slots):
    idea = _idea()
    _support(client, idea)
    with committed():
        card = cards.card_claim(slot=slots[0], title="T", host_name="Ada", now=NOW).card
    client.post(reverse("boards:card_interest", kwargs={"pk": card.pk}), {"interested": "1"})
    assert card.interests.get().browser_key == IdeaSupport.objects.get().browser_key


@pytest.mark.django_db
def test_id_come_to_a_hidden_idea_is_410(client):
    idea = _idea()
    with committed():
        ideas.idea_hide(idea=idea, reason="Off topic", actor=CHAIR)
    assert _support(client, idea).status_code == 410
    page = client.get(f"/idea/{idea.pk}/")
    assert page.status_code == 410
    assert "Off topic" in page.content.decode()
    assert "Packaging war stories" not in page.content.decode()


# Reports ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reports_from_different_addresses_hide_the_idea(settings):
    settings.OPENSPACES_FLAG_LIMIT = 2
    idea = _idea()
    url = reverse("boards:idea_flag", kwargs={"pk": idea.pk})
    same = Client(REMOTE_ADDR="10.0.0.1")
    assert same.post(url, {"reason": "Spam"}).status_code == 303
    Client(REMOTE_ADDR="10.0.0.1").post(url, {"reason": "Spam again"})
    idea.refresh_from_db()
    assert idea.status == Idea.Status.ACTIVE  # one address counts once
    Client(REMOTE_ADDR="10.0.0.2").post(url, {"reason": "Spam"})
    idea.refresh_from_db()
    assert idea.status == Idea.Status.REPORTED
    assert "Packaging war stories" not in Client().get("/ideas/").content.decode()


@pytest.mark.django_db
def test_report_without_a_reason_is_422(client):
    idea = _idea()
    response = client.post(reverse("boards:idea_flag", kwargs={"pk": idea.pk}), {"reason": ""})
    assert response.status_code == 422
    assert not idea.flags.exists()


# Host this --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_host_this_picks_a_slot_then_the_claim_form_is_filled_in_and_the_card_links_back(
    client, slots
):
    idea = _idea()
    picker = client.get(f"/idea/{idea.pk}/host/").content.decode()
    claim_url = f"/slot/{slots[0].pk}/claim/?idea={idea.pk}"
    assert f'href="{claim_url}"' in picker.replace("&amp;", "&")
    form = client.get(claim_url).content.decode()
    assert 'value="Packaging war stories"' in form
    assert "uv, wheels and locks" in form
    assert f'name="idea" value="{idea.pk}"' in form
    response = client.post(
        f"/slot/{slots[0].pk}/claim/",
        {"title": "Packaging war stories", "host_name": "Ada", "idea": str(idea.pk)},
    )
    assert response.status_code == 303
    card = Card.objects.get()
    assert card.idea == idea
    html = client.get(f"/idea/{idea.pk}/").content.decode()
    assert f'href="/card/{card.pk}/"' in html
    assert "Hosted:" in html and slots[0].room.name in html
    assert f'href="/card/{card.pk}/"' in Client().get("/ideas/").content.decode()
    card_page = client.get(f"/card/{card.pk}/").content.decode()
    assert f'From the ideas wall: <a href="/idea/{idea.pk}/">' in card_page


@pytest.mark.django_db
def test_several_cards_may_host_one_idea(client, slots):
    idea = _idea()
    for slot in slots[:2]:
        client.post(
            f"/slot/{slot.pk}/claim/", {"title": "Session", "host_name": "Ada", "idea": idea.pk}
        )
    assert Card.objects.filter(idea=idea).count() == 2
    html = client.get(f"/idea/{idea.pk}/").content.decode()
    assert html.count("Hosted:") == 2


@pytest.mark.django_db
def test_claim_with_an_unknown_or_absurd_idea_still_claims(client, slots):
    for index, bad in enumerate(["999999", "x", "9" * 40]):
        response = client.post(
            f"/slot/{slots[index].pk}/claim/", {"title": "T", "host_name": "Ada", "idea": bad}
        )
        assert response.status_code == 303
    assert list(Card.objects.values_list("idea", flat=True)) == [None] * 3
    assert client.get(f"/slot/{slots[3].pk}/claim/?idea={'9' * 40}").status_code == 200


# The chair --------------------------------------------------------------------------------


def _action(client, action, objects, **data):
    return client.post(
        reverse("admin:boards_idea_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [idea.pk for idea in objects], **data},
    )


@pytest.mark.django_db
def test_chair_sees_ideas_with_counts_and_hides_and_restores_with_a_reason(chair_client):
    idea = _idea()
    _support(Client(), idea)
    listing = chair_client.get(reverse("admin:boards_idea_changelist")).content.decode()
    assert "Packaging war stories" in listing
    asked = _action(chair_client, "hide_ideas", [idea])
    assert asked.status_code == 200 and "Reason" in asked.content.decode()
    _action(chair_client, "hide_ideas", [idea], apply="1", reason="Duplicate of the talk")
    idea.refresh_from_db()
    assert (idea.status, idea.hidden_reason) == ("hidden", "Duplicate of the talk")
    _action(chair_client, "restore_ideas", [idea], apply="1")
    idea.refresh_from_db()
    assert idea.status == "active"
    page = chair_client.get(reverse("admin:boards_idea_change", args=[idea.pk])).content.decode()
    assert "chair chair" in page and "Hidden by the chair" in page and "Restored" in page


@pytest.mark.django_db
def test_chair_merges_duplicates_keeping_everyones_id_come_once(chair_client, slots):
    keep, dup = _idea(title="Packaging"), _idea(title="Python packaging")
    both, only_dup, only_keep = Client(), Client(), Client()
    for client, targets in ((both, [keep, dup]), (only_dup, [dup]), (only_keep, [keep])):
        for target in targets:
            _support(client, target)
    with committed():
        card = cards.card_claim(
            slot=slots[0], title="Packaging", host_name="Ada", now=NOW, idea_id=dup.pk
        ).card
    _action(chair_client, "merge_ideas", [dup], apply="1", into=keep.pk)
    dup.refresh_from_db()
    card.refresh_from_db()
    assert (dup.status, dup.merged_into) == ("merged", keep)
    assert keep.supporters.count() == 3  # the browser that supported both counts once
    assert not dup.supporters.exists()
    assert card.idea == keep
    redirect = Client().get(f"/idea/{dup.pk}/")
    assert redirect.status_code == 301 and redirect["Location"] == f"/idea/{keep.pk}/"
    assert "Python packaging" not in Client().get("/ideas/").content.decode()


@pytest.mark.django_db
def test_chair_adds_a_sample_idea_in_the_admin(chair_client):
    response = chair_client.post(
        reverse("admin:boards_idea_add"), {"title": "Lightning talks", "sample": "on"}
    )
    assert response.status_code == 302
    idea = Idea.objects.get()
    assert idea.sample and idea.events.get().actor == "chair chair"


@pytest.mark.django_db
def test_load_demo_seeds_sample_ideas(client):
    call_command("load_demo", stdout=io.StringIO())
    assert Idea.objects.filter(sample=True).count() >= 3
    assert "Board games" in client.get("/ideas/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/ideas/", "/guide/", "/es/ideas/", "/es/guide/"])
def test_polls_of_the_wall_and_the_guide_are_answered_before_the_views(
    client, path, django_assert_max_num_queries
):
    _idea()
    first = client.get(path)  # rendered by the view
    again = client.get(path)  # from the cached rendering, by the fast path
    assert again.content == first.content
    for header in ("ETag", "Vary", "Cache-Control", "Content-Language"):
        assert again[header] == first[header]
    # A poll: the generation (one small read), no session, no rendering, no view.
    with django_assert_max_num_queries(1):
        poll = client.get(path, headers={"if-none-match": first["ETag"]})
    assert poll.status_code == 304
    assert "Content-Security-Policy" in poll


@pytest.mark.django_db
def test_a_suggestion_is_not_taken_for_a_poll(client):
    first = client.get("/ideas/")
    client.post("/ideas/", {"title": "Posted past the fast path"})
    after = client.get("/ideas/", headers={"if-none-match": first["ETag"]})
    assert after.status_code == 200
    assert "Posted past the fast path" in after.content.decode()


@pytest.mark.django_db
def test_the_ideas_a_browser_would_come_to_with_their_hosted_cards(
    slots, django_assert_max_num_queries
):
    wanted, other, hidden = _idea(title="Wanted"), _idea(title="Other"), _idea(title="Gone")
    browser = Client()
    for idea in (wanted, hidden):
        _support(browser, idea)
    _support(Client(), other)
    with committed():
        card = cards.card_claim(
            slot=slots[0], title="Wanted", host_name="Ada", now=NOW, idea_id=wanted.pk
        ).card
        ideas.idea_hide(idea=hidden, reason="Spam", actor=CHAIR)
    key = browser.cookies["os_browser"].value
    with django_assert_max_num_queries(2):
        found = queries.ideas_supported_by(key)
        hosted = [[c.pk for c in idea.hosted_cards] for idea in found]
    assert [idea.title for idea in found] == ["Wanted"]
    assert hosted == [[card.pk]]
    assert queries.ideas_supported_by("") == []


@pytest.mark.django_db
def test_chair_empties_the_guide_and_the_default_text_is_back(chair_client):
    with committed():
        page = ideas.guide_page_save(language="en", body="Only this.", actor=CHAIR)
    assert "Only this." in Client().get("/guide/").content.decode()
    chair_client.post(
        reverse("admin:boards_guidepage_change", args=[page.pk]), {"language": "en", "body": ""}
    )
    assert not GuidePage.objects.exists()
    assert "The law of two feet" in Client().get("/guide/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [{"title": "\x00"}, {"title": "x" * 81}, {"title": "x" * 100_000}, {"description": "a\x00b"}],
)
def test_bad_suggestions_are_422_never_500(client, fields):
    response = client.post("/ideas/", {"title": "Topic", **fields})
    assert response.status_code == 422
    assert not Idea.objects.exists()


@pytest.mark.django_db
def test_markup_in_an_idea_shows_as_text_everywhere(client):
    client.post("/ideas/", {"title": "<script>alert(1)</script>", "description": "<b>bold</b>"})
    idea = Idea.objects.get()
    for path in ("/ideas/", f"/idea/{idea.pk}/", f"/idea/{idea.pk}/host/"):
        html = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/idea/99999999999999999999/", "/idea/0/host/", "/idea/123456789012/interest/"]
)
def test_ideas_that_do_not_exist_are_404(client, path):
    response = client.post(path) if path.endswith("interest/") else client.get(path)
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_wall_counts_in_spanish(client):
    idea = _idea()
    for _ in range(14):
        _support(Client(), idea)
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        wall = client.get("/es/ideas/").content.decode()
        page = client.get(f"/es/idea/{idea.pk}/").content.decode()
    assert "14 personas irían" in wall
    assert "14 personas irían." in page


@pytest.mark.django_db
def test_mine_shows_the_ideas_this_browser_would_come_to_and_their_hosted_cards(
    client, slots, django_assert_max_num_queries
):
    hosted, waiting, other = _idea(title="Hosted one"), _idea(title="Waiting one"), _idea()
    for idea in (hosted, waiting):
        _support(client, idea)
    _support(Client(), other)
    with committed():
        card = cards.card_claim(
            slot=slots[0], title="Hosted one", host_name="Ada", now=NOW, idea_id=hosted.pk
        ).card
    with django_assert_max_num_queries(10):
        html = client.get("/mine/").content.decode()
    assert "Ideas I’d come to" in html
    assert f'href="/card/{card.pk}/"' in html and "Hosted:" in html
    assert f'href="/idea/{waiting.pk}/host/"' in html
    assert "Packaging war stories" not in html  # another browser's
    assert "None yet" in Client().get("/mine/").content.decode()
