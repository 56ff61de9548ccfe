import datetime as dt
import logging
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from boards import announcements
from boards.services.announcements import announce_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Post each open space once, OPENSPACES_ANNOUNCE_MINUTES before it starts, to the "
        "Mastodon account of MASTODON_API_BASE_URL and MASTODON_ACCESS_TOKEN. With --loop, "
        "every minute until stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Run every minute until stopped.")

    def handle(self, *args, loop: bool = False, **options) -> None:
        poster = announcements.configured_poster()
        if poster is None:
            self.stdout.write(
                "MASTODON_API_BASE_URL and MASTODON_ACCESS_TOKEN are not both set: "
                "nothing to post."
            )
            return
        if not loop:
            self._run(poster)
            return
        try:
            while True:
                # Nothing stops the loop but the operator: a failing server or database
                # is logged and tried again at the next minute.
                try:
                    self._run(poster)
                except Exception:
                    logger.exception("Announcing failed; trying again in a minute")
                finally:
                    close_old_connections()
                pause(_until_next_minute(timezone.now()))
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def _run(self, poster) -> None:
        for announcement in announce_due(poster=poster):
            self.stdout.write(f"Posted: {announcement.text}")


def pause(seconds: float) -> None:
    time.sleep(seconds)


def _until_next_minute(now: dt.datetime) -> float:
    """Seconds to the start of the next minute: posts go out on the minute."""
    return 60 - now.second - now.microsecond / 1_000_000
