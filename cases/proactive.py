"""The proactive marriage grant: opened, decided and paid by the system from civil-registry records.

The civil registry sends marriage records (registration number, social security number of
one spouse, date of the marriage; a marriage of two insured spouses comes as two records).
For each record the system decides on its own, with no request and no staff member:

* a record it cannot read (missing value, date not of the form YYYY-MM-DD or in the future,
  value too long) is reported and not kept: the registry must send it again corrected;
* a record already seen, in this import or an earlier one, is reported and left alone;
* otherwise the record is kept in ``registry.CivilRegistryRecord`` with its outcome:

  ``invalid_ssn``            the number fails its check digit;
  ``unknown_person``         nobody in the registry has this number;
  ``already_claimed``        the person already has a claim (not withdrawn) for a marriage on
                             this date, filed at the counter or the portal or opened earlier;
  ``not_eligible``           fewer contribution days than required in the window before
                             the marriage (the reason gives the numbers); no claim is opened;
  ``paid``                   a claim is opened, reviewed, recommended, approved and paid by
                             the system, and closed;
  ``awaiting_bank_account``  as above, but the person has no verified bank account: the
                             grant is approved and scheduled, the claim stays in payment and
                             the person is told to register an account; the daily payment
                             run pays and closes it once a verified account exists.

A kept record is never processed again, so re-running a file does nothing twice; a record
skipped for a reason that may change (an unknown person, say) is left to staff, who can
file a claim at the counter.

Each claim is opened in its own transaction, following the pattern of ``cases.services``:
every transition goes through ``Step`` and writes its audit event, with the system as actor
(``actor_label`` "system") and ``automatic: true`` in every payload; the review and decision
tasks are created and completed by the system; the payment schedule is made and paid as the
payment run does. The new claim is invisible to others until its transaction commits, so no
case lock is needed; the unique civil-registry record serialises two imports of one record.
What can be read once is read once per batch of records: people, earlier records, existing
claims, contributions and parameters.
"""

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.actors import Actor
from registry.models import CivilRegistryRecord, ContributionEntry, Person
from registry.services import payment_schedule_create, payments_mark_paid
from registry.ssn import is_valid_ssn
from rules import benefits
from rules.models import Parameter
from rules.parameters import ParameterMissing, param
from workflows import routing
from workflows.flows import BenefitClaimFlow

from . import eligibility
from .claims import record_paid
from .engine import Step, new_reference
from .errors import InvalidInput
from .models import BenefitClaim, BenefitType, CaseType, Channel, ClaimState
from .notifications import notify_person

COLUMNS = ("registration_number", "ssn", "marriage_date")
BATCH_SIZE = 500
MARRIAGE_KEYS = ("marriage_grant.min_days", "marriage_grant.window_years", "marriage_grant.amount")
DATE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CIVIL_REGISTRY_IMPORT = Actor.system("civil registry import")
OPENED_IN_THIS_RUN = gettext_lazy("A claim for this marriage was opened earlier in this import.")

_registration_max = CivilRegistryRecord._meta.get_field("registration_number").max_length
_ssn_max = CivilRegistryRecord._meta.get_field("person_ssn").max_length


class Outcome:
    PAID = "paid"
    AWAITING_ACCOUNT = "awaiting_bank_account"
    NOT_ELIGIBLE = "not_eligible"
    UNKNOWN_PERSON = "unknown_person"
    INVALID_SSN = "invalid_ssn"
    ALREADY_CLAIMED = "already_claimed"
    # Reported only, never kept:
    ALREADY_IMPORTED = "already_imported"
    DUPLICATE = "duplicate"
    INVALID_RECORD = "invalid_record"

    OPENED = (PAID, AWAITING_ACCOUNT)
    LABELS = {
        PAID: gettext_lazy("paid and closed"),
        AWAITING_ACCOUNT: gettext_lazy("approved, waiting for a verified bank account"),
        NOT_ELIGIBLE: gettext_lazy("not eligible"),
        UNKNOWN_PERSON: gettext_lazy("unknown social security number"),
        INVALID_SSN: gettext_lazy("invalid social security number"),
        ALREADY_CLAIMED: gettext_lazy("a claim for this marriage exists"),
        ALREADY_IMPORTED: gettext_lazy("imported before"),
        DUPLICATE: gettext_lazy("repeated in this file"),
        INVALID_RECORD: gettext_lazy("unreadable record"),
    }


@dataclass(frozen=True)
class MarriageRecord:
    """One record as read: the values are text, checked by the import."""

    line: int
    registration_number: str
    ssn: str
    marriage_date: str


@dataclass(frozen=True)
class RecordResult:
    record: MarriageRecord
    outcome: str
    reason: str = ""
    case_reference: str = ""


@dataclass
class ImportSummary:
    results: list = field(default_factory=list)

    def add(self, record, outcome, reason="", case_reference=""):
        self.results.append(RecordResult(record, outcome, str(reason), case_reference))

    @property
    def counts(self):
        return Counter(r.outcome for r in self.results)

    @property
    def opened(self):
        return sum(1 for r in self.results if r.outcome in Outcome.OPENED)

    @property
    def paid(self):
        return self.counts[Outcome.PAID]

    @property
    def skipped(self):
        return [r for r in sorted(self.results, key=lambda r: r.record.line) if r.outcome not in Outcome.OPENED]


class SystemStep(Step):
    """A step the system takes on its own: the civil-registry import is the actor, and every event
    says it was automatic."""

    def audit(self, action, *, from_state="", to_state="", payload=None):
        return super().audit(
            action, from_state=from_state, to_state=to_state, payload={**(payload or {}), "automatic": True}
        )


# --- Reading ------------------------------------------------------------------------------------


def read_marriage_csv(lines):
    """Marriage records from CSV text lines: a header naming the columns registration_number,
    ssn and marriage_date (in any order; other columns are ignored), then one record a line.
    Empty lines and lines starting with ``#`` are skipped. Raises InvalidInput without the header."""
    columns = None
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        row = next(csv.reader([line]))
        if columns is None:
            names = [name.strip().lower() for name in row]
            missing = [c for c in COLUMNS if c not in names]
            if missing:
                raise InvalidInput(
                    _("The file lacks the column(s) %(columns)s; its first line must name %(expected)s.")
                    % {"columns": ", ".join(missing), "expected": ", ".join(COLUMNS)},
                    field="file",
                )
            columns = [names.index(c) for c in COLUMNS]
            continue
        values = [row[i].strip() if i < len(row) else "" for i in columns]
        yield MarriageRecord(number, *values)
    if columns is None:
        raise InvalidInput(_("The file is empty."), field="file")


def _problem(record, today):
    """(text of what is wrong with the record or None, its date)."""
    if not record.registration_number:
        return _("The registration number is missing."), None
    if len(record.registration_number) > _registration_max:
        return _("The registration number is longer than %(n)s characters.") % {"n": _registration_max}, None
    if not record.ssn:
        return _("The social security number is missing."), None
    if not DATE_FORMAT.match(record.marriage_date):
        return _("The marriage date %(value)r is not a date of the form YYYY-MM-DD.") % {
            "value": record.marriage_date
        }, None
    try:
        date = dt.date.fromisoformat(record.marriage_date)
    except ValueError:
        return _("The marriage date %(value)s does not exist.") % {"value": record.marriage_date}, None
    if date > today:
        return _("The marriage date %(date)s is in the future.") % {"date": date}, None
    return None, date


# --- Importing ------------------------------------------------------------------------------------


def import_marriage_records(records, *, today=None):
    """Process marriage records (an iterable of MarriageRecord) in batches; returns an ImportSummary."""
    today = today or timezone.localdate()
    run = _Run(today=today, due_date=today + dt.timedelta(days=int(param("sla.benefit_claim.days", today))))
    batch = []
    for record in records:
        batch.append(record)
        if len(batch) >= BATCH_SIZE:
            run.batch(batch)
            batch = []
    if batch:
        run.batch(batch)
    return run.summary


def import_marriage_file(lines, *, today=None):
    """Read a civil-registry CSV file (see ``read_marriage_csv``) and import its records."""
    return import_marriage_records(read_marriage_csv(lines), today=today)


@dataclass
class _Run:
    today: dt.date
    due_date: dt.date
    summary: ImportSummary = field(default_factory=ImportSummary)
    seen: set = field(default_factory=set)  # (registration number, ssn) met in this run
    opened: set = field(default_factory=set)  # (person id, marriage date) with a claim opened in this run

    def batch(self, batch):
        summary = self.summary
        readable = []
        for record in batch:
            problem, date = _problem(record, self.today)
            if problem:
                summary.add(record, Outcome.INVALID_RECORD, problem)
                continue
            key = (record.registration_number, record.ssn)
            if key in self.seen:
                summary.add(record, Outcome.DUPLICATE, _("The same record appears earlier in this import."))
                continue
            self.seen.add(key)
            readable.append((record, date))
        if not readable:
            return

        earlier = {
            (number, ssn): outcome
            for number, ssn, outcome in CivilRegistryRecord.objects.filter(
                kind=CivilRegistryRecord.Kind.MARRIAGE,
                registration_number__in={r.registration_number for r, _d in readable},
            ).values_list("registration_number", "person_ssn", "outcome")
        }
        valid_ssns = {r.ssn for r, _d in readable if is_valid_ssn(r.ssn)}
        persons = {p.ssn: p for p in Person.objects.filter(ssn__in=valid_ssns).select_related("branch")}
        claims = {
            (person_id, date): (reference, state)
            for person_id, date, reference, state in BenefitClaim.objects.filter(
                person__in=list(persons.values()), benefit_type=BenefitType.MARRIAGE
            )
            .exclude(state=ClaimState.WITHDRAWN)
            .values_list("person_id", "event_date", "reference", "state")
        }

        kept = []  # skipped records kept with their outcome, inserted together
        candidates = []
        for record, date in readable:
            key = (record.registration_number, record.ssn)
            if key in earlier:
                summary.add(
                    record,
                    Outcome.ALREADY_IMPORTED,
                    _("Imported before (outcome: %(outcome)s).") % {"outcome": earlier[key]},
                )
                continue
            if not is_valid_ssn(record.ssn):
                reason = _("%(ssn)s is not a valid social security number.") % {"ssn": record.ssn}
                self._skip(kept, record, date, Outcome.INVALID_SSN, reason)
                continue
            person = persons.get(record.ssn)
            if person is None:
                reason = _("No insured person has the number %(ssn)s.") % {"ssn": record.ssn}
                self._skip(kept, record, date, Outcome.UNKNOWN_PERSON, reason)
                continue
            existing = claims.get((person.pk, date))
            if existing is not None:
                reason = _("Claim %(reference)s (%(state)s) already exists for this marriage.") % {
                    "reference": existing[0],
                    "state": str(ClaimState(existing[1]).label).lower(),
                }
                self._skip(kept, record, date, Outcome.ALREADY_CLAIMED, reason)
                continue
            if (person.pk, date) in self.opened:
                self._skip(kept, record, date, Outcome.ALREADY_CLAIMED, OPENED_IN_THIS_RUN)
                continue
            candidates.append((record, date, person))

        eligible = []
        for record, date, person, assessment in self._assess(candidates):
            if isinstance(assessment, str):
                summary.add(record, Outcome.INVALID_RECORD, assessment)
            elif not assessment.eligible:
                self._skip(kept, record, date, Outcome.NOT_ELIGIBLE, assessment.reason)
            else:
                eligible.append((record, date, person, assessment))

        # Outcomes found only now can be kept: a concurrent import's rows are left as they are.
        CivilRegistryRecord.objects.bulk_create(kept, ignore_conflicts=True)
        for record, date, person, assessment in eligible:
            if (person.pk, date) in self.opened:  # two registrations of one marriage in one batch
                repeated = []
                self._skip(repeated, record, date, Outcome.ALREADY_CLAIMED, OPENED_IN_THIS_RUN)
                CivilRegistryRecord.objects.bulk_create(repeated, ignore_conflicts=True)
                continue
            try:
                claim, outcome, reason = grant_marriage(
                    record=record,
                    date=date,
                    person=person,
                    assessment=assessment,
                    today=self.today,
                    due_date=self.due_date,
                )
            except IntegrityError:
                if not _recorded(record):
                    raise
                summary.add(record, Outcome.ALREADY_IMPORTED, _("Imported meanwhile by another run."))
                continue
            self.opened.add((person.pk, date))
            summary.add(record, outcome, reason, claim.reference)

    def _row(self, record, date, outcome, reason, case_reference=""):
        return CivilRegistryRecord(
            kind=CivilRegistryRecord.Kind.MARRIAGE,
            registration_number=record.registration_number,
            person_ssn=record.ssn,
            event_date=date,
            received_at=timezone.now(),
            outcome=outcome,
            outcome_reason=str(reason),
            case_reference=case_reference,
        )

    def _skip(self, kept, record, date, outcome, reason):
        if len(record.ssn) <= _ssn_max:
            kept.append(self._row(record, date, outcome, reason))
        self.summary.add(record, outcome, reason)

    def _assess(self, candidates):
        """Yield (record, date, person, Assessment or the text of a missing parameter): one query
        for the parameters and one for the contributions of every candidate."""
        if not candidates:
            return
        table = _ParameterTable(MARRIAGE_KEYS, up_to=max(date for _r, date, _p in candidates))
        windows = []
        for record, date, person in candidates:
            try:
                p = table.on(date)
            except ParameterMissing as exc:
                yield record, date, person, str(exc)
                continue
            start, end = benefits.window(date, years=int(p["marriage_grant.window_years"]))
            windows.append((record, date, person, p, start, end))
        if not windows:
            return
        months = defaultdict(list)
        for person_id, period, days, earnings in (
            ContributionEntry.objects.filter(
                person_id__in={w[2].pk for w in windows},
                period__gte=min(w[4] for w in windows),
                period__lte=max(w[5] for w in windows),
            )
            .values("person_id", "period")
            .annotate(days=Sum("days"), earnings=Sum("insurable_earnings"))
            .order_by()
            .values_list("person_id", "period", "days", "earnings")
        ):
            months[person_id].append((period, days, earnings))
        for record, date, person, p, start, end in windows:
            # The months wholly inside the window, as registry.selectors.contribution_record counts them.
            last = (end + dt.timedelta(days=1)).replace(day=1)
            contribution = benefits.ContributionRecord.from_months(
                (days, earnings) for period, days, earnings in months[person.pk] if start <= period < last
            )
            yield record, date, person, benefits.marriage_grant(record=contribution, p=p)


def _recorded(record):
    return CivilRegistryRecord.objects.filter(
        kind=CivilRegistryRecord.Kind.MARRIAGE, registration_number=record.registration_number, person_ssn=record.ssn
    ).exists()


class _ParameterTable:
    """Every value of some parameters up to a date, read once; the values in force on a date."""

    def __init__(self, keys, *, up_to):
        self.keys = keys
        self.values = defaultdict(list)
        for key, valid_from, value in (
            Parameter.objects.filter(key__in=keys, valid_from__lte=up_to)
            .order_by("key", "-valid_from")
            .values_list("key", "valid_from", "value")
        ):
            self.values[key].append((valid_from, Decimal(value)))
        self.cache = {}

    def on(self, day):
        if day not in self.cache:
            found = {}
            for key in self.keys:
                value = next((v for valid_from, v in self.values[key] if valid_from <= day), None)
                if value is None:
                    raise ParameterMissing(key, day)
                found[key] = value
            self.cache[day] = found
        return self.cache[day]


# --- One claim ------------------------------------------------------------------------------------

CLAIM_FIELDS = (
    "process",
    "submitted_at",
    "due_date",
    "assessment",
    "recommendation",
    "recommended_amount",
    "recommended_instalments",
    "recommendation_note",
    "deciding_unit",
    "decided_at",
    "decision_note",
    "approved_amount",
)


def grant_marriage(*, record, date, person, assessment, today, due_date):
    """Open, decide and pay the marriage grant of ``person`` (eligible by ``assessment``) in one
    transaction, and keep the civil-registry record with its outcome. Returns (claim, outcome, reason)."""
    now = timezone.now()
    unit = person.branch
    with transaction.atomic():
        claim = BenefitClaim(
            reference=new_reference("BC"),
            case_type=CaseType.BENEFIT_CLAIM,
            person=person,
            owning_unit=unit,
            created_at=now,
            updated_at=now,
            benefit_type=BenefitType.MARRIAGE,
            channel=Channel.PROACTIVE,
            event_date=date,
        )
        claim.save(force_insert=True)
        step = SystemStep(case=claim, actor=CIVIL_REGISTRY_IMPORT, unit_id=unit.pk)
        step.audit(
            "benefit_claim.created",
            to_state=claim.state,
            payload={
                "benefit": claim.benefit_type,
                "channel": claim.channel,
                "event_date": date,
                "civil_registry": {"kind": "marriage", "registration_number": record.registration_number},
            },
        )
        claim.process = routing.process_start(BenefitClaimFlow, at=now)
        claim.assessment = eligibility.as_json(assessment)
        step.transition("submit", at=now, due_date=due_date, payload=claim.assessment)
        review = routing.task_create(claim, BenefitClaimFlow.review, unit=unit, audit=step.audit, at=now)
        step.transition("start_review")
        routing.task_complete(step.case, review, user=None, audit=step.audit, outcome="approve")

        note = _("Granted by the system from civil registry marriage record %(number)s.") % {
            "number": record.registration_number
        }
        total = assessment.total
        step.transition(
            "recommend",
            recommendation="approve",
            amount=assessment.amount,
            instalments=assessment.instalments,
            note=note,
            by=None,
            on_behalf_of=None,
            deciding_unit=unit,
            payload={
                "recommendation": "approve",
                "amount": assessment.amount,
                "instalments": assessment.instalments,
                "total": total,
                "deciding_unit": unit.code,
                "escalated": False,
                "note": note,
            },
        )
        decide = routing.task_create(claim, BenefitClaimFlow.decide, unit=unit, audit=step.audit, at=now)
        routing.task_complete(step.case, decide, user=None, audit=step.audit, outcome="approved")
        step.transition(
            "approve",
            by=None,
            on_behalf_of=None,
            at=now,
            note=note,
            payload={"amount": assessment.amount, "total": total, "note": note},
        )

        schedule = payment_schedule_create(
            case_reference=claim.reference,
            person=person,
            amount=claim.approved_amount,
            instalments=claim.recommended_instalments,
            first_due=today,
            at=now,
        )
        step.transition(
            "start_payment",
            payload={"schedule": schedule.pk, "total": schedule.total, "bank_account": schedule.bank_account_id},
        )
        paid, completed = payments_mark_paid(schedule=schedule, on=today, at=now)
        record_paid(step, paid, completed, at=now)
        step.save(*CLAIM_FIELDS)

        amount = {"amount": claim.approved_amount, "ref": claim.reference}
        if completed:
            outcome = Outcome.PAID
            reason = _("Paid %(amount)s; claim %(ref)s closed.") % amount
            subject = _("A marriage grant has been paid to you")
            body = (
                _(
                    "Congratulations on your marriage. A marriage grant of %(amount)s has been paid to your "
                    "bank account (claim %(ref)s). You did not need to apply."
                )
                % amount
            )
        else:
            outcome = Outcome.AWAITING_ACCOUNT
            reason = _("Approved %(amount)s; claim %(ref)s waits for a verified bank account.") % amount
            subject = _("A marriage grant is waiting for you")
            body = (
                _(
                    "Congratulations on your marriage. A marriage grant of %(amount)s is awarded to you "
                    "(claim %(ref)s). Register a bank account in the portal or at a branch to receive it."
                )
                % amount
            )
        CivilRegistryRecord.objects.create(
            kind=CivilRegistryRecord.Kind.MARRIAGE,
            registration_number=record.registration_number,
            person_ssn=record.ssn,
            event_date=date,
            received_at=now,
            outcome=outcome,
            outcome_reason=reason,
            case_reference=claim.reference,
        )
        notify_person(claim, "proactive_grant", step, subject=subject, body=body)
        return claim, outcome, reason
