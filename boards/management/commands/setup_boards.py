import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from boards.services.setup import conference_setup


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--first-day: “{value}” is not a date like 2027-05-14.") from error


def parse_hours(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", value.strip())
    if not match:
        raise CommandError(f"--hours: “{value}” is not a range like 10-18.")
    first, last = int(match[1]), int(match[2])
    if not 0 <= first < last <= 24:
        raise CommandError(f"--hours: “{value}” must run forward within 0-24, like 10-18.")
    return first, last


def parse_reception(value: str) -> dt.datetime:
    try:
        naive = dt.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")  # noqa: DTZ007 made aware below
    except ValueError as error:
        raise CommandError(
            f"--reception: “{value}” is not a local time like “2027-05-13 17:30”."
        ) from error
    return timezone.make_aware(naive)


class Command(BaseCommand):
    help = (
        "Create the conference's days, rooms and hour-long slots. Running it again with "
        "the same arguments changes nothing; new rooms or days are added."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--first-day", required=True, help="The first day, YYYY-MM-DD.")
        parser.add_argument("--days", required=True, type=int, help="How many days.")
        parser.add_argument("--rooms", required=True, nargs="+", metavar="NAME")
        parser.add_argument("--hours", required=True, help="Slot hours, e.g. 10-18.")
        parser.add_argument(
            "--reception",
            required=True,
            help="When the first board opens, local time: “YYYY-MM-DD HH:MM”.",
        )

    def handle(self, *args, **options) -> None:
        if options["days"] < 1:
            raise CommandError("--days must be 1 or more.")
        rooms = [name.strip() for name in options["rooms"] if name.strip()]
        if not rooms or len(set(rooms)) != len(rooms):
            raise CommandError("--rooms: give each room once, e.g. --rooms 140A 140B.")
        try:
            created = conference_setup(
                first_day=parse_date(options["first_day"]),
                days=options["days"],
                rooms=rooms,
                hours=parse_hours(options["hours"]),
                reception=parse_reception(options["reception"]),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {created.days} days, {created.rooms} rooms and {created.slots} slots."
            )
        )
        for note in created.notes:
            self.stdout.write(self.style.WARNING(f"Note: {note}"))
