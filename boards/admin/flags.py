"""Attendees' reports on cards."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from boards.admin.common import ReadOnlyAdmin, chair_time
from boards.models import Flag


class FlagInline(admin.TabularInline):
    """The reports on a card, with the reasons the reporters gave."""

    model = Flag
    fields = ["created_at", "reason", "cleared_at"]
    readonly_fields = ["created_at", "reason", "cleared_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["reported", "card", "reason", "answered"]

    @admin.display(description=_("Reported"), ordering="created_at")
    def reported(self, flag: Flag) -> str:
        return chair_time(flag.created_at)

    @admin.display(description=_("Answered"), ordering="cleared_at")
    def answered(self, flag: Flag) -> str:
        return chair_time(flag.cleared_at)

    list_filter = [("cleared_at", admin.EmptyFieldListFilter)]
    list_select_related = ["card"]
