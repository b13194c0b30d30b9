import datetime as dt

from django.db.models import Q, Sum

from rules.benefits import ContributionRecord
from rules.dependants import WHOLLY_DISABLED_PERCENT

from .models import (
    BankAccount,
    CivilRegistryRecord,
    ContributionEntry,
    Dependant,
    DisabilityAssessment,
    PayeeDesignation,
    Person,
)


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


def latest_marriage(person, on):
    """The date of the person's latest marriage the civil registry reported by ``on``, or None."""
    return (
        CivilRegistryRecord.objects.filter(
            kind=CivilRegistryRecord.Kind.MARRIAGE, person_ssn=person.ssn, event_date__lte=on
        )
        .order_by("-event_date")
        .values_list("event_date", flat=True)
        .first()
    )


def latest_death_in_family(person, on):
    """The family member (a dependant of the person, or an insured person the person depended on)
    who died most recently by ``on``, or None: who a funeral grant or a survivor's pension is for."""
    return (
        Person.objects.filter(death_date__isnull=False, death_date__lte=on)
        .filter(Q(supported_by__insured=person) | Q(dependants__dependant=person))
        .order_by("-death_date", "-pk")
        .first()
    )


def latest_child_birth(person, on):
    """The birth date of the person's youngest child registered as their dependant, or None."""
    return (
        Person.objects.filter(
            supported_by__insured=person, supported_by__relationship=Dependant.Relationship.CHILD, birth_date__lte=on
        )
        .order_by("-birth_date")
        .values_list("birth_date", flat=True)
        .first()
    )


def last_employment_end(person, on):
    """The end of the person's latest employment that ended by ``on`` (none running), or None."""
    periods = list(person.employments.filter(start__lte=on).values_list("end", flat=True))
    if not periods or None in periods or max(periods) > on:
        return None
    return max(periods)


def latest_disability_decision(person, on):
    return (
        DisabilityAssessment.objects.filter(person=person, decided_on__lte=on)
        .order_by("-decided_on")
        .values_list("decided_on", flat=True)
        .first()
    )


def on_file(person, on):
    """What the office holds about ``person`` on date ``on`` that a request relies on, as (label,
    value) pairs for the person to check before sending: identity, contacts, home branch and the
    account payments go to (two queries)."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    account = verified_bank_account(person, on)
    return [
        (_("Name"), f"{person.first_name} {person.last_name}"),
        (_("Social security number"), person.ssn),
        (_("Date of birth"), date_format(person.birth_date)),
        (_("E-mail"), person.email or _("none on file")),
        (_("Mobile phone"), person.phone or _("none on file")),
        (_("Home branch"), str(person.branch)),
        (_("Payments go to"), account.iban if account else _("no verified account on file")),
    ]
