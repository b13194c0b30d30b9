"""Cases of every type for the deadline and report tests.

Benefit claims go through their services. The other types are written with their models in the
state wanted (tests only: ``state`` is protected and only services move it in the code).
"""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from cases import payees, services
from cases.models import (
    ArrearsWaiver,
    BenefitType,
    Case,
    CaseType,
    ContributionRefund,
    Grievance,
    MedicalCommission,
    MedicalPurpose,
    PowerOfAttorney,
    RepresentativePayee,
)
from registry import ledger
from registry.models import BankAccount, LedgerPosting
from tests.conftest import make_insured
from tests.factories import PersonFactory, add_bank_account, add_contributions
from tests.support import fresh_event_day

MARRIAGE_DAY = dt.date(2024, 12, 1)
JAN, FEB = dt.date(2024, 1, 1), dt.date(2024, 2, 1)
_serial = itertools.count(1)


def file_claim(person, **kwargs):
    kwargs.setdefault("actor", Actor.person(person))
    return services.claim_file(
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(person, BenefitType.MARRIAGE, MARRIAGE_DAY),
        **kwargs,
    )


def recommend(claim, operator, **kwargs):
    """Take the review task and recommend approval: the decision task opens in the deciding unit's queue."""
    services.task_take(case_id=claim.pk, actor=operator)
    return services.claim_recommend(case_id=claim.pk, actor=operator, approve=True, **kwargs)


def _pay(person, period, amount, value_date):
    ledger.post(
        kind=LedgerPosting.Kind.PAYMENT, amount=Decimal(amount), period=period, value_date=value_date, person=person
    )


def late_payer(unit):
    """A self-employed person who paid January and February 2024 (300.00 each) late: penalties to waive."""
    person = make_insured(unit, months=0)
    add_contributions(person, start=JAN, months=2)
    _pay(person, JAN, "300.00", dt.date(2024, 3, 25))
    _pay(person, FEB, "300.00", dt.date(2024, 4, 4))
    return person


def overpayer(unit):
    """Paid 400.00 a month from January to June 2024 against 300.00 assessed: 600.00 to refund."""
    person = make_insured(unit)
    for month in range(1, 7):
        period = dt.date(2024, month, 1)
        _pay(person, period, "400.00", (period + dt.timedelta(days=45)).replace(day=15))
    return person


def payee_requested(beneficiary, representative):
    """A representative payee request through the portal, in the beneficiary's branch's verification queue."""
    return payees.payee_request(
        actor=Actor.person(beneficiary),
        beneficiary=beneficiary,
        representative=representative,
        representative_account=BankAccount.objects.get(person=representative, verified=True),
        relationship="daughter",
        grounds="The beneficiary can no longer manage money alone.",
    )


def payee_verified(beneficiary, representative, operator):
    """A request verified by ``operator``: the approval task waits in the branch's decision queue."""
    case = payee_requested(beneficiary, representative)
    services.task_take(case_id=case.pk, actor=operator)
    payees.payee_verify(case_id=case.pk, actor=operator, identity_ok=True, documents_ok=True)
    return case


def set_due(cases, due_date):
    """Move the due date of ``cases`` (a field the services set at submission, not the state)."""
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(due_date=due_date)


def events(case):
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _common(case_type, unit, state, due_date, person):
    now = timezone.now()
    return {
        "reference": f"T{case_type[:2].upper()}-{next(_serial):08d}",
        "case_type": case_type,
        "owning_unit": unit,
        "person": person,
        "state": state,
        "due_date": due_date,
        "created_at": now,
        "updated_at": now,
    }


def make_case(case_type, unit, state, *, due_date=None, person=None):
    """A case of a type other than benefit claims, written directly in ``state``."""
    person = person or PersonFactory(branch=unit)
    fields = _common(case_type, unit, state, due_date, person)
    if case_type == CaseType.CONTRIBUTION_REFUND:
        return ContributionRefund.objects.create(
            period_from=dt.date(2023, 1, 1), period_to=dt.date(2023, 12, 1), reason="Overpaid", **fields
        )
    if case_type == CaseType.GRIEVANCE:
        return Grievance.objects.create(title="Late answer", description="No answer for months", **fields)
    if case_type == CaseType.ARREARS_WAIVER:
        return ArrearsWaiver.objects.create(
            period_from=dt.date(2023, 1, 1),
            period_to=dt.date(2023, 6, 1),
            grounds="Hospitalised",
            requested_amount=Decimal("120.00"),
            **fields,
        )
    if case_type == CaseType.MEDICAL_COMMISSION:
        return MedicalCommission.objects.create(purpose=MedicalPurpose.DISABILITY_CLAIM, **fields)
    if case_type == CaseType.REPRESENTATIVE_PAYEE:
        representative = PersonFactory(branch=unit)
        account = add_bank_account(representative)
        return RepresentativePayee.objects.create(
            representative=representative,
            representative_account=account,
            relationship="daughter",
            grounds="Beneficiary cannot manage payments",
            **fields,
        )
    if case_type == CaseType.POWER_OF_ATTORNEY:
        return PowerOfAttorney.objects.create(
            attorney=PersonFactory(branch=unit),
            scope=[CaseType.GRIEVANCE],
            valid_from=dt.date(2025, 1, 1),
            **fields,
        )
    raise ValueError(case_type)
