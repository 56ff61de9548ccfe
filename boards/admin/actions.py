"""The chair's actions that need more than a click (a reason, a slot, a confirmation): an
intermediate page that posts back to the changelist with `apply`, as Django's own delete
action does, then the write on each chosen object, each refusal told."""

import dataclasses
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from boards import services
from boards.admin.common import ChairAdmin, acting_chair
from boards.services.cards import Actor

if TYPE_CHECKING:  # what gettext_lazy gives: a text, translated when it is shown
    from django_stubs_ext import StrOrPromise


@dataclasses.dataclass(frozen=True)
class ActionPage:
    """The intermediate page of one action: its name, its title (also its button), and the
    sentence above the chosen objects."""

    action: str
    title: "StrOrPromise"
    intro: "StrOrPromise"


class ConfirmForm(forms.Form):
    """No field: the intermediate page of an action that only needs a second, deliberate click."""


def applied(request: HttpRequest) -> QueryDict | None:
    """What the intermediate page sent, once the chair pressed its button; None before (the
    changelist's own post), so that its form is shown unbound."""
    return request.POST if "apply" in request.POST else None


def back_to(request: HttpRequest) -> str:
    """Where an action started from an object's page returns: that page, if it is one of
    this site's admin pages (never another site: the field comes from the browser)."""
    back = request.POST.get("back", "")
    if back.startswith(reverse("admin:index")) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return ""


class ChairActions(ChairAdmin):
    """A ModelAdmin with actions that ask first (intermediate pages) and write through
    boards.services."""

    # What the chosen objects' names need on the intermediate page (a slot says its room).
    shown_with: tuple[str, ...] = ()

    def response_action(
        self,
        request: HttpRequest,
        queryset: Any,
        action_location: ActionLocation = ActionLocation.CHANGE_LIST,
    ) -> HttpResponse | None:
        """As Django's, but an action started from an object's own page (its buttons send
        `back`) goes back there once done, rather than to the changelist."""
        response = super().response_action(request, queryset, action_location)
        back = back_to(request)
        if back and isinstance(response, HttpResponseRedirect):
            return HttpResponseRedirect(back)
        return response

    def action_page(
        self, request: HttpRequest, queryset: Any, page: ActionPage, form: forms.Form
    ) -> TemplateResponse:
        """The intermediate page: the chosen objects, the form, and the action's button."""
        context = {
            "back": back_to(request),
            **self.admin_site.each_context(request),
            "title": page.title,
            "intro": page.intro,
            "opts": self.model._meta,
            "queryset": queryset.select_related(*self.shown_with),
            "form": form,
            "action": page.action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/boards/action_form.html", context)

    def unconfirmed(
        self, request: HttpRequest, queryset: Any, page: ActionPage
    ) -> TemplateResponse | None:
        """The "are you sure?" page of an action that cannot be taken back, until the chair
        confirms it (None then: go ahead)."""
        if ConfirmForm(applied(request)).is_valid():
            return None
        return self.action_page(request, queryset, page, ConfirmForm())

    def write_each[T](
        self,
        request: HttpRequest,
        objects: Iterable[T],
        write: Callable[[T, Actor], object],
        *,
        done: Callable[[T], str] | None = None,
        refused: int = messages.ERROR,
    ) -> None:
        """Write on each object as the chair signed in; tell them each refusal (with the
        level `refused`), and each success when `done` says it in words."""
        chair = acting_chair(request)
        for each in objects:
            try:
                write(each, chair)
            except (services.Refused, services.Busy) as error:
                self.message_user(request, error.reason, refused)
            else:
                if done is not None:
                    self.message_user(request, done(each), messages.SUCCESS)

    def write_each_once_confirmed[T: Model](
        self,
        request: HttpRequest,
        queryset: "QuerySet[T]",
        page: ActionPage,
        write: Callable[[T, Actor], object],
        *,
        done: Callable[[T], str] | None = None,
    ) -> TemplateResponse | None:
        """The "are you sure?" page (returned), until the chair confirms; then write_each."""
        if asked := self.unconfirmed(request, queryset, page):
            return asked
        self.write_each(request, queryset, write, done=done)
        return None
