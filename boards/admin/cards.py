"""Cards: moderation (remove, restore, move, clear flags), the CSV, each card's history."""

import io

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from boards import exports, queries, services
from boards.admin.actions import ActionPage, ChairActions, applied
from boards.admin.common import ReadOnlyAdmin, YesNoFilter, acting_chair, chair_time
from boards.admin.flags import FlagInline
from boards.forms import CardAdminForm, ChairMoveForm, RemovalReasonForm
from boards.models import Card, CardEvent, Room
from boards.notifications import remind_after_the_hour
from boards.services.cards import (
    card_flags_clear,
    card_move,
    card_notes,
    card_notes_clear,
    card_remove,
    card_restore,
    card_update,
)


class FlaggedFilter(YesNoFilter):
    title = _("flagged")
    parameter_name = "flagged"
    yes = Q(open_flags__gt=0)
    yes_label, no_label = _("Flagged, not answered"), _("Not flagged")


REMOVE = ActionPage(
    "remove_cards",
    _("Remove cards"),
    _("These cards will leave the board and their slots will be free:"),
)
RESTORE = ActionPage(
    "restore_cards",
    _("Restore cards"),
    _("These cards go back on the board, on their slots if still free:"),
)
MOVE = ActionPage(
    "move_card",
    _("Move a card"),
    _(
        "This card moves to the slot you pick. Its host is told: on their manage page, "
        "and by mail if they gave an address."
    ),
)
CLEAR_NOTES = ActionPage(
    "clear_notes",
    _("Clear notes"),
    _("The notes and links of these cards will be taken down (the head count stays):"),
)
CLEAR_FLAGS = ActionPage(
    "clear_flags",
    _("Clear flags"),
    _("The reports on these cards are answered; hidden ones go back on the board:"),
)


@admin.register(Card)
class CardAdmin(ChairActions):
    inlines = [FlagInline]
    form = CardAdminForm
    # Few, narrow columns, so that the flags and the interest stay in view at 1280 px.
    list_display = [
        "title",
        "starts_at",
        "room",
        "host",
        "status",
        "interest",
        "open_flag_count",
    ]
    list_filter = ["slot__day", "slot__room", "status", FlaggedFilter]
    search_fields = ["title", "description", "host_name", "host_handle", "email"]
    ordering = ["slot__starts_at", "slot__room__position", "slot__room__name"]
    list_select_related = ["slot__day", "slot__room"]
    # The chair edits the text; the rest is shown, and changes through the actions.
    readonly_fields = [
        "email",
        "slot",
        "status",
        "removed_reason",
        "interest",
        "open_flag_count",
        "created",
        "updated",
        "history",
    ]
    fields = [
        "title",
        "description",
        "host_name",
        "host_handle",
        "notes",
        "links",
        "attendance",
        *readonly_fields,
    ]
    actions = [
        "remove_cards",
        "restore_cards",
        "move_card",
        "clear_flags",
        "clear_notes",
        "export_csv",
    ]
    change_list_template = "admin/boards/card/change_list.html"
    change_form_template = "admin/boards/card/change_form.html"
    shown_with = ("slot__room",)

    def get_queryset(self, request):
        return super().get_queryset(request).with_open_flags().with_interest()

    def has_add_permission(self, request):
        return False  # hosts claim cards on the board

    def has_delete_permission(self, request, obj=None):
        return False  # cards are kept for the record; remove them instead

    @admin.display(description=_("Starts"), ordering="slot__starts_at")
    def starts_at(self, card: Card) -> str:
        return chair_time(card.slot.starts_at)

    @admin.display(description=_("Host"), ordering="host_name")
    def host(self, card: Card) -> str:
        return card.host_name

    @admin.display(description=_("Interest"), ordering="interest_count")
    def interest(self, card: Card) -> str:
        """How many said “I'm interested”, beside the room's seats: a bigger room?"""
        seats = card.slot.room.capacity
        if seats and card.interest_count > seats:
            return format_html(
                "<strong>{} ({})</strong>",
                card.interest_count,
                ngettext("more than its %(n)d seat", "more than its %(n)d seats", seats)
                % {"n": seats},
            )
        return str(card.interest_count)

    @admin.display(description=_("Created"))
    def created(self, card: Card) -> str:
        return chair_time(card.created_at)

    @admin.display(description=_("Last changed"))
    def updated(self, card: Card) -> str:
        return chair_time(card.updated_at)

    @admin.display(description=_("Room"), ordering="slot__room__position")
    def room(self, card: Card) -> Room:
        return card.slot.room

    @admin.display(description=_("Flags"), ordering="open_flags")
    def open_flag_count(self, card: Card) -> int:
        return card.open_flags

    @admin.display(description=_("History: who changed what, and when"))
    def history(self, card: Card) -> str:
        events = [(chair_time(event.at), event) for event in card.events.all()]
        return render_to_string("admin/boards/card/history.html", {"events": events})

    def history_view(self, request, object_id, extra_context=None):
        # Django's own history lists admin log entries, which the services do not write;
        # the card's real history (hosts' changes included) is on its page.
        return HttpResponseRedirect(reverse("admin:boards_card_change", args=[object_id]))

    def save_model(self, request, obj, form, change):
        # The chair's edits of the text go through the service, so they are in the history.
        # Only the text is written, on the card as it is now: a host's move or a
        # removal since the chair opened the page is kept.
        card = Card.objects.select_related("slot").get(pk=obj.pk)
        chair = acting_chair(request)
        try:
            card_update(
                card=card,
                title=obj.title,
                description=obj.description,
                host_name=obj.host_name,
                host_handle=obj.host_handle,
                actor=chair,
            )
            card_notes(
                card=card,
                notes=obj.notes,
                links=list(obj.links),
                attendance=obj.attendance,
                now=timezone.now(),
                actor=chair,
            )
        except (services.Refused, services.Busy) as error:
            self.message_user(
                request, gettext("Not saved: %(error)s") % {"error": error}, messages.ERROR
            )

    def get_urls(self):
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_view),
                name="boards_card_export",
            ),
            *super().get_urls(),
        ]

    def _csv_response(self, cards) -> HttpResponse:
        out = io.StringIO()
        exports.write_cards_csv(cards, out)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="cards-{stamp}.csv"'
        return response

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The cards the changelist shows with the same filters and search, all pages."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        shown = self.get_changelist_instance(request).get_queryset(request)
        return self._csv_response(queries.cards_for_export().filter(pk__in=shown.values("pk")))

    @admin.action(description=_("Export the selected cards as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return self._csv_response(queries.cards_for_export().filter(pk__in=queryset.values("pk")))

    @admin.action(
        description=_("Remove the selected cards (asks for the reason)"), permissions=["change"]
    )
    def remove_cards(self, request, queryset):
        help_text = _("The host reads it on their card's page. Be kind and clear.")
        form = RemovalReasonForm(applied(request), help_text=help_text)
        if not form.is_valid():
            return self.action_page(request, queryset, REMOVE, form)
        reason = form.cleaned_data["reason"]
        self.write_each(
            request,
            queryset.select_related("slot"),
            lambda card, chair: card_remove(card=card, reason=reason, actor=chair),
            done=lambda card: gettext("Removed “%(card)s”; its slot is free.") % {"card": card},
            refused=messages.WARNING,
        )
        return None

    @admin.action(
        description=_("Restore the selected cards to their slots (asks to confirm)"),
        permissions=["change"],
    )
    def restore_cards(self, request, queryset):
        return self.write_each_once_confirmed(
            request,
            queryset.select_related("slot__room"),
            RESTORE,
            lambda card, chair: card_restore(card=card, actor=chair),
            done=lambda card: gettext("“%(card)s” is back on the board.") % {"card": card},
        )

    @admin.action(description=_("Move the selected card to another slot"), permissions=["change"])
    def move_card(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Select exactly one card to move."), messages.WARNING
            )
            return None
        now = timezone.now()
        data = applied(request)
        if data is not None and ChairMoveForm.NARROW in data:  # narrow the list, move nothing
            narrowed = {name: data.get(name, "") for name in ("day", "room")}
            return self.action_page(
                request, queryset, MOVE, ChairMoveForm(initial=narrowed, now=now)
            )
        form = ChairMoveForm(data, now=now)
        if not form.is_valid():
            return self.action_page(request, queryset, MOVE, form)
        to_slot, reason = form.cleaned_data["to_slot"], form.cleaned_data["reason"]

        def move(card: Card, chair) -> None:
            card_move(card=card, to_slot=to_slot, now=now, actor=chair, reason=reason)
            # Moved earlier, the claim's reminder would come late: one for the new hour
            # too, as a host's move queues (the card is asked once, whichever runs first).
            # The chair has no manage link: the mail points to the way back to it.
            remind_after_the_hour(card=card, site_url=request.build_absolute_uri("/"), token="")

        self.write_each(
            request,
            queryset.select_related("slot__room", "slot__day"),
            move,
            done=lambda card: (
                gettext("Moved “%(card)s” to %(slot)s.") % {"card": card, "slot": card.slot}
            ),
        )
        return None

    @admin.action(
        description=_("Clear flags: keep the cards on the board (asks to confirm)"),
        permissions=["change"],
    )
    def clear_flags(self, request, queryset):
        if asked := self.write_each_once_confirmed(
            request,
            queryset.select_related("slot"),
            CLEAR_FLAGS,
            lambda card, chair: card_flags_clear(card=card, actor=chair),
        ):
            return asked
        self.message_user(
            request, gettext("The flags are answered; the cards stay."), messages.SUCCESS
        )
        return None

    @admin.action(
        description=_("Clear the notes and links of the selected cards (asks to confirm)"),
        permissions=["change"],
    )
    def clear_notes(self, request, queryset):
        return self.write_each_once_confirmed(
            request,
            queryset.select_related("slot"),
            CLEAR_NOTES,
            lambda card, chair: card_notes_clear(card=card, actor=chair),
            done=lambda card: gettext("The notes of “%(card)s” are cleared.") % {"card": card},
        )


@admin.register(CardEvent)
class CardEventAdmin(ReadOnlyAdmin):
    list_display = ["when", "card", "actor", "action"]
    list_filter = ["action"]
    search_fields = ["card__title", "actor"]
    list_select_related = ["card"]
    date_hierarchy = "at"

    @admin.display(description=_("When"), ordering="at")
    def when(self, event: CardEvent) -> str:
        return chair_time(event.at)
