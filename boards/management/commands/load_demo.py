import datetime as dt
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from boards.handles import Handle
from boards.models import Card, Day, Idea, Room, Slot
from boards.services import cards, grid, ideas, setup
from boards.services.grid import bump_board_versions

ROOMS = [
    ("Room 140A", 40, "Level 1, north hall"),
    ("Room 140B", 40, "Level 1, north hall"),
    ("Room 141", 25, "Level 1, north hall"),
    ("Room 250A", 60, "Level 2, by the escalators"),
    ("Room 250B", 60, "Level 2, by the escalators"),
    ("Room 251", 20, "Level 2, quiet wing"),
    ("Room 310", 80, "Level 3, ballroom foyer"),
    ("Room 312", 15, "Level 3, ballroom foyer"),
]
LUNCH_ROOM = "Room 310"
# The demo's chair (DEBUG only): a published password, for a development machine.
DEMO_CHAIR = "chair"
DEMO_CHAIR_PASSWORD = "demo-chair-2026"

CARDS = [
    (
        "Django async in production",
        "War stories and patterns for ASGI views and ORM calls.",
        "Carlton G.",
        "@carlton@fosstodon.org",
    ),
    (
        "Packaging: uv, pip and the lockfile future",
        "Bring your pyproject.toml pains.",
        "Priya N.",
        "priya.bsky.social",
    ),
    (
        "Mentoring first-time contributors",
        "How we run sprints for newcomers.",
        "Sam O.",
        "github.com/samo",
    ),
    (
        "Type hints in big codebases",
        "Gradual typing, mypy vs pyright, stubs.",
        "Lukas W.",
        "@lukasw@hachyderm.io",
    ),
    (
        "Python in astronomy",
        "Astropy users and the curious welcome.",
        "Aiko T.",
        "aiko.bsky.social",
    ),
    (
        "Women in Python meetup",
        "Everyone who supports the cause is welcome.",
        "Maria F.",
        "@mariaf",
    ),
    (
        "Teaching Python to kids",
        "Curricula, tools, and what actually works.",
        "Daniel R.",
        "github.com/drteach",
    ),
    (
        "Rust extensions with PyO3",
        "Share benchmarks and pitfalls.",
        "Ines K.",
        "@ines@mastodon.social",
    ),
    (
        "Data engineering with DuckDB",
        "Local-first analytics, Parquet, Arrow.",
        "Omar H.",
        "x.com/omarh",
    ),
    (
        "Open source maintainers' circle",
        "Burnout, funding, saying no.",
        "Jess P.",
        "jess.bsky.social",
    ),
    (
        "Accessibility in web apps",
        "Screen readers, keyboard use, WCAG 2.2.",
        "Noor A.",
        "@noor@a11y.info",
    ),
    (
        "Free-threaded Python (no GIL)",
        "Who has tried 3.13t? What broke?",
        "Victor S.",
        "github.com/vstinner-fan",
    ),
    ("Job hunting and hiring", "Share leads, CV tips, interview stories.", "Grace L.", ""),
    (
        "Home automation with Python",
        "Home Assistant, MicroPython, sensors.",
        "Tomás M.",
        "@tomas@fosstodon.org",
    ),
    (
        "Scientific Python ecosystem",
        "NumPy 2, SciPy, array API standard.",
        "Ralf G.",
        "ralfg.bsky.social",
    ),
    (
        "Testing strategies that scale",
        "pytest plugins, fixtures, flaky tests.",
        "Hannah B.",
        "github.com/hannahb",
    ),
    (
        "Python on the BEAM? Interop chat",
        "Calling other runtimes from Python.",
        "Kofi A.",
        "@kofi",
    ),
    (
        "Django Girls coaches meetup",
        "Plan the next workshops.",
        "Ola S.",
        "@ola@djangogirls.social",
    ),
    ("Static sites and docs tooling", "Sphinx, MkDocs, and friends.", "Eric H.", "x.com/erich"),
    ("LLMs for code review", "Useful or noise? Bring examples.", "Yuki N.", "yuki.bsky.social"),
    ("Python in finance", "Pandas, Polars, and regulators.", "Arjun P.", "github.com/arjunp"),
    ("Quiet coffee for introverts", "Low-key chat, no agenda.", "Mei L.", ""),
    (
        "CPython core dev Q&A",
        "Ask anything about contributing to CPython.",
        "Pablo G.",
        "@pablogsal@fosstodon.org",
    ),
    (
        "Game development with Pygame",
        "Show and tell your game.",
        "Ben C.",
        "github.com/benc-games",
    ),
    (
        "Security: supply chain and PyPI",
        "Trusted publishing, attestations.",
        "Seth L.",
        "seth.bsky.social",
    ),
    (
        "Spanish-speaking Pythonistas",
        "¡Hablemos de Python en español!",
        "Lucía R.",
        "@lucia@mastodon.social",
    ),
    ("Hiring juniors well", "Onboarding that works for everyone.", "Chris W.", "x.com/chrisw"),
    ("Geospatial Python", "GeoPandas, Shapely 2, rasters.", "Fatima Z.", "github.com/fatimaz"),
    ("Python for hardware testing", "Labs, instruments, pytest.", "Jonas E.", "@jonase"),
    ("Remote work and focus", "Tools and habits for deep work.", "Olga V.", "olga.bsky.social"),
    (
        "HTMX and server-rendered apps",
        "Less JavaScript, more hypermedia.",
        "Adam J.",
        "@adamchainz@fosstodon.org",
    ),
    (
        "Community organising: PyCon next year",
        "Volunteer with us!",
        "Kelly T.",
        "github.com/kellyt",
    ),
    ("Machine learning in production", "Monitoring, drift, rollbacks.", "Ravi S.", "x.com/ravis"),
    ("Jupyter power users", "Extensions, kernels, JupyterLite.", "Sofia D.", "sofia.bsky.social"),
    (
        "Writing technical books",
        "Publishers, self-publishing, tooling.",
        "Michael K.",
        "@michaelk@hachyderm.io",
    ),
    ("Python and music", "Sound synthesis, MIDI, live coding.", "Leo B.", "github.com/leob-music"),
    ("Parents in tech", "Juggling conferences and kids.", "Nadia H.", ""),
    (
        "Embedded: MicroPython and CircuitPython",
        "Bring your boards.",
        "Kattni R.",
        "@kattni@mastodon.social",
    ),
    (
        "Database migrations without downtime",
        "Postgres locks, backfills, Django.",
        "Paolo M.",
        "github.com/pauloxnet",
    ),
    ("Board games after hours", "Plan tonight's game night.", "Emma W.", "emma.bsky.social"),
]


# Sample ideas for the wall: (title, a line, how many browsers said "I'd come").
IDEAS = [
    (
        "Packaging in 2027: what actually works",
        "uv, wheels, lock files: bring your war stories.",
        14,
    ),
    ("Python for scientists who never learnt it", "Notebooks, NumPy, and habits that last.", 9),
    ("Board games", "Bring one, learn one. Beginners welcome.", 7),
    ("Mentoring new contributors", "How projects keep first-timers coming back.", 5),
    (
        "Accessibility for Python web apps",
        "Screen readers, contrast, keyboards: a hands-on hour.",
        3,
    ),
]


class Command(BaseCommand):
    help = (
        "Fill a demo conference around today: three days from today (from tomorrow late "
        "in the day), eight rooms, hours 10-18, a room blocked over lunch and forty cards. "
        "Skips if days exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Delete every day, room, slot and card first."
        )

    def handle(self, *args, reset: bool = False, **options) -> None:
        if Day.objects.exists() and not reset:
            self.stdout.write("The boards already have days; use --reset to start over.")
            self._tell_demo_chair()
            return
        # Late in the evening today's hours are over; start tomorrow so that the
        # board a new user sees still has free slots to claim.
        now = timezone.localtime()
        today = now.date() if now.hour < 17 else now.date() + dt.timedelta(days=1)
        with transaction.atomic():
            if reset:
                Card.objects.all().delete()
                Idea.objects.all().delete()
                Slot.objects.all().delete()
                Day.objects.all().delete()
                Room.objects.all().delete()
            reception = timezone.make_aware(
                dt.datetime.combine(today - dt.timedelta(days=1), dt.time(17, 30))
            )
            setup.conference_setup(
                first_day=today,
                days=3,
                rooms=[name for name, _, _ in ROOMS],
                hours=(10, 18),
                reception=reception,
            )
            for position, (name, capacity, location) in enumerate(ROOMS, start=1):
                Room.objects.filter(name=name).update(
                    capacity=capacity, location=location, position=position
                )
            lunch = Slot.objects.filter(room__name=LUNCH_ROOM, starts_at__hour=12)
            grid.slots_block(
                slot_ids=list(lunch.values_list("pk", flat=True)),
                reason="Sponsor lunch until 13:00",
            )
            self._pin_cards(today, now)
            self._seed_ideas()
            bump_board_versions(*Day.objects.values_list("pk", flat=True))
            if settings.DEBUG:  # a development machine: a chair to try the admin with
                self._make_demo_chair()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo conference: {Day.objects.count()} days from {today:%A %-d %B}, "
                f"{Room.objects.count()} rooms, {Card.objects.active().count()} cards."
            )
        )
        self._tell_demo_chair()

    def _make_demo_chair(self) -> None:
        """A staff account in the Chair group with the demo's fixed, published password:
        only with DEBUG on (never in production settings), and only with the demo data."""
        User = get_user_model()
        chair, _created = User.objects.get_or_create(
            username=DEMO_CHAIR, defaults={"is_staff": True}
        )
        chair.is_staff = True
        chair.set_password(DEMO_CHAIR_PASSWORD)
        chair.save()
        chair.groups.add(Group.objects.get(name="Chair"))

    def _tell_demo_chair(self) -> None:
        """The demo chair's sign-in, while it is the demo's: DEBUG on, and the account still
        has the published password (a chair who changed it, or production, gets nothing)."""
        if not settings.DEBUG:
            return
        chair = get_user_model().objects.filter(username=DEMO_CHAIR, is_staff=True).first()
        if chair is None or not chair.check_password(DEMO_CHAIR_PASSWORD):
            return
        self.stdout.write(
            f"The chair's desk: /admin/ — sign in as {DEMO_CHAIR!r} "
            f"with the password {DEMO_CHAIR_PASSWORD!r} (demo data only)."
        )

    def _seed_ideas(self) -> None:
        """A few sample ideas on the wall (the guide lists them), some with "I'd come"s."""
        if Idea.objects.exists():
            return
        for index, (title, description, supporters) in enumerate(IDEAS):
            idea = ideas.idea_suggest(
                title=title, description=description, sample=True, actor=cards.DEMO
            )
            for number in range(supporters):
                ideas.idea_support_set(
                    idea=idea,
                    browser_key=f"demo-browser-{index:02d}-{number:04d}-xxxxxxxx",
                    supports=True,
                    now=timezone.now(),
                )

    def _pin_cards(self, today: dt.date, now: dt.datetime) -> None:
        # The same demo every time: cards spread over today and tomorrow, a few on day 3.
        shuffle = random.Random(2026)
        free = list(
            Slot.objects.filter(blocked_reason="", day__date__lte=today + dt.timedelta(days=2))
            .select_related("day")
            .order_by("starts_at", "room__position")
        )
        shuffle.shuffle(free)
        weights = {0: 20, 1: 14, 2: 6}
        picked = []
        for offset, count in weights.items():
            on_day = [slot for slot in free if (slot.day.date - today).days == offset]
            picked.extend(on_day[:count])
        # Through the claim service, as a host's card, so that every card has its history;
        # as the demo (Role.SYSTEM), which is not bound by the hours (cards earlier today
        # are on it) and may do nothing else.
        for slot, (title, description, host, handle) in zip(picked, CARDS, strict=True):
            cards.card_claim(
                slot=slot,
                title=title,
                description=description,
                host_name=host,
                host_handle=Handle.parse(handle).text if handle else "",
                now=now,
                actor=cards.DEMO,
            )
