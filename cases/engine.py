"""What every case service shares: the locked step, its audit events, tasks, and decisions
under four eyes. The services of each case type (``cases/services.py`` for claims and the
modules beside it) are built from these pieces, in the order DESIGN.md gives: lock, authority,
transition check, transition, audit event, save, side effects after commit.
"""

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from audit.actors import account_of, as_actor
from audit.services import ChainHead, record_event
from roles.models import OrgUnit
from roles.powers import Power, roles_with
from roles.selectors import authorize, deciding_unit, grants_for
from rules.parameters import param
from workflows import routing

from .errors import CaseTransitionError, Conflict, FourEyesViolation, InvalidInput, NotAuthorized
from .labels import state_in_sentence, transition_label
from .locks import lock_case
from .models import CASE_MODELS, Case, CaseComment, CaseDocument

# Every step saves these: the state, the audit chain's head, the deadline marks, and the copy of
# the open task that workflows.routing keeps on the case (routing.MIRROR_FIELDS).
BASE_FIELDS = [
    "state",
    "updated_at",
    "audit_seq",
    "audit_hash",
    "overdue_since",
    "escalation_level",
    *routing.MIRROR_FIELDS,
]

# The power a user needs at a task's unit to take it, by the task's queue permission.
PERMISSION_POWER = {
    "roles.work_cases": Power.WORK_CASE,
    "roles.decide_cases": Power.DECIDE_CASE,
    "roles.medical_cases": Power.MEDICAL_DECISION,
}


@dataclass
class Step:
    """One service call on one locked case: who acts, on whose behalf, and its audit events."""

    case: object
    actor: object  # an audit.actors.Actor, or a staff member's account
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
            raise not_possible(self.case, transition_label(name))
        before = self.case.state
        method(**kwargs)
        return self.audit(f"{self.case.case_type}.{name}", from_state=before, to_state=self.case.state, payload=payload)

    def save(self, *fields):
        self.case.updated_at = timezone.now()
        self.case.save(update_fields=[*BASE_FIELDS, *fields])


def not_possible(case, action):
    """The refusal of ``action`` (a label: "recommend") on ``case`` in its current state."""
    return CaseTransitionError(
        _("%(action)s is not possible: the case is %(state)s.")
        % {"action": capfirst(str(action)), "state": state_in_sentence(case)}
    )


def grant(user, power, unit, amount=None):
    return authorize(user, power, unit=unit, amount=amount)


def subject_of(case=None, *, person=None, employer=None):
    """Whom a case (or a filing for ``person`` or ``employer``) is about, as actors name it:
    "employer:3" or "person:12"."""
    if case is not None:
        employer, person = getattr(case, "employer_id", None), case.person_id
    else:
        employer, person = getattr(employer, "pk", employer), getattr(person, "pk", person)
    return f"employer:{employer}" if employer else f"person:{person}"


def acting_authority(actor, unit, subject, power=Power.WORK_CASE, *, people=True):
    """How ``actor`` may do what the person concerned may do themselves (file, answer, withdraw,
    appeal) on what concerns ``subject``: a staff member at a counter needs ``power`` at ``unit``
    (the grant is returned); the person, their employer's user or their representative acts only
    for themselves (``people`` False: not at all); the system acts under its job's name (None)."""
    who = as_actor(actor)
    if who.is_staff:
        return grant(who.user, power, unit)
    if who.is_system:
        return None
    if not people or who.subject != subject:
        raise NotAuthorized()
    return None


def acting_grant(actor, case, power=Power.WORK_CASE, *, people=True):
    """``acting_authority`` on an existing case, at its owning unit."""
    return acting_authority(actor, case.owning_unit, subject_of(case), power, people=people)


def step_for(case, actor, grant=None, unit=None):
    return Step(
        case=case,
        actor=actor,
        on_behalf_of_id=grant.on_behalf_of_id if grant else None,
        unit_id=(unit or case.owning_unit).pk,
    )


def user_by_id(user_id):
    return get_user_model().objects.get(pk=user_id) if user_id else None


def new_reference(prefix):
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return f"{prefix}-{timezone.localdate().year}-" + "".join(secrets.choice(alphabet) for _ in range(8))


def sla_due(key, start):
    """``start`` plus the days of parameter ``sla.<key>.days`` in force on ``start``."""
    return start + dt.timedelta(days=int(param(f"sla.{key}.days", start)))


def parse_amount(amount, *, field="amount"):
    try:
        value = Decimal(str(amount).strip())
        if not value.is_finite() or value.adjusted() >= 12:  # amount columns hold 12 digits before the point
            raise InvalidOperation
        value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(_("Enter an amount such as 1250.00."), field=field) from exc
    if value <= 0:
        raise InvalidInput(_("The amount must be positive."), field=field)
    return value


def required_text(value, message, field):
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def require_rejection_reason(note):
    """A rejection (recommended or decided) says why."""
    required_text(note, _("Give the reason for rejection."), "note")


# --- Locking ----------------------------------------------------------------------------------


def lock_any(case_id, related=("owning_unit", "person")):
    """Lock a case of any type and return it as its own type (two queries)."""
    case = lock_case(Case, case_id)
    model = CASE_MODELS[case.case_type]
    if model is Case:
        return case
    return model.objects.select_related(*related).get(pk=case_id)


# --- Creating and submitting --------------------------------------------------------------------


CASE_TYPE_OF = {model: case_type for case_type, model in CASE_MODELS.items()}


def case_create(model, *, owning_unit, actor, power=Power.WORK_CASE, audit_payload=None, **fields):
    """Insert a new case of ``model`` in draft (its reference begins with the type's
    ``REFERENCE_PREFIX``) and write its first audit event. A staff ``actor`` needs ``power`` at the
    owning unit; anyone else files only for themselves (``acting_grant``)."""
    now = timezone.now()
    case_type = CASE_TYPE_OF[model]
    case = model(
        reference=new_reference(model.REFERENCE_PREFIX),
        case_type=case_type,
        owning_unit=owning_unit,
        created_at=now,
        updated_at=now,
        **fields,
    )
    authority = acting_grant(actor, case, power)
    case.save(force_insert=True)
    step = step_for(case, actor, authority)
    step.audit(f"{case_type}.created", to_state=case.state, payload=audit_payload or {})
    return case, step, now


def case_submit(
    step, flow_class, first_node, *, now, unit=None, payload=None, before=None, also_save=(), **transition_kwargs
):
    """Start the case's process, move it to its first state, open the first task in ``unit``'s
    queue and save the case (its process, due date and the fields ``also_save`` names). The due
    date is the type's service level from the day of filing unless ``due_date`` is given.
    ``before(case)``, when given, runs once the process exists and before the transition (an
    assessment the transition's audit event records, say)."""
    case = step.case
    if "due_date" not in transition_kwargs:  # the type's service level, from the day it is filed
        transition_kwargs["due_date"] = sla_due(case.case_type, timezone.localdate(now))
    case.process = routing.process_start(flow_class, at=now)
    if before is not None:
        payload = before(case)
    step.transition("submit", payload=payload, **transition_kwargs)
    routing.task_create(case, first_node, unit=unit or case.owning_unit, audit=step.audit, at=now)
    step.save("process", "due_date", *also_save)


# --- Tasks -------------------------------------------------------------------------------------


def open_task(case):
    task = routing.open_task(case, lock=True)
    if task is None:
        raise CaseTransitionError(_("This case has no open task."))
    return task


def worked_task(case, actor, node):
    """(the grant by which ``actor`` works cases at the owning unit, the open task at ``node``,
    which they must hold): the start of a caseworker's step."""
    authority = grant(actor, Power.WORK_CASE, case.owning_unit)
    return authority, own_task(case, actor, node)


def own_task(case, actor, *nodes):
    """The open task, which must be at one of ``nodes`` and held by ``actor``."""
    task = open_task(case)
    if nodes and task.flow_task.name not in nodes:
        raise CaseTransitionError(_("This case is not at this step."))
    if task.owner_id != actor.pk:
        raise Conflict(_("Take the task before working on it."))
    return task


def task_queue(case, task):
    """(unit, power) of the queue holding ``task``."""
    unit_id = int(task.owner_permission_obj_pk)
    unit = None
    for candidate in (case.owning_unit, getattr(case, "deciding_unit", None)):
        if candidate is not None and candidate.pk == unit_id:
            unit = candidate
    if unit is None:
        unit = OrgUnit.objects.get(pk=unit_id)
    return unit, PERMISSION_POWER[task.owner_permission]


def task_take(*, case_id, actor):
    """Take the case's open task from the queue. Taking a case waiting in its first state starts
    its work (the type's ``TAKE_STARTS``: e.g. a submitted claim goes into review)."""
    return task_take_exact(case_id=case_id, actor=actor)[1]


def task_take_exact(*, case_id, actor, task_id=None):
    """``task_take``, returning (the case as its own type, the task); with ``task_id``, only if
    that is still the case's open task (``expect_task``)."""
    with transaction.atomic():
        case = lock_any(case_id)
        task = open_task(case)
        expect_task(task, task_id)
        unit, power = task_queue(case, task)
        grants = grants_for(actor)
        authority = authorize(actor, power, unit=unit, grants=grants)
        from .catalog import check_step  # the type modules build on this one

        check_step(case, task.flow_task.name, actor, authority, {"grants": grants})
        step = step_for(case, actor, authority, unit)
        routing.task_assign(step.case, task, actor, audit=step.audit)
        start = getattr(case, "TAKE_STARTS", {}).get(case.state)
        if start:
            step.transition(start)
        step.save()
        return case, task


def expect_task(task, task_id=None, owner_id=None):
    """Refuse when the open task is not the one the actor chose (``task_id``), or no longer held
    by ``owner_id``: the case moved on between the page and the request."""
    if task_id is not None and task.pk != task_id:
        raise Conflict(_("The case has moved on to another step since this page was shown."))
    if owner_id is not None and task.owner_id != owner_id:
        raise Conflict(_("The task is no longer held by the same person."))


def task_release(*, case_id, actor, task_id=None, owner_id=None):
    """Give the task back to the queue: its owner may, or whoever may reassign there.
    ``task_id``, ``owner_id``: see ``expect_task``."""
    with transaction.atomic():
        case = lock_any(case_id)
        task = open_task(case)
        expect_task(task, task_id, owner_id)
        unit, power = task_queue(case, task)
        authority = grant(actor, power if task.owner_id == actor.pk else Power.REASSIGN_TASK, unit)
        step = step_for(case, actor, authority, unit)
        routing.task_unassign(step.case, task, audit=step.audit)
        step.save()
        return task


def task_reassign(*, case_id, actor, to_user, task_id=None, owner_id=None):
    """A supervisor gives the task to a member of the team that may do it.
    ``task_id``, ``owner_id``: see ``expect_task``."""
    with transaction.atomic():
        case = lock_any(case_id)
        task = open_task(case)
        expect_task(task, task_id, owner_id)
        unit, power = task_queue(case, task)
        authority = grant(actor, Power.REASSIGN_TASK, unit)
        from .catalog import check_step

        try:
            check_step(case, task.flow_task.name, to_user, grant(to_user, power, unit))
        except NotAuthorized as exc:
            raise InvalidInput(_("%(user)s may not do this task here.") % {"user": to_user}, field="user") from exc
        step = step_for(case, actor, authority, unit)
        routing.task_reassign(step.case, task, to_user, audit=step.audit)
        step.save()
        return task


def task_move(case, step, node, unit):
    """Cancel the open task and open one of ``node`` in ``unit``'s queue (escalation, next step)."""
    task = routing.open_task(case, lock=True)
    if task is not None:
        routing.task_cancel(step.case, task, audit=step.audit, reason="moved")
    return routing.task_create(case, node, unit=unit, audit=step.audit)


# --- Recommendation and decision under four eyes ---------------------------------------------------


def deciding_unit_for(case, total):
    """The nearest unit at or above the owning unit whose authority limit covers ``total``."""
    return deciding_unit(case.owning_unit, total, roles_with(Power.DECIDE_CASE))


def recommendation_fields(*, approve, amount, note, actor, authority, unit):
    """Keyword arguments for ``DecisionFields.set_recommendation`` (through a @transition)."""
    return {
        "recommendation": "approve" if approve else "reject",
        "amount": amount,
        "note": note,
        "by": actor,
        "on_behalf_of": user_by_id(authority.on_behalf_of_id),
        "deciding_unit": unit,
    }


def check_four_eyes(case, actor, authority):
    """Whoever recommended (or decided before an appeal), or the person they acted for, cannot decide."""
    prepared = {case.recommended_by_id, case.recommended_on_behalf_of_id, case.previous_decider_id} - {None}
    acting = {actor.pk, authority.on_behalf_of_id} - {None}
    if prepared & acting:
        raise FourEyesViolation()


def decision_total(case):
    """What a decision on ``case`` commits, which authority limits are about: the recommended
    amount, for every instalment of a claim."""
    return (case.recommended_amount or Decimal(0)) * (getattr(case, "recommended_instalments", None) or 1)


def check_decider(case, actor, authority, known=None):
    """The step check of a decision under four eyes and limits: neither the recommender nor the
    person they acted for decides, and a recommended approval goes to someone whose authority limit
    covers its total (whoever may not approve it decides it neither way). ``known``: the actor's
    ``grants`` and their ``limits`` when already read."""
    known = known or {}
    if case.recommendation == "approve":
        authority = authorize(
            actor,
            Power.DECIDE_CASE,
            unit=case.deciding_unit,
            amount=decision_total(case),
            grants=known.get("grants"),
            limits=known.get("limits"),
        )
    check_four_eyes(case, actor, authority)


def decision_authority(case, actor, *, approve, total, recommended_state="recommended"):
    """The grant by which ``actor`` decides ``case``: the case must be recommended; approving, or
    deciding a recommended approval either way, needs an authority limit covering ``total`` at the
    deciding unit; four eyes apply either way."""
    if case.state != recommended_state:
        raise CaseTransitionError(
            _("The case cannot be decided: it is %(state)s.") % {"state": state_in_sentence(case)}
        )
    committed = approve or case.recommendation == "approve"
    authority = grant(actor, Power.DECIDE_CASE, case.deciding_unit, amount=total if committed else None)
    check_four_eyes(case, actor, authority)
    return authority


def decision_task(case, actor):
    task = open_task(case)
    if task.owner_id not in (None, actor.pk):
        raise Conflict(_("This decision is assigned to someone else."))
    return task


def decision_fields(*, actor, authority, at, note):
    return {"by": actor, "on_behalf_of": user_by_id(authority.on_behalf_of_id), "at": at, "note": note}


# --- Comments and documents (every case type) -------------------------------------------------------


def case_comment_add(*, case_id, actor, text):
    text = required_text(text, _("The comment is empty."), "text")
    with transaction.atomic():
        case = lock_any(case_id)
        authority = grant(actor, Power.WORK_CASE, case.owning_unit)
        comment = CaseComment.objects.create(case=case, author=actor, text=text, created_at=timezone.now())
        step = step_for(case, actor, authority)
        step.audit("comment.added", payload={"comment": comment.pk, "text": text})
        step.save()
        return comment


MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def document_type(content):
    """The type of a document by its first bytes (PDF, JPEG or PNG: ``cases.attachments``), or None."""
    from .attachments import content_type_of

    return content_type_of(content[:16])


def check_person_document(content, field="file"):
    """Refuse a document a person sends that is not a PDF, JPEG or PNG file by its content."""
    if document_type(content) is None:
        raise InvalidInput(_("The file must be a PDF document or a JPEG or PNG image."), field=field)


def case_closed(case):
    """The case is closed for good: no transition leaves its state (closed, withdrawn, final...)."""
    field = case._meta.get_field("state")
    return not any(transition.source in (case.state, "*") for transition in field.get_all_transitions(type(case)))


def case_document_add(*, case_id, actor, title, uploaded_file):
    """Attach a document: a staff member working at the owning unit, or the person concerned (a
    PDF, JPEG or PNG file by its content, and only while the case is not closed)."""
    if uploaded_file is None:
        raise InvalidInput(_("Choose a file."), field="file")
    title = (title or "").strip() or getattr(uploaded_file, "name", "")
    if uploaded_file.size > MAX_DOCUMENT_BYTES:
        raise InvalidInput(_("The file is larger than 10 MB."), field="file")
    with transaction.atomic():
        case = lock_any(case_id)
        authority = acting_grant(actor, case)
        uploaded_file.seek(0)
        content = uploaded_file.read()
        uploaded_file.seek(0)
        if not as_actor(actor).is_staff:
            check_person_document(content)
            if case_closed(case):
                raise CaseTransitionError(
                    _("No document can be added: the case is %(state)s.") % {"state": state_in_sentence(case)}
                )
        document = CaseDocument(
            case=case,
            title=title[:200],
            sha256=CaseDocument.digest(content),
            uploaded_by=account_of(actor),
            uploaded_at=timezone.now(),
        )
        document.file.save(uploaded_file.name, uploaded_file, save=False)
        document.save()
        step = step_for(case, actor, authority)
        step.audit(
            "document.added", payload={"document": document.pk, "title": document.title, "sha256": document.sha256}
        )
        step.save()
        return document


# --- Delivery to the person (the portal) ----------------------------------------------------------

# What the office sends a person, by the event that made it: a decision, or a request for information.
DELIVERED_DECISIONS = ("approve", "reject", "decide", "decide_appeal", "resolve")
DELIVERED_REQUESTS = ("request_info",)


def delivery_kind(action):
    """ "decision" or "info_request" for the event ``action`` ("benefit_claim.approve"), or None."""
    what = action.partition(".")[2]
    if what in DELIVERED_DECISIONS:
        return "decision"
    if what in DELIVERED_REQUESTS:
        return "info_request"
    return None


def delivery_key(seq):
    """What a delivery receipt concerns: the event of the case's chain that made what was sent."""
    return f"event:{seq}"


def case_delivery_record(*, case_id, actor, seq, submitted):
    """The person received what the office sent (a decision or a request for information, made by
    the case's audit event ``seq``): the ``<case type>.delivered`` event and a receipt of kind
    DELIVERED, exactly once per event (the case is locked, and the receipt is unique per event).
    ``submitted``: what the receipt attests, {label: value}. Returns the receipt, or None when it
    was delivered already."""
    from audit.models import AuditEvent

    from .models import Receipt
    from .receipts import receipt_issue

    with transaction.atomic():
        case = lock_any(case_id)
        authority = acting_grant(actor, case)
        if Receipt.objects.filter(case=case, concerns=delivery_key(seq)).exists():
            return None
        sent = AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk), seq=seq).first()
        kind = sent and delivery_kind(sent.action)
        if kind is None or not sent.action.startswith(f"{case.case_type}."):
            raise InvalidInput(_("Nothing of the office to deliver."), field="seq")
        step = step_for(case, actor, authority)
        step.audit(
            f"{case.case_type}.delivered",
            payload={"delivered": kind, "event": seq, "sent_at": sent.occurred_at.isoformat()},
        )
        step.save()
        return receipt_issue(
            case=case, kind=Receipt.Kind.DELIVERED, submitted=submitted, actor=actor, concerns=delivery_key(seq)
        )


# --- Asking the person for information (every type with a review step) ---------------------------------


def case_request_info(*, case_id, actor, question, lock, node, empty_message, subject, answer_days=None):
    """Whoever holds the ``node`` task asks the person for information and keeps the task while
    waiting. ``lock`` locks and returns the case; ``subject`` is the notification's subject, with
    ``%(ref)s`` for the reference. ``answer_days``: the parameter giving the days the person has to
    answer, for a type whose request carries a due date (``info_due_date``)."""
    question = required_text(question, str(empty_message), "question")
    with transaction.atomic():
        case = lock(case_id)
        authority = grant(actor, Power.WORK_CASE, case.owning_unit)
        own_task(case, actor, node)
        step = step_for(case, actor, authority)
        due, fields = {}, ["info_request"]
        if answer_days is not None:
            today = timezone.localdate()
            due = {"due_date": today + dt.timedelta(days=int(param(answer_days, today)))}
            fields.append("info_due_date")
        step.transition("request_info", question=question, payload={"question": question}, **due)
        step.save(*fields)
        from .notifications import notify_person

        notify_person(case, "info_requested", step, subject=str(subject) % {"ref": case.reference}, body=question)
        return case


@dataclass(frozen=True)
class InfoRequest:
    """How a type asks the person for information: the lock of its cases, the task that asks,
    the refusal of an empty question, the notification's subject (with ``%(ref)s``), and the
    parameter of the days to answer when the request carries a due date."""

    lock: object
    empty_message: str
    subject: str
    node: str = "review"
    answer_days: str | None = None

    def ask(self, *, case_id, actor, question):
        """Whoever holds the task asks the person for information; the task stays theirs."""
        return case_request_info(
            case_id=case_id,
            actor=actor,
            question=question,
            lock=self.lock,
            node=self.node,
            empty_message=self.empty_message,
            subject=self.subject,
            answer_days=self.answer_days,
        )

    def receive(self, *, case_id, actor, answer=""):
        """The person's answer arrived (from the person, or recorded by staff at a counter)."""
        fields = ["info_due_date"] if self.answer_days else []
        return case_receive_info(case_id=case_id, actor=actor, answer=answer, lock=self.lock, fields=fields)


def info_services(lock, empty_message, subject, **options):
    """(ask, receive): a type's two services of an information request (``InfoRequest``)."""
    spec = InfoRequest(lock, empty_message, subject, **options)
    return spec.ask, spec.receive


def case_receive_info(*, case_id, actor, answer="", lock, fields=()):
    """The person's answer arrived (from the person, or recorded by staff at a counter); work goes on.
    The answer is kept as a comment on the case. ``fields``: what the type's transition changes
    besides the state."""
    answer = (answer or "").strip()
    with transaction.atomic():
        case = lock(case_id)
        step = step_for(case, actor, acting_grant(actor, case))
        step.transition("receive_info", payload={"answer": answer})
        if answer:
            CaseComment.objects.create(case=case, author=account_of(actor), text=answer, created_at=timezone.now())
        step.save(*fields)
        return case


def withdraw(*, case_id, actor, reason, lock, notify):
    """The person (or a staff member at the counter) withdraws the case: one
    service for every type. ``lock`` locks and returns the case; ``notify(case, step, reason)``
    tells the person."""
    reason = (reason or "").strip()
    with transaction.atomic():
        case = lock(case_id)
        step = step_for(case, actor, acting_grant(actor, case))
        case_withdraw(step, reason)
        step.save()
        notify(case, step, reason)
        return case


def withdraw_service(lock, subject=None, body=None, notify=None):
    """A type's withdrawal service (``withdraw``): ``lock`` locks its cases; the person is told with
    ``subject`` (with ``%(ref)s``) and ``body`` (None: the reason given, or a plain sentence), through
    ``notify`` (``notify_person`` by default); without ``subject`` nobody is told."""

    def tell(case, step, reason):
        if subject is None:
            return
        from .notifications import notify_person

        text = str(body) if body is not None else (reason or _("The request was withdrawn."))
        (notify or notify_person)(case, "withdrawn", step, subject=str(subject) % {"ref": case.reference}, body=text)

    def service(*, case_id, actor, reason=""):
        """The person (or a staff member at the counter) withdraws the request before its decision."""
        return withdraw(case_id=case_id, actor=actor, reason=reason, lock=lock, notify=tell)

    return service


def case_withdraw(step, reason):
    """Withdraw the locked case of ``step``: the transition, its open task cancelled, its process ended."""
    case = step.case
    step.transition("withdraw", payload={"reason": reason})
    task = routing.open_task(case, lock=True)
    if task is not None:
        routing.task_cancel(step.case, task, audit=step.audit, reason="withdrawn")
    if case.process_id:
        routing.process_finish(case.process)
