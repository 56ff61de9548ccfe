"""An attendee's own things, no account: the private calendar address of a browser."""

import secrets

from django.db import IntegrityError, transaction

from boards.models import CalendarKey
from boards.services._write import write


@write
def calendar_key_renew(*, browser_key: str) -> CalendarKey:
    """Give the browser a private calendar address, or a new one: a new salt, so the old
    address (if any) stops working at once. One per browser, by the
    calendar_key_one_per_browser constraint: two first presses at once make one."""
    salt = secrets.token_urlsafe(16)
    fields = {
        "salt": salt,
        "key_hash": CalendarKey.hash_key(CalendarKey.derive(browser_key, salt)),
    }
    existing = CalendarKey.objects.select_for_update().filter(browser_key=browser_key).first()
    if existing is None:
        try:
            with transaction.atomic():
                return CalendarKey.objects.create(browser_key=browser_key, **fields)
        except IntegrityError:  # the same browser's other request made it a moment ago
            existing = CalendarKey.objects.select_for_update().get(browser_key=browser_key)
    for name, value in fields.items():
        setattr(existing, name, value)
    existing.save(update_fields=[*fields, "created_at"])
    return existing


@write
def calendar_key_revoke(*, browser_key: str) -> bool:
    """The browser's private calendar address stops working; True if it had one."""
    deleted, _ = CalendarKey.objects.filter(browser_key=browser_key).delete()
    return deleted > 0
