"""The admin's own bits: {% openspaces_version %}, the running release, for its footer;
{% flagged_cards_waiting %}, for its index."""

from django import template

import openspaces
from boards import queries

register = template.Library()


@register.simple_tag
def openspaces_version() -> str:
    return openspaces.__version__


@register.simple_tag
def flagged_cards_waiting() -> int:
    return queries.flagged_cards_waiting()
