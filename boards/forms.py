"""What hosts type: validated, cleaned, and never lost."""

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # what gettext_lazy gives: a text, translated when it is shown
    from django_stubs_ext import StrOrPromise


from boards import queries
from boards.handles import Handle, InvalidHandle
from boards.models import (
    ATTENDANCE_MAX,
    LINK_LENGTH,
    LINKS_MAX,
    NOTES_LENGTH,
    Card,
    Day,
    Room,
    Slot,
    SlotQuerySet,
)
from boards.text import visible_text


class VisibleCharField(forms.CharField):
    """A CharField for text people will read: boards.text.visible_text before the length
    and required checks, so that a text with nothing visible in it is refused with the
    same message as an empty one. A Textarea keeps its line breaks."""

    def to_python(self, value):
        value = super().to_python(value)
        return visible_text(value, multiline=isinstance(self.widget, forms.Textarea))


class CardTextForm(forms.Form):
    """The text of a card: shared by claiming and editing."""

    title = VisibleCharField(
        label=_("Title"),
        max_length=80,
        help_text=_("What you want to talk about. Up to 80 characters."),
    )
    description = VisibleCharField(
        label=_("Description"),
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: a line or two. Up to 400 characters."),
    )
    host_name = VisibleCharField(
        label=_("Your name"), max_length=60, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    host_handle = VisibleCharField(
        label=_("Social handle"),
        required=False,
        max_length=120,
        help_text=_(
            "Optional: @you@mastodon.social, you.bsky.social, github.com/you or x.com/you."
        ),
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}
        ),
    )

    def clean_host_handle(self) -> str:
        raw = self.cleaned_data["host_handle"]
        if not raw:
            return ""
        try:
            return Handle.parse(raw).text
        except InvalidHandle as error:
            raise ValidationError(str(error), code="invalid_handle") from error


class ClaimForm(CardTextForm):
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        help_text=_(
            "Optional and private: we send you the link to edit your card there, tell you "
            "if the Open Spaces chair changes it, and ask once, after your hour, for your "
            "notes."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # A honeypot: hidden from people by CSS and aria-hidden, filled in by naive bots.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    # "Host this" on the ideas wall: the idea the card hosts, carried by the form (and to
    # the free slots a 409 offers); an idea gone from the wall meanwhile is not linked.
    idea = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_idea(self) -> int | None:
        # Never an error: the field is hidden, and a claim stands without its idea.
        text = self.cleaned_data["idea"]
        return int(text) if text.isdigit() and len(text) <= 9 else None

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise ValidationError(_("Leave this field empty."), code="honeypot")
        return ""


class CardEditForm(CardTextForm):
    pass


class MoveForm(forms.Form):
    # Nothing chosen at first: "Move my card" without a choice must not move it.
    to_slot = forms.ModelChoiceField(
        queryset=Slot.objects.none(), label=_("Move to"), empty_label=_("Choose a free slot…")
    )

    def __init__(self, *args: Any, free_slots: QuerySet[Slot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_slot"].queryset = free_slots
        group_by_day_and_hour(self.fields["to_slot"])


class LinksField(VisibleCharField):
    """A few web addresses, one a line: only http and https (no javascript:, data: …),
    each a whole URL, at most LINKS_MAX of them. Cleaned to a list, blank lines dropped."""

    validate_url = URLValidator(schemes=["http", "https"])

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value):
        if len(value) > LINKS_MAX:
            raise ValidationError(
                _("At most %(max)s links, one a line."), code="too_many", params={"max": LINKS_MAX}
            )
        for link in value:
            if len(link) > LINK_LENGTH:
                raise ValidationError(
                    _("A link of up to %(max)s characters, please: %(link)s"),
                    code="too_long",
                    params={"max": LINK_LENGTH, "link": link[:60] + "…"},
                )
            try:
                self.validate_url(link)
            except ValidationError as error:
                raise ValidationError(
                    _("Not a web address (https://…): %(link)s"),
                    code="invalid_link",
                    params={"link": link},
                ) from error


NOTES_FIELDS = ["notes", "links", "attendance"]


class NotesForm(forms.Form):
    """What came out of the hour, from its host (or the chair in the admin)."""

    notes = VisibleCharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What was said, decided, asked: a few paragraphs of plain text, for those who "
            "could not come. Up to 4000 characters."
        ),
    )
    links = LinksField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "autocapitalize": "none",
                "autocorrect": "off",
                "spellcheck": "false",
            }
        ),
        help_text=_(
            "Slides, a repository, the shared pad, photos: one web address (https://…) a "
            "line, at most 6."
        ),
    )
    attendance = forms.IntegerField(
        label=_("How many came"),
        required=False,
        min_value=1,
        max_value=ATTENDANCE_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("People in the room, you included: a rough count is fine."),
    )


def card_notes(card: Card) -> dict[str, object]:
    return {"notes": card.notes, "links": list(card.links), "attendance": card.attendance}


def group_by_day_and_hour(field: forms.Field, shown: SlotQuerySet | None = None) -> None:
    """Show a slot list as one <optgroup> a day and hour ("Friday 14 May, 11:00"), each
    listing its rooms: a hundred slots become a list one can find a slot in. Validation
    still goes by the field's queryset; the grouping is read only when the form is shown."""

    assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None
    # `shown`: only part of what is valid is listed (the chair narrowed it by day or room).
    slots, empty_label = (field.queryset if shown is None else shown), field.empty_label

    def grouped() -> list[tuple[object, object]]:
        groups: dict[str, list[tuple[int, str]]] = {}
        for slot in slots:
            start = timezone.localtime(slot.starts_at)
            label = date_format(start, "DATETIME_FORMAT")
            groups.setdefault(label, []).append((slot.pk, slot.room.name))
        return [("", empty_label or ""), *groups.items()]

    field.widget.choices = grouped  # a callable: Django calls it only to render


def card_text(card: Card) -> dict[str, str]:
    return {
        "title": card.title,
        "description": card.description,
        "host_name": card.host_name,
        "host_handle": card.host_handle,
    }


# The chair's forms (Django admin) ------------------------------------------------------


class ConferenceSetupForm(forms.Form):
    """What `setup_boards` asks for, as a form."""

    first_day = forms.DateField(
        label=_("First day"), help_text=_("The first conference day, e.g. 2027-05-14.")
    )
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=14, initial=3)
    rooms = VisibleCharField(
        label=_("Rooms"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One room name a line. Rooms that exist already are kept as they are."),
    )
    first_hour = forms.IntegerField(label=_("First hour"), min_value=0, max_value=23, initial=10)
    last_hour = forms.IntegerField(
        label=_("Last hour"),
        min_value=1,
        max_value=24,
        initial=18,
        help_text=_("The last slot ends at this hour."),
    )
    reception = forms.DateTimeField(
        label=_("First board opens"),
        help_text=_("Local time, e.g. “2027-05-13 17:30”: the opening reception."),
    )

    def clean_rooms(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["rooms"].splitlines()]
        names = [name for name in names if name]
        if not names:
            raise ValidationError(_("Give at least one room."), code="no_rooms")
        if len(set(names)) != len(names):
            raise ValidationError(_("Give each room once."), code="duplicate_rooms")
        return names


class ReasonForm(forms.Form):
    """The reason the board (blocked slots) or the host (removed cards) will read."""

    reason = VisibleCharField(label=_("Reason"), max_length=120)

    def __init__(self, *args, help_text: "StrOrPromise" = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = help_text


class RemovalReasonForm(ReasonForm):
    """The reason a host reads for their card's removal: room for a kind, clear sentence
    or two."""

    reason = VisibleCharField(
        label=_("Reason"),
        max_length=Card._meta.get_field("removed_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )


class ChairMoveForm(forms.Form):
    """Where the chair moves a card. A conference has a hundred or more free slots: the
    list can be narrowed to a day and a room first (the "Show these slots" button, no
    JavaScript needed); any free slot stays valid, whatever is shown."""

    NARROW = "narrow"  # the name of the button that narrows the list instead of moving

    day = forms.ModelChoiceField(
        queryset=Day.objects.order_by("date"),
        required=False,
        label=_("Day"),
        empty_label=_("Every day"),
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.order_by("position", "name"),
        required=False,
        label=_("Room"),
        empty_label=_("Every room"),
    )
    to_slot = forms.ModelChoiceField(
        queryset=Slot.objects.none(),
        label=_("Move to"),
        help_text=_("Free, unblocked slots that have not ended yet."),
    )
    narrow_label = _("Show these slots")
    reason = VisibleCharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Optional. The host reads it on their manage page and in the mail."),
    )

    def __init__(self, *args: Any, now: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = queries.chair_move_targets(now)
        self.fields["to_slot"].queryset = targets
        shown = targets
        if day := self._chosen("day"):
            shown = shown.filter(day_id=day)
        if room := self._chosen("room"):
            shown = shown.filter(room_id=room)
        group_by_day_and_hour(self.fields["to_slot"], shown)

    def _chosen(self, name: str) -> int | None:
        value = str((self.data.get(name) if self.is_bound else self.initial.get(name)) or "")
        return int(value) if value.isdigit() else None


class CardAdminForm(forms.ModelForm):
    """The chair edits a card's text by the same rules as its host (a bad handle would
    break the board)."""

    title = CardTextForm.base_fields["title"]
    description = CardTextForm.base_fields["description"]
    host_name = CardTextForm.base_fields["host_name"]
    host_handle = CardTextForm.base_fields["host_handle"]
    clean_host_handle = CardTextForm.clean_host_handle
    # The chair may change the notes at any time, by the host's rules.
    notes = NotesForm.base_fields["notes"]
    links = NotesForm.base_fields["links"]
    attendance = NotesForm.base_fields["attendance"]

    class Meta:
        model = Card
        fields = ["title", "description", "host_name", "host_handle", *NOTES_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_name"].label = _("Host name")


class FlagForm(forms.Form):
    """An attendee's report: a short reason, which the chair reads."""

    reason = VisibleCharField(
        label=_("What is wrong with this card?"),
        max_length=200,
        error_messages={"required": _("Say in a few words what is wrong, for the chair.")},
    )


class HostEmailForm(forms.Form):
    """The host adds, changes or takes away the address they are told at."""

    email = forms.EmailField(
        label=_("Your email"),
        required=False,
        max_length=254,
        help_text=_(
            "Private. We mail your manage link there, and tell you when the Open Spaces chair "
            "changes your card. Leave it empty to get no mail."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class LostLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("The email you gave when you pinned your card"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class IdeaForm(forms.Form):
    """An idea for the wall: a title and a line, as a card's."""

    title = VisibleCharField(
        label=_("Your idea"),
        max_length=80,
        help_text=_("A topic you would come to. Up to 80 characters."),
        error_messages={"required": _("Say in a few words what the idea is.")},
    )
    description = VisibleCharField(
        label=_("A line about it"),
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional. Up to 400 characters."),
    )


class IdeaFlagForm(forms.Form):
    reason = VisibleCharField(
        label=_("What is wrong with this idea?"),
        max_length=200,
        error_messages={"required": _("Say in a few words what is wrong, for the chair.")},
    )
