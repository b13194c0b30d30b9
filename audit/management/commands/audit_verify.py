import os
import re

from django.core.management.base import BaseCommand, CommandError

from audit import anchors
from audit.verify import verify_all

_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


def _anchor(value):
    match = _ANCHOR.match(value.strip())
    if not match:
        raise CommandError(f"--expect-checkpoint takes ID:HASH (a checkpoint id and its 64-digit hash), not {value!r}")
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = (
        "Verify every audit chain and checkpoint, and the chain heads other tables record "
        "(AUDIT_HEAD_SOURCES); exit non-zero naming the first broken link."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="list every problem, not only the first")
        parser.add_argument(
            "--expect-checkpoint",
            action="append",
            default=[],
            metavar="ID:HASH",
            help="a checkpoint recorded outside the database (as audit_checkpoint printed it); repeatable",
        )
        parser.add_argument(
            "--anchors",
            metavar="FILE",
            help="the published anchors to compare with (an export of a syslog sink); "
            "default: the configured sink (SOCIUS_AUDIT_ANCHORS)",
        )

    def handle(self, *args, **options):
        expected = [_anchor(value) for value in options["expect_checkpoint"]]
        published = None
        if options["anchors"]:
            if not os.path.isfile(options["anchors"]):
                raise CommandError(f"--anchors: no such file {options['anchors']!r}")
            published = anchors.read(anchors.FileSink(options["anchors"]).lines())
        elif anchors.sink() is not None and anchors.published() is None:
            raise CommandError("the anchor sink cannot be read back: give an export with --anchors FILE")
        result = verify_all(stop_at_first=not options["all"], expected_checkpoints=expected, anchors=published)
        summary = (
            f"checked {result.events_checked} events in {result.chains_checked} chains, "
            f"{result.checkpoints_checked} checkpoints and {result.heads_checked} recorded chain heads, "
            f"against {result.anchors_checked} checkpoints published outside the database"
        )
        if result.ok:
            self.stdout.write(f"OK: {summary}")
            return
        self.stdout.write(summary)
        for problem in result.problems:
            self.stderr.write(f"BROKEN: {problem}")
        raise CommandError(f"audit trail verification failed: {result.problems[0]}")
