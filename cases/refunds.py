"""Contribution refunds: the services that move a refund, and what may be refunded.

A person or an employer asks for contributions paid above what was assessed (overpaid or wrongly
posted) to be paid back. The refundable amount is the overpayment the contribution ledger shows
over the requested periods (``registry.ledger.balance(...).overpaid``: payments less assessments
less refunds already posted); no refund is ever recommended or approved above it.

Approval, the payment order to the verified bank account and the refund's posting on the ledger
happen in one transaction (``refund_decide``), so no refund of an account is ever approved with its
posting still to come: every refund already granted is in the ledger's ``refunded`` sum.
Decisions on refunds of one account are serialised by a lock on the account's row (the person or
the employer), taken after the case row and before the ledger is read again; whoever comes second
finds the overpayment used and is refused with ``RefundExceedsOverpayment`` (409).

Payment goes to the person's verified bank account (``registry.selectors.verified_bank_account``).
The registry keeps bank accounts for persons only: an employer's refund can be filed, reviewed and
rejected, but its approval is refused (invalid input on ``bank_account``) until the registry can
name a verified account of the employer.

Each service runs in one transaction in the order of ``cases/services.py``: lock, authority,
transition check, transition, audit event, save, side effects after commit.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import ledger
from registry.models import ContributionEntry, LedgerPosting
from registry.selectors import verified_bank_account
from rules.benefits import money
from workflows import routing
from workflows.refund_flow import RefundFlow

from . import engine, labels
from .errors import Conflict, InvalidInput
from .locks import lock_account, lock_case
from .models import ContributionRefund, RefundState
from .notifications import notify_person

ZERO = Decimal("0.00")
REFUND_RELATED = ("owning_unit", "deciding_unit", "person", "employer")


class RefundExceedsOverpayment(Conflict):
    """The ledger changed since the recommendation: the overpayment left no longer covers it."""

    code = "refund_exceeds_overpayment"
    default_message = gettext_lazy("The overpayment left on the account no longer covers this refund.")


# --- What may be refunded ----------------------------------------------------------------------


def _account(case):
    return {"person": case.person} if case.person_id else {"employer": case.employer}


def refundable_amount(case):
    """The overpayment the ledger shows over the case's periods, refunds already posted deducted
    (two queries). Approved refunds are posted in the transaction that approves them, so there are
    no approved refunds still to deduct."""
    return ledger.balance(**_account(case), period_from=case.period_from, period_to=case.period_to).overpaid


def _surplus_by_period(case):
    """Per period of the case: payments less assessments less refunds (two queries), on the same
    account and periods as ``ledger.balance``, to the cent whatever the database returns for a sum."""
    account = _account(case)
    periods = {"period__gte": case.period_from, "period__lte": case.period_to}
    surplus = defaultdict(lambda: ZERO)
    assessed = (
        ContributionEntry.objects.filter(**account, **periods)
        .order_by()
        .values_list("period")
        .annotate(total=Sum(ledger.ASSESSED))
        .values_list("period", "total")
    )
    for period, total in assessed:
        surplus[period] -= money(total)
    postings = (
        LedgerPosting.objects.filter(
            **account, **periods, kind__in=[LedgerPosting.Kind.PAYMENT, LedgerPosting.Kind.REFUND]
        )
        .order_by()
        .values_list("period", "kind")
        .annotate(total=Sum("amount"))
        .values_list("period", "kind", "total")
    )
    for period, kind, total in postings:
        surplus[period] += money(total) if kind == LedgerPosting.Kind.PAYMENT else -money(total)
    return surplus


def refund_allocation(case, amount):
    """[(period, amount)]: where the refund is posted. Each part goes to a period that still holds
    a surplus, oldest first and never above it, so a later request over other (overlapping)
    periods cannot find the same overpayment again."""
    parts, left = [], amount
    surplus = _surplus_by_period(case)
    for period in sorted(surplus):
        share = min(surplus[period], left)
        if share > 0:
            parts.append((period, share))
            left -= share
        if left == 0:
            return parts
    raise RefundExceedsOverpayment()


def _payment_account(case, on):
    """The verified bank account a refund is paid to; refuses when there is none."""
    if case.person_id is None:
        raise InvalidInput(
            _("The registry holds no verified bank account for an employer: this refund cannot be approved."),
            field="bank_account",
        )
    account = verified_bank_account(case.person, on)
    if account is None:
        raise InvalidInput(
            _("The person has no verified bank account: ask for one before approving the refund."),
            field="bank_account",
        )
    return account


# --- Input -------------------------------------------------------------------------------------


def _period(value, field):
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInput(_("Give a month as a date, such as 2024-01-01."), field=field)
    return value.replace(day=1)


def _lock(case_id):
    return lock_case(ContributionRefund, case_id, related=REFUND_RELATED)


def _require_state(case, state, action):
    if case.state != state:
        raise engine.not_possible(case, action)


def _masked(iban):
    return f"…{iban[-4:]}"


# --- Filing ------------------------------------------------------------------------------------


def refund_refundable(*, person=None, employer=None, period_from, period_to):
    """What the ledger shows as overpaid on the account over the months (what a refund may pay)."""
    period_from, period_to = _period(period_from, "period_from"), _period(period_to, "period_to")
    return ledger.balance(person=person, employer=employer, period_from=period_from, period_to=period_to).overpaid


def refund_file(*, person=None, employer=None, period_from, period_to, reason, requested_amount=None, actor):
    """File and submit a refund for a person's or an employer's contributions over the months from
    ``period_from`` to ``period_to``. ``actor`` None: the applicant through the portal; a staff actor
    files at a counter and needs to work cases at the account's branch. The refund waits in the
    review queue of that branch."""
    if (person is None) == (employer is None):
        raise InvalidInput(_("Name either the insured person or the employer, not both."), field="person")
    period_from = _period(period_from, "period_from")
    period_to = _period(period_to, "period_to")
    if period_to < period_from:
        raise InvalidInput(_("The last month comes before the first one."), field="period_to")
    reason = engine.required_text(reason, _("Give the reason for the refund."), "reason")
    if requested_amount in (None, ""):
        requested_amount = None
    else:
        requested_amount = engine.parse_amount(requested_amount, field="requested_amount")
    owner = person or employer
    with transaction.atomic():
        refundable = refund_refundable(person=person, employer=employer, period_from=period_from, period_to=period_to)
        case, step, now = engine.case_create(
            ContributionRefund,
            owning_unit=owner.branch,
            actor=actor,
            audit_payload={
                "account": "person" if person is not None else "employer",
                "period_from": period_from,
                "period_to": period_to,
                "reason": reason,
                "requested_amount": requested_amount,
            },
            person=person,
            employer=employer,
            period_from=period_from,
            period_to=period_to,
            reason=reason,
            requested_amount=requested_amount,
            refundable_amount=refundable,
        )
        engine.case_submit(step, RefundFlow, RefundFlow.review, now=now, payload={"refundable": refundable})
        subject = _("We received your refund request %(ref)s") % {"ref": case.reference}
        body = _("We will check the contributions paid from %(from)s to %(to)s and decide by %(due)s.") % {
            "from": period_from.isoformat(),
            "to": period_to.isoformat(),
            "due": case.due_date.isoformat(),
        }
        notify_person(case, "submitted", step, subject=subject, body=body)
        return case


# --- Review ------------------------------------------------------------------------------------


refund_request_info, refund_receive_info = engine.info_services(
    _lock,
    gettext_lazy("Write what the applicant must provide."),
    gettext_lazy("Information needed for your refund request %(ref)s"),
)


def refund_recommend(*, case_id, actor, approve, amount=None, note=""):
    """Whoever holds the review task recommends a refund or its rejection. The amount defaults to
    the refundable amount; another amount needs a note and is never above the refundable amount;
    nothing can be recommended for approval without an overpayment or a verified bank account.
    The decision task goes to the nearest unit whose authority limit covers the amount."""
    note = (note or "").strip()
    with transaction.atomic():
        case = _lock(case_id)
        authority, task = engine.worked_task(case, actor, "review")
        _require_state(case, RefundState.IN_REVIEW, labels.transition_label("recommend"))
        refundable = refundable_amount(case)
        if approve:
            value = refundable if amount in (None, "") else engine.parse_amount(amount)
            if refundable <= 0:
                raise InvalidInput(
                    _("The ledger shows no overpayment over these months: there is nothing to refund."), field="amount"
                )
            if value > refundable:
                raise InvalidInput(
                    _("The amount is above the refundable amount of %(refundable)s.") % {"refundable": refundable},
                    field="amount",
                )
            if value != refundable and not note:
                raise InvalidInput(_("Explain why the amount differs from the refundable amount."), field="note")
            _payment_account(case, timezone.localdate())
            unit = engine.deciding_unit_for(case, value)
        else:
            engine.require_rejection_reason(note)
            value, unit = None, case.owning_unit
        step = engine.step_for(case, actor, authority)
        recommendation = "approve" if approve else "reject"
        routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome=recommendation)
        step.transition(
            "recommend",
            refundable=refundable,
            **engine.recommendation_fields(
                approve=approve, amount=value, note=note, actor=actor, authority=authority, unit=unit
            ),
            payload={
                "recommendation": recommendation,
                "amount": value,
                "refundable": refundable,
                "deciding_unit": unit.code,
                "escalated": unit.pk != case.owning_unit_id,
                "note": note,
            },
        )
        routing.task_create(case, RefundFlow.decide, unit=unit, audit=step.audit)
        step.save("refundable_amount", *ContributionRefund.RECOMMENDATION_FIELDS)
        return case


# --- Decision and payment ------------------------------------------------------------------------


def refund_decide(*, case_id, actor, approve, note=""):
    """Approve or reject a recommended refund. Four eyes: neither the recommender nor the person
    they acted for may decide; approval needs an authority limit covering the amount at the
    deciding unit. Approval locks the account, checks again that the overpayment left covers the
    amount, orders the payment to the verified bank account and posts the refund on the ledger:
    the refund ends paid (payment ordered). The applicant is told of the decision."""
    note = (note or "").strip()
    with transaction.atomic():
        case = _lock(case_id)
        authority = engine.decision_authority(case, actor, approve=approve, total=case.recommended_amount or ZERO)
        if approve and case.recommendation != "approve":
            raise InvalidInput(
                _("The recommendation is to reject: a refund is approved only on a recommended amount."),
                field="approve",
            )
        if not approve:
            engine.require_rejection_reason(note)
        task = engine.decision_task(case, actor)
        now = timezone.now()
        today = timezone.localdate(now)
        if approve:
            lock_account(case)
            refundable = refundable_amount(case)
            if case.recommended_amount > refundable:
                raise RefundExceedsOverpayment(
                    _(
                        "The overpayment left on the account is %(left)s, less than the recommended %(amount)s:"
                        " another refund was paid meanwhile. Reject this refund; a new request can be filed."
                    )
                    % {"left": refundable, "amount": case.recommended_amount}
                )
            account = _payment_account(case, today)
            parts = refund_allocation(case, case.recommended_amount)
        step = engine.step_for(case, actor, authority, case.deciding_unit)
        routing.task_complete(
            step.case, task, user=actor, audit=step.audit, outcome="approved" if approve else "rejected"
        )
        decision = engine.decision_fields(actor=actor, authority=authority, at=now, note=note)
        if approve:
            step.transition(
                "approve",
                **decision,
                payload={"amount": case.recommended_amount, "refundable": refundable, "note": note},
            )
            _order_payment(step, account, parts, today)
            subject = _("Your refund %(ref)s is approved") % {"ref": case.reference}
            body = _("A refund of %(amount)s is ordered to your bank account ending %(account)s.") % {
                "amount": case.approved_amount,
                "account": _masked(account.iban),
            }
        else:
            step.transition("reject", **decision, payload={"note": note})
            subject = _("Decision on your refund request %(ref)s") % {"ref": case.reference}
            body = _("Your refund request was rejected: %(note)s") % {"note": note}
        routing.process_finish(case.process, at=now)
        step.save("bank_account", "payment_order", *ContributionRefund.DECISION_FIELDS)
        notify_person(case, "approved" if approve else "rejected", step, subject=subject, body=body)
        return case


def _order_payment(step, account, parts, value_date):
    """The payment order and the refund's postings on the ledger, one per period it comes from."""
    case = step.case
    order = f"PO-{case.reference}"
    postings = ledger.post_each(
        LedgerPosting.Kind.REFUND,
        parts,
        value_date=value_date,
        person=case.person,
        employer=case.employer,
        reference=order,
        note=case.reference,
    )
    step.transition(
        "order_payment",
        bank_account=account,
        payment_order=order,
        payload={
            "payment_order": order,
            "amount": case.approved_amount,
            "bank_account": account.pk,
            "iban": account.iban,
            "postings": [{"id": p.pk, "period": p.period, "amount": p.amount} for p in postings],
        },
    )


# --- Applicant actions -------------------------------------------------------------------------


refund_withdraw = engine.withdraw_service(
    _lock,
    gettext_lazy("Your refund request %(ref)s is withdrawn"),
    gettext_lazy("Your refund request is closed, as you asked."),
)
