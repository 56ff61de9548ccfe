"""What every page of the chair's shares: one way to write a moment, the chair as the
services name them, a write that met Busy told, a read-only base, the yes/no filter."""

import contextlib
from collections.abc import Iterator

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from boards import services
from boards.services.cards import Actor


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


def acting_chair(request: HttpRequest) -> Actor:
    """The chair signed in, as the services name them in a card's history."""
    return Actor.chair(request.user.get_username())


@contextlib.contextmanager
def busy_told(modeladmin: admin.ModelAdmin, request: HttpRequest) -> Iterator[None]:
    """Around a write: when the database keeps meeting conflicts (services.Busy), the rest
    of the block is skipped and the chair is told to try again, rather than shown a 500."""
    try:
        yield
    except services.Busy as busy:
        modeladmin.message_user(request, busy.reason, messages.ERROR)


class ChairAdmin(admin.ModelAdmin):
    """Every model admin of the boards: what Django's own lets through, answered."""

    def response_action(self, request: HttpRequest, queryset, *args, **kwargs):
        # Django filters the changelist by the selected ids as sent: one that is not an
        # id ("" or "x") raised ValueError there, one past the column's range (2**63)
        # OverflowError on SQLite, each a 500. Either is "nothing selected".
        pk = self.model._meta.pk
        assert pk is not None
        low, high = connection.ops.integer_field_range(pk.get_internal_type())
        try:
            ids = [pk.to_python(value) for value in request.POST.getlist(ACTION_CHECKBOX_NAME)]
        except ValidationError:
            ids = [None]
        if not all(isinstance(each, int) and low <= each <= high for each in ids):
            self.message_user(request, NOTHING_SELECTED, messages.WARNING)
            return None
        return super().response_action(request, queryset, *args, **kwargs)


# Django's own words, in Django's own translations.
NOTHING_SELECTED = gettext_lazy(
    "Items must be selected in order to perform actions on them. No items have been changed."
)


class ReadOnlyAdmin(ChairAdmin):
    """A record the services write and the chair only reads (the history, the reports)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
