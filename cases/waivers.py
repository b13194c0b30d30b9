"""Arrears waivers: removing late-payment penalties, in whole or in part.

The subject is an employer (the case's owning unit is the employer's branch) or a
self-employed person (their home branch). The penalty is the ledger's own arithmetic
(``registry.ledger.penalties``, rules in ``rules.penalties``) with the due day and the daily
rate in force on the day of the computation; what can be waived is the penalty outstanding
on the chosen periods: accrued less what earlier waivers removed.

Each service follows ``cases.services``: one transaction, the case row locked, authority
checked, the transition, its audit event, save, notifications after commit.

- Filing computes the outstanding penalty; the requested amount defaults to all of it.
- The caseworker holding the review task recommends an amount (by default the requested
  amount, or what is still outstanding when less) or rejection; the decision task goes to the
  nearest unit whose authority limit covers the amount.
- The decision is taken under four eyes. An approval locks the account row (employer or
  person), computes the penalty again under that lock, refuses if the recommended amount is
  no longer outstanding (another waiver of the same account came first), then posts the
  waiver to the ledger and moves the case to applied, in the same transaction.
- Ledger postings: one WAIVER posting per period, oldest period first, each up to that
  period's outstanding penalty, so that a later request for some of the same periods sees
  exactly what was waived on them.
- Notifications go to the person concerned. An employer has no contact person in the
  registry, so an employer's waiver notifies no one.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import ledger
from registry.models import LedgerPosting
from rules.parameters import params
from workflows import routing
from workflows.waiver_flow import ArrearsWaiverFlow

from . import engine
from .errors import Conflict, InvalidInput
from .locks import lock_account, lock_case
from .models import ArrearsWaiver
from .notifications import notify_person

WAIVER_RELATED = ("owning_unit", "deciding_unit", "person", "employer")
DUE_DAY = "contribution.due_day"
DAILY_RATE = "penalty.daily_rate"
ZERO = Decimal("0.00")


# --- The penalty ------------------------------------------------------------------------------


def penalty_statement(*, employer=None, person=None, period_from, period_to, on=None):
    """The ledger's penalty statement of the account over the periods, computed on ``on``
    (today by default) with the parameters in force that day."""
    on = on or timezone.localdate()
    values = params([DUE_DAY, DAILY_RATE], on)
    statement = ledger.penalties(
        employer=employer,
        person=person,
        period_from=period_from,
        period_to=period_to,
        on=on,
        due_day=values[DUE_DAY],
        daily_rate=values[DAILY_RATE],
    )
    return statement, {
        "on": on.isoformat(),
        "due_day": int(values[DUE_DAY]),
        "daily_rate": format(values[DAILY_RATE].normalize(), "f"),
        "accrued": str(statement.accrued),
        "waived": str(statement.waived),
        "outstanding": str(statement.outstanding),
        "periods": statement.periods,
    }


def _case_statement(case, on=None):
    return penalty_statement(
        employer=case.employer,
        person=None if case.employer_id else case.person,
        period_from=case.period_from,
        period_to=case.period_to,
        on=on,
    )


def _allocation(statement, amount):
    """[(period, amount)]: ``amount`` spread over the periods, oldest first, each up to its
    outstanding penalty."""
    remaining = amount
    shares = []
    for row in statement.periods:
        if remaining <= 0:
            break
        open_penalty = Decimal(row["penalty"]) - Decimal(row["waived"])
        share = min(remaining, open_penalty)
        if share > 0:
            shares.append((dt.date.fromisoformat(row["period"]), share))
            remaining -= share
    if remaining > 0:
        raise Conflict(_("The penalty of these periods changed meanwhile; reload and try again."))
    return shares


# --- Input ----------------------------------------------------------------------------------------


def _period(value, field):
    """The month a period value names, as its first day (a date, or ISO text 'YYYY-MM[-DD]')."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.date.fromisoformat(text if len(text) > 7 else f"{text}-01")
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        raise InvalidInput(_("Give the period as a month, such as 2024-03."), field=field)
    return value.replace(day=1)


def _periods(period_from, period_to):
    start = _period(period_from, "period_from")
    end = _period(period_to, "period_to")
    if start > end:
        raise InvalidInput(_("The first period comes after the last one."), field="period_from")
    if end > timezone.localdate():
        raise InvalidInput(_("The periods cannot be in the future."), field="period_to")
    return start, end


def _subject(employer, person):
    if (employer is None) == (person is None):
        raise InvalidInput(_("Name either the employer or the self-employed person."), field="employer")
    return employer.branch if employer is not None else person.branch


def _nothing_to_waive():
    return InvalidInput(_("There is no outstanding late-payment penalty on these periods."), field="period_from")


# --- Filing -----------------------------------------------------------------------------------------


def waiver_file(*, employer=None, person=None, period_from, period_to, grounds, requested_amount=None, actor):
    """Create and submit a waiver request. ``actor``: the payer (or its user, or representative)
    online; a staff actor files at a counter and needs to work cases at the owning branch."""
    unit = _subject(employer, person)
    start, end = _periods(period_from, period_to)
    grounds = engine.required_text(grounds, _("Give the grounds of the request."), "grounds")
    requested = None
    if requested_amount not in (None, ""):
        requested = engine.parse_amount(requested_amount, field="requested_amount")
    with transaction.atomic():
        # Refused before the account's penalty is read.
        engine.acting_authority(actor, unit, engine.subject_of(employer=employer, person=person))
        statement, computation = penalty_statement(employer=employer, person=person, period_from=start, period_to=end)
        if statement.outstanding <= 0:
            raise _nothing_to_waive()
        if requested is None:
            requested = statement.outstanding
        elif requested > statement.outstanding:
            raise InvalidInput(
                _("At most %(amount)s of penalty is outstanding on these periods.") % {"amount": statement.outstanding},
                field="requested_amount",
            )
        case, step, now = engine.case_create(
            ArrearsWaiver,
            owning_unit=unit,
            actor=actor,
            employer=employer,
            person=person,
            period_from=start,
            period_to=end,
            grounds=grounds,
            requested_amount=requested,
            penalty_amount=statement.outstanding,
            penalty_computation=computation,
            audit_payload={
                "subject": f"employer:{employer.pk}" if employer is not None else f"person:{person.pk}",
                "period_from": start,
                "period_to": end,
                "requested_amount": requested,
                "outstanding": statement.outstanding,
            },
        )
        engine.case_submit(step, ArrearsWaiverFlow, ArrearsWaiverFlow.review, now=now, payload={"grounds": grounds})
        subject = _("We received your waiver request %(ref)s") % {"ref": case.reference}
        body = _("Penalties of %(amount)s are under review.") % {"amount": requested}
        notify_person(case, "submitted", step, subject=subject, body=body)
        return case


# --- Review -----------------------------------------------------------------------------------------


def _lock(case_id):
    return lock_case(ArrearsWaiver, case_id, related=WAIVER_RELATED)


waiver_request_info, waiver_receive_info = engine.info_services(
    _lock,
    gettext_lazy("Write what the applicant must provide."),
    gettext_lazy("Information needed for your waiver request %(ref)s"),
)


def waiver_recommend(*, case_id, actor, approve, amount=None, note=""):
    """The caseworker holding the review task recommends the amount to waive, or rejection.
    The amount defaults to the requested amount (or what is still outstanding, when less) and
    cannot exceed the outstanding penalty; an amount other than the requested one needs a note.
    The decision task goes to the nearest unit whose authority limit covers the amount."""
    note = (note or "").strip()
    with transaction.atomic():
        case = lock_case(ArrearsWaiver, case_id, related=WAIVER_RELATED)
        authority, task = engine.worked_task(case, actor, "review")
        statement, computation = _case_statement(case)
        outstanding = statement.outstanding
        if approve:
            if outstanding <= 0:
                raise InvalidInput(_("There is no outstanding penalty left to waive."), field="amount")
            if amount in (None, ""):
                value = min(case.requested_amount or outstanding, outstanding)
            else:
                value = engine.parse_amount(amount)
            if value > outstanding:
                raise InvalidInput(
                    _("At most %(amount)s of penalty is outstanding on these periods.") % {"amount": outstanding},
                    field="amount",
                )
            if value != case.requested_amount and not note:
                raise InvalidInput(_("Explain why the amount differs from the amount requested."), field="note")
            unit = engine.deciding_unit_for(case, value)
        else:
            engine.require_rejection_reason(note)
            value, unit = None, case.owning_unit
        step = engine.step_for(case, actor, authority)
        routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="approve" if approve else "reject")
        step.transition(
            "recommend",
            penalty=outstanding,
            computation=computation,
            payload={
                "recommendation": "approve" if approve else "reject",
                "amount": value,
                "accrued": statement.accrued,
                "waived": statement.waived,
                "outstanding": outstanding,
                "deciding_unit": unit.code,
                "escalated": unit.pk != case.owning_unit_id,
                "note": note,
            },
            **engine.recommendation_fields(
                approve=approve, amount=value, note=note, actor=actor, authority=authority, unit=unit
            ),
        )
        routing.task_create(case, ArrearsWaiverFlow.decide, unit=unit, audit=step.audit)
        step.save("penalty_amount", "penalty_computation", *ArrearsWaiver.RECOMMENDATION_FIELDS)
        return case


# --- Decision ---------------------------------------------------------------------------------------


def waiver_decide(*, case_id, actor, approve, note=""):
    """Approve or reject a recommended waiver under four eyes; approval needs an authority limit
    covering the amount at the deciding unit. An approval posts the waiver to the ledger and
    applies the case in the same transaction, under the account's lock, and only if the amount
    is still outstanding."""
    note = (note or "").strip()
    with transaction.atomic():
        case = lock_case(ArrearsWaiver, case_id, related=WAIVER_RELATED)
        authority = engine.decision_authority(
            case, actor, approve=approve, total=case.recommended_amount if approve else None
        )
        if approve and case.recommended_amount is None:
            raise InvalidInput(_("The recommendation is to reject: there is no amount to approve."), field="approve")
        if not approve:
            engine.require_rejection_reason(note)
        task = engine.decision_task(case, actor)
        today = timezone.localdate()
        if approve:
            lock_account(case)
            statement, computation = _case_statement(case, on=today)
            if case.recommended_amount > statement.outstanding:
                raise Conflict(
                    _("Only %(outstanding)s of penalty is outstanding now: %(amount)s can no longer be waived.")
                    % {"outstanding": statement.outstanding, "amount": case.recommended_amount}
                )
            shares = _allocation(statement, case.recommended_amount)
        step = engine.step_for(case, actor, authority, case.deciding_unit)
        now = timezone.now()
        routing.task_complete(
            step.case, task, user=actor, audit=step.audit, outcome="approved" if approve else "rejected"
        )
        decision = engine.decision_fields(actor=actor, authority=authority, at=now, note=note)
        if approve:
            step.transition("approve", payload={"amount": case.recommended_amount, "note": note}, **decision)
            postings = ledger.post_each(
                LedgerPosting.Kind.WAIVER,
                shares,
                value_date=today,
                employer=case.employer,
                person=None if case.employer_id else case.person,
                reference=case.reference,
                note=_("Late-payment penalty waived"),
            )
            step.transition(
                "apply",
                payload={
                    "total": case.approved_amount,
                    "postings": [{"id": p.pk, "period": p.period, "amount": p.amount} for p in postings],
                    "outstanding_before": statement.outstanding,
                    "computation": computation,
                },
            )
            subject = _("Your waiver request %(ref)s is approved") % {"ref": case.reference}
            body = _("Late-payment penalties of %(amount)s were waived.") % {"amount": case.approved_amount}
        else:
            step.transition("reject", payload={"note": note}, **decision)
            subject = _("Decision on your waiver request %(ref)s") % {"ref": case.reference}
            body = _("Your request was rejected: %(note)s") % {"note": note}
        routing.process_finish(case.process)
        step.save(*ArrearsWaiver.DECISION_FIELDS)
        notify_person(case, "applied" if approve else "rejected", step, subject=subject, body=body)
        return case


# --- Applicant actions ---------------------------------------------------------------------------


waiver_withdraw = engine.withdraw_service(_lock, gettext_lazy("Your waiver request %(ref)s is withdrawn"))
