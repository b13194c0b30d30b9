"""Writes to the registry that follow a case decision (called from case services, inside their transaction)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from .models import Payment, PaymentSchedule
from .selectors import payee_designation_in_force, verified_bank_account


def add_months(day, months):
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def payment_schedule_create(*, case_reference, person, amount, instalments, first_due, at=None):
    """A schedule of ``instalments`` monthly payments of ``amount``, the first due on ``first_due``."""
    at = at or timezone.now()
    amount = Decimal(amount)
    schedule = PaymentSchedule.objects.create(
        case_reference=case_reference,
        person=person,
        bank_account=verified_bank_account(person, first_due),
        total=amount * instalments,
        created_at=at,
    )
    Payment.objects.bulk_create(
        [Payment(schedule=schedule, due_date=add_months(first_due, i), amount=amount) for i in range(instalments)]
    )
    return schedule


def payments_mark_paid(*, schedule, on, at=None):
    """Pay every due instalment of ``schedule`` up to ``on``: to the account of the representative
    payee designated for the person on ``on`` if there is one, otherwise to the schedule's account.
    Each payment keeps the IBAN it was paid to. Returns (paid list, completed)."""
    at = at or timezone.now()
    designation = payee_designation_in_force(schedule.person, on)
    if designation is not None:
        iban = designation.bank_account.iban
    else:
        if schedule.bank_account_id is None:
            account = verified_bank_account(schedule.person, on)
            if account is None:
                return [], False
            schedule.bank_account = account
            schedule.save(update_fields=["bank_account"])
        iban = schedule.bank_account.iban
    due = list(schedule.payments.filter(status=Payment.Status.DUE, due_date__lte=on))
    for payment in due:
        payment.status = Payment.Status.PAID
        payment.paid_at = at
        payment.iban = iban
    Payment.objects.bulk_update(due, ["status", "paid_at", "iban"])
    completed = not schedule.payments.filter(status=Payment.Status.DUE).exists()
    if completed:
        schedule.status = PaymentSchedule.Status.COMPLETED
        schedule.save(update_fields=["status"])
    return due, completed
