import datetime as dt
from decimal import Decimal

import pytest

from audit.actors import Actor
from cases import grievances, refunds, services
from cases.models import BenefitType, GrievanceCategory, Priority
from registry import ledger
from registry.models import LedgerPosting
from tests.conftest import make_insured
from tests.factories import EmployerFactory, PersonFactory, add_contributions
from tests.support import fresh_event_day

MARRIAGE_DAY = dt.date(2024, 12, 1)
JAN_2024 = dt.date(2024, 1, 1)


def file_claims(person, n, benefit_type=BenefitType.MARRIAGE, **kwargs):
    """``n`` claims filed through the portal path (each in the owning branch's review queue), for
    events a day apart (a second claim for the same event is refused)."""
    kwargs.setdefault("actor", Actor.person(person))
    return [
        services.claim_file(
            person=person,
            benefit_type=benefit_type,
            event_date=fresh_event_day(person, benefit_type, MARRIAGE_DAY),
            **kwargs,
        )
        for _ in range(n)
    ]


def recommend(claim, operator, **kwargs):
    services.task_take(case_id=claim.pk, actor=operator)
    services.claim_recommend(case_id=claim.pk, actor=operator, approve=True, **kwargs)


@pytest.fixture
def south_insured(org):
    return make_insured(org.south_a)


@pytest.fixture
def claim(insured):
    return file_claims(insured, 1)[0]


def file_grievance(person, title="Late payment of my sickness benefit", **kwargs):
    """A grievance filed through the portal: it waits in the triage queue of the person's branch."""
    kwargs.setdefault("actor", Actor.person(person))
    return grievances.grievance_file(
        person=person, title=title, description="The benefit came three weeks late.", **kwargs
    )


def triage(grievance, operator, category=GrievanceCategory.BENEFIT_PROCESSING, priority=Priority.NORMAL):
    services.task_take(case_id=grievance.pk, actor=operator)
    return grievances.grievance_triage(case_id=grievance.pk, actor=operator, category=category, priority=priority)


@pytest.fixture
def grievance(insured):
    return file_grievance(insured)


def employer_in_arrears(branch, *, wage=Decimal("2000.00"), days_late=60):
    """An employer of one worker whose January 2024 contributions (300.00) were paid ``days_late``
    days after their due date (the 15th of February): a late-payment penalty is outstanding."""
    employer = EmployerFactory(branch=branch)
    add_contributions(PersonFactory(branch=branch), start=JAN_2024, months=1, wage=wage, employer=employer)
    ledger.post(
        kind=LedgerPosting.Kind.PAYMENT,
        amount=wage * Decimal("0.15"),
        period=JAN_2024,
        value_date=dt.date(2024, 2, 15) + dt.timedelta(days=days_late),
        employer=employer,
    )
    return employer


def overpaid(branch, monthly_payment="400.00", months=3):
    """An insured person who paid ``monthly_payment`` for each month from January 2024 against the
    300.00 ``make_insured`` assesses: the difference is overpaid."""
    person = make_insured(branch)
    for month in range(1, months + 1):
        period = dt.date(2024, month, 1)
        ledger.post(
            kind=LedgerPosting.Kind.PAYMENT,
            amount=Decimal(monthly_payment),
            period=period,
            value_date=dt.date(2024, month + 1, 15),
            person=person,
        )
    return person


def file_refund(person, months=3):
    return refunds.refund_file(
        actor=Actor.person(person),
        person=person,
        period_from=JAN_2024,
        period_to=dt.date(2024, months, 1),
        reason="I paid twice by mistake.",
    )
