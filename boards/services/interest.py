"""Interest: one browser saying "I'm interested" in a card, or taking it back."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from boards import caching, timeline
from boards.models import Card, Day, Interest
from boards.services import CardNotOnBoard
from boards.services._write import write


@write
def interest_set(*, card: Card, browser_key: str, interested: bool, now: dt.datetime) -> int:
    """Say (or take back) that one browser is interested in `card`; returns the new count.

    Idempotent: saying it twice counts once, by the interest_one_per_browser
    constraint, so concurrent clicks from many browsers (or a double tap) stay exact.
    """
    if not card.is_active:
        raise CardNotOnBoard(gettext("Interest can only be shown in a card that is on the board."))
    if interested:
        try:
            with transaction.atomic():
                Interest.objects.create(card=card, browser_key=browser_key)
            changed = True
        except IntegrityError:
            changed = False
    else:
        deleted, _ = Interest.objects.filter(card=card, browser_key=browser_key).delete()
        changed = deleted > 0
    if changed:
        _interest_changed(day_id=card.slot.day_id, now=now)
    return card.interests.count()


def _interest_changed(*, day_id: int, now: dt.datetime) -> None:
    """Ask for the day's interest counts to be published at the next window.

    The board's version is not bumped: see boards.timeline.interest_mark.
    """
    window = timeline.interest_window(now, settings.OPENSPACES_INTEREST_WINDOW)
    day = Day.objects.select_for_update().only("interest_epoch", "interest_pending").get(pk=day_id)
    epoch = day.interest_epoch
    if day.interest_pending and day.interest_pending <= window:
        epoch = day.interest_pending  # the earlier change has been published by now
    if (epoch, window + 1) != (day.interest_epoch, day.interest_pending):
        Day.objects.filter(pk=day_id).update(interest_epoch=epoch, interest_pending=window + 1)
        caching.boards_changed()
