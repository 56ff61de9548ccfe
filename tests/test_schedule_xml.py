"""/schedule.xml: the programme in frab's schedule XML, as conference apps read it,
checked against the c3voc's schema (boards/schemas/schedule.xml.xsd) with lxml.

No maintained Python parser of schedule.xml is on PyPI to check it with as well: the c3voc's
own library (c3voc-schedule-tools) reads their JSON flavour and writes the XML, and pins
icalendar<6, lxml<5 and pytz<2023, which the boards' lock cannot take; pyfahrplan (last
release 2021) reads the JSON flavour too. The schema is what those apps are written to.
"""

import datetime as dt
import io
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from lxml import etree

from boards.models import Card, Slot
from boards.services.cards import (
    Actor,
    card_flag,
    card_move,
    card_release,
    card_remove,
    card_update,
)
from tests.factories import conference, local, make_card

SCHEMA = etree.XMLSchema(
    etree.parse(Path(__file__).parent.parent / "boards" / "schemas" / "schedule.xml.xsd")
)


def _valid(response) -> etree._Element:
    """The document, after the schema accepted it (else the test fails with its errors)."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    document = etree.fromstring(response.content)
    if not SCHEMA.validate(document):
        pytest.fail("\n".join(str(error) for error in SCHEMA.error_log))
    return document


def _events(document) -> dict[str, etree._Element]:
    return {event.findtext("title"): event for event in document.iter("event")}


@pytest.mark.django_db
def test_schedule_xml_of_the_demo_conference_is_valid_and_lists_every_card(client):
    call_command("load_demo", stdout=io.StringIO())

    document = _valid(client.get(reverse("boards:schedule_xml")))

    on_the_boards = set(Card.objects.active().values_list("guid", flat=True))
    assert on_the_boards
    assert {uuid.UUID(event.get("guid")) for event in document.iter("event")} == on_the_boards
    assert len(document.findall("day")) == 3
    assert document.find("conference/days").text == "3"


@pytest.mark.django_db
def test_schedule_xml_of_a_conference_without_cards_is_valid(client):
    conference(days=2, rooms=2, hours=(10, 12))

    document = _valid(client.get(reverse("boards:schedule_xml")))

    assert [day.get("date") for day in document.findall("day")] == ["2027-05-14", "2027-05-15"]
    assert [room.get("name") for room in document.findall("day[1]/room")] == ["Room A", "Room B"]
    assert document.find("day[1]").get("start") == "2027-05-14T10:00:00-04:00"
    assert document.find("day[1]").get("end") == "2027-05-14T12:00:00-04:00"
    assert list(document.iter("event")) == []


@pytest.mark.django_db
def test_schedule_xml_before_any_set_up_is_well_formed(client):
    # The schema asks for at least one <day>: a conference with none yet has none to give.
    response = client.get(reverse("boards:schedule_xml"))

    document = etree.fromstring(response.content)
    assert response.status_code == 200
    assert document.find("conference/days").text == "0"
    assert document.findall("day") == []


@pytest.mark.django_db
def test_an_event_says_what_apps_show(client, settings):
    settings.OPENSPACES_NAME = "PyCon US Open Spaces"
    settings.OPENSPACES_HASHTAG = "#PyConOpenSpace"
    (day, *_) = conference(days=1, rooms=2, hours=(10, 12))
    slot = Slot.objects.get(day=day, room__name="Room B", starts_at=local(2027, 5, 14, 11))
    card = make_card(
        slot=slot,
        title="Packaging & <wheels>",
        description="Why wheels.\n\nAnd what comes after them.",
        host_name="Ada",
        host_handle="@ada@mastodon.social",
        email="ada@example.org",
        links=["https://example.org/slides"],
    )

    response = client.get(reverse("boards:schedule_xml"))
    event = _events(_valid(response))["Packaging & <wheels>"]

    assert event.get("id") == str(card.pk)
    assert event.get("guid") == str(card.guid)
    assert event.getparent().get("name") == "Room B"
    assert {child.tag: (child.text or "") for child in event if len(child) == 0} == {
        "date": "2027-05-14T11:00:00-04:00",
        "start": "11:00",
        "duration": "01:00",
        "room": "Room B",
        "slug": f"pyconopenspace-{card.pk:04d}-packaging-wheels",
        "url": f"http://testserver/card/{card.pk}/",
        "title": "Packaging & <wheels>",
        "subtitle": "",
        "track": "Open Space",
        "type": "Open Space",
        "language": "en",
        "abstract": "Why wheels.",
        "description": "Why wheels.\n\nAnd what comes after them.",
    }
    assert [person.text for person in event.iterfind("persons/person")] == ["Ada"]
    assert [(link.get("href"), link.text) for link in event.iterfind("links/link")] == [
        ("https://mastodon.social/@ada", "@ada@mastodon.social"),
        ("https://example.org/slides", "https://example.org/slides"),
    ]
    assert "ada@example.org" not in response.text
    conference_element = _valid(response).find("conference")
    assert conference_element.findtext("title") == "PyCon US Open Spaces"
    assert conference_element.findtext("acronym") == "pyconopenspace"
    assert conference_element.findtext("start") == "2027-05-14"
    assert conference_element.findtext("time_zone_name") == "America/New_York"
    assert conference_element.findtext("base_url") == "http://testserver/"


@pytest.mark.django_db
def test_removed_released_and_hidden_cards_are_not_events(client, settings):
    settings.OPENSPACES_FLAG_LIMIT = 1
    conference(days=1, rooms=2)
    first, second, third, fourth = Slot.objects.order_by("starts_at", "pk")[:4]
    card_remove(card=make_card(slot=first, title="Removed"), reason="x", actor=Actor.chair("c"))
    card_release(card=make_card(slot=second, title="Released"))
    card_flag(card=make_card(slot=third, title="Hidden"), reason="Spam", reporter="a")
    make_card(slot=fourth, title="Kept")

    assert list(_events(_valid(client.get(reverse("boards:schedule_xml"))))) == ["Kept"]


@pytest.mark.django_db
def test_a_moved_card_keeps_its_guid_in_its_new_room_and_time(client):
    conference(days=1, rooms=2, hours=(10, 12))
    first = Slot.objects.get(room__name="Room A", starts_at=local(2027, 5, 14, 10))
    later = Slot.objects.get(room__name="Room B", starts_at=local(2027, 5, 14, 11))
    card = make_card(slot=first, title="Moving")
    before = _events(_valid(client.get(reverse("boards:schedule_xml"))))["Moving"]

    card_move(card=card, to_slot=later, now=local(2027, 5, 14, 9), actor=Actor.chair("c"))
    after = _events(_valid(client.get(reverse("boards:schedule_xml"))))["Moving"]

    assert after.get("guid") == before.get("guid") == str(card.guid)
    assert (after.findtext("room"), after.findtext("start")) == ("Room B", "11:00")
    assert after.getparent().get("name") == "Room B"


@pytest.mark.django_db
def test_characters_xml_cannot_carry_are_left_out(client):
    conference(days=1)
    # Saved past the forms (a shell, the admin): the feed still parses.
    make_card(slot=Slot.objects.first(), title="Bell\x07 and tab\x0b", host_name="Ada\x1b")

    document = _valid(client.get(reverse("boards:schedule_xml")))

    assert list(_events(document)) == ["Bell and tab"]


@pytest.mark.django_db
def test_schedule_xml_answers_304_until_the_boards_change(
    client, django_capture_on_commit_callbacks
):
    conference(days=1)
    card = make_card(slot=Slot.objects.first(), title="Before")
    first = client.get(reverse("boards:schedule_xml"))

    again = client.get(reverse("boards:schedule_xml"), HTTP_IF_NONE_MATCH=first["ETag"])
    with django_capture_on_commit_callbacks(execute=True):
        card_update(card=card, title="After", description="", host_name="Ada", host_handle="")
    changed = client.get(reverse("boards:schedule_xml"), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert first["Cache-Control"] == "public, no-cache"
    assert changed.status_code == 200
    assert list(_events(_valid(changed))) == ["After"]
    assert _valid(changed).findtext("version") != _valid(first).findtext("version")


@pytest.mark.django_db
@pytest.mark.parametrize("cards", [1, 30])
def test_schedule_xml_runs_constant_queries(client, django_assert_max_num_queries, cards):
    conference(days=3, rooms=4, hours=(10, 18))
    for slot in Slot.objects.all()[:cards]:
        make_card(slot=slot)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("boards:schedule_xml"))

    assert len(list(_valid(response).iter("event"))) == cards


def test_the_vendored_schema_names_its_source_and_licence():
    schemas = Path(__file__).parent.parent / "boards" / "schemas"
    assert "github.com/voc/schedule" in (schemas / "README.md").read_text()
    assert "EUROPEAN UNION PUBLIC LICENCE" in (schemas / "LICENCE.txt").read_text()


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_existing_card_its_own_guid():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    after = [("boards", "0012_issue24_card_guid")]
    executor = MigrationExecutor(connection)
    # Whatever comes just before it (the lead chains the issues' migrations at merge).
    parents = executor.loader.graph.node_map[after[0]].parents
    before = [parent.key for parent in parents if parent.key[0] == "boards"]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    room = old.get_model("boards", "Room").objects.create(name="Room A")
    day = old.get_model("boards", "Day").objects.create(
        date=dt.date(2027, 5, 14), board_opens_at=local(2027, 5, 13, 17)
    )
    OldCard = old.get_model("boards", "Card")
    for hour in (10, 11, 12):
        slot = old.get_model("boards", "Slot").objects.create(
            day=day, room=room, starts_at=local(2027, 5, 14, hour)
        )
        OldCard.objects.create(slot=slot, title=f"At {hour}", host_name="Ada")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    guids = list(new.get_model("boards", "Card").objects.values_list("guid", flat=True))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the newest, for what follows
    assert len(guids) == 3
    assert len(set(guids)) == 3
    assert None not in guids
