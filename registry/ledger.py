"""The money side of a contribution account: what was assessed, paid, refunded, penalised and waived."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum
from django.utils import timezone

from rules.benefits import money
from rules.penalties import due_date_of, late_penalty

from .models import ContributionEntry, LedgerPosting

ZERO = Decimal("0.00")
ASSESSED = F("pension") + F("health") + F("maternity") + F("unemployment") + F("work_injury")


def _account(qs, person, employer):
    if (person is None) == (employer is None):
        raise ValueError("give exactly one of person or employer")
    return qs.filter(person=person) if person is not None else qs.filter(employer=employer)


@dataclass(frozen=True)
class Balance:
    assessed: Decimal
    paid: Decimal
    refunded: Decimal

    @property
    def overpaid(self):
        """What can be refunded: payments above what was assessed, less what was refunded already."""
        return max(self.paid - self.assessed - self.refunded, ZERO)


def balance(*, person=None, employer=None, period_from, period_to):
    """Assessed, paid and refunded amounts of an account over the periods (two queries)."""
    entries = _account(ContributionEntry.objects, person, employer).filter(
        period__gte=period_from.replace(day=1), period__lte=period_to
    )
    assessed = entries.aggregate(total=Sum(ASSESSED))["total"] or ZERO
    postings = _account(LedgerPosting.objects, person, employer).filter(
        period__gte=period_from.replace(day=1),
        period__lte=period_to,
        kind__in=[LedgerPosting.Kind.PAYMENT, LedgerPosting.Kind.REFUND],
    )
    sums = dict(postings.values_list("kind").annotate(total=Sum("amount")).values_list("kind", "total"))
    return Balance(
        assessed=Decimal(assessed),
        paid=Decimal(sums.get(LedgerPosting.Kind.PAYMENT) or ZERO),
        refunded=Decimal(sums.get(LedgerPosting.Kind.REFUND) or ZERO),
    )


@dataclass(frozen=True)
class PenaltyStatement:
    accrued: Decimal
    waived: Decimal
    periods: list  # dicts per period: period, assessed, due_date, penalty, days_late

    @property
    def outstanding(self):
        return max(self.accrued - self.waived, ZERO)


def penalties(*, person=None, employer=None, period_from, period_to, on, due_day, daily_rate):
    """Late-payment penalties accrued by ``on`` for each period, and what was waived already (two queries).

    A person's account holds the periods the person pays for themselves (self-employed): the
    periods an employer declared for them are on the employer's account and accrue there."""
    entries = _account(ContributionEntry.objects, person, employer).filter(
        period__gte=period_from.replace(day=1), period__lte=period_to
    )
    if person is not None:
        entries = entries.filter(employer__isnull=True)
    # To the cent whatever the database returns for a sum (SQLite drops the decimal places).
    assessed = {
        period: money(total)
        for period, total in entries.values_list("period").annotate(total=Sum(ASSESSED)).values_list("period", "total")
    }
    payments = defaultdict(list)
    postings = _account(LedgerPosting.objects, person, employer).filter(
        period__gte=period_from.replace(day=1), period__lte=period_to
    )
    waived_by_period = defaultdict(lambda: ZERO)
    for period, kind, amount, value_date in postings.values_list("period", "kind", "amount", "value_date"):
        if kind == LedgerPosting.Kind.PAYMENT:
            payments[period].append((value_date, amount))
        elif kind == LedgerPosting.Kind.WAIVER:
            waived_by_period[period] += amount
    periods = []
    accrued = ZERO
    for period in sorted(assessed):
        due = due_date_of(period, due_day)
        result = late_penalty(
            assessed=assessed[period], due_date=due, payments=payments[period], on=on, daily_rate=daily_rate
        )
        accrued += result.amount
        periods.append(
            {
                "period": period.isoformat(),
                "assessed": str(assessed[period]),
                "due_date": due.isoformat(),
                "penalty": str(result.amount),
                "days_late": result.days_late,
                "waived": str(waived_by_period[period]),
            }
        )
    waived = sum(waived_by_period.values(), ZERO)
    return PenaltyStatement(accrued=accrued, waived=waived, periods=periods)


def post(*, kind, amount, period, value_date, person=None, employer=None, reference="", note=""):
    """Append a posting to an account (called by case services inside their transaction)."""
    if amount <= 0:
        raise ValueError("postings are positive; the kind gives the direction")
    return LedgerPosting.objects.create(
        person=person,
        employer=employer,
        period=period.replace(day=1),
        kind=kind,
        amount=amount,
        value_date=value_date,
        posted_at=timezone.now(),
        reference=reference,
        note=note[:200],
    )


def post_each(kind, parts, **posting):
    """One posting of ``kind`` per (period, amount) of ``parts``, each with the same ``posting``
    details (value date, account, reference, note)."""
    return [post(kind=kind, amount=amount, period=period, **posting) for period, amount in parts]
