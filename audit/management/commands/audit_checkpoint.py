from django.core.management.base import BaseCommand

from audit.services import create_checkpoint


class Command(BaseCommand):
    help = "Write a checkpoint over the audit chains changed since the last one."

    def add_arguments(self, parser):
        parser.add_argument("--settle-seconds", type=int, default=30)

    def handle(self, *args, **options):
        import datetime as dt

        cp = create_checkpoint(settle=dt.timedelta(seconds=options["settle_seconds"]))
        if cp is None:
            self.stdout.write("nothing new to checkpoint")
        else:
            self.stdout.write(f"checkpoint {cp.pk}: {cp.event_count} events, {cp.head_count} chains")
