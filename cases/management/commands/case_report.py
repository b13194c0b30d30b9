import datetime as dt
import json

from django.core.management.base import BaseCommand

from cases.reports import case_report, report_as_text


class Command(BaseCommand):
    help = "Count the cases of each type by state, and the overdue ones (open and past their due date)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument(
            "--on", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD: overdue as of this day (default today)"
        )

    def handle(self, *args, **options):
        report = case_report(on=options["on"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, indent=2, sort_keys=False))
        else:
            self.stdout.write(report_as_text(report))
