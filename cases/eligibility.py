"""Gathers a claim's facts from the registry and asks the calculators in ``rules``."""

from django.utils import timezone
from django.utils.translation import gettext as _

from registry.selectors import contribution_record, disability_degree_for_claim
from rules import benefits
from rules.parameters import ParameterMissing, params

from .errors import InvalidInput
from .models import BenefitType

KEYS = list(
    {
        "minimum_wage.monthly",
        "marriage_grant.min_days",
        "marriage_grant.window_years",
        "marriage_grant.amount",
        "funeral_grant.minimum_wage_months",
        "sickness.qualifying_days",
        "sickness.daily_rate",
        "maternity.qualifying_days",
        "maternity.days",
        "maternity.daily_rate",
        "unemployment.qualifying_days",
        "unemployment.months",
        "unemployment.rate",
        "disability.qualifying_days",
        "disability.rate",
        "retirement.age",
        "retirement.min_insured_years",
        "pension.accrual_rate",
        "survivors.share",
        "survivors.min_insured_years",
        "pension.schedule_months",
    }
)


def event_date(claim):
    """The date whose rules apply to ``claim``: for a funeral grant or a survivors' pension, the
    date of death the registry holds for the deceased; otherwise (or if none is registered)
    the claim's date of the event."""
    if claim.benefit_type in (BenefitType.FUNERAL, BenefitType.SURVIVORS):
        deceased = claim.deceased or (claim.person if claim.benefit_type == BenefitType.FUNERAL else None)
        if deceased is not None and deceased.death_date is not None:
            return deceased.death_date
    return claim.event_date


def assess(claim):
    """The Assessment of ``claim`` under the parameters in force on its ``event_date``."""
    person = claim.person
    kind = claim.benefit_type
    on = event_date(claim)
    try:
        p = params(KEYS, on)
    except ParameterMissing as exc:
        raise InvalidInput(
            _("No benefit rules are in force on %(date)s; check the date of the event.") % {"date": on},
            field="event_date",
        ) from exc
    if kind == BenefitType.MARRIAGE:
        start, end = benefits.window(on, years=int(p["marriage_grant.window_years"]))
        return benefits.marriage_grant(record=contribution_record(person, start, end), p=p)
    if kind == BenefitType.FUNERAL:
        deceased = claim.deceased or person
        return benefits.funeral_grant(deceased_record=contribution_record(deceased, None, on), p=p)
    if kind == BenefitType.SICKNESS:
        start, end = benefits.window(on, months=12)
        return benefits.sickness_benefit(
            record=contribution_record(person, start, end), sick_days=claim.sick_days or 0, p=p
        )
    if kind == BenefitType.MATERNITY:
        start, end = benefits.window(on, months=12)
        return benefits.maternity_benefit(record=contribution_record(person, start, end), p=p)
    if kind == BenefitType.UNEMPLOYMENT:
        start, end = benefits.window(on, months=24)
        return benefits.unemployment_benefit(record=contribution_record(person, start, end), p=p)
    if kind == BenefitType.DISABILITY:
        return benefits.disability_pension(
            record=contribution_record(person, None, on),
            degree_percent=disability_degree_for_claim(person, on, max(on, timezone.localdate())),
            p=p,
        )
    if kind == BenefitType.OLD_AGE:
        return benefits.old_age_pension(
            birth_date=person.birth_date, on=on, career=contribution_record(person, None, on), p=p
        )
    if kind == BenefitType.SURVIVORS:
        if claim.deceased is None:
            return benefits.refuse(_("A survivors' pension needs the deceased person."))
        return benefits.survivors_pension(deceased_career=contribution_record(claim.deceased, None, on), p=p)
    raise ValueError(kind)


def as_json(assessment):
    return {
        "eligible": assessment.eligible,
        "reason": str(assessment.reason),
        "amount": str(assessment.amount),
        "instalments": assessment.instalments,
        "total": str(assessment.total),
        "details": {k: str(v) for k, v in assessment.details.items()},
    }
