"""Days: the conference's set-up, and each day at a glance."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from boards import queries
from boards.admin.common import ChairAdmin, chair_date, chair_time
from boards.forms import ConferenceSetupForm
from boards.models import Card, Day
from boards.services.setup import conference_setup


@admin.register(Day)
class DayAdmin(ChairAdmin):
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
                created = conference_setup(
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
            "glance": queries.glance(day, timezone.now()),
            "other_days": Day.objects.exclude(pk=day.pk),
        }
        return TemplateResponse(request, "admin/boards/day/glance.html", context)
