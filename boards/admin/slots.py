"""Slots: blocking and unblocking them."""

from django.contrib import admin, messages
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from boards.admin.actions import ActionPage, ChairActions, applied
from boards.admin.common import YesNoFilter, busy_told, chair_time
from boards.forms import ReasonForm
from boards.models import Card, Slot
from boards.services.grid import slots_block


class BlockedFilter(YesNoFilter):
    title = _("blocked")
    parameter_name = "blocked"
    yes = ~Q(blocked_reason="")
    yes_label, no_label = _("Blocked"), _("Not blocked")


BLOCK = ActionPage(
    "block_slots",
    _("Block slots"),
    _("These slots will show the reason on the board and cannot be claimed:"),
)
UNBLOCK = ActionPage(
    "unblock_slots",
    _("Unblock slots"),
    _("These slots lose their reason and anyone can claim them:"),
)


@admin.register(Slot)
class SlotAdmin(ChairActions):
    list_display = ["when", "room", "blocked_reason", "card"]
    list_filter = ["day", "room", BlockedFilter]
    list_per_page = 200
    shown_with = ("room",)
    actions = ["block_slots", "unblock_slots"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_cards()

    def get_fields(self, request, obj=None):
        return ["blocked_reason"] if obj else ["day", "room", "starts_at", "blocked_reason"]

    def get_readonly_fields(self, request, obj=None):
        return ["day", "room", "starts_at", "card"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Blocking from the slot's own page follows the action's rule: not over a card.
        with busy_told(self, request):
            if slots_block(slot_ids=[obj.pk], reason=obj.blocked_reason):
                self.message_user(
                    request,
                    gettext("%(slot)s was not blocked: a card is on it (move or remove it first).")
                    % {"slot": obj},
                    messages.WARNING,
                )

    @admin.display(description=_("When"), ordering="starts_at")
    def when(self, slot: Slot) -> str:
        return chair_time(slot.starts_at)

    @admin.display(description=_("Card"))
    def card(self, slot: Slot) -> str:
        card = slot.holding_card
        if card is None:
            return "—"
        url = reverse("admin:boards_card_change", args=[card.pk])
        return format_html('<a href="{}">{}</a>', url, card)

    @admin.action(
        description=_("Block the selected slots (asks for the reason)"), permissions=["change"]
    )
    def block_slots(self, request, queryset):
        help_text = _("The board shows it, e.g. “Sponsor workshop until 14:00”.")
        form = ReasonForm(applied(request), help_text=help_text)
        if not form.is_bound:
            # Refused before the reason is typed: a slot a card holds cannot be blocked,
            # so it leaves the selection now (the service still refuses one taken since).
            held = [slot for slot in queryset if slot.holding_card is not None]
            if held:
                self._tell_blocked(request, 0, held)
                queryset = queryset.exclude(pk__in=[slot.pk for slot in held])
                if not queryset.exists():
                    return None
        if form.is_valid():
            # Read before the write: the changelist's filter ("not blocked") would not find
            # them after it.
            slot_ids = list(queryset.values_list("pk", flat=True))
            with busy_told(self, request):
                refused = slots_block(slot_ids=slot_ids, reason=form.cleaned_data["reason"])
                self._tell_blocked(request, len(slot_ids) - len(refused), refused)
            return None
        return self.action_page(request, queryset, BLOCK, form)

    @admin.action(
        description=_("Unblock the selected slots (asks to confirm)"), permissions=["change"]
    )
    def unblock_slots(self, request, queryset):
        if asked := self.unconfirmed(request, queryset, UNBLOCK):
            return asked
        slot_ids = list(queryset.values_list("pk", flat=True))  # before: "blocked" filters
        with busy_told(self, request):
            slots_block(slot_ids=slot_ids, reason="")
            count = len(slot_ids)
            message = ngettext("Unblocked %(count)d slot.", "Unblocked %(count)d slots.", count)
            self.message_user(request, message % {"count": count}, messages.SUCCESS)
        return None

    def _tell_blocked(self, request, blocked: int, refused: list[Slot]) -> None:
        if blocked:
            message = ngettext("Blocked %(n)d slot.", "Blocked %(n)d slots.", blocked)
            self.message_user(request, message % {"n": blocked}, messages.SUCCESS)
        if refused:
            cards = Card.objects.holding().filter(slot__in=refused).select_related("slot__room")
            names = "; ".join(f"{card.slot}: “{card.title}”" for card in cards)
            message = ngettext(
                "Not blocked, because a card is on it (move or remove the card first): %(cards)s.",
                "Not blocked, because cards are on them (move or remove the cards first): "
                "%(cards)s.",
                len(refused),
            )
            self.message_user(request, message % {"cards": names}, messages.WARNING)
