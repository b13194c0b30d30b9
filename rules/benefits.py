"""Eligibility and amounts of benefits. Pure functions: data and parameters in, result out.

The caller (a case service) gathers the contribution record from the registry and the
parameters in force on the relevant date; nothing here reads the database.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
DAYS_PER_MONTH = Decimal(30)
DAYS_PER_YEAR = Decimal(360)


def money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ContributionRecord:
    """Contribution days and insurable earnings over a window."""

    days: int
    earnings: Decimal

    @classmethod
    def from_months(cls, months):
        """The record of monthly totals ``(days, earnings)``, one per calendar month. Days of
        several payers in one month count once: a month gives at most ``DAYS_PER_MONTH`` days."""
        days = 0
        earnings = Decimal(0)
        for month_days, month_earnings in months:
            days += min(int(month_days or 0), int(DAYS_PER_MONTH))
            earnings += Decimal(month_earnings or 0)
        return cls(days=days, earnings=earnings)

    @property
    def average_daily_wage(self):
        return self.earnings / self.days if self.days else Decimal(0)

    @property
    def average_monthly_wage(self):
        return self.average_daily_wage * DAYS_PER_MONTH

    @property
    def insured_years(self):
        """Completed insured years to the hundredth, never rounded up: 5399 days are 14.99 years."""
        return (Decimal(self.days) / DAYS_PER_YEAR).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Assessment:
    eligible: bool
    reason: str
    amount: Decimal = Decimal("0.00")  # per instalment
    instalments: int = 1
    details: dict = field(default_factory=dict)

    @property
    def total(self):
        return money(self.amount * self.instalments)


def refuse(reason, **details):
    return Assessment(eligible=False, reason=reason, details=details)


def age_on(birth_date, day):
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def marriage_grant(*, record, p):
    """Marriage grant: at least ``marriage_grant.min_days`` contribution days within the
    ``marriage_grant.window_years`` years before the marriage registration (record covers that window)."""
    need = int(p["marriage_grant.min_days"])
    if record.days < need:
        return refuse(
            _("%(days)s contribution days in the window before the marriage; %(need)s are required.")
            % {"days": record.days, "need": need},
            days=record.days,
            required=need,
        )
    return Assessment(
        eligible=True,
        reason=_("%(days)s contribution days in the window (%(need)s required).") % {"days": record.days, "need": need},
        amount=money(p["marriage_grant.amount"]),
        details={"days": record.days, "required": need},
    )


def funeral_grant(*, deceased_record, p):
    """Funeral grant: months of the minimum wage in force on the date of death, when the deceased was insured."""
    if deceased_record.days <= 0:
        return refuse(_("The deceased has no contribution record."))
    amount = money(p["minimum_wage.monthly"] * p["funeral_grant.minimum_wage_months"])
    return Assessment(
        eligible=True,
        reason=_("Minimum wage in force on the date of death."),
        amount=amount,
        details={"minimum_wage": p["minimum_wage.monthly"]},
    )


def _qualifying(record, need, what):
    if record.days < need:
        return refuse(
            _("%(days)s contribution days; %(need)s are required for %(what)s.")
            % {"days": record.days, "need": need, "what": what},
            days=record.days,
            required=need,
        )
    return None


def sickness_benefit(*, record, sick_days, p):
    refused = _qualifying(record, int(p["sickness.qualifying_days"]), _("sickness benefit"))
    if refused:
        return refused
    if sick_days <= 0:
        return refuse(_("The number of sick days must be positive."))
    amount = money(record.average_daily_wage * p["sickness.daily_rate"] * sick_days)
    return Assessment(
        eligible=True,
        reason=_("%(days)s sick days at %(rate)s of the average daily wage.")
        % {"days": sick_days, "rate": p["sickness.daily_rate"]},
        amount=amount,
        details={"sick_days": sick_days, "average_daily_wage": money(record.average_daily_wage)},
    )


def maternity_benefit(*, record, p):
    refused = _qualifying(record, int(p["maternity.qualifying_days"]), _("maternity benefit"))
    if refused:
        return refused
    days = int(p["maternity.days"])
    amount = money(record.average_daily_wage * p["maternity.daily_rate"] * days)
    return Assessment(
        eligible=True,
        reason=_("%(days)s days of maternity benefit.") % {"days": days},
        amount=amount,
        details={"days": days, "average_daily_wage": money(record.average_daily_wage)},
    )


def unemployment_benefit(*, record, p):
    refused = _qualifying(record, int(p["unemployment.qualifying_days"]), _("unemployment benefit"))
    if refused:
        return refused
    months = int(p["unemployment.months"])
    return Assessment(
        eligible=True,
        reason=_("%(months)s monthly payments.") % {"months": months},
        amount=money(record.average_monthly_wage * p["unemployment.rate"]),
        instalments=months,
        details={"average_monthly_wage": money(record.average_monthly_wage)},
    )


def disability_pension(*, record, degree_percent, p):
    """Disability pension: needs a medical commission's degree of disability."""
    if degree_percent is None:
        return refuse(_("No medical commission decision on the degree of disability."))
    if degree_percent <= 0:
        return refuse(_("The medical commission found no disability."), degree_percent=degree_percent)
    refused = _qualifying(record, int(p["disability.qualifying_days"]), _("a disability pension"))
    if refused:
        return refused
    amount = money(record.average_monthly_wage * p["disability.rate"] * Decimal(degree_percent) / 100)
    return Assessment(
        eligible=True,
        reason=_("Disability of %(degree)s %%.") % {"degree": degree_percent},
        amount=amount,
        instalments=int(p["pension.schedule_months"]),
        details={"degree_percent": degree_percent},
    )


def old_age_pension(*, birth_date, on, career, p):
    """Old-age pension: retirement age and minimum insured period; accrual × insured years × average wage."""
    age = age_on(birth_date, on)
    if age < int(p["retirement.age"]):
        return refuse(
            _("Age %(age)s; the retirement age is %(need)s.") % {"age": age, "need": int(p["retirement.age"])}, age=age
        )
    years = career.insured_years
    if years < p["retirement.min_insured_years"]:
        return refuse(
            _("%(years)s insured years; %(need)s are required.")
            % {"years": years, "need": int(p["retirement.min_insured_years"])},
            insured_years=years,
        )
    amount = money(p["pension.accrual_rate"] * years * career.average_monthly_wage)
    return Assessment(
        eligible=True,
        reason=_("%(years)s insured years at an accrual of %(rate)s.")
        % {"years": years, "rate": p["pension.accrual_rate"]},
        amount=amount,
        instalments=int(p["pension.schedule_months"]),
        details={"insured_years": years, "average_monthly_wage": money(career.average_monthly_wage)},
    )


def survivors_pension(*, deceased_career, p):
    years = deceased_career.insured_years
    if years < p["survivors.min_insured_years"]:
        return refuse(
            _("The deceased had %(years)s insured years; %(need)s are required.")
            % {"years": years, "need": int(p["survivors.min_insured_years"])}
        )
    base = p["pension.accrual_rate"] * years * deceased_career.average_monthly_wage
    return Assessment(
        eligible=True,
        reason=_("%(share)s of the pension earned by the deceased.") % {"share": p["survivors.share"]},
        amount=money(base * p["survivors.share"]),
        instalments=int(p["pension.schedule_months"]),
        details={"insured_years": years},
    )


def add_months(day, months):
    """The same day ``months`` months later (earlier when negative), kept within the month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window(day, *, years=0, months=0):
    """The reference period before ``day``: the ``years`` years and ``months`` months of whole
    calendar months that end with the month before the month of ``day``.

    The ledger records whole months, so a month is in the window entirely or not at all: the
    month of the event itself is outside, as is every month before the first one. Returns
    (first day, last day), both inclusive, for ``registry.selectors.contribution_record``.
    """
    total = years * 12 + months
    if total <= 0:
        raise ValueError("a window needs a positive length")
    first_of_event_month = day.replace(day=1)
    return add_months(first_of_event_month, -total), first_of_event_month - dt.timedelta(days=1)
