"""The ideas wall and the guide: suggest, "I'd come", report; the chair's hide, restore and
merge; the guide's text. Every write that changes what /ideas/ or /guide/ shows bumps the
wall's version in its transaction (wall_changed), as a card write bumps its board's.

The wall's row is the last row any of these writes locks (after slots, cards, days and
ideas), so that they cannot deadlock a claim that hosts an idea.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from boards import caching, timeline
from boards.models import Card, GuidePage, Idea, IdeaEvent, IdeaFlag, IdeaSupport, Wall
from boards.services import Refused
from boards.services._write import write
from boards.services.cards import ATTENDEE, Actor, Role


class IdeaNotOnWall(Refused):
    """The idea is hidden, reported or merged: the action applies only to one on the wall."""


def idea_snapshot(idea: Idea) -> dict[str, str | int | bool | None]:
    return {
        "title": idea.title,
        "description": idea.description,
        "sample": idea.sample,
        "status": idea.status,
        "hidden_reason": idea.hidden_reason,
        "merged_into_id": idea.merged_into_id,
    }


def _record(*, idea: Idea, actor: Actor, action: str, before: dict | None = None) -> None:
    IdeaEvent.objects.create(
        idea=idea, actor=actor.label, action=action, before=before or {}, after=idea_snapshot(idea)
    )


def _locked_wall() -> Wall:
    """The wall's one row, locked (made on first use: a flushed test database has none)."""
    wall, _ = Wall.objects.select_for_update().get_or_create(pk=Wall.ONLY)
    return wall


def wall_changed(*, generation: bool = True) -> None:
    """Bump the wall's version in this transaction: /ideas/ and /guide/ change their ETags.

    `generation=False` inside a write that changes the generation itself, last (a claim
    from the wall: grid.bump_board_versions): the generation is the last row every write
    locks, so that no two writes wait for each other in a circle.
    """
    _locked_wall()
    Wall.objects.filter(pk=Wall.ONLY).update(version=F("version") + 1)
    if generation:
        caching.boards_changed()


def _lock_ideas(*ideas: Idea) -> None:
    """Lock the ideas in id order and read each again in place."""
    ids = sorted({idea.pk for idea in ideas})
    fresh = {
        row.pk: row
        for row in Idea.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    }
    for idea in ideas:
        row = fresh[idea.pk]
        for field in ("title", "description", "sample", "status", "hidden_reason"):
            setattr(idea, field, getattr(row, field))
        idea.merged_into_id = row.merged_into_id


@write
def idea_suggest(
    *, title: str, description: str = "", sample: bool = False, actor: Actor = ATTENDEE
) -> Idea:
    """Put a new idea on the wall: an attendee's suggestion, or a chair's sample idea."""
    actor.require(Role.ATTENDEE, Role.CHAIR, Role.SYSTEM)
    idea = Idea.objects.create(title=title, description=description, sample=sample)
    _record(idea=idea, actor=actor, action=IdeaEvent.Action.SUGGESTED)
    wall_changed()
    return idea


@write
def idea_update(*, idea: Idea, title: str, description: str, sample: bool, actor: Actor) -> Idea:
    """The chair corrects an idea's text (or makes it a sample idea)."""
    actor.require(Role.CHAIR)
    _lock_ideas(idea)
    before = idea_snapshot(idea)
    idea.title, idea.description, idea.sample = title, description, sample
    idea.save(update_fields=["title", "description", "sample", "updated_at"])
    _record(idea=idea, actor=actor, action=IdeaEvent.Action.EDITED, before=before)
    wall_changed()
    return idea


@write
def idea_support_set(*, idea: Idea, browser_key: str, supports: bool, now: dt.datetime) -> int:
    """Say (or take back) that one browser would come to `idea`; returns the new count.

    Counted as rows under the idea_support_one_per_browser constraint, never as a number
    read and written back: concurrent clicks from many browsers all count, a double tap
    counts once.
    """
    if not Idea.objects.filter(pk=idea.pk, status=Idea.Status.ACTIVE).exists():
        raise IdeaNotOnWall(gettext("This idea is not on the wall any more."))
    if supports:
        try:
            with transaction.atomic():
                IdeaSupport.objects.create(idea=idea, browser_key=browser_key)
            changed = True
        except IntegrityError:
            changed = False
    else:
        deleted, _ = IdeaSupport.objects.filter(idea=idea, browser_key=browser_key).delete()
        changed = deleted > 0
    if changed:
        _support_changed(now)
    return IdeaSupport.objects.filter(idea=idea).count()


def _support_changed(now: dt.datetime) -> None:
    """Publish the wall's counts at the next window, as services.interest does a day's."""
    window = timeline.interest_window(now, settings.OPENSPACES_INTEREST_WINDOW)
    wall = _locked_wall()
    epoch = wall.interest_epoch
    if wall.interest_pending and wall.interest_pending <= window:
        epoch = wall.interest_pending  # the earlier change has been published by now
    if (epoch, window + 1) != (wall.interest_epoch, wall.interest_pending):
        Wall.objects.filter(pk=Wall.ONLY).update(interest_epoch=epoch, interest_pending=window + 1)
        caching.boards_changed()


@write
def idea_flag(*, idea: Idea, reason: str, reporter: str) -> Idea:
    """An attendee reports an idea; once OPENSPACES_FLAG_LIMIT different reporters (client
    addresses, hashed) have open reports on it, it leaves the wall until the chair decides."""
    _lock_ideas(idea)
    open_flags = idea.flags.filter(cleared_at__isnull=True)
    if not idea.is_active or open_flags.filter(reporter=reporter).exists():
        return idea
    IdeaFlag.objects.create(idea=idea, reason=reason, reporter=reporter)
    _record(idea=idea, actor=ATTENDEE, action=IdeaEvent.Action.FLAGGED)
    if open_flags.values("reporter").distinct().count() >= settings.OPENSPACES_FLAG_LIMIT:
        before = idea_snapshot(idea)
        idea.status = Idea.Status.REPORTED
        idea.save(update_fields=["status", "updated_at"])
        _record(idea=idea, actor=ATTENDEE, action=IdeaEvent.Action.REPORTED, before=before)
        wall_changed()
    return idea


@write
def idea_hide(*, idea: Idea, reason: str, actor: Actor) -> Idea:
    """The chair takes an idea off the wall with a reason; its reports are answered."""
    actor.require(Role.CHAIR)
    _lock_ideas(idea)
    if idea.status == Idea.Status.MERGED:
        raise IdeaNotOnWall(
            gettext("“%(idea)s” was merged into another idea; hide that one.") % {"idea": idea}
        )
    before = idea_snapshot(idea)
    idea.status, idea.hidden_reason = Idea.Status.HIDDEN, reason
    idea.save(update_fields=["status", "hidden_reason", "updated_at"])
    idea.flags.filter(cleared_at__isnull=True).update(cleared_at=timezone.now())
    _record(idea=idea, actor=actor, action=IdeaEvent.Action.HIDDEN, before=before)
    wall_changed()
    return idea


@write
def idea_restore(*, idea: Idea, actor: Actor) -> Idea:
    """The chair puts a hidden or reported idea back on the wall; its reports are answered."""
    actor.require(Role.CHAIR)
    _lock_ideas(idea)
    if idea.status not in (Idea.Status.HIDDEN, Idea.Status.REPORTED):
        raise IdeaNotOnWall(
            gettext("“%(idea)s” cannot be restored: it is %(status)s.")
            % {"idea": idea, "status": idea.get_status_display().lower()}
        )
    before = idea_snapshot(idea)
    idea.status, idea.hidden_reason = Idea.Status.ACTIVE, ""
    idea.save(update_fields=["status", "hidden_reason", "updated_at"])
    idea.flags.filter(cleared_at__isnull=True).update(cleared_at=timezone.now())
    _record(idea=idea, actor=actor, action=IdeaEvent.Action.RESTORED, before=before)
    wall_changed()
    return idea


@write
def idea_merge(*, duplicate: Idea, into: Idea, actor: Actor) -> Idea:
    """Merge a duplicate into another idea: everyone who said "I'd come" to either counts
    once on `into`, the cards that hosted the duplicate now host `into`, and the duplicate's
    page leads there. Returns `into`."""
    actor.require(Role.CHAIR)
    if duplicate.pk == into.pk:
        raise IdeaNotOnWall(gettext("An idea cannot be merged into itself."))
    _lock_ideas(duplicate, into)
    if duplicate.status == Idea.Status.MERGED or into.status == Idea.Status.MERGED:
        raise IdeaNotOnWall(
            gettext("“%(idea)s” was merged already; merge into the idea it went to.")
            % {"idea": into if into.status == Idea.Status.MERGED else duplicate}
        )
    # Browsers that support both keep their one "I'd come" on `into`; the others move.
    already = IdeaSupport.objects.filter(idea=into).values("browser_key")
    IdeaSupport.objects.filter(idea=duplicate).exclude(browser_key__in=already).update(idea=into)
    IdeaSupport.objects.filter(idea=duplicate).delete()
    duplicate.cards.update(idea=into)
    before = idea_snapshot(duplicate)
    duplicate.status, duplicate.merged_into = Idea.Status.MERGED, into
    duplicate.save(update_fields=["status", "merged_into", "updated_at"])
    duplicate.flags.filter(cleared_at__isnull=True).update(cleared_at=timezone.now())
    _record(idea=duplicate, actor=actor, action=IdeaEvent.Action.MERGED, before=before)
    _record(idea=into, actor=actor, action=IdeaEvent.Action.MERGED, before=idea_snapshot(into))
    wall_changed()
    return into


def idea_hosted(*, idea_id: int, card_id: int, actor: Actor) -> bool:
    """Inside a claim's transaction, before its day and generation change: link the new card
    to the idea it hosts, if the idea is still on the wall (a hidden or merged one is not
    linked: the claim stands anyway). Several cards may host one idea; nothing here
    refuses a second."""
    idea = Idea.objects.filter(pk=idea_id, status=Idea.Status.ACTIVE).first()
    if idea is None:
        return False
    Card.objects.filter(pk=card_id).update(idea=idea)
    IdeaEvent.objects.create(
        idea=idea,
        actor=actor.label,
        action=IdeaEvent.Action.HOSTED,
        after={**idea_snapshot(idea), "card_id": card_id},
    )
    wall_changed(generation=False)  # the claim changes the generation, after the day
    return True


@write
def guide_page_save(*, language: str, body: str, actor: Actor) -> GuidePage | None:
    """The chair's text of the guide in `language`; an empty text goes back to the default."""
    actor.require(Role.CHAIR)
    page: GuidePage | None
    if body.strip():
        page, _ = GuidePage.objects.update_or_create(language=language, defaults={"body": body})
    else:
        GuidePage.objects.filter(language=language).delete()
        page = None
    wall_changed()
    return page
