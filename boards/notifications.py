"""Mail to hosts."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext

from boards.models import Card

logger = logging.getLogger(__name__)


def send_manage_link(*, card: Card, manage_url: str) -> None:
    """Send the private manage link to the host, if they gave an address."""
    if not card.email:
        return
    context = {"card": card, "manage_url": manage_url, "name": settings.OPENSPACES_NAME}
    try:
        send_mail(
            subject=gettext("%(name)s: your card “%(title)s”")
            % {"name": settings.OPENSPACES_NAME, "title": card.title},
            message=render_to_string("boards/email/manage_link.txt", context),
            from_email=None,
            recipient_list=[card.email],
        )
    except OSError:  # smtplib's errors included
        # The link is on the page as well; a mail outage must not lose the claim.
        # (fail_silently= is deprecated in Django 6.1.)
        logger.warning("Could not send the manage link of card %s", card.pk, exc_info=True)
