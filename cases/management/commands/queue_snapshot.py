from django.core.management.base import BaseCommand
from django.utils import timezone

from cases.snapshots import queue_snapshot_take


class Command(BaseCommand):
    help = (
        "Record today's open tasks per unit and case type for the supervisors' charts (Celery beat "
        "runs it every hour; only the day's first run writes). Safe to run twice."
    )

    def handle(self, *args, **options):
        rows = queue_snapshot_take()
        self.stdout.write(f"on {timezone.localdate().isoformat()}: {rows} new snapshot rows")
