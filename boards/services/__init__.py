"""Every write to the boards, by noun. Keyword-only, typed, atomic.

`_write` (one transaction, retries, the locks), `cards` (claim, edit, move, release, the
chair's moderation, flags), `grid` (slots, blocks, rooms), `setup` (a conference's days,
rooms and slots), `interest`. What a caller may meet is defined here: `Refused`, the base of
every refusal (the rules say no: a view answers 409 or 410 with the reason), and `Busy`,
which is not one (the database kept meeting conflicts: the same request may succeed).

A write that changes what a day's board shows bumps that day's version in the same
transaction (`grid.bump_board_versions`), so cached boards and ETags follow at once.

The write discipline, the same for every card and slot write (`@write`):

1. One transaction, retried a few times when the database reports a deadlock or a
   serialization failure; past that the write fails with `Busy`, which views answer
   like a lost race (409, the text kept), never as an outage.
2. Rows are locked in one fixed order: slots by id, then the card, then the days
   whose board version is bumped (by id). Two writes that lock in the same order
   cannot deadlock each other.
3. The state is read again after the lock and the decision is taken on that, never on
   what a page or a request read before: a removed card cannot be moved back.
4. Only the fields that change are written (`update_fields`), so a concurrent write
   to other fields is never overwritten with stale values.

On SQLite every write transaction takes the database's write lock at BEGIN
(transaction_mode IMMEDIATE), so 2 and 3 hold there too; `select_for_update` is
ignored and the re-read does the work.
"""

from django.utils.translation import gettext


class Refused(Exception):
    """The rules do not allow this write, now or to this actor; `reason` says why, in words
    for the person who asked. Nothing was written."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SlotUnavailable(Refused):
    """The slot cannot take the card: taken, blocked, started, or its board not open yet."""


class SlotTaken(SlotUnavailable):
    """Another card holds the slot (perhaps since a moment ago)."""

    def __init__(self, reason: str = ""):
        super().__init__(reason or gettext("Someone else has just taken this slot."))


class CardNotOnBoard(Refused):
    """The card is not in a state the action applies to; the reason says which."""


class NotAllowed(Refused):
    """The actor's role does not give this power (services.cards.Role says who may what)."""


class NotesClosed(Refused):
    """A host's notes before their hour has begun, or long after the conference."""


class LinkUsed(Refused):
    """A lost-link key whose card has had a new manage token since: it opens nothing."""

    def __init__(self) -> None:
        super().__init__(gettext("This link no longer works"))


class Busy(Exception):
    """Not a refusal: the database kept answering the write with a conflict (deadlock,
    serialization failure) until the retries ran out. Nothing was written and the same
    request may succeed when sent again, so views answer it like a lost race (409, the
    text kept), but each catches it by name: no `except Refused` handles it unawares."""

    def __init__(self) -> None:
        self.reason = gettext(
            "Many changes reached the board at the same moment and yours could not be "
            "saved. Nothing you typed is lost: please send it again."
        )
        super().__init__(self.reason)
