"""The proactive marriage grant: civil-registry records in, claims opened, decided and paid by the system."""

import datetime as dt
import io
import threading
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from audit.actors import Actor
from audit.models import AuditEvent
from audit.verify import verify_all
from cases import services
from cases.models import BenefitClaim, BenefitType, Channel, ClaimState, Notification
from cases.payments import pay_due_claims
from cases.proactive import MarriageRecord, Outcome, import_marriage_records
from registry.models import BankAccount, CivilRegistryRecord, Payment, PaymentSchedule
from registry.ssn import make_ssn
from tests.conftest import build_org, make_insured
from tests.factories import PersonFactory, add_bank_account, add_contributions
from tests.integration.helpers import run_concurrently
from tests.support import AuditTransactionTestCase, person_actor

pytestmark = pytest.mark.django_db

MARRIED = dt.date(2025, 3, 8)  # window: March 2020 to February 2025


def write_csv(tmp_path, rows, name="marriages.csv", header="registration_number,ssn,marriage_date"):
    path = tmp_path / name
    path.write_text("\n".join([header, *[",".join(row) for row in rows]]) + "\n", encoding="utf-8")
    return path


def run_import(path):
    out = io.StringIO()
    call_command("import_civil_registry", str(path), stdout=out)
    return out.getvalue()


def record_of(number, ssn):
    return CivilRegistryRecord.objects.get(kind="marriage", registration_number=number, person_ssn=ssn)


def claim_of(person):
    return BenefitClaim.objects.get(person=person, benefit_type=BenefitType.MARRIAGE)


def events_of(claim):
    return list(AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).order_by("seq"))


def with_days_in_window(org, days_last_month):
    """A person with 23 full months in the window and ``days_last_month`` days in its last month."""
    person = PersonFactory(branch=org.north_a)
    add_contributions(person, start=dt.date(2023, 3, 1), months=23)  # March 2023 to January 2025
    add_contributions(person, start=dt.date(2025, 2, 1), months=1, days=days_last_month)
    add_contributions(person, start=dt.date(2025, 3, 1), months=6)  # after the window: not counted
    add_bank_account(person)
    return person


@pytest.fixture
def people(org):
    eligible = make_insured(org.north_a)  # January 2022 to December 2024: 1080 days
    spouse = with_days_in_window(org, 30)  # exactly 720 days
    no_account = make_insured(org.north_b)
    BankAccount.objects.filter(person=no_account).update(verified=False)
    short = with_days_in_window(org, 29)  # 719 days
    claimed = make_insured(org.north_a)
    portal_claim = services.claim_file(
        actor=Actor.person(claimed), person=claimed, benefit_type=BenefitType.MARRIAGE, event_date=MARRIED
    )
    return {
        "eligible": eligible,
        "spouse": spouse,
        "no_account": no_account,
        "short": short,
        "claimed": claimed,
        "portal_claim": portal_claim,
    }


UNKNOWN = make_ssn(777_000_001)
BAD_CHECK_DIGIT = UNKNOWN[:-1] + str((int(UNKNOWN[-1]) + 3) % 10)


@pytest.fixture
def csv_file(tmp_path, people):
    day = MARRIED.isoformat()
    rows = [
        ("M-1", people["eligible"].ssn, day),
        ("M-1", people["spouse"].ssn, day),  # the other spouse of the same marriage
        ("M-2", people["no_account"].ssn, day),
        ("M-3", people["short"].ssn, day),
        ("M-4", UNKNOWN, day),
        ("M-5", BAD_CHECK_DIGIT, day),
        ("M-1", people["eligible"].ssn, day),  # repeated
        ("M-6", people["claimed"].ssn, day),
        ("M-7", people["eligible"].ssn, "2025-02-30"),
        ("M-8", people["eligible"].ssn, "08/03/2025"),
        ("M-9", people["eligible"].ssn, (timezone.localdate() + dt.timedelta(days=1)).isoformat()),
        ("", people["eligible"].ssn, day),
    ]
    return write_csv(tmp_path, rows)


def test_import_opens_decides_and_pays_eligible_claims(people, csv_file, org):
    out = run_import(csv_file)

    for who in ("eligible", "spouse"):
        person = people[who]
        claim = claim_of(person)
        assert claim.state == ClaimState.CLOSED
        assert claim.channel == Channel.PROACTIVE
        assert claim.event_date == MARRIED
        assert claim.approved_amount == Decimal("1200.00")
        assert claim.assessment["eligible"] is True
        assert claim.recommended_by is None and claim.decided_by is None and claim.decided_at is not None
        assert claim.owning_unit == org.north_a and claim.deciding_unit == org.north_a
        schedule = PaymentSchedule.objects.get(case_reference=claim.reference)
        assert schedule.status == PaymentSchedule.Status.COMPLETED
        (payment,) = schedule.payments.all()
        assert (payment.status, payment.amount, payment.iban) == (
            Payment.Status.PAID,
            Decimal("1200.00"),
            f"XX00SOC{person.ssn}",
        )
        assert Process.objects.get(pk=claim.process_id).status == PROCESS.DONE
        tasks = Task.objects.filter(process_id=claim.process_id).order_by("id")
        assert [(t.flow_task.name, t.status, t.owner_id) for t in tasks] == [
            ("review", STATUS.DONE, None),
            ("decide", STATUS.DONE, None),
        ]
        record = record_of("M-1", person.ssn)
        assert (record.outcome, record.case_reference, record.event_date) == (Outcome.PAID, claim.reference, MARRIED)
        assert Notification.objects.get(case=claim, channel="email").subject == "A marriage grant has been paid to you"
    assert record_of("M-1", people["spouse"].ssn).outcome == Outcome.PAID  # 720 days are enough

    assert "claims opened: 3" in out
    assert "paid and closed: 2" in out
    assert "approved, waiting for a verified bank account: 1" in out


def test_every_event_of_a_proactive_claim_is_the_systems(people, csv_file):
    run_import(csv_file)
    claim = claim_of(people["eligible"])
    events = events_of(claim)
    assert [e.action for e in events] == [
        "benefit_claim.created",
        "benefit_claim.submit",
        "task.created",
        "benefit_claim.start_review",
        "task.completed",
        "benefit_claim.recommend",
        "task.created",
        "task.completed",
        "benefit_claim.approve",
        "benefit_claim.start_payment",
        "benefit_claim.paid",
        "benefit_claim.close",
    ]
    for event in events:
        assert event.actor_id is None and event.actor_label == "system"
        assert (event.actor_kind, event.actor_identity) == ("system", "job:civil registry import")
        assert event.payload["automatic"] is True
    assert events[0].payload["channel"] == "proactive"
    assert events[0].payload["civil_registry"] == {"kind": "marriage", "registration_number": "M-1"}
    assert [e.to_state for e in events if e.action.startswith("benefit_claim.") and e.to_state][-1] == "closed"
    claim.refresh_from_db()
    assert (claim.audit_seq, claim.audit_hash) == (events[-1].seq, events[-1].hash)


def test_without_a_verified_bank_account_the_grant_waits_in_payment(people, csv_file):
    run_import(csv_file)
    person = people["no_account"]
    claim = claim_of(person)
    assert claim.state == ClaimState.IN_PAYMENT
    assert claim.approved_amount == Decimal("1200.00")
    record = record_of("M-2", person.ssn)
    assert (record.outcome, record.case_reference) == (Outcome.AWAITING_ACCOUNT, claim.reference)
    assert "bank account" in record.outcome_reason
    schedule = PaymentSchedule.objects.get(case_reference=claim.reference)
    assert schedule.bank_account is None
    assert list(schedule.payments.values_list("status", flat=True)) == [Payment.Status.DUE]
    assert "Register a bank account" in Notification.objects.get(case=claim, channel="email").body

    # The daily payment run pays it once the account is verified.
    assert pay_due_claims()[1] == 0
    BankAccount.objects.filter(person=person).update(verified=True)
    assert pay_due_claims()[1] == 1
    claim.refresh_from_db()
    assert claim.state == ClaimState.CLOSED


def test_ineligible_and_unknown_records_are_skipped_with_reasons(people, csv_file):
    out = run_import(csv_file)

    short = record_of("M-3", people["short"].ssn)
    assert short.outcome == Outcome.NOT_ELIGIBLE
    assert "719" in short.outcome_reason and "720" in short.outcome_reason
    assert not BenefitClaim.objects.filter(person=people["short"]).exists()

    assert record_of("M-4", UNKNOWN).outcome == Outcome.UNKNOWN_PERSON
    assert record_of("M-5", BAD_CHECK_DIGIT).outcome == Outcome.INVALID_SSN
    assert BAD_CHECK_DIGIT in record_of("M-5", BAD_CHECK_DIGIT).outcome_reason

    claimed = record_of("M-6", people["claimed"].ssn)
    assert claimed.outcome == Outcome.ALREADY_CLAIMED
    assert people["portal_claim"].reference in claimed.outcome_reason
    assert BenefitClaim.objects.filter(person=people["claimed"]).count() == 1

    # The repeated record is processed once; unreadable records are reported, not kept.
    assert CivilRegistryRecord.objects.filter(person_ssn=people["eligible"].ssn).count() == 1
    assert BenefitClaim.objects.filter(person=people["eligible"]).count() == 1
    assert not CivilRegistryRecord.objects.filter(registration_number__in=["M-7", "M-8", "M-9", ""]).exists()
    assert CivilRegistryRecord.objects.count() == 7

    assert "skipped: 9" in out
    for text in (
        f"line 8, record M-1, SSN {people['eligible'].ssn}: The same record appears earlier in this import.",
        "line 5, record M-3",
        "does not exist",
        "is not a date of the form YYYY-MM-DD",
        "is in the future",
        "The registration number is missing.",
        f"No insured person has the number {UNKNOWN}.",
    ):
        assert text in out


def test_re_running_the_same_file_does_nothing_twice(people, csv_file):
    run_import(csv_file)
    counts = (
        BenefitClaim.objects.count(),
        CivilRegistryRecord.objects.count(),
        AuditEvent.objects.count(),
        Payment.objects.filter(status=Payment.Status.PAID).count(),
        Notification.objects.count(),
    )
    out = run_import(csv_file)
    assert counts == (
        BenefitClaim.objects.count(),
        CivilRegistryRecord.objects.count(),
        AuditEvent.objects.count(),
        Payment.objects.filter(status=Payment.Status.PAID).count(),
        Notification.objects.count(),
    )
    assert "claims opened: 0" in out
    assert "imported before: 7" in out
    assert "Imported before (outcome: paid)." in out


def test_audit_trail_verifies_after_an_import(people, csv_file):
    run_import(csv_file)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("OK")


def test_two_records_of_one_marriage_for_one_person_open_one_claim(org, tmp_path):
    person = make_insured(org.north_a)
    path = write_csv(tmp_path, [("M-10", person.ssn, MARRIED.isoformat()), ("M-11", person.ssn, MARRIED.isoformat())])
    run_import(path)
    assert BenefitClaim.objects.filter(person=person).count() == 1
    assert record_of("M-10", person.ssn).outcome == Outcome.PAID
    assert record_of("M-11", person.ssn).outcome == Outcome.ALREADY_CLAIMED


def test_a_withdrawn_claim_does_not_block_the_grant(org, tmp_path):
    person = make_insured(org.north_a)
    withdrawn = services.claim_file(
        actor=Actor.person(person), person=person, benefit_type=BenefitType.MARRIAGE, event_date=MARRIED
    )
    services.claim_withdraw(actor=person_actor(withdrawn.pk), case_id=withdrawn.pk)
    run_import(write_csv(tmp_path, [("M-12", person.ssn, MARRIED.isoformat())]))
    assert record_of("M-12", person.ssn).outcome == Outcome.PAID


def test_the_grant_follows_the_parameters_in_force_on_the_marriage_date(org, tmp_path):
    from rules.parameters import set_param

    set_param("marriage_grant.amount", "1500.00", dt.date(2025, 3, 1))
    set_param("marriage_grant.min_days", "1200", dt.date(2025, 3, 1))
    before, after = make_insured(org.north_a), make_insured(org.north_a)  # 1080 days in the window
    run_import(write_csv(tmp_path, [("M-20", before.ssn, "2025-02-28"), ("M-21", after.ssn, "2025-03-01")]))
    assert claim_of(before).approved_amount == Decimal("1200.00")
    assert record_of("M-21", after.ssn).outcome == Outcome.NOT_ELIGIBLE
    assert "1200" in record_of("M-21", after.ssn).outcome_reason


def test_the_sample_file_imports(org):
    sample = Path(settings.BASE_DIR) / "fixtures" / "civil_registry_sample.csv"
    ssns = [line.split(",")[1] for line in sample.read_text().splitlines()[1:] if line and line[0] == "M"]
    assert len(ssns) == 4
    for ssn in ssns:
        make_insured(org.north_a, ssn=ssn)
    out = run_import(sample)
    assert "paid and closed: 4" in out and "skipped: 0" in out
    assert BenefitClaim.objects.filter(channel=Channel.PROACTIVE, state=ClaimState.CLOSED).count() == 4


def test_columns_may_come_in_any_order_with_extra_columns(org, tmp_path):
    person = make_insured(org.north_a)
    path = tmp_path / "reordered.csv"
    path.write_text(f"\ufeffmarriage_date, SSN ,office,registration_number\n{MARRIED},{person.ssn},City hall,M-30\n")
    run_import(path)
    assert record_of("M-30", person.ssn).outcome == Outcome.PAID


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("registration_number,ssn\nM-1,1000000016\n", "marriage_date"),
        ("# nothing but a comment\n\n", "empty"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, org, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CommandError) as caught:
        run_import(path)
    assert message in str(caught.value)
    with pytest.raises(CommandError):
        run_import(tmp_path / "missing.csv")


def test_lookups_are_made_once_per_batch_not_per_record(org):
    """Skipped records cost no query each: the same queries for 3 records as for 30."""
    today = timezone.localdate()

    def queries_for(n):
        CivilRegistryRecord.objects.all().delete()
        records = []
        for i in range(n):
            person = with_days_in_window(org, 0)  # not eligible
            records.append(MarriageRecord(3 * i + 1, f"Q-{i}", person.ssn, MARRIED.isoformat()))
            records.append(MarriageRecord(3 * i + 2, f"Q-{i}", make_ssn(880_000_000 + i), MARRIED.isoformat()))
            records.append(MarriageRecord(3 * i + 3, f"Q-{i}", "12345", MARRIED.isoformat()))
        with CaptureQueriesContext(connection) as captured:
            summary = import_marriage_records(records, today=today)
        assert summary.counts == {
            Outcome.NOT_ELIGIBLE: n,
            Outcome.UNKNOWN_PERSON: n,
            Outcome.INVALID_SSN: n,
        }
        return len(captured)

    assert queries_for(3) == queries_for(30)
    assert CivilRegistryRecord.objects.count() == 90


@pytest.mark.postgres
class ConcurrentImportTests(AuditTransactionTestCase):
    """Two runs of one file at the same time: the unique civil-registry record lets one of them
    grant each marriage, and the other finds it imported meanwhile."""

    RUNS = 4

    def test_concurrent_runs_grant_each_marriage_once(self):
        org = build_org()
        people = [make_insured(org.north_a) for _ in range(5)]
        records = [MarriageRecord(i + 2, f"C-{i}", p.ssn, MARRIED.isoformat()) for i, p in enumerate(people)]
        barrier = threading.Barrier(self.RUNS)

        def run(_index):
            barrier.wait(timeout=30)
            return import_marriage_records(records)

        outcomes = run_concurrently(self.RUNS, run)
        assert [o.error for o in outcomes] == [None] * self.RUNS
        totals = Counter()
        for outcome in outcomes:
            totals.update(outcome.value.counts)
        assert totals == {Outcome.PAID: 5, Outcome.ALREADY_IMPORTED: 5 * (self.RUNS - 1)}
        for person in people:
            (claim,) = BenefitClaim.objects.filter(person=person)
            assert claim.state == ClaimState.CLOSED
            assert (
                Payment.objects.filter(schedule__case_reference=claim.reference, status=Payment.Status.PAID).count()
                == 1
            )
        assert CivilRegistryRecord.objects.filter(outcome=Outcome.PAID).count() == 5
        assert PaymentSchedule.objects.count() == 5
        assert verify_all().ok
