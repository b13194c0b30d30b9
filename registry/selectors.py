import datetime as dt

from django.db.models import Q, Sum

from rules.benefits import ContributionRecord
from rules.dependants import WHOLLY_DISABLED_PERCENT

from .models import BankAccount, ContributionEntry, DisabilityAssessment, PayeeDesignation


def contribution_record(person, start=None, end=None):
    """Days and insurable earnings of ``person`` over the calendar months that lie wholly
    between ``start`` and ``end`` (inclusive dates; None: unbounded). The ledger records whole
    months, so a month only partly inside the dates does not count; a month counts at most
    30 days whatever the number of payers (one query)."""
    qs = ContributionEntry.objects.filter(person=person)
    if start is not None:
        qs = qs.filter(period__gte=start)
    if end is not None:
        qs = qs.filter(period__lt=(end + dt.timedelta(days=1)).replace(day=1))
    months = qs.values("period").annotate(days=Sum("days"), earnings=Sum("insurable_earnings")).order_by()
    return ContributionRecord.from_months((m["days"], m["earnings"]) for m in months)


def verified_bank_account(person, on):
    return (
        BankAccount.objects.filter(person=person, verified=True, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from", "-id")
        .first()
    )


def latest_disability_degree(person, on):
    found = (
        DisabilityAssessment.objects.filter(person=person, decided_on__lte=on)
        .filter(Q(review_date__isnull=True) | Q(review_date__gte=on))
        .order_by("-decided_on", "-id")
        .values_list("degree_percent", flat=True)
        .first()
    )
    return found


def disability_degree_for_claim(person, event_date, as_of):
    """The degree a disability claim with onset ``event_date`` rests on: the latest commission decision
    taken by ``as_of`` whose validity reaches the onset. A commission usually sits after the onset,
    so its decision counts for a claim dated before it; a decision whose review date passed before
    the onset does not."""
    return (
        DisabilityAssessment.objects.filter(person=person, decided_on__lte=as_of)
        .filter(Q(review_date__isnull=True) | Q(review_date__gte=event_date))
        .order_by("-decided_on", "-id")
        .values_list("degree_percent", flat=True)
        .first()
    )


def is_wholly_disabled(person, on):
    """Whether the medical commission decision in force on ``on`` declares ``person`` wholly disabled."""
    degree = latest_disability_degree(person, on)
    return degree is not None and degree >= WHOLLY_DISABLED_PERCENT


def payee_designation_in_force(beneficiary, on):
    """The representative payee designation through which ``beneficiary``'s benefits are paid on
    ``on``: started, not ended, not suspended, to a verified account valid that day; else None."""
    return (
        PayeeDesignation.objects.filter(
            beneficiary=beneficiary,
            active_from__lte=on,
            suspended=False,
            bank_account__verified=True,
            bank_account__valid_from__lte=on,
        )
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=on))
        .filter(Q(bank_account__valid_to__isnull=True) | Q(bank_account__valid_to__gte=on))
        .select_related("bank_account")
        .order_by("-active_from", "-id")
        .first()
    )
