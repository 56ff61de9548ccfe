import datetime as dt
import logging
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from boards import announcements
from boards.models import Announcement
from boards.services.announcements import announce_due, announcements_planned

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Post each open space once, OPENSPACES_ANNOUNCE_MINUTES before it starts, to the "
        "Mastodon account of MASTODON_API_BASE_URL and MASTODON_ACCESS_TOKEN and to the "
        "Bluesky account of BLUESKY_HANDLE and BLUESKY_APP_PASSWORD, those that are set. "
        "With --loop, every minute until stopped; with --dry-run, only say what would be "
        "posted where."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Run every minute until stopped.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be posted now, and where; post and record nothing.",
        )

    def handle(self, *args, loop: bool = False, dry_run: bool = False, **options) -> None:
        if loop and dry_run:
            raise CommandError("--dry-run looks once: it cannot be combined with --loop.")
        posters = announcements.configured_posters()
        if not posters:
            self.stdout.write(
                "Neither MASTODON_API_BASE_URL and MASTODON_ACCESS_TOKEN nor BLUESKY_HANDLE "
                "and BLUESKY_APP_PASSWORD are set: nothing to post."
            )
            return
        if dry_run:
            self._dry_run(posters)
            return
        if not loop:
            self._run(posters)
            return
        try:
            while True:
                # Nothing stops the loop but the operator: a failing server or database
                # is logged and tried again at the next minute.
                try:
                    self._run(posters)
                except Exception:
                    logger.exception("Announcing failed; trying again in a minute")
                finally:
                    close_old_connections()
                pause(_until_next_minute(timezone.now()))
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def _run(self, posters) -> None:
        for announcement in announce_due(posters=posters):
            self.stdout.write(
                f"Posted to {announcement.get_network_display()}: {announcement.text}"
            )

    def _dry_run(self, posters) -> None:
        planned = announcements_planned(posters=posters)
        networks = ", ".join(_label(poster.network) for poster in posters)
        if not planned:
            self.stdout.write(f"Nothing is due now (posting to {networks}). Nothing was posted.")
            return
        for post in planned:
            self.stdout.write(f"Would post to {_label(post.network)}: {post.text}")
        self.stdout.write(f"Dry run: nothing was posted or recorded ({len(planned)} posts).")


def _label(network: str) -> str:
    return str(Announcement.Network(network).label)


def pause(seconds: float) -> None:
    time.sleep(seconds)


def _until_next_minute(now: dt.datetime) -> float:
    """Seconds to the start of the next minute: posts go out on the minute."""
    return 60 - now.second - now.microsecond / 1_000_000
