"""{% openspaces_version %}: the running release, for the admin's footer."""

from django import template

import openspaces

register = template.Library()


@register.simple_tag
def openspaces_version() -> str:
    return openspaces.__version__
