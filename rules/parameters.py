"""Effective-dated parameters: the value of a key in force on a date."""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import Parameter


class ParameterMissing(LookupError):
    def __init__(self, key, on):
        super().__init__(_("No value of parameter %(key)s is in force on %(date)s.") % {"key": key, "date": on})
        self.key = key
        self.on = on


def param(key, on):
    """The Decimal value of ``key`` in force on date ``on``."""
    value = (
        Parameter.objects.filter(key=key, valid_from__lte=on).order_by("-valid_from").values_list("value", flat=True)
    ).first()
    if value is None:
        raise ParameterMissing(key, on)
    return Decimal(value)


def params(keys, on):
    """Several parameters in force on ``on``, in one query: {key: Decimal}."""
    found = {}
    for key, value in (
        Parameter.objects.filter(key__in=keys, valid_from__lte=on)
        .order_by("key", "-valid_from")
        .values_list("key", "value")
    ):
        found.setdefault(key, Decimal(value))
    for key in keys:
        if key not in found:
            raise ParameterMissing(key, on)
    return found


def set_param(key, value, valid_from, description=""):
    """Installation and tests only: no check, no audit event. People change parameters through
    ``rules.changes.parameter_change`` (the administration's rule parameters page)."""
    obj, _created = Parameter.objects.update_or_create(
        key=key, valid_from=valid_from, defaults={"value": Decimal(value), "description": description}
    )
    return obj


# Defaults for a new installation, effective 2000-01-01. An administration replaces them
# with its own law's values, with the dates they take effect.
DEFAULTS = {
    "minimum_wage.monthly": ("1200.00", gettext_noop("monthly minimum wage")),
    "marriage_grant.min_days": ("720", gettext_noop("contribution days needed within the window before the marriage")),
    "marriage_grant.window_years": ("5", gettext_noop("years before the marriage registration counted")),
    "marriage_grant.amount": ("1200.00", gettext_noop("marriage grant lump sum")),
    "funeral_grant.minimum_wage_months": ("1", gettext_noop("months of minimum wage paid as funeral grant")),
    "sickness.qualifying_days": ("90", gettext_noop("contribution days in the last 12 months for sickness benefit")),
    "sickness.daily_rate": ("0.70", gettext_noop("share of the average daily insurable wage paid per sick day")),
    "maternity.qualifying_days": ("180", gettext_noop("contribution days in the last 12 months for maternity benefit")),
    "maternity.days": ("120", gettext_noop("days of maternity benefit")),
    "maternity.daily_rate": ("1.00", gettext_noop("share of the average daily wage paid per maternity day")),
    "unemployment.qualifying_days": ("360", gettext_noop("contribution days in the last 24 months")),
    "unemployment.months": ("6", gettext_noop("months of unemployment benefit")),
    "unemployment.rate": ("0.55", gettext_noop("share of the average monthly wage")),
    "disability.qualifying_days": ("360", gettext_noop("contribution days before the disability")),
    "disability.rate": ("0.50", gettext_noop("share of the average monthly wage at a disability of 100 percent")),
    "retirement.age": ("65", gettext_noop("standard retirement age in years")),
    "retirement.min_insured_years": ("15", gettext_noop("minimum insured years for an old-age pension")),
    "pension.accrual_rate": ("0.015", gettext_noop("pension accrual per insured year")),
    "survivors.share": ("0.60", gettext_noop("share of the deceased's pension paid to survivors")),
    "survivors.min_insured_years": ("5", gettext_noop("insured years of the deceased for a survivors' pension")),
    "pension.schedule_months": ("12", gettext_noop("monthly instalments scheduled at a time for pensions")),
    "sla.benefit_claim.days": ("30", gettext_noop("days to decide a benefit claim")),
    "sla.information_request.days": ("15", gettext_noop("days the claimant has to answer a request for information")),
    "sla.contribution_refund.days": ("30", gettext_noop("days to decide a contribution refund")),
    "sla.grievance.days": ("20", gettext_noop("days to resolve a grievance (set again at triage by priority)")),
    "sla.grievance.urgent.days": ("3", gettext_noop("days to resolve an urgent grievance")),
    "sla.grievance.high.days": ("10", gettext_noop("days to resolve a high-priority grievance")),
    "sla.grievance.normal.days": ("20", gettext_noop("days to resolve a normal grievance")),
    "sla.grievance.low.days": ("30", gettext_noop("days to resolve a low-priority grievance")),
    "sla.arrears_waiver.days": ("30", gettext_noop("days to decide an arrears waiver")),
    "sla.medical_commission.days": ("45", gettext_noop("days to reach a medical commission decision")),
    "sla.representative_payee.days": ("20", gettext_noop("days to decide a representative payee request")),
    "sla.power_of_attorney.days": ("20", gettext_noop("days to decide a power of attorney request")),
    "grievance.reopen_days": ("30", gettext_noop("days after the resolution during which the claimant may reopen")),
    "medical.appeal_days": ("30", gettext_noop("days after the decision during which it may be appealed")),
    "contribution.due_day": ("15", gettext_noop("day of the next month by which a period's contributions are due")),
    "penalty.daily_rate": ("0.0005", gettext_noop("late-payment penalty per day on the unpaid amount (0.05 %)")),
    "dependant.father_min_age": ("60", gettext_noop("minimum age of a father to be a dependant")),
    "dependant.mother_min_age": ("55", gettext_noop("minimum age of a mother to be a dependant")),
    "dependant.husband_min_age": (
        "60",
        gettext_noop("a husband of an insured woman older than this may be a dependant"),
    ),
    "dependant.child_max_age": ("18", gettext_noop("children younger than this may be dependants")),
}
DEFAULTS_FROM = dt.date(2000, 1, 1)


def describe(key):
    """What the parameter ``key`` is, in the reader's language (the key itself if unknown)."""
    known = DEFAULTS.get(key)
    return _(known[1]) if known else key


def install_defaults():
    existing = set(Parameter.objects.filter(valid_from=DEFAULTS_FROM).values_list("key", flat=True))
    Parameter.objects.bulk_create(
        [
            Parameter(key=k, valid_from=DEFAULTS_FROM, value=Decimal(v), description=d)
            for k, (v, d) in DEFAULTS.items()
            if k not in existing
        ]
    )
