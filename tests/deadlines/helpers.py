"""Cases of every type for the deadline and report tests.

Benefit claims go through their services. The other types are written with their models in the
state wanted (tests only: ``state`` is protected and only services move it in the code).
"""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from cases.models import (
    ArrearsWaiver,
    BenefitType,
    Case,
    CaseType,
    ContributionRefund,
    Grievance,
    MedicalCommission,
    MedicalPurpose,
    RepresentativePayee,
)
from tests.factories import PersonFactory, add_bank_account

MARRIAGE_DAY = dt.date(2024, 12, 1)
_serial = itertools.count(1)


def file_claim(person, **kwargs):
    return services.claim_file(person=person, benefit_type=BenefitType.MARRIAGE, event_date=MARRIAGE_DAY, **kwargs)


def recommend(claim, operator, **kwargs):
    """Take the review task and recommend approval: the decision task opens in the deciding unit's queue."""
    services.task_take(case_id=claim.pk, actor=operator)
    return services.claim_recommend(case_id=claim.pk, actor=operator, approve=True, **kwargs)


def set_due(cases, due_date):
    """Move the due date of ``cases`` (a field the services set at submission, not the state)."""
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(due_date=due_date)


def events(case):
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk)).order_by("seq").values_list("action", flat=True)
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
    raise ValueError(case_type)
