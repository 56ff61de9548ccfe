"""Mail to hosts."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from boards.models import Card


def send_manage_link(*, card: Card, manage_url: str) -> None:
    """Send the private manage link to the host, if they gave an address."""
    if not card.email:
        return
    context = {"card": card, "manage_url": manage_url, "name": settings.OPENSPACES_NAME}
    send_mail(
        subject=f"{settings.OPENSPACES_NAME}: your card “{card.title}”",
        message=render_to_string("boards/email/manage_link.txt", context),
        from_email=None,
        recipient_list=[card.email],
        # The link is on the page as well; a mail outage must not lose the claim.
        fail_silently=True,
    )
