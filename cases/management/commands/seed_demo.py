import contextlib
import io
import time

from django.core.management.base import BaseCommand

from cases.models import Notification
from cases.seeding import seed_demo


class Command(BaseCommand):
    help = (
        "Build the demo office: org tree, authority limits, parameters, staff of every role, insured "
        "people, and benefit claims in every state. Safe to run again; every run sets new random "
        "staff passwords and prints them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--claim-branches",
            type=int,
            default=None,
            metavar="N",
            help="file the benefit claims in the first N branches only (a smaller demo; every state is still reached)",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        notifications_before = Notification.objects.count()
        # Claimants' notifications go to the configured mail backend; a console backend would
        # bury the staff logins printed below, so its output is held back here.
        held = io.StringIO()
        with contextlib.redirect_stdout(held):
            result = seed_demo(claim_branches=options["claim_branches"])
        notified = Notification.objects.count() - notifications_before
        out = self.stdout
        out.write(f"Demo office ready in {time.monotonic() - started:.1f} s.")
        if result.added:
            out.write("  Added in this run: " + ", ".join(f"{n} {what}" for what, n in result.added.items()) + ".")
        else:
            out.write("  Nothing added: the demo office was complete. Only the staff passwords are new.")
        out.write(f"  {result.persons} insured people, {result.employers} employers")
        out.write(f"  {result.claims_filed} benefit claims filed in this run; claims by state now:")
        for state, count in sorted(result.claims_by_state.items()):
            out.write(f"    {state:<14} {count}")
        for case_type, count in result.other_filed.items():
            out.write(f"  {count} {case_type} cases filed in this run")
        out.write("  cases of the other types by state now:")
        for (case_type, state), count in sorted(result.cases_by_type_state.items()):
            if case_type != "benefit_claim":
                out.write(f"    {case_type:<22} {state:<17} {count}")
        if notified:
            out.write(f"  {notified} notifications to claimants handed to the mail backend")
        if result.checkpoint is not None:
            out.write(f"  audit checkpoint {result.checkpoint.pk} over {result.checkpoint.event_count} events")
        out.write("")
        out.write(
            "After the password, each login asks for a code of an authenticator app (TOTP). An account "
            "without one sets it up at its first login: the page shows its QR code and key "
            "(any TOTP app, or `oathtool --totp -b KEY`)."
        )
        out.write("Staff logins (new random passwords, valid until the next run):")
        width = max(len(login.username) for login in result.logins)
        for login in result.logins:
            out.write(f"  {login.username:<{width}}  {login.password}  {login.role} at {login.unit.name}")
        if result.portal_logins:
            out.write("E-services portal logins (/portal/; the social security number and a new random password):")
            for login in result.portal_logins:
                out.write(f"  {login.username:<{width}}  {login.password}  {login.person}, {login.why}")
