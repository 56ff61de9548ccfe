from django.core.management.base import BaseCommand
from django.utils import timezone

from boards import tasks


class Command(BaseCommand):
    help = (
        "Make the tasks whose worker died while running them (still running after "
        f"{int(tasks.STUCK_AFTER.total_seconds() // 60)} minutes) ready again. Run it before "
        "a worker starts (bin/with-worker does)."
    )

    def handle(self, *args: object, **options: object) -> None:
        requeued = tasks.requeue_stuck(timezone.now())
        if requeued:
            self.stdout.write(f"{requeued} task(s) whose worker died are ready again.")
