"""What the chair's actions share: the intermediate page of an action (a reason, a slot, a
confirmation), and one way to write dates, times and counts."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext

from boards.services.cards import Actor

if TYPE_CHECKING:  # what gettext_lazy gives: a text, translated when it is shown
    from django_stubs_ext import StrOrPromise


def action_form(
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


def ask_to_confirm(request, **page) -> TemplateResponse | None:
    """The "are you sure?" page of an action that cannot be taken back, until the chair
    confirms it with Apply (None then: go ahead). `page` as for action_form."""
    if ConfirmForm(request.POST if "apply" in request.POST else None).is_valid():
        return None
    return action_form(request, form=ConfirmForm(), **page)


def slots_text(count: int, noun: str = "slot") -> str:
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


def acting_chair(request: HttpRequest) -> Actor:
    """The chair signed in, as the services name them in a card's history."""
    return Actor.chair(request.user.get_username())
