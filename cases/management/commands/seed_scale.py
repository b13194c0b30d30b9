from django.core.management.base import BaseCommand, CommandError

from cases.models import CaseType
from cases.seeding import seed_scale


class Command(BaseCommand):
    help = (
        "Write N synthetic cases in bulk (half benefit claims, the rest split evenly over the other "
        "chosen types), with their people, viewflow processes and tasks "
        "(open tasks in branch queues, some assigned) and their audit chains. Run after seed_demo "
        "(without an org tree a minimal one is created)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="number of cases to write")
        parser.add_argument(
            "--types",
            default=",".join(CaseType.values),
            help="comma-separated case types (default: all six): " + ", ".join(CaseType.values),
        )
        parser.add_argument("--batch", type=int, default=20_000, help="claims per transaction (default 20000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--no-checkpoint", action="store_true", help="do not write an audit checkpoint over the new events"
        )

    def handle(self, *args, **options):
        if options["cases"] <= 0 or options["batch"] <= 0:
            raise CommandError("--cases and --batch must be positive")
        total = options["cases"]
        types = [t.strip() for t in options["types"].split(",") if t.strip()]
        unknown = sorted(set(types) - set(CaseType.values))
        if unknown or not types:
            raise CommandError(f"unknown case types: {', '.join(unknown) or '(none given)'}")

        def progress(stats):
            self.stdout.write(
                f"{stats.cases:>10,}/{total:,} cases  {stats.tasks:>10,} tasks  {stats.events:>11,} events  "
                f"{stats.seconds:7.1f} s  {stats.rate:8,.0f} cases/s"
            )
            self.stdout.flush()

        stats = seed_scale(
            total,
            batch=options["batch"],
            seed=options["seed"],
            checkpoint=not options["no_checkpoint"],
            progress=progress,
            types=types,
        )
        self.stdout.write(
            f"Done: {stats.cases:,} cases, {stats.persons:,} persons, {stats.tasks:,} tasks "
            f"({stats.open_tasks:,} open, {stats.assigned_tasks:,} assigned), {stats.events:,} audit events "
            f"in {stats.seconds:.1f} s: {stats.rate:,.0f} cases/s"
        )
        if stats.checkpoint_seconds:
            self.stdout.write(
                f"  (of which {stats.checkpoint_seconds:.1f} s for the audit checkpoint over the new events)"
            )
        for state, count in sorted(stats.by_state.items()):
            self.stdout.write(f"  {state:<14} {count:,}")
