import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from audit.services import CHECKPOINT_SETTLE, WRITERS_WAIT, CheckpointDeferred, create_checkpoint


class Command(BaseCommand):
    help = "Write a checkpoint over the audit chains changed since the last one."

    def add_arguments(self, parser):
        parser.add_argument("--settle-seconds", type=int, default=int(CHECKPOINT_SETTLE.total_seconds()))
        parser.add_argument(
            "--wait-seconds",
            type=int,
            default=int(WRITERS_WAIT.total_seconds()),
            help="how long to wait for transactions still writing audit events (PostgreSQL)",
        )

    def handle(self, *args, **options):
        try:
            cp = create_checkpoint(
                settle=dt.timedelta(seconds=options["settle_seconds"]),
                wait=dt.timedelta(seconds=options["wait_seconds"]),
            )
        except CheckpointDeferred as exc:
            raise CommandError(f"checkpoint deferred: {exc}") from exc
        if cp is None:
            self.stdout.write("nothing new to checkpoint")
        else:
            # ID:HASH is what audit_verify --expect-checkpoint takes: keep it outside the database.
            self.stdout.write(f"checkpoint {cp.pk}:{cp.hash}: {cp.event_count} events, {cp.head_count} chains")
