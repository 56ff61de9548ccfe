"""What `announce` posted where and when, and what failed: read only, as the poster left it."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from boards.admin.common import ReadOnlyAdmin, YesNoFilter, chair_time
from boards.models import Announcement


class PostedFilter(YesNoFilter):
    title = _("posted")
    parameter_name = "posted"
    yes = Q(posted_at__isnull=False)


@admin.register(Announcement)
class AnnouncementAdmin(ReadOnlyAdmin):
    # Narrow enough for the chair's laptop beside the sidebar; the tries are on each page.
    list_display = ["card", "network", "kind", "for_slot", "posted", "last_error"]
    list_filter = ["network", "kind", PostedFilter]
    list_select_related = ["card", "slot__room"]
    search_fields = ["card__title", "text"]
    readonly_fields = [
        "card",
        "network",
        "kind",
        "for_slot",
        "text",
        "posted",
        "status_id",
        "attempts",
        "last_error",
    ]
    fields = tuple(readonly_fields)

    @admin.display(description=_("Slot"), ordering="slot_starts_at")
    def for_slot(self, announcement: Announcement) -> str:
        return f"{chair_time(announcement.slot_starts_at)} · {announcement.slot.room.name}"

    @admin.display(description=_("Posted"), ordering="posted_at")
    def posted(self, announcement: Announcement) -> str:
        return chair_time(announcement.posted_at)
