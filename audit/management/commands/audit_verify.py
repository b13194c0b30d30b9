from django.core.management.base import BaseCommand, CommandError

from audit.verify import verify_all


class Command(BaseCommand):
    help = "Verify every audit chain and checkpoint; exit non-zero naming the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="list every problem, not only the first")

    def handle(self, *args, **options):
        result = verify_all(stop_at_first=not options["all"])
        summary = (
            f"checked {result.events_checked} events in {result.chains_checked} chains "
            f"and {result.checkpoints_checked} checkpoints"
        )
        if result.ok:
            self.stdout.write(f"OK: {summary}")
            return
        self.stdout.write(summary)
        for problem in result.problems:
            self.stderr.write(f"BROKEN: {problem}")
        raise CommandError(f"audit trail verification failed: {result.problems[0]}")
