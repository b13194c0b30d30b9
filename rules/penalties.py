"""Late-payment penalties: a daily rate on the unpaid part of a period's contribution after its due date."""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .benefits import money


def due_date_of(period, due_day):
    """A period (first day of a month) is due on ``due_day`` of the next month, or on that
    month's last day when it is shorter."""
    year, month = (period.year + 1, 1) if period.month == 12 else (period.year, period.month + 1)
    return dt.date(year, month, min(int(due_day), calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Penalty:
    amount: Decimal
    days_late: int
    segments: list = field(default_factory=list)  # (from, to, outstanding, days)


def late_penalty(*, assessed, due_date, payments, on, daily_rate):
    """Penalty accrued by ``on`` on ``assessed`` due on ``due_date``.

    ``payments``: (value_date, amount) pairs. Each day after the due date, up to and
    including ``on``, the amount still unpaid at the start of that day accrues ``daily_rate``:
    a payment counts from the day after its value date, so a payment one day late accrues one
    day, and a payment on the due date (or before) none.
    """
    outstanding = Decimal(assessed) - sum((Decimal(a) for d, a in payments if d <= due_date), Decimal(0))
    later = sorted((d, Decimal(a)) for d, a in payments if d > due_date)
    stop = on + dt.timedelta(days=1)  # accrual runs up to and including ``on``
    cursor = due_date + dt.timedelta(days=1)  # the first late day
    total = Decimal(0)
    days_late = 0
    segments = []
    # A late payment lowers the unpaid amount from the day after its value date on.
    changes = [(d + dt.timedelta(days=1), a) for d, a in later]
    for effective, amount in [*changes, (stop, Decimal(0))]:
        end = min(effective, stop)
        days = (end - cursor).days
        if outstanding > 0 and days > 0:
            total += outstanding * Decimal(daily_rate) * days
            segments.append(
                (cursor.isoformat(), (end - dt.timedelta(days=1)).isoformat(), str(money(outstanding)), days)
            )
            days_late += days
        cursor = max(cursor, end)
        outstanding -= amount
        if cursor >= stop:
            break
    return Penalty(amount=money(total), days_late=days_late, segments=segments)
