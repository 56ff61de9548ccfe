"""The boards' domain: conference days, rooms, hour-long slots and the cards hosts pin."""

import base64
import datetime as dt
import enum
import hashlib
import hmac
import uuid
from functools import cached_property

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from boards.handles import Handle, InvalidHandle
from boards.timeline import walkup_grace

SLOT_LENGTH = dt.timedelta(hours=1)
# What a host may leave after the hour: a few paragraphs of notes, a few links, and a
# head count no room could exceed (a typo, not a crowd, above it).
NOTES_LENGTH = 4000
LINKS_MAX = 6
LINK_LENGTH = 500
ATTENDANCE_MAX = 10000


class Day(models.Model):
    date = models.DateField(unique=True, verbose_name=_("date"))
    board_opens_at = models.DateTimeField(
        verbose_name=_("board opens at"),
        help_text=_(
            "From when this day's board accepts claims. The first day's board "
            "opens at the opening reception; later boards when the previous day begins."
        ),
    )
    # Bumped in the same transaction as every write that changes the board; it is
    # the board's ETag and the key of its cached rendering.
    version = models.PositiveBigIntegerField(default=1, editable=False, verbose_name=_("version"))
    # Interest counts reach the board in time windows rather than at every click
    # (see boards.timeline.interest_mark): the window whose counts the board shows,
    # and the window at which newer counts become visible (0: none pending).
    interest_epoch = models.PositiveBigIntegerField(
        default=0, editable=False, verbose_name=_("interest epoch")
    )
    interest_pending = models.PositiveBigIntegerField(
        default=0, editable=False, verbose_name=_("interest pending")
    )

    class Meta:
        verbose_name = _("day")
        verbose_name_plural = _("days")
        ordering = ["date"]

    def __str__(self) -> str:
        return gettext("%(day)s %(year)s") % {
            "day": date_format(self.date, "DATE_FORMAT"),
            "year": self.date.year,
        }

    def get_absolute_url(self) -> str:
        return reverse("boards:day", kwargs={"date": self.date})

    def is_open(self, now: dt.datetime) -> bool:
        return now >= self.board_opens_at


class Room(models.Model):
    name = models.CharField(max_length=80, unique=True, verbose_name=_("name"))
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Seats."), verbose_name=_("capacity")
    )
    location = models.CharField(
        verbose_name=_("location"),
        max_length=120,
        blank=True,
        help_text=_("Where to find it, e.g. “Level 2, north wing”."),
    )
    position = models.PositiveSmallIntegerField(
        verbose_name=_("position"),
        default=0,
        help_text=_("Rooms are shown in this order, then by name."),
    )

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class SlotQuerySet(models.QuerySet):
    def on(self, day: Day) -> "SlotQuerySet":
        return self.filter(day=day)

    def with_cards(self) -> "SlotQuerySet":
        """Slots with their room and the card holding each, in two queries in all."""
        return self.select_related("day", "room").prefetch_related(
            models.Prefetch(
                "cards",
                queryset=Card.objects.holding().with_interest(),
                to_attr="holding_cards",
            )
        )

    def with_place(self) -> "SlotQuerySet":
        """Slots with their day and room, in the same query."""
        return self.select_related("day", "room")

    def free(self) -> "SlotQuerySet":
        """Slots no card holds and no block takes."""
        return self.filter(blocked_reason="").exclude(cards__status__in=Card.HOLDING)

    def claimable(self, now: dt.datetime, *, keeps_to_the_hours: bool = True) -> "SlotQuerySet":
        """The slots that can take a card at `now`: Slot.refusal in SQL (the two are held
        to each other by tests/test_claim_rule.py)."""
        free = self.free()
        if not keeps_to_the_hours:
            return free
        return free.filter(starts_at__gt=now - walkup_grace(), day__board_opens_at__lte=now)


class Refusal(enum.StrEnum):
    """Why a slot cannot take a card (Slot.refusal); the values are also the board's
    cell states (boards.board)."""

    TAKEN = "taken"
    BLOCKED = "blocked"
    STARTED = "started"
    NOT_OPEN = "not-open"


class Slot(models.Model):
    day = models.ForeignKey(
        Day, on_delete=models.CASCADE, related_name="slots", verbose_name=_("day")
    )
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="slots", verbose_name=_("room")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    blocked_reason = models.CharField(
        verbose_name=_("blocked reason"),
        max_length=120,
        blank=True,
        help_text=_("Fill in to block the slot (lunch, sponsor use); the board shows it."),
    )

    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "room__position", "room__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "room", "starts_at"], name="slot_one_per_room_hour"
            ),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        day, time = date_format(start, "SHORT_DATE_FORMAT"), date_format(start, "TIME_FORMAT")
        return f"{self.room} {day} {time}"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + SLOT_LENGTH

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocked_reason)

    @cached_property
    def holding_card(self) -> "Card | None":
        """The card holding this slot (on the board or hidden pending review).

        Read from `with_cards()` when prefetched.
        """
        if hasattr(self, "holding_cards"):
            return self.holding_cards[0] if self.holding_cards else None
        return self.cards.holding().first()

    @property
    def active_card(self) -> "Card | None":
        """The card the board shows on this slot."""
        card = self.holding_card
        return card if card is not None and card.is_active else None

    def refusal(self, now: dt.datetime, *, keeps_to_the_hours: bool = True) -> Refusal | None:
        """Why this slot cannot take a card at `now`, or None when it can: the claim rule,
        written once, for the services (host and chair), the board's cells and, in SQL,
        SlotQuerySet.claimable.

        A card holding the slot (on the board or hidden for review) or a block refuse
        everyone. A host also keeps to the hours: not once the slot has started, nor before
        its board opens; the chair and the system (`keeps_to_the_hours=False`) do not.
        A free room can still be taken in the first OPENSPACES_WALKUP_MINUTES of its hour
        (a walk-up session: the hallway talk that wants a room now).
        """
        if self.holding_card is not None:
            return Refusal.TAKEN
        if self.is_blocked:
            return Refusal.BLOCKED
        if not keeps_to_the_hours:
            return None
        if now >= self.starts_at + walkup_grace():
            return Refusal.STARTED
        if not self.day.is_open(now):
            return Refusal.NOT_OPEN
        return None

    def unavailable_reason(self, now: dt.datetime) -> str:
        """Why a host cannot claim the slot at `now`, in words; empty when they can."""
        match self.refusal(now):
            case None:
                return ""
            case Refusal.TAKEN:
                return gettext("This slot is already taken.")
            case Refusal.BLOCKED:
                return gettext("This slot is blocked: %(reason)s.") % {
                    "reason": self.blocked_reason.rstrip(".")
                }
            case Refusal.STARTED:
                return gettext("This slot has already started.")
            case Refusal.NOT_OPEN:
                opens = timezone.localtime(self.day.board_opens_at)
                if opens.time() == dt.time.min:  # "at 00:00" reads as either end of the day
                    return gettext(
                        "This board opens at midnight, as %(weekday)s begins; "
                        "claims are not open yet."
                    ) % {"weekday": date_format(opens, "l")}
                return gettext(
                    "This board opens %(weekday)s at %(time)s; claims are not open yet."
                ) % {"weekday": date_format(opens, "l"), "time": date_format(opens, "TIME_FORMAT")}


class CardQuerySet(models.QuerySet):
    def active(self) -> "CardQuerySet":
        return self.filter(status=Card.Status.ACTIVE)

    def holding(self) -> "CardQuerySet":
        """Cards that keep their slot: on the board, or hidden while the chair reviews them."""
        return self.filter(status__in=Card.HOLDING)

    def with_open_flags(self) -> "CardQuerySet":
        return self.annotate(
            # distinct: the count stays right next to other counts (interest) in one query
            open_flags=models.Count(
                "flags", filter=Q(flags__cleared_at__isnull=True), distinct=True
            )
        )

    def with_interest(self) -> "CardQuerySet":
        """Each card with `interest_count`, counted by the database in the same query."""
        return self.annotate(interest_count=models.Count("interests", distinct=True))

    def with_place(self) -> "CardQuerySet":
        return self.select_related("slot__day", "slot__room")

    def on(self, date: dt.date) -> "CardQuerySet":
        """Cards on the board of `date`."""
        return self.filter(slot__day__date=date)

    def in_board_order(self) -> "CardQuerySet":
        return self.order_by("slot__starts_at", "slot__room__position", "slot__room__name")

    def starting_between(self, start: dt.datetime, end: dt.datetime) -> "CardQuerySet":
        """Cards whose slot starts at or after `start` and before `end`."""
        return self.filter(slot__starts_at__gte=start, slot__starts_at__lt=end)

    def for_calendar(self) -> "CardQuerySet":
        """Every card, cancelled ones included (a feed must tell calendars to drop them)."""
        return self.with_place().order_by("slot__starts_at", "slot__room__position", "pk")


class Card(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("On the board")
        RELEASED = "released", _("Released by the host")
        REMOVED = "removed", _("Removed by the chair")
        HIDDEN = "hidden", _("Hidden pending review")

    # A hidden card keeps its slot, so that a few flags cannot take a host's slot away.
    HOLDING = [Status.ACTIVE, Status.HIDDEN]
    # What a claim is made of, in the order its token is computed from (claim_token).
    CLAIM_FIELDS = ["title", "description", "host_name", "host_handle", "email"]
    # The same claim repeated by the same browser within this time is one claim.
    REPEAT_WINDOW = dt.timedelta(minutes=10)

    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="cards", verbose_name=_("slot")
    )
    title = models.CharField(max_length=80, verbose_name=_("title"))
    description = models.CharField(max_length=400, blank=True, verbose_name=_("description"))
    host_name = models.CharField(max_length=60, verbose_name=_("host name"))
    host_handle = models.CharField(max_length=120, blank=True, verbose_name=_("host handle"))
    email = models.EmailField(
        blank=True,
        help_text=_(
            "Private: the manage link, news of the chair's changes and the reminder after "
            "the hour are mailed there."
        ),
        verbose_name=_("email"),
    )
    status = models.CharField(
        max_length=10, choices=Status, default=Status.ACTIVE, verbose_name=_("status")
    )
    removed_reason = models.CharField(max_length=200, blank=True, verbose_name=_("removed reason"))
    # The language the host claimed in: the mail that tells them of a change speaks it.
    language = models.CharField(max_length=10, blank=True, verbose_name=_("language"))
    # Only a hash of the manage token is stored: a leaked database dump cannot edit cards.
    manage_token_hash = models.CharField(
        max_length=64, editable=False, verbose_name=_("manage token hash")
    )
    # The idea on the wall this card hosts ("Host this"); several cards may host one idea.
    idea = models.ForeignKey(
        "Idea",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cards",
        verbose_name=_("idea"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # The card's name in /schedule.xml, for good: a conference app that stored the event
    # finds it again after the card moved to another slot (frab's event guid).
    guid = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("GUID")
    )
    # After the hour (boards.services.cards.card_notes): what came out of it, for the
    # card's page and the proceedings. Plain text and http(s) addresses only.
    notes = models.TextField(max_length=NOTES_LENGTH, blank=True, verbose_name=_("notes"))
    links = models.JSONField(default=list, blank=True, verbose_name=_("links"))
    attendance = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("how many came")
    )
    # When the host was asked for notes and the head count (boards.tasks.remind_host):
    # set under the card's lock, so that each card's host is asked once.
    reminded_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("reminded at")
    )

    objects = CardQuerySet.as_manager()
    # Counted by CardQuerySet.with_interest(); declared for the type checker only.
    interest_count: int

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["slot__starts_at", "slot__room__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(status__in=["active", "hidden"]),
                name="card_one_active_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "released", "removed", "hidden"]),
                name="card_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(attendance__isnull=True)
                | Q(attendance__gte=1, attendance__lte=ATTENDANCE_MAX),
                name="card_attendance_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("boards:card", kwargs={"pk": self.pk})

    @property
    def web_links(self) -> list[str]:
        """The card's links that are web addresses: all of them, as the forms take only
        http(s); a value saved past the forms (a shell) is not shown as a link."""
        return [
            link
            for link in self.links or []
            if isinstance(link, str) and link.lower().startswith(("http://", "https://"))
        ]

    @property
    def has_notes(self) -> bool:
        """True once the host left anything after the hour (notes, links, a head count)."""
        return bool(self.notes or self.links or self.attendance)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def handle(self) -> Handle | None:
        if not self.host_handle:
            return None
        try:
            return Handle.parse(self.host_handle)
        except InvalidHandle:
            # Saved past the form (the admin, a shell): shown as plain text, never a 500.
            return Handle(network="unknown", text=self.host_handle, url="")

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def token_matches(self, token: str) -> bool:
        return hmac.compare_digest(self.manage_token_hash, self.hash_token(token))

    @staticmethod
    def claim_token(*, browser: str, slot_id: int, text: dict[str, str]) -> str:
        """The manage token of a browser's claim of `text` (CLAIM_FIELDS) on a slot.

        A double tap, or a claim sent again because its answer never came, is the same
        claim: it must find the card already made and hand back its manage link, which is
        stored only as a hash. So the token is derived, not random: an HMAC (keyed by
        SECRET_KEY) of the browser, the slot and the text. The browser is its CSRF cookie:
        every claim POST carries it (CSRF demands it), it is random per browser, it lasts
        a year and the server already trusts it, so no new cookie or form field is needed
        (a per-form key would differ between the claim form and its 409 page, where a
        retried claim comes from). Nobody without that cookie and SECRET_KEY can compute it.
        """
        parts = [browser, str(slot_id), *(text.get(name, "") for name in Card.CLAIM_FIELDS)]
        digest = salted_hmac("boards.claim", "\x1f".join(parts), algorithm="sha256").digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def claim_text(self) -> dict[str, str]:
        """What the card was claimed with (CLAIM_FIELDS), for claim_token."""
        return {name: getattr(self, name) for name in self.CLAIM_FIELDS}

    def repeats(self, token: str, now: dt.datetime) -> bool:
        """True when a claim with `token` at `now` is this card's claim sent again."""
        return self.created_at >= now - self.REPEAT_WINDOW and self.token_matches(token)

    @property
    def sequence(self) -> int:
        """The iCalendar SEQUENCE: seconds from creation to the last change, so it only grows.

        Every edit, move, release and removal saves the card (updated_at is auto_now).
        """
        return max(0, int((self.updated_at - self.created_at).total_seconds()))

    def matches(self, words: list[str]) -> bool:
        """True when every word is in the title, description, host or handle (casefolded)."""
        text = " ".join(
            (self.title, self.description, self.host_name, self.host_handle)
        ).casefold()
        return all(word in text for word in words)


class CardEvent(models.Model):
    """One change to a card: who did what, when, and the card before and after.

    Written by boards.services in the same transaction as the change itself.
    """

    class Action(models.TextChoices):
        CLAIMED = "claimed", _("Claimed")
        EDITED = "edited", _("Edited")
        MOVED = "moved", _("Moved")
        RELEASED = "released", _("Released")
        REMOVED = "removed", _("Removed")
        RESTORED = "restored", _("Restored")
        FLAGGED = "flagged", _("Flagged")
        HIDDEN = "hidden", _("Hidden pending review")
        FLAGS_CLEARED = "flags_cleared", _("Flags cleared")
        LINK_RENEWED = "link_renewed", _("New manage link (the host lost theirs)")
        EMAIL_CHANGED = "email_changed", _("Email changed by the host")
        ROOM_CHANGED = "room_changed", _("Room renamed or relocated")
        NOTES = "notes", _("Notes after the hour")
        NOTES_CLEARED = "notes_cleared", _("Notes cleared")

    # The changes its host is told of (the manage page, a mail) when someone else made them.
    TOLD = frozenset(
        {
            Action.EDITED,
            Action.MOVED,
            Action.REMOVED,
            Action.RESTORED,
            Action.HIDDEN,
            Action.ROOM_CHANGED,
        }
    )

    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, related_name="events", verbose_name=_("card")
    )
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("at"))
    # The Actor's label (boards.services.cards): "host", "attendee", "chair <username>" or
    # "demo"; hosts and attendees have no account.
    actor = models.CharField(max_length=160, verbose_name=_("actor"))
    action = models.CharField(max_length=20, choices=Action, verbose_name=_("action"))
    before = models.JSONField(default=dict, blank=True, verbose_name=_("before"))
    after = models.JSONField(default=dict, blank=True, verbose_name=_("after"))
    # Why, in the chair's words, for the host (a move's or a removal's reason).
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))
    # A move's slots, read by boards.queries.told_events; declared for the type checker only.
    slot_before: "Slot | None"
    slot_after: "Slot | None"

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("card history entry")
        verbose_name_plural = _("card history")

    def __str__(self) -> str:
        return gettext("%(action)s by %(actor)s") % {
            "action": self.get_action_display(),
            "actor": self.actor,
        }

    def changes_in_words(self) -> list[str]:
        """What this change changed, as the chair reads it: "Moved from Room A, Fri 10:00
        to Room B, Fri 11:00.", "Status changed from “On the board” to “Removed by the
        chair”." (field names and values as the admin shows them, not as stored)."""
        words = []
        for field, before, after in self.changes():
            if field == "slot":
                words.append(
                    gettext("Moved from %(before)s to %(after)s.")
                    % {"before": before, "after": after}
                )
                continue
            if field == "status":
                labels = dict(Card.Status.choices)
                before, after = labels.get(str(before), before), labels.get(str(after), after)
            if field == "removed_reason":
                words.append(
                    gettext("The chair's reason: “%(reason)s”.") % {"reason": after}
                    if after
                    else gettext("The chair's reason is cleared.")
                )
                continue
            try:
                name = str(getattr(Card._meta.get_field(field), "verbose_name", field))
            except FieldDoesNotExist:
                name = field
            name = name[:1].upper() + name[1:]
            if not before:
                words.append(
                    gettext("%(field)s set to “%(after)s”.") % {"field": name, "after": after}
                )
            elif not after:
                words.append(
                    gettext("%(field)s cleared (it was “%(before)s”).")
                    % {"field": name, "before": before}
                )
            else:
                words.append(
                    gettext("%(field)s changed from “%(before)s” to “%(after)s”.")
                    % {"field": name, "before": before, "after": after}
                )
        return words

    @property
    def by_host(self) -> bool:
        return self.actor == "host"

    @property
    def told_to_host(self) -> bool:
        """True for a change its host did not make and is told of (an edit only if it
        changed something: the chair may save the form as it was)."""
        if self.action not in self.TOLD or self.by_host:
            return False
        return self.action != self.Action.EDITED or bool(self.changes())

    def changes(self) -> list[tuple[str, object, object]]:
        """What this change changed, as (field, before, after); the slot by its name only."""
        if not self.before:
            return []
        return [
            (field, _shown(self.before.get(field, "")), _shown(value))
            for field, value in self.after.items()
            if field != "slot_id" and self.before.get(field) != value
        ]


def _shown(value: object) -> object:
    """A value of the history as the chair reads it: a card's links one after the other,
    no head count as nothing."""
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return "" if value is None else value


class Flag(models.Model):
    """An attendee's report that a card is inappropriate. Cleared when the chair answers."""

    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, related_name="flags", verbose_name=_("card")
    )
    reason = models.CharField(
        max_length=200,
        help_text=_("What the reporter said is wrong."),
        verbose_name=_("reason"),
    )
    # A keyed hash of the reporter's address (boards.clients): enough to count different
    # people, not enough to find anyone.
    reporter = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("reporter")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    cleared_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cleared at"))

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["card", "reporter"],
                condition=Q(cleared_at__isnull=True) & ~Q(reporter=""),
                name="flag_one_open_per_reporter",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Flag on “%(card)s”") % {"card": self.card}


class Interest(models.Model):
    """One browser saying "I'm interested" in one card; no account, a cookie's key."""

    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, related_name="interests", verbose_name=_("card")
    )
    browser_key = models.CharField(max_length=64, verbose_name=_("browser key"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        constraints = [
            models.UniqueConstraint(
                fields=["card", "browser_key"], name="interest_one_per_browser"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.browser_key[:6]}… → {self.card}"


class Announcement(models.Model):
    """One post about a card to one of the conference's accounts (Mastodon, Bluesky),
    claimed before it is made.

    The row is written before posting, so that two `announce` processes (or one restarted)
    never post a card twice to a network: the database's unique constraints, per network,
    pick the one that posts.
    `posted_at` stays empty until the server has taken the post; until then, a claim whose
    `claimed_until` has passed (its poster failed or died) may be taken again, and the
    retry carries the same idempotency key, so the server drops a post it already has.
    """

    class Kind(models.TextChoices):
        POSTED = "posted", _("Announced")
        MOVED = "moved", _("Moved")

    class Network(models.TextChoices):
        MASTODON = "mastodon", _("Mastodon")
        BLUESKY = "bluesky", _("Bluesky")

    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("card")
    )
    # The slot announced: a card moved after its announcement gets one "moved" post per slot.
    slot = models.ForeignKey(
        Slot, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("slot")
    )
    slot_starts_at = models.DateTimeField(verbose_name=_("slot starts at"))
    kind = models.CharField(max_length=10, choices=Kind, verbose_name=_("kind"))
    network = models.CharField(
        max_length=10, choices=Network, default=Network.MASTODON, verbose_name=_("network")
    )
    claimed_until = models.DateTimeField(verbose_name=_("claimed until"))
    # When the post was first claimed: the time in its Bluesky record key (a TID).
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )
    attempts = models.PositiveSmallIntegerField(default=1, verbose_name=_("attempts"))
    last_error = models.CharField(max_length=300, blank=True, verbose_name=_("last error"))
    posted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("posted at"))
    # Mastodon's status id, or the Bluesky post's at:// URI.
    status_id = models.CharField(max_length=300, blank=True, verbose_name=_("post id"))
    text = models.TextField(blank=True, verbose_name=_("text"))

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-slot_starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["card", "network"],
                condition=Q(kind="posted"),
                name="announcement_card_posted_once_per_network",
            ),
            models.UniqueConstraint(
                fields=["card", "slot", "kind", "network"],
                name="announcement_once_per_slot_per_network",
            ),
            models.CheckConstraint(
                condition=Q(network__in=["mastodon", "bluesky"]),
                name="announcement_network_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_network_display()}): {self.card}"


class CalendarKey(models.Model):
    """A browser's private calendar address, /mine/<key>/calendar.ics: the cards it said
    "I'm interested" in, for a calendar app to subscribe to. No account: the browser is its
    interest cookie's key (Interest.browser_key).

    The key is derived (an HMAC keyed by SECRET_KEY of the browser and `salt`), so /mine/
    can show it again without the database holding it: only its hash is stored, and a
    database dump lets nobody read anyone's calendar. A new salt is a new address; the old
    one stops working at once.
    """

    browser_key = models.CharField(max_length=64, verbose_name=_("browser key"))
    salt = models.CharField(max_length=32, editable=False, verbose_name=_("salt"))
    key_hash = models.CharField(max_length=64, editable=False, verbose_name=_("key hash"))
    created_at = models.DateTimeField(auto_now=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("private calendar")
        verbose_name_plural = _("private calendars")
        constraints = [
            models.UniqueConstraint(fields=["browser_key"], name="calendar_key_one_per_browser"),
            models.UniqueConstraint(fields=["key_hash"], name="calendar_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.browser_key[:6]}…"

    @staticmethod
    def derive(browser_key: str, salt: str) -> str:
        digest = salted_hmac(
            "boards.mine.calendar", f"{browser_key}\x1f{salt}", algorithm="sha256"
        ).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def key(self) -> str:
        return self.derive(self.browser_key, self.salt)


# The ideas wall and the guide ------------------------------------------------------------


class Wall(models.Model):
    """The one row that versions the ideas wall and the guide, as Day.version does a board.

    Every write that changes what /ideas/ or /guide/ shows bumps `version` in the same
    transaction (boards.services.ideas); "I'd come" clicks publish their counts by window,
    as card interest does (timeline.interest_mark), through the two interest fields.
    """

    ONLY = 1

    version = models.PositiveBigIntegerField(default=1, editable=False, verbose_name=_("version"))
    interest_epoch = models.PositiveBigIntegerField(
        default=0, editable=False, verbose_name=_("interest epoch")
    )
    interest_pending = models.PositiveBigIntegerField(
        default=0, editable=False, verbose_name=_("interest pending")
    )

    class Meta:
        verbose_name = _("ideas wall")
        verbose_name_plural = _("ideas wall")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="wall_one_row"),
        ]

    def __str__(self) -> str:
        return gettext("Ideas wall, version %(version)s") % {"version": self.version}


class GuidePage(models.Model):
    """The chair's own text of the guide in one language; without one, the default text
    shipped with the app (boards.guide) is shown."""

    language = models.CharField(
        max_length=8, unique=True, choices=settings.LANGUAGES, verbose_name=_("language")
    )
    body = models.TextField(
        blank=True,
        verbose_name=_("text"),
        help_text=_(
            "Plain text. A blank line starts a new paragraph; a line starting with “# ” is "
            "a heading, one starting with “- ” an item of a list. No HTML: it is shown as "
            "typed. Empty it to go back to the default text."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("guide page")
        verbose_name_plural = _("guide pages")
        ordering = ["language"]

    def __str__(self) -> str:
        return gettext("Guide (%(language)s)") % {"language": self.get_language_display()}


class IdeaQuerySet(models.QuerySet):
    def on_wall(self) -> "IdeaQuerySet":
        return self.filter(status=Idea.Status.ACTIVE)

    def with_support(self) -> "IdeaQuerySet":
        """Each idea with `support_count` ("I'd come"), counted by the database."""
        return self.annotate(support_count=models.Count("supporters", distinct=True))

    def most_wanted(self) -> "IdeaQuerySet":
        return self.with_support().order_by("-support_count", "-created_at", "-pk")


class Idea(models.Model):
    """A topic someone would like an open space about, before anyone hosts it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("On the wall")
        REPORTED = "reported", _("Hidden pending review")
        HIDDEN = "hidden", _("Hidden by the chair")
        MERGED = "merged", _("Merged into another idea")

    title = models.CharField(max_length=80, verbose_name=_("title"))
    description = models.CharField(max_length=400, blank=True, verbose_name=_("description"))
    # Seeded by the chair (admin, load_demo): the guide's sample ideas.
    sample = models.BooleanField(
        default=False,
        verbose_name=_("sample idea"),
        help_text=_("A sample idea from the chair; the guide lists them."),
    )
    status = models.CharField(
        max_length=10, choices=Status, default=Status.ACTIVE, verbose_name=_("status")
    )
    hidden_reason = models.CharField(max_length=200, blank=True, verbose_name=_("hidden reason"))
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = IdeaQuerySet.as_manager()
    # Counted by IdeaQuerySet.with_support(); declared for the type checker only.
    support_count: int

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["active", "reported", "hidden", "merged"]),
                name="idea_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False) | ~Q(status="merged"),
                name="idea_merged_names_its_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("boards:idea", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class IdeaSupport(models.Model):
    """One browser saying "I'd come" to an idea; the same cookie key as card Interest."""

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="supporters", verbose_name=_("idea")
    )
    browser_key = models.CharField(max_length=64, verbose_name=_("browser key"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("“I’d come”")
        verbose_name_plural = _("“I’d come”s")
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "browser_key"], name="idea_support_one_per_browser"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.browser_key[:6]}… → {self.idea}"


class IdeaFlag(models.Model):
    """An attendee's report that an idea does not belong on the wall."""

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="flags", verbose_name=_("idea")
    )
    reason = models.CharField(max_length=200, verbose_name=_("reason"))
    # A keyed hash of the reporter's address, as Flag.reporter.
    reporter = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("reporter")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    cleared_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cleared at"))

    class Meta:
        verbose_name = _("idea report")
        verbose_name_plural = _("idea reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "reporter"],
                condition=Q(cleared_at__isnull=True) & ~Q(reporter=""),
                name="idea_flag_one_open_per_reporter",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Report on “%(idea)s”") % {"idea": self.idea}


class IdeaEvent(models.Model):
    """One change to an idea: who did what, when, and the idea before and after."""

    class Action(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        EDITED = "edited", _("Edited")
        FLAGGED = "flagged", _("Reported")
        REPORTED = "reported", _("Hidden pending review")
        HIDDEN = "hidden", _("Hidden by the chair")
        RESTORED = "restored", _("Restored")
        MERGED = "merged", _("Merged")
        HOSTED = "hosted", _("Hosted")

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="events", verbose_name=_("idea")
    )
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("at"))
    actor = models.CharField(max_length=160, verbose_name=_("actor"))
    action = models.CharField(max_length=20, choices=Action, verbose_name=_("action"))
    before = models.JSONField(default=dict, blank=True, verbose_name=_("before"))
    after = models.JSONField(default=dict, blank=True, verbose_name=_("after"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("idea history entry")
        verbose_name_plural = _("idea history")

    def __str__(self) -> str:
        return gettext("%(action)s by %(actor)s") % {
            "action": self.get_action_display(),
            "actor": self.actor,
        }

    def changes(self) -> list[tuple[str, object, object]]:
        if not self.before:
            return []
        return [
            (field, self.before.get(field, ""), value)
            for field, value in self.after.items()
            if self.before.get(field) != value
        ]


# Freshness (boards.caching) -------------------------------------------------------------


class Generation(models.Model):
    """The one row every write that changes a board changes, in its own transaction.

    `token` names the data every worker reads under it (board states, renderings, ETags:
    boards.caching.generation); `seq` counts the changes, so that a writer can tell which
    workers have seen its change (Watcher.seen).
    """

    ONLY = 1

    token = models.CharField(max_length=32, verbose_name=_("token"))
    seq = models.PositiveBigIntegerField(default=1, verbose_name=_("sequence"))

    class Meta:
        verbose_name = _("boards' generation")
        verbose_name_plural = _("boards' generation")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="generation_one_row"),
        ]

    def __str__(self) -> str:
        return f"{self.seq}:{self.token}"


class Watcher(models.Model):
    """A worker process that keeps the generation it was last told (boards.caching.watch)
    instead of reading it per request: what it has seen, and until when its lease holds.
    A write is answered only once every watcher whose lease holds has seen it."""

    name = models.CharField(max_length=200, primary_key=True, verbose_name=_("name"))
    seen = models.PositiveBigIntegerField(verbose_name=_("seen"))
    expires_at = models.DateTimeField(verbose_name=_("lease expires at"))

    class Meta:
        verbose_name = _("generation watcher")
        verbose_name_plural = _("generation watchers")

    def __str__(self) -> str:
        return self.name
