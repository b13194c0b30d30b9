import argparse

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cases.errors import DomainError
from cases.proactive import Outcome, import_marriage_file

HELP = gettext_noop(
    """Grant marriage grants proactively from a civil-registry file of marriages.

For every marriage record the system opens a marriage-grant claim for the insured spouse,
decides it and pays it, with no request and no staff member; records that do not qualify
are skipped with their reason. Every record is kept with its outcome, so running the same
file again does nothing twice. A summary is printed.

File format: CSV, UTF-8, comma-separated, with a header line naming the columns
  registration_number  the civil registry's number of the marriage record (up to 40 characters)
  ssn                  the social security number of one spouse (10 digits, the last a check digit)
  marriage_date        the date of the marriage, YYYY-MM-DD
in any order (other columns are ignored); then one record a line. A marriage of two insured
spouses comes as two lines with the same registration number. Empty lines and lines starting
with # are ignored. Example: fixtures/civil_registry_sample.csv

  registration_number,ssn,marriage_date
  M-2025-000101,3000000012,2025-03-08

Outcomes: paid (claim closed and paid); awaiting_bank_account (approved and scheduled, the
claim stays in payment until the person has a verified bank account, then the daily payment
run pays it); not_eligible (too few contribution days before the marriage; no claim);
unknown_person; invalid_ssn (wrong check digit); already_claimed (a claim for this marriage
exists); and, reported but not kept: already_imported, duplicate (repeated in the file),
invalid_record (missing value, bad or future date)."""
)


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = _(HELP)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("CSV file of marriage records"))

    def handle(self, *args, **options):
        path = options["file"]
        try:
            stream = open(path, encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror})
        with stream:
            try:
                summary = import_marriage_file(stream)
            except (DomainError, UnicodeDecodeError) as exc:
                raise CommandError(getattr(exc, "message", str(exc)))
        counts = summary.counts
        write = self.stdout.write
        write(
            _("Civil registry marriages in %(path)s: %(n)s record(s) read.") % {"path": path, "n": len(summary.results)}
        )
        write(_("  claims opened: %(n)s") % {"n": summary.opened})
        for outcome in Outcome.OPENED:
            write(f"    {Outcome.LABELS[outcome]}: {counts[outcome]}")
        skipped = summary.skipped
        write(_("  skipped: %(n)s") % {"n": len(skipped)})
        for outcome, label in Outcome.LABELS.items():
            if outcome not in Outcome.OPENED and counts[outcome]:
                write(f"    {label}: {counts[outcome]}")
        if skipped:
            write(_("Skipped records:"))
            for result in skipped:
                record = result.record
                write(
                    _("  line %(line)s, record %(number)s, SSN %(ssn)s: %(reason)s")
                    % {
                        "line": record.line,
                        "number": record.registration_number,
                        "ssn": record.ssn,
                        "reason": result.reason,
                    }
                )
