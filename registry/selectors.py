from decimal import Decimal

from django.db.models import Q, Sum

from rules.benefits import ContributionRecord

from .models import BankAccount, ContributionEntry, DisabilityAssessment


def contribution_record(person, start=None, end=None):
    """Days and insurable earnings of ``person`` for the months from ``start`` to ``end`` (inclusive)."""
    qs = ContributionEntry.objects.filter(person=person)
    if start is not None:
        qs = qs.filter(period__gte=start.replace(day=1))
    if end is not None:
        qs = qs.filter(period__lte=end)
    totals = qs.aggregate(days=Sum("days"), earnings=Sum("insurable_earnings"))
    return ContributionRecord(days=totals["days"] or 0, earnings=totals["earnings"] or Decimal("0"))


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
