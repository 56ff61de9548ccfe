"""The write discipline of boards.services: one transaction, retried on a conflict, and
the locks, taken in one order (the days last: grid.bump_board_versions)."""

import functools
import logging
import random
import time
from collections.abc import Callable, Iterable

from django.db import OperationalError, transaction

from boards.models import Card, Slot
from boards.services import Busy

WRITE_ATTEMPTS = 4
# PostgreSQL's SQLSTATEs for "try the transaction again": serialization_failure and
# deadlock_detected.
RETRYABLE_SQLSTATES = {"40001", "40P01"}

logger = logging.getLogger(__name__)


def is_retryable(error: BaseException) -> bool:
    """True for a deadlock or serialization failure: the same transaction may succeed."""
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code in RETRYABLE_SQLSTATES


def write[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Run a service in one transaction, retried on deadlock or serialization failure.

    Inside another transaction it only joins it: a retry must start from the
    outermost BEGIN, so the outermost `write` does it.
    """
    atomic = transaction.atomic(function)

    @functools.wraps(function)
    def attempt(*args: P.args, **kwargs: P.kwargs) -> R:
        if transaction.get_connection().in_atomic_block:
            return atomic(*args, **kwargs)
        for number in range(1, WRITE_ATTEMPTS + 1):
            try:
                return atomic(*args, **kwargs)
            except OperationalError as error:
                if not is_retryable(error):
                    raise
                logger.info("%s: attempt %s met a conflict: %s", function.__name__, number, error)
                # A little random back-off, so that the two sides of a deadlock do not
                # meet again at once.
                time.sleep(random.uniform(0.005, 0.02) * number)  # noqa: S311 not a secret
        raise Busy()

    return attempt


def lock_slots(slot_ids: Iterable[int]) -> dict[int, Slot]:
    """Lock the slots in id order and read them (with their day and room) afresh.

    select_for_update serialises claimers on PostgreSQL; on SQLite the IMMEDIATE
    transaction mode does. Either way the partial unique constraint has the last word.
    Only the slots' rows are locked (`of`), never their day's or room's: the days are
    locked last, by grid.bump_board_versions. NO KEY UPDATE, because no write changes a slot's
    id, lets the foreign-key checks of other cards' inserts pass.
    """
    slots = (
        Slot.objects.select_for_update(of=("self",), no_key=True)
        .select_related("day", "room")
        .filter(pk__in=set(slot_ids))
        .order_by("pk")
    )
    return {slot.pk: slot for slot in slots}


def lock_card(card: Card, *slots: Slot) -> dict[int, Slot]:
    """Lock the card's slot and `slots` (by id), then the card; re-read the card in place.

    Returns the locked slots; `card.slot` is the locked copy of its own slot. Should the
    card have moved between the caller's read and the lock, the locks are let go (a
    savepoint rolled back releases them) and taken again, in order, with its new slot.
    """
    others = {slot.pk for slot in slots}
    while True:
        savepoint = transaction.savepoint_create()
        locked = lock_slots({card.slot_id, *others})
        slot_id = card.slot_id
        card.refresh_from_db(from_queryset=Card.objects.select_for_update(no_key=True))
        if card.slot_id == slot_id:
            transaction.savepoint_commit(savepoint)
            break
        transaction.savepoint_rollback(savepoint)
    card.slot = locked[card.slot_id]
    return locked


def lock_slot(slot_id: int) -> Slot:
    return lock_slots([slot_id])[slot_id]
