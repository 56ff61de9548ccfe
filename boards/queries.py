"""Every read the pages, forms, exports and feeds make, by what they show.

The QuerySet methods on the models (`Slot.objects.on(day).with_cards()`,
`Card.objects.active().with_place()` ...) are the vocabulary; the reads a page makes are
composed here, each in a fixed number of queries whatever the number of cards (the
tests guard every page with django_assert_max_num_queries). Nothing here writes.

The boards' states (which days there are, their versions: what every public page starts
from) are read through the cache, by boards.caching.
"""

import dataclasses
import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q

from boards import announcements, guide
from boards.board import Board, build_board
from boards.glance import Glance, summarise
from boards.models import (
    SLOT_LENGTH,
    Announcement,
    CalendarKey,
    Card,
    CardEvent,
    CardQuerySet,
    Day,
    GuidePage,
    Idea,
    IdeaQuerySet,
    IdeaSupport,
    Interest,
    Room,
    Slot,
    SlotQuerySet,
)

# The boards ---------------------------------------------------------------------------


def board(date: dt.date, now: dt.datetime, query: str = "") -> Board | None:
    """The board of `date` as seen at `now` (None: there is no such day); three queries.

    The board, the big screen, a room's page and paper are all laid out from it.
    """
    day = Day.objects.filter(date=date).first()
    if day is None:
        return None
    return build_board(day, list(Slot.objects.on(day).with_cards()), now, query)


def boards_found(now: dt.datetime, query: str) -> list[Board]:
    """Every day's board with only the cards that match `query` (normalised): a search of
    the whole conference, grouped by day, in three queries."""
    days = list(Day.objects.order_by("date"))
    by_day: dict[int, list[Slot]] = {day.pk: [] for day in days}
    for slot in Slot.objects.filter(day__in=days).with_cards():
        by_day[slot.day_id].append(slot)
    return [build_board(day, by_day[day.pk], now, query) for day in days]


def glance(day: Day, now: dt.datetime) -> Glance:
    """The chair's day at a glance: its board, and its cards with open flags (three
    queries)."""
    flagged = (
        Card.objects.with_open_flags()
        .filter(slot__day=day, open_flags__gt=0)
        .select_related("slot__room")
        .order_by("-open_flags", "slot__starts_at")
    )
    day_board = build_board(day, list(Slot.objects.on(day).with_cards()), now)
    return summarise(day_board, list(flagged))


EPSILON = dt.timedelta(microseconds=1)


def now_and_next(date: dt.date, now: dt.datetime) -> tuple[list[Card], list[Card]]:
    """The cards on `date` under way at `now`, and those starting within the next hour.

    At 11:00 the 11:00 cards are on now and the 12:00 ones are next.
    """
    cards = list(
        Card.objects.active()
        .on(date)
        .with_place()
        .with_interest()
        .starting_between(now - SLOT_LENGTH + EPSILON, now + SLOT_LENGTH + EPSILON)
        .in_board_order()
    )
    return (
        [card for card in cards if card.slot.starts_at <= now],
        [card for card in cards if card.slot.starts_at > now],
    )


# Claiming and moving ------------------------------------------------------------------

ALTERNATIVES_SHOWN = 5


def alternatives(slot: Slot, now: dt.datetime) -> list[Slot]:
    """Up to five claimable slots to offer instead of `slot`: the nearest to it from now
    on (to `now` itself when `slot` has started), those of the same day first.

    Cheap on the busiest path there is (the 409s of everyone who lost a race for a
    popular slot): the few nearest from either side of the slot's day, which nearly
    always has enough; the other days' only when it has not.
    """
    anchor = max(slot.starts_at, now)
    free = (
        Slot.objects.claimable(now)
        .exclude(pk=slot.pk)
        .select_related("room")
        .only("starts_at", "day_id", "room__name", "room__position")
    )

    def nearest(slots: SlotQuerySet, wanted: int) -> list[Slot]:
        # The `wanted` nearest are among the `wanted` first on each side of the anchor.
        earlier = slots.filter(starts_at__lt=anchor).order_by(
            "-starts_at", "room__position", "room_id"
        )
        later = slots.filter(starts_at__gte=anchor).order_by(
            "starts_at", "room__position", "room_id"
        )
        return sorted(
            [*earlier[:wanted], *later[:wanted]],
            key=lambda other: (
                abs(other.starts_at - anchor),
                other.starts_at,
                other.room.position,
                other.room_id,
            ),
        )[:wanted]

    chosen = nearest(free.filter(day_id=slot.day_id), ALTERNATIVES_SHOWN)
    if missing := ALTERNATIVES_SHOWN - len(chosen):
        chosen += nearest(free.exclude(day_id=slot.day_id), missing)
    return chosen


def recent_claim(*, browser: str, title: str, now: dt.datetime) -> tuple[Card, str] | None:
    """The card with `title` that `browser` claimed within Card.REPEAT_WINDOW, and its
    manage token (Card.claim_token), or None.

    A 409 or 422 page links to it instead of offering to pin the same text again.
    """
    if not title or not browser:
        return None
    recent = Card.objects.holding().filter(
        title=title.strip(), created_at__gte=now - Card.REPEAT_WINDOW
    )
    for card in recent.select_related("slot__room"):
        token = Card.claim_token(browser=browser, slot_id=card.slot_id, text=card.claim_text())
        if card.token_matches(token):
            return card, token
    return None


def cards_pinned_with(email: str) -> CardQuerySet:
    """The cards pinned with `email` (any case) that still hold their slot: on the board,
    or hidden while the chair looks (the manage page says why), past ones included (their
    hosts add notes afterwards). For /manage/lost/'s mail, read by the worker."""
    return Card.objects.holding().filter(email__iexact=email).with_place().in_board_order()


def card_with_place(pk: int) -> Card | None:
    return Card.objects.with_place().filter(pk=pk).first()


def told_events(card_ids: list[int], *, pk: int | None = None) -> list[CardEvent]:
    """The changes to these cards their hosts did not make and are told of (CardEvent.TOLD),
    newest first (only change `pk`, when given), each with its card and, for a move,
    `slot_before` and `slot_after` (with their rooms): two queries."""
    chosen = CardEvent.objects.filter(pk=pk) if pk is not None else CardEvent.objects.all()
    found = (
        chosen.filter(card_id__in=card_ids, action__in=CardEvent.TOLD)
        .exclude(actor="host")
        .select_related("card")
        .order_by("-at", "-pk")
    )
    events = [event for event in found if event.told_to_host]
    slot_ids = {
        event.before.get("slot_id") for event in events if event.action == CardEvent.Action.MOVED
    } | {event.after.get("slot_id") for event in events if event.action == CardEvent.Action.MOVED}
    slots = Slot.objects.with_place().in_bulk([pk for pk in slot_ids if isinstance(pk, int)])
    for event in events:
        event.slot_before = slots.get(event.before.get("slot_id"))
        event.slot_after = slots.get(event.after.get("slot_id"))
    return events


def same_hour_cards(card: Card) -> list[Card]:
    """The host's other cards on the board at the same hour as `card`: the same address, or
    (without one) the same name, casefolded. A warning, never a refusal (one query)."""
    same_host = Q(host_name__iexact=card.host_name)
    if card.email:
        same_host |= Q(email__iexact=card.email)
    return list(
        Card.objects.holding()
        .with_place()
        .filter(same_host, slot__starts_at=card.slot.starts_at)
        .exclude(pk=card.pk)
        .order_by("slot__room__position", "slot__room__name")
    )


def card_of_event(pk: int) -> int | None:
    return CardEvent.objects.filter(pk=pk).values_list("card_id", flat=True).first()


def host_move_targets(now: dt.datetime) -> SlotQuerySet:
    """The slots a host may move their card to at `now`, in board order."""
    return Slot.objects.claimable(now).with_place().order_by("starts_at", "room__position")


def chair_move_targets(now: dt.datetime) -> SlotQuerySet:
    """The slots the chair may move a card to: free and unblocked whatever the hour
    (Slot.refusal for the chair), less the ones already over, which would only surprise
    the host."""
    return (
        Slot.objects.claimable(now, keeps_to_the_hours=False)
        .filter(starts_at__gt=now - SLOT_LENGTH)
        .select_related("room")
        .order_by("starts_at", "room__position", "room__name")
    )


# Cards --------------------------------------------------------------------------------


def is_interested(card: Card, browser_key: str) -> bool:
    """Whether the browser with `browser_key` said "I'm interested" in `card`."""
    return (
        bool(browser_key) and Interest.objects.filter(card=card, browser_key=browser_key).exists()
    )


def calendar_cards(date: dt.date | None = None) -> CardQuerySet:
    """Every card of the conference (or of `date`) for a calendar feed, cancelled ones
    included: a feed must tell calendars to drop them."""
    cards = Card.objects.for_calendar()
    return cards.on(date) if date is not None else cards


# Exports and feeds --------------------------------------------------------------------


def cards_for_export() -> CardQuerySet:
    """Every card with what its CSV row needs, in one query."""
    return (
        Card.objects.with_open_flags()
        .with_interest()
        .with_place()
        .order_by("slot__starts_at", "slot__room__position", "pk")
    )


@dataclasses.dataclass(frozen=True)
class Programme:
    """The whole schedule: rooms, days, and each day's slots with the card the board shows
    on each (None: free or blocked; a hidden card is under review, not public)."""

    rooms: list[Room]
    days: list[Day]
    slots: dict[int, list[tuple[Slot, Card | None]]]  # by day id, in board order


def programme() -> Programme:
    """What /schedule.json shows, in four queries."""
    slots = Slot.objects.prefetch_related(
        Prefetch("cards", queryset=Card.objects.active(), to_attr="shown_cards")
    ).order_by("starts_at", "room__position", "room__name")
    by_day: dict[int, list[tuple[Slot, Card | None]]] = {}
    for slot in slots:
        card = slot.shown_cards[0] if slot.shown_cards else None
        by_day.setdefault(slot.day_id, []).append((slot, card))
    return Programme(
        rooms=list(Room.objects.all()), days=list(Day.objects.order_by("date")), slots=by_day
    )


def proceedings(now: dt.datetime, date: dt.date | None = None) -> list[Card]:
    """The open spaces that have happened by `now` (their hour has begun), of the whole
    conference or of `date`, in board order, with their day and room: one query."""
    cards = Card.objects.active().with_place().filter(slot__starts_at__lte=now)
    if date is not None:
        cards = cards.on(date)
    return list(cards.in_board_order())


def coming_up(now: dt.datetime) -> CardQuerySet:
    """Cards on the board that have come up by `now`, latest first (/soon.atom)."""
    return (
        Card.objects.active()
        .with_place()
        .filter(slot__starts_at__lte=now + announcements.lead())
        .order_by("-slot__starts_at", "-slot__room__position", "-pk")
    )


@dataclasses.dataclass(frozen=True)
class Due:
    """A post to make: `kind` is Announcement.Kind (posted, or moved)."""

    card: Card
    kind: str


def announcements_due(now: dt.datetime, network: str) -> list[Due]:
    """What to post to `network` (Announcement.Network) at `now`: cards that came up and
    were never posted there, and cards moved to another slot after their post there (one
    "moved" post per slot they move to). Each network is on its own: a post that failed on
    one is still due there when the other has it."""
    posted = Announcement.objects.filter(
        card=OuterRef("pk"),
        kind=Announcement.Kind.POSTED,
        network=network,
        posted_at__isnull=False,
    )
    cards = Card.objects.active().with_place()
    to_announce = (
        cards.filter(
            slot__starts_at__lte=now + announcements.lead(),
            slot__starts_at__gt=now - announcements.LATE,
        )
        .exclude(Exists(posted))
        .order_by("slot__starts_at", "slot__room__position")
    )
    moved = (
        cards.filter(Exists(posted.exclude(slot=OuterRef("slot"))))
        .exclude(
            Exists(
                Announcement.objects.filter(
                    card=OuterRef("pk"),
                    slot=OuterRef("slot"),
                    kind=Announcement.Kind.MOVED,
                    network=network,
                    posted_at__isnull=False,
                )
            )
        )
        .filter(slot__starts_at__gt=now - SLOT_LENGTH)
        .order_by("slot__starts_at", "slot__room__position")
    )
    return [Due(card, Announcement.Kind.POSTED) for card in to_announce] + [
        Due(card, Announcement.Kind.MOVED) for card in moved
    ]


def flagged_cards_waiting() -> int:
    """How many cards have reports the chair has not answered (the admin's index says so):
    the cards the changelist's "Flagged, not answered" filter shows."""
    return Card.objects.filter(flags__cleared_at__isnull=True).distinct().count()


# An attendee's own page (/mine/) and private calendar ------------------------------------


@dataclasses.dataclass
class Followed:
    """A card this browser said "I'm interested" in, and what changed since it said so:
    `was` the slot it was on then if it has moved since (else None), `room_was` its room's
    name and place then if the chair renamed or relocated it since, and `clashes` the other
    followed cards on the board at the same hour."""

    card: Card
    since: dt.datetime
    was: Slot | None = None
    room_was: str = ""
    clashes: list[Card] = dataclasses.field(default_factory=list)


# What /mine/ tells of a followed card: the changes that move it, or take it off the board.
FOLLOWED_CHANGES = [
    CardEvent.Action.MOVED,
    CardEvent.Action.ROOM_CHANGED,
]


def followed(browser_key: str) -> list[Followed]:
    """The cards the browser with `browser_key` is interested in, in time order, each with
    what changed since (Followed), in three queries."""
    if not browser_key:
        return []
    interests = list(
        Interest.objects.filter(browser_key=browser_key)
        .select_related("card__slot__day", "card__slot__room")
        .order_by("card__slot__starts_at", "card__slot__room__position", "card__pk")
    )
    items = [Followed(card=interest.card, since=interest.created_at) for interest in interests]
    by_card = {item.card.pk: item for item in items}
    events = CardEvent.objects.filter(
        card_id__in=list(by_card), action__in=FOLLOWED_CHANGES
    ).order_by("at", "pk")
    first_slot: dict[int, int] = {}
    for event in events:
        item = by_card[event.card_id]
        if event.at < item.since:
            continue
        if event.action == CardEvent.Action.MOVED:
            first_slot.setdefault(event.card_id, event.before.get("slot_id"))
        elif not item.room_was:
            before = event.before
            location = before.get("location", "")
            item.room_was = (
                f"{before.get('room', '')} ({location})" if location else before.get("room", "")
            )
    moved_from = {
        card_id: slot_id
        for card_id, slot_id in first_slot.items()
        if slot_id != by_card[card_id].card.slot_id
    }
    slots = Slot.objects.with_place().in_bulk(list(moved_from.values())) if moved_from else {}
    for card_id, slot_id in moved_from.items():
        by_card[card_id].was = slots.get(slot_id)
    on_board = [item for item in items if item.card.is_active]
    for item in on_board:
        item.clashes = [
            other.card
            for other in on_board
            if other is not item and other.card.slot.starts_at == item.card.slot.starts_at
        ]
    return items


def pinned(card_ids: list[int]) -> list[Card]:
    """The cards this browser pinned (its pinned cookie's ids), in time order; one query."""
    if not card_ids:
        return []
    return list(Card.objects.with_place().filter(pk__in=card_ids).in_board_order())


def calendar_key(browser_key: str) -> CalendarKey | None:
    if not browser_key:
        return None
    return CalendarKey.objects.filter(browser_key=browser_key).first()


def calendar_owner(key: str) -> str | None:
    """The browser whose private calendar address has `key`; None for no such address."""
    return (
        CalendarKey.objects.filter(key_hash=CalendarKey.hash_key(key))
        .values_list("browser_key", flat=True)
        .first()
    )


def followed_calendar_cards(browser_key: str) -> CardQuerySet:
    """The cards of a private calendar: every card the browser is interested in, gone ones
    included (the feed tells calendars to drop them)."""
    return Card.objects.filter(interests__browser_key=browser_key).for_calendar()


# The ideas wall and the guide -----------------------------------------------------------

SAMPLE_IDEAS_SHOWN = 8


def _with_hosted_cards(ideas: IdeaQuerySet) -> IdeaQuerySet:
    """Each idea with `hosted_cards`: the cards on the board that host it, in board order."""
    return ideas.prefetch_related(
        Prefetch(
            "cards",
            queryset=Card.objects.active().with_place().in_board_order(),
            to_attr="hosted_cards",
        )
    )


def wall() -> list[Idea]:
    """The ideas on the wall, most wanted first, each with its count and hosted cards:
    two queries, however many ideas."""
    return list(_with_hosted_cards(Idea.objects.on_wall().most_wanted()))


def idea(pk: int) -> Idea | None:
    """One idea (whatever its status) with its count and hosted cards."""
    return (
        _with_hosted_cards(Idea.objects.with_support().select_related("merged_into"))
        .filter(pk=pk)
        .first()
    )


def supports(idea: Idea, browser_key: str) -> bool:
    """Whether the browser with `browser_key` said "I'd come" to `idea`."""
    return (
        bool(browser_key)
        and IdeaSupport.objects.filter(idea=idea, browser_key=browser_key).exists()
    )


def sample_ideas() -> list[Idea]:
    """The guide's sample ideas: the chair's, most wanted first; else the wall's top ones."""
    on_wall = Idea.objects.on_wall().most_wanted()
    samples = list(on_wall.filter(sample=True)[:SAMPLE_IDEAS_SHOWN])
    return samples or list(on_wall[:SAMPLE_IDEAS_SHOWN])


def ideas_supported_by(browser_key: str) -> list[Idea]:
    """The ideas this browser said "I'd come" to and that are still on the wall, most wanted
    first, each with `hosted_cards` (the cards on the board that host it): for /mine/.
    Two queries, however many ideas."""
    if not browser_key:
        return []
    supported = Idea.objects.on_wall().filter(supporters__browser_key=browser_key)
    return list(_with_hosted_cards(supported.most_wanted()))


def guide_text(language: str) -> str:
    """The guide in `language`: the chair's text, or the default one (in the active language)."""
    page = GuidePage.objects.filter(language=language).only("body").first()
    return page.body if page is not None else guide.default_text()


def idea_to_host(pk_text: str) -> Idea | None:
    """The idea a claim form hosts ("?idea=<id>", or its hidden field), if it is on the wall."""
    if not pk_text.isdigit() or len(pk_text) > 9:
        return None
    return Idea.objects.on_wall().filter(pk=int(pk_text)).first()
