"""The only code that changes a case.

Each service runs in one transaction, in this order: lock the case row; check the actor's
authority (``roles.selectors.authorize``: scope in the org tree, delegation, four eyes,
amount limit); check the transition is allowed from the current state; call the
``@transition`` method; append the audit event (its chain head lives on the locked row);
save; schedule side effects with ``transaction.on_commit``. A refusal raises a domain error.
"""

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from audit.services import ChainHead, record_event
from registry.models import PaymentSchedule
from registry.services import payment_schedule_create, payments_mark_paid
from roles.powers import Power, roles_with
from roles.selectors import authorize, deciding_unit
from rules.parameters import param
from workflows import routing
from workflows.flows import BenefitClaimFlow

from . import eligibility
from .errors import CaseTransitionError, Conflict, FourEyesViolation, InvalidInput, NotAuthorized
from .locks import lock_case
from .models import BenefitClaim, BenefitType, CaseComment, CaseDocument, CaseType, ClaimState, Notification

CLAIM_RELATED = ("owning_unit", "deciding_unit", "person")
BASE_FIELDS = ["state", "updated_at", "audit_seq", "audit_hash"]


@dataclass
class Step:
    """One service call on one locked case: who acts, on whose behalf, and its audit events."""

    case: object
    actor: object  # a User, or None for the system
    on_behalf_of_id: int | None = None
    unit_id: int | None = None

    def audit(self, action, *, from_state="", to_state="", payload=None):
        event = record_event(
            subject_type="case",
            subject_id=self.case.pk,
            action=action,
            head=ChainHead(self.case.audit_seq, self.case.audit_hash),
            actor=self.actor,
            on_behalf_of_id=self.on_behalf_of_id,
            org_unit_id=self.unit_id or self.case.owning_unit_id,
            from_state=from_state,
            to_state=to_state,
            payload=payload,
        )
        self.case.audit_seq = event.seq
        self.case.audit_hash = event.hash
        return event

    def transition(self, name, *, payload=None, **kwargs):
        method = getattr(self.case, name)
        if not can_proceed(method):
            raise CaseTransitionError(
                _("%(action)s is not possible: the case is %(state)s.")
                % {"action": name.replace("_", " ").capitalize(), "state": _state_label(self.case.state)}
            )
        before = self.case.state
        method(**kwargs)
        return self.audit(f"{self.case.case_type}.{name}", from_state=before, to_state=self.case.state, payload=payload)

    def save(self, *fields):
        self.case.updated_at = timezone.now()
        self.case.save(update_fields=[*BASE_FIELDS, *fields])


def _state_label(state):
    """The state as people read it (the protected FSM field has no choices, so no get_state_display)."""
    return str(dict(ClaimState.choices).get(state, state)).lower()


def _grant(user, power, unit, amount=None):
    return authorize(user, power, unit=unit, amount=amount)


def _step(case, actor, grant=None, unit=None):
    return Step(
        case=case,
        actor=actor,
        on_behalf_of_id=grant.on_behalf_of_id if grant else None,
        unit_id=(unit or case.owning_unit).pk,
    )


def _new_reference(prefix):
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return f"{prefix}-{timezone.now().year}-" + "".join(secrets.choice(alphabet) for _ in range(8))


def _sla_due(case_type, start):
    return start + dt.timedelta(days=int(param(f"sla.{case_type}.days", start)))


def _task_unit(claim, task):
    return claim.deciding_unit if task.flow_task.name == "decide" else claim.owning_unit


def _task_power(task):
    return Power.DECIDE_CASE if task.flow_task.name == "decide" else Power.WORK_CASE


def _open_task(claim):
    task = routing.open_task(claim, lock=True)
    if task is None:
        raise CaseTransitionError(_("This case has no open task."))
    return task


def _own_task(claim, actor, node):
    task = _open_task(claim)
    if task.flow_task.name != node:
        raise CaseTransitionError(_("This case is not at this step."))
    if task.owner_id != actor.pk:
        raise Conflict(_("Take the task before working on it."))
    return task


# --- Filing ---------------------------------------------------------------------------------


def claim_file(*, person, benefit_type, event_date, actor=None, channel="portal", deceased=None, sick_days=None):
    """Create and submit a claim. ``actor`` None: the claimant through the portal, or the system.
    A staff actor files at a counter and needs to work cases at the person's branch."""
    if benefit_type not in BenefitType.values:
        raise InvalidInput(_("Unknown benefit."), field="benefit_type")
    if event_date is None or event_date > timezone.localdate() + dt.timedelta(days=366):
        raise InvalidInput(_("Give the date of the event."), field="event_date")
    if benefit_type in (BenefitType.FUNERAL, BenefitType.SURVIVORS) and deceased is None:
        raise InvalidInput(_("Name the deceased person."), field="deceased")
    if benefit_type == BenefitType.SICKNESS and not sick_days:
        raise InvalidInput(_("Give the number of sick days."), field="sick_days")
    with transaction.atomic():
        grant = _grant(actor, Power.WORK_CASE, person.branch) if actor is not None else None
        now = timezone.now()
        claim = BenefitClaim(
            reference=_new_reference("BC"),
            case_type=CaseType.BENEFIT_CLAIM,
            person=person,
            owning_unit=person.branch,
            created_at=now,
            updated_at=now,
            benefit_type=benefit_type,
            channel=channel,
            event_date=event_date,
            deceased=deceased,
            sick_days=sick_days,
        )
        claim.save(force_insert=True)
        step = _step(claim, actor, grant)
        step.audit(
            "benefit_claim.created",
            to_state=claim.state,
            payload={"benefit": benefit_type, "channel": channel, "event_date": event_date},
        )
        _submit(step, now)
        step.save("submitted_at", "due_date", "assessment", "process")
        return claim


def _submit(step, now):
    claim = step.case
    claim.process = routing.process_start(BenefitClaimFlow, at=now)
    assessment = eligibility.assess(claim)
    claim.assessment = eligibility.as_json(assessment)
    step.transition("submit", at=now, due_date=_sla_due(claim.case_type, now.date()), payload=claim.assessment)
    routing.task_create(claim, BenefitClaimFlow.review, unit=claim.owning_unit, audit=step.audit, at=now)


# --- Task handling ------------------------------------------------------------------------------


def task_take(*, case_id, actor):
    """Take the case's open task from the queue. Taking a submitted claim starts its review."""
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        task = _open_task(claim)
        grant = _grant(actor, _task_power(task), _task_unit(claim, task))
        step = _step(claim, actor, grant, _task_unit(claim, task))
        routing.task_assign(task, actor, audit=step.audit)
        if claim.state == ClaimState.SUBMITTED:
            step.transition("start_review")
        step.save()
        return task


def task_release(*, case_id, actor):
    """Give the task back to the queue: its owner may, or whoever may reassign there."""
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        task = _open_task(claim)
        unit = _task_unit(claim, task)
        if task.owner_id == actor.pk:
            grant = _grant(actor, _task_power(task), unit)
        else:
            grant = _grant(actor, Power.REASSIGN_TASK, unit)
        step = _step(claim, actor, grant, unit)
        routing.task_unassign(task, audit=step.audit)
        step.save()
        return task


def task_reassign(*, case_id, actor, to_user):
    """A supervisor gives the task to a member of the team that may do it."""
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        task = _open_task(claim)
        unit = _task_unit(claim, task)
        grant = _grant(actor, Power.REASSIGN_TASK, unit)
        try:
            _grant(to_user, _task_power(task), unit)
        except NotAuthorized as exc:
            raise InvalidInput(_("%(user)s may not do this task here.") % {"user": to_user}, field="user") from exc
        step = _step(claim, actor, grant, unit)
        routing.task_reassign(task, to_user, audit=step.audit)
        step.save()
        return task


# --- Review -------------------------------------------------------------------------------------


def claim_request_info(*, case_id, actor, question):
    question = (question or "").strip()
    if not question:
        raise InvalidInput(_("Write what the claimant must provide."), field="question")
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = _grant(actor, Power.WORK_CASE, claim.owning_unit)
        _own_task(claim, actor, "review")
        step = _step(claim, actor, grant)
        today = timezone.localdate()
        due = today + dt.timedelta(days=int(param("sla.information_request.days", today)))
        step.transition("request_info", question=question, due_date=due, payload={"question": question})
        step.save("info_request", "info_due_date")
        _notify_after_commit(
            claim,
            "info_requested",
            step,
            subject=_("Information needed for your claim %(ref)s") % {"ref": claim.reference},
            body=question,
        )
        return claim


def claim_receive_info(*, case_id, actor=None, answer=""):
    """The claimant's answer arrived (portal: actor None; counter: the staff member)."""
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = _grant(actor, Power.WORK_CASE, claim.owning_unit) if actor is not None else None
        step = _step(claim, actor, grant)
        step.transition("receive_info", payload={"answer": answer})
        if answer:
            CaseComment.objects.create(case=claim, author=actor, text=answer, created_at=timezone.now())
        step.save("info_due_date")
        return claim


def _parse_amount(amount):
    try:
        value = Decimal(str(amount).strip())
        if not value.is_finite() or value.adjusted() >= 12:  # recommended_amount holds 12 digits before the point
            raise InvalidOperation
        value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(_("Enter an amount such as 1250.00."), field="amount") from exc
    if value <= 0:
        raise InvalidInput(_("The amount must be positive."), field="amount")
    return value


def claim_recommend(*, case_id, actor, approve, amount=None, note=""):
    """The caseworker who holds the review task recommends approval (with the amount) or rejection.
    The decision task goes to the nearest unit whose authority limit covers the amount."""
    note = (note or "").strip()
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = _grant(actor, Power.WORK_CASE, claim.owning_unit)
        task = _own_task(claim, actor, "review")
        assessment = eligibility.assess(claim)
        claim.assessment = eligibility.as_json(assessment)
        if approve:
            value = assessment.amount if amount in (None, "") else _parse_amount(amount)
            if not assessment.eligible or value <= 0:
                raise InvalidInput(_("The claim is not eligible: %(reason)s") % {"reason": assessment.reason}, field="amount")
            if value != assessment.amount and not note:
                raise InvalidInput(_("Explain why the amount differs from the assessed amount."), field="note")
            instalments = assessment.instalments
            total = value * instalments
            unit = deciding_unit(claim.owning_unit, total, roles_with(Power.DECIDE_CASE))
        else:
            if not note:
                raise InvalidInput(_("Give the reason for rejection."), field="note")
            value, instalments, total, unit = None, 1, None, claim.owning_unit
        step = _step(claim, actor, grant)
        routing.task_complete(task, user=actor, audit=step.audit, outcome="approve" if approve else "reject")
        escalated = unit.pk != claim.owning_unit_id
        step.transition(
            "recommend",
            recommendation="approve" if approve else "reject",
            amount=value,
            instalments=instalments,
            note=note,
            by=actor,
            on_behalf_of=grant.on_behalf_of_id and _user(grant.on_behalf_of_id),
            deciding_unit=unit,
            payload={
                "recommendation": "approve" if approve else "reject",
                "amount": value,
                "instalments": instalments,
                "total": total,
                "deciding_unit": unit.code,
                "escalated": escalated,
                "note": note,
            },
        )
        routing.task_create(claim, BenefitClaimFlow.decide, unit=unit, audit=step.audit)
        step.save(
            "assessment",
            "recommendation",
            "recommended_amount",
            "recommended_instalments",
            "recommendation_note",
            "recommended_by",
            "recommended_on_behalf_of",
            "deciding_unit",
        )
        return claim


def _user(user_id):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user_id)


# --- Decision ------------------------------------------------------------------------------------


def _check_four_eyes(claim, actor, grant):
    prepared = {claim.recommended_by_id, claim.recommended_on_behalf_of_id, claim.previous_decider_id} - {None}
    acting = {actor.pk, grant.on_behalf_of_id} - {None}
    if prepared & acting:
        raise FourEyesViolation()


def claim_decide(*, case_id, actor, approve, note=""):
    """Approve or reject a recommended claim. Four eyes: neither the recommender nor the person
    they acted for may decide. Approval needs an authority limit covering the total amount;
    an approved claim gets its payment schedule and the claimant is notified after commit."""
    note = (note or "").strip()
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        if claim.state != ClaimState.RECOMMENDED:
            raise CaseTransitionError(
                _("The claim cannot be decided: it is %(state)s.") % {"state": _state_label(claim.state)}
            )
        total = (claim.recommended_amount or Decimal(0)) * claim.recommended_instalments
        grant = _grant(actor, Power.DECIDE_CASE, claim.deciding_unit, amount=total if approve else None)
        _check_four_eyes(claim, actor, grant)
        if not approve and not note:
            raise InvalidInput(_("Give the reason for rejection."), field="note")
        task = _open_task(claim)
        if task.owner_id not in (None, actor.pk):
            raise Conflict(_("This decision is assigned to someone else."))
        step = _step(claim, actor, grant, claim.deciding_unit)
        now = timezone.now()
        routing.task_complete(task, user=actor, audit=step.audit, outcome="approved" if approve else "rejected")
        on_behalf_of = grant.on_behalf_of_id and _user(grant.on_behalf_of_id)
        if approve:
            step.transition("approve", by=actor, on_behalf_of=on_behalf_of, at=now, note=note,
                            payload={"amount": claim.recommended_amount, "total": total, "note": note})
            _start_payment(step, now)
            subject = _("Your claim %(ref)s is approved") % {"ref": claim.reference}
            body = _("Amount: %(amount)s, %(n)s payment(s).") % {
                "amount": claim.approved_amount,
                "n": claim.recommended_instalments,
            }
        else:
            step.transition("reject", by=actor, on_behalf_of=on_behalf_of, at=now, note=note, payload={"note": note})
            subject = _("Decision on your claim %(ref)s") % {"ref": claim.reference}
            body = _("Your claim was rejected: %(note)s") % {"note": note}
        step.save("decided_by", "decided_on_behalf_of", "decided_at", "decision_note", "approved_amount")
        _notify_after_commit(claim, "approved" if approve else "rejected", step, subject=subject, body=body)
        return claim


def _start_payment(step, now):
    claim = step.case
    schedule = payment_schedule_create(
        case_reference=claim.reference,
        person=claim.person,
        amount=claim.approved_amount,
        instalments=claim.recommended_instalments,
        first_due=now.date(),
        at=now,
    )
    step.transition(
        "start_payment",
        payload={"schedule": schedule.pk, "total": schedule.total, "bank_account": schedule.bank_account_id},
    )


def claim_pay_due(*, case_id, actor=None, on=None):
    """Pay the instalments due by ``on``; close the claim when its schedule is paid in full.
    ``actor`` None: the payment run; otherwise a finance officer."""
    on = on or timezone.localdate()
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = _grant(actor, Power.EXECUTE_PAYMENT, claim.owning_unit) if actor is not None else None
        if claim.state != ClaimState.IN_PAYMENT:
            raise CaseTransitionError(_("The claim is not in payment."))
        schedule = PaymentSchedule.objects.select_for_update().get(case_reference=claim.reference)
        paid, completed = payments_mark_paid(schedule=schedule, on=on)
        step = _step(claim, actor, grant)
        if paid:
            step.audit(
                "benefit_claim.paid",
                payload={"payments": [p.pk for p in paid], "amount": sum((p.amount for p in paid), Decimal(0)), "iban": schedule.bank_account.iban},
            )
        if completed:
            step.transition("close")
            routing.process_finish(claim.process)
        step.save()
        return paid, completed


# --- Claimant actions -----------------------------------------------------------------------------


def claim_withdraw(*, case_id, actor=None, reason=""):
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = _grant(actor, Power.WORK_CASE, claim.owning_unit) if actor is not None else None
        step = _step(claim, actor, grant)
        step.transition("withdraw", payload={"reason": reason})
        task = routing.open_task(claim, lock=True)
        if task is not None:
            routing.task_cancel(task, audit=step.audit, reason="withdrawn")
        if claim.process_id:
            routing.process_finish(claim.process)
        step.save()
        return claim


def claim_appeal(*, case_id, actor=None, grounds=""):
    """The claimant appeals a rejection: the claim goes back to the review queue; whoever
    decided it before cannot decide it again."""
    grounds = (grounds or "").strip()
    if not grounds:
        raise InvalidInput(_("Give the grounds of the appeal."), field="grounds")
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = _grant(actor, Power.WORK_CASE, claim.owning_unit) if actor is not None else None
        step = _step(claim, actor, grant)
        today = timezone.localdate()
        step.transition("appeal", due_date=_sla_due(claim.case_type, today), payload={"grounds": grounds})
        routing.task_create(claim, BenefitClaimFlow.review, unit=claim.owning_unit, audit=step.audit)
        step.save(
            "previous_decider",
            "decided_by",
            "decided_on_behalf_of",
            "decided_at",
            "recommendation",
            "recommended_amount",
            "recommended_by",
            "recommended_on_behalf_of",
            "deciding_unit",
            "due_date",
        )
        return claim


# --- Documents and comments ---------------------------------------------------------------------


def case_comment_add(*, case_id, actor, text):
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("The comment is empty."), field="text")
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = _grant(actor, Power.VIEW_CASE, claim.owning_unit)
        comment = CaseComment.objects.create(case=claim, author=actor, text=text, created_at=timezone.now())
        step = _step(claim, actor, grant)
        step.audit("comment.added", payload={"comment": comment.pk, "text": text})
        step.save()
        return comment


MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def case_document_add(*, case_id, actor, title, uploaded_file):
    title = (title or "").strip() or getattr(uploaded_file, "name", "")
    if uploaded_file is None:
        raise InvalidInput(_("Choose a file."), field="file")
    if uploaded_file.size > MAX_DOCUMENT_BYTES:
        raise InvalidInput(_("The file is larger than 10 MB."), field="file")
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = _grant(actor, Power.WORK_CASE, claim.owning_unit)
        content = uploaded_file.read()
        uploaded_file.seek(0)
        document = CaseDocument(
            case=claim,
            title=title[:200],
            sha256=CaseDocument.digest(content),
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        document.file.save(uploaded_file.name, uploaded_file, save=False)
        document.save()
        step = _step(claim, actor, grant)
        step.audit("document.added", payload={"document": document.pk, "title": document.title, "sha256": document.sha256})
        step.save()
        return document


# --- Notifications ------------------------------------------------------------------------------


def _notify_after_commit(case, topic, step, *, subject, body):
    """Record the message now (it exists only if the change commits) and send it after commit."""
    person = case.person
    if person is None or not person.email:
        return None
    notification = Notification.objects.create(
        key=f"{case.reference}:{topic}:{step.case.audit_seq}:email",
        person=person,
        case=case,
        channel=Notification.Channel.EMAIL,
        subject=str(subject),
        body=str(body),
        created_at=timezone.now(),
    )
    from .tasks import send_notification

    transaction.on_commit(lambda: send_notification.delay(notification.pk))
    return notification
