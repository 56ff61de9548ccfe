"""Rooms, and the slots a room added later gets."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from boards.admin.common import ChairAdmin, acting_chair, busy_told
from boards.forms import VisibleCharField
from boards.models import Room
from boards.services.cards import room_renamed
from boards.services.grid import room_slots_create


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


def _new_slots(room: Room, count: int) -> str:
    return ngettext(
        "%(room)s has %(count)d new slot.", "%(room)s has %(count)d new slots.", count
    ) % {"room": room, "count": count}


def _hosts_told(count: int) -> str:
    return ngettext(
        "The host of %(count)d card in it is told where it is now.",
        "The hosts of %(count)d cards in it are told where it is now.",
        count,
    ) % {"count": count}


@admin.register(Room)
class RoomAdmin(ChairAdmin):
    form = RoomForm
    # The name and location people read on the board and the door signs: visible text
    # only, in the room's form and in the list's editable cells alike.
    formfield_overrides = {models.CharField: {"form_class": VisibleCharField}}
    list_display = ["name", "capacity", "location", "position"]
    list_editable = ["capacity", "location", "position"]
    actions = ["create_slots"]

    def get_fields(self, request, obj=None):
        fields = ["name", "capacity", "location", "position"]
        return fields if obj else [*fields, "create_slots"]

    def save_model(self, request, obj, form, change):
        before = Room.objects.get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if before is not None:
            # The admin saves in one transaction: the room and its hosts' notices commit
            # together.
            with busy_told(self, request):
                told = room_renamed(
                    room=obj, before=before, now=timezone.now(), actor=acting_chair(request)
                )
                if told:
                    self.message_user(request, _hosts_told(told), messages.SUCCESS)
        if not change and form.cleaned_data.get("create_slots"):
            with busy_told(self, request):
                created = room_slots_create(room=obj)
                self.message_user(request, _new_slots(obj, created), messages.SUCCESS)

    @admin.action(description=_("Create slots for the existing days"), permissions=["add"])
    def create_slots(self, request, queryset):
        for room in queryset:
            with busy_told(self, request):
                created = room_slots_create(room=room)
                self.message_user(request, _new_slots(room, created), messages.SUCCESS)
