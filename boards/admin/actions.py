"""The intermediate page of an action that needs more than a click (a reason, a slot, a
confirmation), posting back to the changelist with `apply`, as Django's delete action does."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse

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


class ConfirmForm(forms.Form):
    """No field: the intermediate page of an action that only needs a second, deliberate click."""
