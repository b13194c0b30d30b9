import datetime as dt

from django.core.management.base import BaseCommand

from cases.deadlines import mark_overdue


class Command(BaseCommand):
    help = (
        "Mark open cases past their due date as overdue, alert their supervisors and escalate them "
        "by their type's rule; close resolved grievances past their reopening window. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--on", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")

    def handle(self, *args, **options):
        run = mark_overdue(on=options["on"])
        self.stdout.write(
            f"on {run.on.isoformat()}: cases marked overdue: {run.marked}, escalated: {run.escalated}, "
            f"alerts: {run.alerts}, grievances closed: {run.grievances_closed}, refused: {len(run.refused)}"
        )
        for case_id, message in run.refused:
            self.stdout.write(f"  case {case_id}: {message}")
