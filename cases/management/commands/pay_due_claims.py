import datetime as dt

from django.core.management.base import BaseCommand

from cases.payments import pay_due_claims


class Command(BaseCommand):
    help = "Pay every benefit instalment due by a date (today by default); close claims paid in full."

    def add_arguments(self, parser):
        parser.add_argument("--on", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args, **options):
        paid, closed, refused = pay_due_claims(on=options["on"])
        self.stdout.write(f"claims paid: {paid}, closed: {closed}, not paid: {len(refused)}")
        for case_id, message in refused:
            self.stdout.write(f"  case {case_id}: {message}")
