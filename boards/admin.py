"""The chair's tools. Every write goes through boards.services, with the chair named.

Actions that need more than a click (a reason, a slot to move to) show an intermediate
form that posts back to the changelist with `apply`, as Django's own delete action does.
"""

import io
from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # what gettext_lazy gives: a text, translated when it is shown
    from django_stubs_ext import StrOrPromise


from boards import exports, services
from boards.forms import CardAdminForm, ChairMoveForm, ConferenceSetupForm, ReasonForm
from boards.glance import build_glance
from boards.models import Card, CardEvent, Day, Flag, Room, Slot
from boards.services import cards, grid, setup


def _action_form(
    request,
    *,
    modeladmin,
    queryset,
    action: str,
    title: "StrOrPromise",
    form,
    intro: "StrOrPromise",
):
    """The intermediate page of an action: the chosen objects, a form, and Apply."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "action": action,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/boards/action_form.html", context)


def _ask_to_confirm(request, **page) -> TemplateResponse | None:
    """The "are you sure?" page of an action that cannot be taken back, until the chair
    confirms it with Apply (None then: go ahead). `page` as for _action_form."""
    if ConfirmForm(request.POST if "apply" in request.POST else None).is_valid():
        return None
    return _action_form(request, form=ConfirmForm(), **page)


def _slots(count: int, noun: str = "slot") -> str:
    """ "1 slot", "2 slots", "1 new slot": counts read right, through ngettext."""
    if noun == "new slot":
        return ngettext("%(count)d new slot", "%(count)d new slots", count) % {"count": count}
    return ngettext("%(count)d slot", "%(count)d slots", count) % {"count": count}


# One way to write a moment everywhere in the chair's pages: "Fri 14 May 10:00" (a
# conference is a few days; the glance template writes dates the same way), in the
# chair's language: the active locale's SHORT_DATE_FORMAT and TIME_FORMAT.
def chair_date(date) -> str:
    return date_format(date, "SHORT_DATE_FORMAT")


def chair_time(moment) -> str:
    if not moment:
        return "—"
    local = timezone.localtime(moment)
    return f"{chair_date(local)} {date_format(local, 'TIME_FORMAT')}"


class ConfirmForm(forms.Form):
    """No field: the intermediate page of an action that only needs a second, deliberate click."""


# Days ---------------------------------------------------------------------------------


@admin.register(Day)
class DayAdmin(admin.ModelAdmin):
    list_display = ["day", "opens", "slot_count", "card_count", "glance_link"]
    fields = ["date", "board_opens_at"]
    change_list_template = "admin/boards/day/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                slot_count=Count("slots", distinct=True),
                card_count=Count(
                    "slots__cards",
                    filter=Q(slots__cards__status__in=Card.HOLDING),
                    distinct=True,
                ),
            )
        )

    @admin.display(description=_("Day"), ordering="date")
    def day(self, day: Day) -> str:
        return chair_date(day.date)

    @admin.display(description=_("Board opens"), ordering="board_opens_at")
    def opens(self, day: Day) -> str:
        return chair_time(day.board_opens_at)

    @admin.display(description=_("Slots"), ordering="slot_count")
    def slot_count(self, day: Day) -> int:
        return day.slot_count

    @admin.display(description=_("Cards"), ordering="card_count")
    def card_count(self, day: Day) -> int:
        return day.card_count

    @admin.display(description=_("At a glance"))
    def glance_link(self, day: Day) -> str:
        url = reverse("admin:boards_day_glance", args=[day.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("The day at a glance"))

    def get_urls(self):
        return [
            path(
                "setup/",
                self.admin_site.admin_view(self.setup_view),
                name="boards_day_setup",
            ),
            path(
                "<int:pk>/glance/",
                self.admin_site.admin_view(self.glance_view),
                name="boards_day_glance",
            ),
            *super().get_urls(),
        ]

    def setup_view(self, request: HttpRequest) -> HttpResponse:
        """Create a conference's days, rooms and slots, as `setup_boards` does."""
        needed = ["boards.add_day", "boards.add_room", "boards.add_slot"]
        if not request.user.has_perms(needed):
            raise PermissionDenied
        form = ConferenceSetupForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                created = setup.conference_setup(
                    first_day=data["first_day"],
                    days=data["days"],
                    rooms=data["rooms"],
                    hours=(data["first_hour"], data["last_hour"]),
                    reception=data["reception"],
                )
            except ValueError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request,
                    gettext(
                        "Created %(days)d days, %(rooms)d rooms and %(slots)d slots; "
                        "what existed was kept."
                    )
                    % {"days": created.days, "rooms": created.rooms, "slots": created.slots},
                    messages.SUCCESS,
                )
                for note in created.notes:
                    self.message_user(request, note, messages.WARNING)
                return HttpResponseRedirect(reverse("admin:boards_day_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Set up the conference"),
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, "admin/boards/day/setup.html", context)

    def glance_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not (self.has_view_permission(request) and request.user.has_perm("boards.view_card")):
            raise PermissionDenied
        day = get_object_or_404(Day, pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("%(day)s at a glance") % {"day": day},
            "opts": self.model._meta,
            "glance": build_glance(day),
            "other_days": Day.objects.exclude(pk=day.pk),
        }
        return TemplateResponse(request, "admin/boards/day/glance.html", context)


# Rooms --------------------------------------------------------------------------------


class RoomForm(forms.ModelForm):
    create_slots = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Create its slots"),
        help_text=_("Give the new room a slot at every hour the existing days have."),
    )

    class Meta:
        model = Room
        fields = ["name", "capacity", "location", "position"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    form = RoomForm
    list_display = ["name", "capacity", "location", "position"]
    list_editable = ["capacity", "location", "position"]
    actions = ["create_slots"]

    def get_fields(self, request, obj=None):
        fields = ["name", "capacity", "location", "position"]
        return fields if obj else [*fields, "create_slots"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and form.cleaned_data.get("create_slots"):
            created = grid.room_slots_create(room=obj)
            self.message_user(
                request,
                gettext("%(room)s has %(slots)s.")
                % {"room": obj, "slots": _slots(created, "new slot")},
                messages.SUCCESS,
            )

    @admin.action(description=_("Create slots for the existing days"), permissions=["add"])
    def create_slots(self, request, queryset):
        for room in queryset:
            created = grid.room_slots_create(room=room)
            self.message_user(request, f"{room}: {_slots(created, 'new slot')}.", messages.SUCCESS)


# Slots --------------------------------------------------------------------------------


class YesNoFilter(admin.SimpleListFilter):
    """A filter with two answers: the rows that match `yes`, and the others."""

    yes: Q
    yes_label = _("Yes")
    no_label = _("No")

    def lookups(self, request, model_admin):
        return [("yes", self.yes_label), ("no", self.no_label)]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.yes)
        if self.value() == "no":
            return queryset.exclude(self.yes)
        return queryset


class BlockedFilter(YesNoFilter):
    title = _("blocked")
    parameter_name = "blocked"
    yes = ~Q(blocked_reason="")
    yes_label, no_label = _("Blocked"), _("Not blocked")


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["when", "room", "blocked_reason", "card"]
    list_filter = ["day", "room", BlockedFilter]
    list_per_page = 200
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
        # Blocking from the slot's own page follows the action's rule: not over a card.
        elif grid.slots_block(slot_ids=[obj.pk], reason=obj.blocked_reason):
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
        form = ReasonForm(request.POST if "apply" in request.POST else None, help_text=help_text)
        if form.is_valid():
            refused = grid.slots_block(
                slot_ids=list(queryset.values_list("pk", flat=True)),
                reason=form.cleaned_data["reason"],
            )
            blocked = queryset.count() - len(refused)
            if blocked:
                message = ngettext("Blocked %(n)d slot.", "Blocked %(n)d slots.", blocked)
                self.message_user(request, message % {"n": blocked}, messages.SUCCESS)
            if refused:
                cards = (
                    Card.objects.holding().filter(slot__in=refused).select_related("slot__room")
                )
                names = "; ".join(f"{card.slot}: “{card.title}”" for card in cards)
                message = ngettext(
                    "Not blocked, because a card is on it (move or remove the card first): "
                    "%(cards)s.",
                    "Not blocked, because cards are on them (move or remove the cards first): "
                    "%(cards)s.",
                    len(refused),
                )
                self.message_user(request, message % {"cards": names}, messages.WARNING)
            return None
        return _action_form(
            request,
            modeladmin=self,
            queryset=queryset.select_related("room"),
            action="block_slots",
            title=_("Block slots"),
            form=form,
            intro=_("These slots will show the reason on the board and cannot be claimed:"),
        )

    @admin.action(
        description=_("Unblock the selected slots (asks to confirm)"), permissions=["change"]
    )
    def unblock_slots(self, request, queryset):
        if asked := _ask_to_confirm(
            request,
            modeladmin=self,
            queryset=queryset.select_related("room"),
            action="unblock_slots",
            title=_("Unblock slots"),
            intro=_("These slots lose their reason and anyone can claim them:"),
        ):
            return asked
        grid.slots_block(slot_ids=list(queryset.values_list("pk", flat=True)), reason="")
        self.message_user(
            request,
            gettext("Unblocked %(slots)s.") % {"slots": _slots(queryset.count())},
            messages.SUCCESS,
        )


# Cards --------------------------------------------------------------------------------


class FlaggedFilter(YesNoFilter):
    title = _("flagged")
    parameter_name = "flagged"
    yes = Q(open_flags__gt=0)
    yes_label, no_label = _("Flagged, not answered"), _("Not flagged")


def _changes(event: CardEvent) -> str:
    """What an event changed, as “field: before → after” pairs."""
    if not event.before:
        return ""
    return "; ".join(
        f"{key}: “{event.before.get(key, '')}” → “{value}”"
        for key, value in event.after.items()
        if key != "slot_id" and event.before.get(key) != value
    )


class FlagInline(admin.TabularInline):
    """The reports on a card, with the reasons the reporters gave."""

    model = Flag
    fields = ["created_at", "reason", "cleared_at"]
    readonly_fields = ["created_at", "reason", "cleared_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
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
    fields = [
        "title",
        "description",
        "host_name",
        "host_handle",
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
    actions = ["remove_cards", "restore_cards", "move_card", "clear_flags", "export_csv"]
    change_list_template = "admin/boards/card/change_list.html"

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
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    chair_time(event.at),
                    event.actor,
                    event.get_action_display(),
                    _changes(event),
                )
                for event in card.events.all()
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            gettext("When"),
            gettext("Who"),
            gettext("What"),
            gettext("Changed"),
            rows,
        )

    def history_view(self, request, object_id, extra_context=None):
        # Django's own history lists admin log entries, which the services do not write;
        # the card's real history (hosts' changes included) is on its page.
        return HttpResponseRedirect(reverse("admin:boards_card_change", args=[object_id]))

    def save_model(self, request, obj, form, change):
        # The chair's edits of the text go through the service, so they are in the history.
        # Only the text is written, on the card as it is now: a host's move or a
        # removal since the chair opened the page is kept.
        card = Card.objects.select_related("slot").get(pk=obj.pk)
        try:
            cards.card_update(
                card=card,
                title=obj.title,
                description=obj.description,
                host_name=obj.host_name,
                host_handle=obj.host_handle,
                actor=cards.chair_actor(request.user),
            )
        except services.SlotUnavailable as error:
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
        return self._csv_response(exports.cards_queryset().filter(pk__in=shown.values("pk")))

    @admin.action(description=_("Export the selected cards as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return self._csv_response(exports.cards_queryset().filter(pk__in=queryset.values("pk")))

    @admin.action(
        description=_("Remove the selected cards (asks for the reason)"), permissions=["change"]
    )
    def remove_cards(self, request, queryset):
        help_text = _("The host reads it on their card's page. Be kind and clear.")
        form = ReasonForm(request.POST if "apply" in request.POST else None, help_text=help_text)
        if form.is_valid():
            actor = cards.chair_actor(request.user)
            for card in queryset.select_related("slot"):
                try:
                    cards.card_remove(card=card, reason=form.cleaned_data["reason"], actor=actor)
                except (services.CardNotOnBoard, services.SlotUnavailable) as error:
                    self.message_user(request, str(error), messages.WARNING)
                else:
                    self.message_user(
                        request, gettext("Removed “%(card)s”; its slot is free.") % {"card": card}
                    )
            return None
        return _action_form(
            request,
            modeladmin=self,
            queryset=queryset.select_related("slot__room"),
            action="remove_cards",
            title=_("Remove cards"),
            form=form,
            intro=_("These cards will leave the board and their slots will be free:"),
        )

    @admin.action(
        description=_("Restore the selected cards to their slots (asks to confirm)"),
        permissions=["change"],
    )
    def restore_cards(self, request, queryset):
        if asked := _ask_to_confirm(
            request,
            modeladmin=self,
            queryset=queryset.select_related("slot__room"),
            action="restore_cards",
            title=_("Restore cards"),
            intro=_("These cards go back on the board, on their slots if still free:"),
        ):
            return asked
        actor = cards.chair_actor(request.user)
        for card in queryset.select_related("slot__room"):
            try:
                cards.card_restore(card=card, actor=actor)
            except (services.SlotUnavailable, services.CardNotOnBoard) as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("“%(card)s” is back on the board.") % {"card": card},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Move the selected card to another slot"), permissions=["change"])
    def move_card(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Select exactly one card to move."), messages.WARNING
            )
            return None
        card = queryset.select_related("slot__room", "slot__day").get()
        now = timezone.now()
        form = ChairMoveForm(request.POST if "apply" in request.POST else None, now=now)
        if form.is_valid():
            try:
                cards.card_move(
                    card=card,
                    to_slot=form.cleaned_data["to_slot"],
                    now=now,
                    actor=cards.chair_actor(request.user),
                )
            except (services.SlotUnavailable, services.CardNotOnBoard) as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("Moved “%(card)s” to %(slot)s.") % {"card": card, "slot": card.slot},
                    messages.SUCCESS,
                )
            return None
        return _action_form(
            request,
            modeladmin=self,
            queryset=queryset.select_related("slot__room"),
            action="move_card",
            title=_("Move a card"),
            form=form,
            intro=_("Tell the host: this card moves to the slot you pick."),
        )

    @admin.action(
        description=_("Clear flags: keep the cards on the board (asks to confirm)"),
        permissions=["change"],
    )
    def clear_flags(self, request, queryset):
        if asked := _ask_to_confirm(
            request,
            modeladmin=self,
            queryset=queryset.select_related("slot__room"),
            action="clear_flags",
            title=_("Clear flags"),
            intro=_("The reports on these cards are answered; hidden ones go back on the board:"),
        ):
            return asked
        actor = cards.chair_actor(request.user)
        for card in queryset.select_related("slot"):
            try:
                cards.card_flags_clear(card=card, actor=actor)
            except services.SlotUnavailable as error:
                self.message_user(request, f"“{card}”: {error}", messages.ERROR)
        self.message_user(
            request, gettext("The flags are answered; the cards stay."), messages.SUCCESS
        )


@admin.register(CardEvent)
class CardEventAdmin(admin.ModelAdmin):
    list_display = ["when", "card", "actor", "action"]
    list_filter = ["action"]
    search_fields = ["card__title", "actor"]
    list_select_related = ["card"]
    date_hierarchy = "at"

    @admin.display(description=_("When"), ordering="at")
    def when(self, event: CardEvent) -> str:
        return chair_time(event.at)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["reported", "card", "reason", "answered"]

    @admin.display(description=_("Reported"), ordering="created_at")
    def reported(self, flag: Flag) -> str:
        return chair_time(flag.created_at)

    @admin.display(description=_("Answered"), ordering="cleared_at")
    def answered(self, flag: Flag) -> str:
        return chair_time(flag.cleared_at)

    list_filter = [("cleared_at", admin.EmptyFieldListFilter)]
    list_select_related = ["card"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
