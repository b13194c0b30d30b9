"""Medical commission services: request, documents review, sessions, decision, appeal, finality.

A commission is requested by or for an insured person (online: the person as ``actor``; at a
counter: a staff member who works cases at the person's branch). An operator takes the review task, may ask for
more documents and wait for them, and schedules a session with its commission members. A member
of that session records the decision: the degree of disability, permanent or temporary (with a
review date), and a note; the decision is written to the registry as a ``DisabilityAssessment``
in the same transaction, and resumes a related disability claim that waits for it. The person may
appeal within ``medical.appeal_days`` to a second commission whose members all differ from the
first; its decision is final and replaces the first in the registry (the latest counts). Without
an appeal, ``medical_finalise`` makes the decision final once the window has passed.

Every service follows ``cases/engine.py``: lock, authority, transition check, transition, audit
event, save, notification after commit, in one transaction; refusals raise domain errors.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.actors import Actor
from registry.models import DisabilityAssessment
from roles.powers import Power
from rules.parameters import param
from workflows import routing
from workflows.medical_flow import MedicalCommissionFlow

from . import engine, labels
from .claims import claim_receive_info
from .errors import CaseTransitionError, DomainError, InvalidInput, NotAuthorized
from .locks import lock_case
from .models import (
    BenefitClaim,
    BenefitType,
    ClaimState,
    CommissionSession,
    MedicalCommission,
    MedicalPurpose,
    MedicalState,
)
from .notifications import notify_person

# A commission sits with at least three members, so that its decision is taken by a majority of
# doctors and never rests on one or two opinions; an appeal commission needs as many new members.
COMMISSION_MIN_MEMBERS = 3

FIRST_ROUND = 1
APPEAL_ROUND = 2

# The daily job that makes decisions final once their appeal period has passed.
FINALITY_JOB = Actor.system("medical decision finality")
# Who resumes a disability claim waiting for the commission: the system, on the decision.
COMMISSION_DECISION = Actor.system("medical commission decision")
DECISION_FIELDS = ("degree_percent", "permanent", "review_date", "decided_at", "decision_note")


def _lock(case_id):
    return lock_case(MedicalCommission, case_id, related=("owning_unit", "person", "related_claim"))


# --- Request ----------------------------------------------------------------------------------


def medical_request(*, person, purpose, related_claim=None, actor):
    """Request a commission for ``person``: the review task goes to the person's branch."""
    if purpose not in MedicalPurpose.values:
        raise InvalidInput(_("Choose the purpose of the commission."), field="purpose")
    if related_claim is not None:
        if not isinstance(related_claim, BenefitClaim) or related_claim.person_id != person.pk:
            raise InvalidInput(_("The related claim must be a claim of the same person."), field="related_claim")
    with transaction.atomic():
        case, step, now = engine.case_create(
            MedicalCommission,
            owning_unit=person.branch,
            actor=actor,
            person=person,
            purpose=purpose,
            related_claim=related_claim,
            audit_payload={"purpose": purpose, "related_claim": related_claim.reference if related_claim else None},
        )
        engine.case_submit(step, MedicalCommissionFlow, MedicalCommissionFlow.review, now=now)
        notify_person(
            case,
            "requested",
            step,
            subject=_("Your medical commission request %(ref)s was received") % {"ref": case.reference},
            body=_("We will review your medical documents and tell you the date of the session."),
        )
        return case


# --- Documents review ---------------------------------------------------------------------------


medical_request_info, medical_receive_info = engine.info_services(
    _lock,
    gettext_lazy("Write which documents the person must provide."),
    gettext_lazy("Documents needed for your medical commission %(ref)s"),
)


# --- Sessions -----------------------------------------------------------------------------------


def _scheduled_for(value):
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise InvalidInput(_("Give the date and time of the session."), field="scheduled_for")
    if timezone.localdate(value) < timezone.localdate():
        raise InvalidInput(_("The session cannot be scheduled in the past."), field="scheduled_for")
    return value


def _members(case, members):
    """The distinct commission members, each holding the medical decision power at a unit covering the case."""
    users = list(members or [])
    if len({u.pk for u in users}) != len(users):
        raise InvalidInput(_("A member is named twice."), field="members")
    if len(users) < COMMISSION_MIN_MEMBERS:
        raise InvalidInput(
            _("A commission sits with at least %(n)s members.") % {"n": COMMISSION_MIN_MEMBERS}, field="members"
        )
    for user in users:
        try:
            engine.grant(user, Power.MEDICAL_DECISION, case.owning_unit)
        except NotAuthorized as exc:
            raise InvalidInput(
                _("%(user)s is not a medical commission member for %(unit)s.")
                % {"user": user.get_username(), "unit": case.owning_unit.name},
                field="members",
            ) from exc
    return users


def _session_create(case, *, round, scheduled_for, location, members, at):
    session = CommissionSession.objects.create(
        case=case, round=round, scheduled_for=scheduled_for, location=location, created_at=at
    )
    session.members.set(members)
    return session


def _session_payload(session, members):
    return {
        "session": session.pk,
        "round": session.round,
        "scheduled_for": session.scheduled_for,
        "location": session.location,
        "members": sorted(u.get_username() for u in members),
    }


def _notify_session(case, step, session, topic):
    when = timezone.localtime(session.scheduled_for)
    notify_person(
        case,
        topic,
        step,
        subject=_("Your medical commission %(ref)s is scheduled") % {"ref": case.reference},
        body=_("The commission will see you on %(date)s at %(time)s, %(location)s.")
        % {"date": when.date().isoformat(), "time": when.strftime("%H:%M"), "location": session.location},
    )


def medical_schedule(*, case_id, actor, scheduled_for, location, members):
    """The operator holding the review task schedules the session; the decision task goes to the
    medical commission queue of the owning unit."""
    scheduled_for = _scheduled_for(scheduled_for)
    location = engine.required_text(location, _("Give the place of the session."), "location")
    with transaction.atomic():
        case = _lock(case_id)
        authority, task = engine.worked_task(case, actor, "review")
        users = _members(case, members)
        step = engine.step_for(case, actor, authority)
        now = timezone.now()
        routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="scheduled")
        session = _session_create(
            case, round=FIRST_ROUND, scheduled_for=scheduled_for, location=location, members=users, at=now
        )
        step.transition("schedule", payload=_session_payload(session, users))
        routing.task_create(case, MedicalCommissionFlow.decide, unit=case.owning_unit, audit=step.audit, at=now)
        step.save()
        _notify_session(case, step, session, "scheduled")
        return session


def medical_schedule_appeal(*, case_id, actor, scheduled_for, location, members):
    """The operator holding the appeal task schedules the second session: none of its members
    may have sat in the first."""
    scheduled_for = _scheduled_for(scheduled_for)
    location = engine.required_text(location, _("Give the place of the session."), "location")
    with transaction.atomic():
        case = _lock(case_id)
        authority, task = engine.worked_task(case, actor, "schedule_appeal")
        users = _members(case, members)
        first = CommissionSession.objects.get(case=case, round=FIRST_ROUND)
        shared = sorted(u.get_username() for u in first.members.filter(pk__in=[u.pk for u in users]))
        if shared:
            raise InvalidInput(
                _("The appeal commission must have other members than the first: %(names)s sat in it.")
                % {"names": ", ".join(shared)},
                field="members",
            )
        step = engine.step_for(case, actor, authority)
        now = timezone.now()
        routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="scheduled")
        session = _session_create(
            case, round=APPEAL_ROUND, scheduled_for=scheduled_for, location=location, members=users, at=now
        )
        step.transition("schedule_appeal", payload=_session_payload(session, users))
        routing.task_create(case, MedicalCommissionFlow.decide_appeal, unit=case.owning_unit, audit=step.audit, at=now)
        step.save()
        _notify_session(case, step, session, "appeal_scheduled")
        return session


# --- Decisions ----------------------------------------------------------------------------------


def _decision_input(degree_percent, permanent, review_date, note):
    if isinstance(degree_percent, bool):
        degree_percent = None
    try:
        degree = int(str(degree_percent).strip())
    except (TypeError, ValueError):
        degree = None
    if degree is None or not 0 <= degree <= 100:
        raise InvalidInput(_("The degree of disability is a whole percentage from 0 to 100."), field="degree_percent")
    if not isinstance(permanent, bool):
        raise InvalidInput(_("Say whether the disability is permanent or temporary."), field="permanent")
    if permanent:
        if review_date is not None:
            raise InvalidInput(_("A permanent decision has no review date."), field="review_date")
    else:
        if not isinstance(review_date, dt.date) or isinstance(review_date, dt.datetime):
            raise InvalidInput(_("A temporary decision needs a review date."), field="review_date")
        if review_date <= timezone.localdate():
            raise InvalidInput(_("The review date must be in the future."), field="review_date")
    note = engine.required_text(note, _("Write the commission's findings."), "note")
    return degree, permanent, review_date, note


def check_member(case, actor, round, sessions=None):
    """The session of ``round``, if ``actor`` sits in it; only its members record its decision.
    ``sessions``: the case's sessions with their members, when the caller has read them already."""
    if sessions is None:
        session = CommissionSession.objects.get(case=case, round=round)
        member = session.members.filter(pk=actor.pk).exists()
    else:
        session = next((s for s in sessions if s.round == round), None)
        member = session is not None and any(m.pk == actor.pk for m in session.members.all())
    if not member:
        raise NotAuthorized(_("Only a member of the session may record its decision."))
    return session


def check_held(session, on):
    """Refuse a decision of ``session`` on ``on``, before the session has taken place."""
    if timezone.localdate(session.scheduled_for) > on:
        raise CaseTransitionError(_("The session has not taken place yet."))


# Each round's decision: the state the case waits in for it, and its step (task and transition).
DECISION_ROUNDS = {
    FIRST_ROUND: (MedicalState.SCHEDULED, "decide"),
    APPEAL_ROUND: (MedicalState.APPEAL_SCHEDULED, "decide_appeal"),
}


def _decide(case_id, actor, round, decision):
    """Inside the caller's transaction: lock, check, record the decision of ``round`` (``decision``:
    the degree, permanence, review date and note as given) and its registry assessment."""
    state, node = DECISION_ROUNDS[round]
    transition = node
    degree, permanent, review_date, note = _decision_input(**decision)
    case = _lock(case_id)
    authority = engine.grant(actor, Power.MEDICAL_DECISION, case.owning_unit)
    if case.state != state:
        raise CaseTransitionError(
            _("The commission cannot decide: the case is %(state)s.") % {"state": labels.state_in_sentence(case)}
        )
    session = check_member(case, actor, round)
    check_held(session, timezone.localdate())
    task = engine.decision_task(case, actor)
    if task.flow_task.name != node:
        raise CaseTransitionError(_("This case is not at this step."))
    step = engine.step_for(case, actor, authority)
    now = timezone.now()
    routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="decided")
    step.transition(
        transition,
        degree_percent=degree,
        permanent=permanent,
        review_date=review_date,
        at=now,
        note=note,
        payload={
            "session": session.pk,
            "degree_percent": degree,
            "permanent": permanent,
            "review_date": review_date,
            "note": note,
        },
    )
    assessment = DisabilityAssessment.objects.create(
        person=case.person,
        degree_percent=degree,
        permanent=permanent,
        decided_on=timezone.localdate(now),
        review_date=review_date,
        source_reference=case.reference,
    )
    step.audit(
        "medical_commission.assessment_recorded", payload={"assessment": assessment.pk, "degree_percent": degree}
    )
    _resume_related_claim(case, step)
    return case, step, now


def _resume_related_claim(case, step):
    """A related disability claim waiting for this decision goes back into review, through the
    claim's own service as the system, so that its assessment finds the degree."""
    claim = case.related_claim
    if claim is None or claim.benefit_type != BenefitType.DISABILITY or claim.state != ClaimState.AWAITING_INFO:
        return
    try:
        claim_receive_info(
            case_id=claim.pk,
            actor=COMMISSION_DECISION,
            answer=_("Medical commission %(ref)s decided a degree of disability of %(degree)s %%.")
            % {"ref": case.reference, "degree": case.degree_percent},
        )
    except CaseTransitionError:
        return  # the claim moved on meanwhile; nothing waits for the decision any more
    step.audit("medical_commission.claim_resumed", payload={"claim": claim.reference})


def _decision_body(case, appeal_until=None):
    if case.permanent:
        kind = _("permanent")
    else:
        kind = _("temporary, to be reviewed on %(date)s") % {"date": case.review_date.isoformat()}
    body = _("Degree of disability: %(degree)s %% (%(kind)s).") % {"degree": case.degree_percent, "kind": kind}
    if appeal_until is not None:
        body += " " + _("You may appeal until %(date)s.") % {"date": appeal_until.isoformat()}
    return body


def appeal_deadline(case):
    """The last day on which the decision of ``case`` may be appealed."""
    decided_on = timezone.localdate(case.decided_at)
    return decided_on + dt.timedelta(days=int(param("medical.appeal_days", decided_on)))


def check_appeal(case, on):
    """Refuse an appeal of the decision of ``case`` made on ``on``, after the appeal period."""
    if case.state == MedicalState.DECIDED and on > appeal_deadline(case):
        raise CaseTransitionError(
            _("The decision can no longer be appealed: the period ended on %(date)s.")
            % {"date": appeal_deadline(case).isoformat()}
        )


def medical_decide(*, case_id, actor, degree_percent, permanent, review_date=None, note):
    """A member of the session records the commission's decision."""
    with transaction.atomic():
        decision = {"degree_percent": degree_percent, "permanent": permanent, "review_date": review_date, "note": note}
        case, step, now = _decide(case_id, actor, FIRST_ROUND, decision)
        step.save(*DECISION_FIELDS)
        notify_person(
            case,
            "decided",
            step,
            subject=_("Decision of the medical commission %(ref)s") % {"ref": case.reference},
            body=_decision_body(case, appeal_deadline(case)),
        )
        return case


def medical_decide_appeal(*, case_id, actor, degree_percent, permanent, review_date=None, note):
    """A member of the appeal session records the final decision, which replaces the first."""
    with transaction.atomic():
        decision = {"degree_percent": degree_percent, "permanent": permanent, "review_date": review_date, "note": note}
        case, step, now = _decide(case_id, actor, APPEAL_ROUND, decision)
        routing.process_finish(case.process, at=now)
        step.save(*DECISION_FIELDS)
        notify_person(
            case,
            "appeal_decided",
            step,
            subject=_("Final decision of the appeal commission %(ref)s") % {"ref": case.reference},
            body=_decision_body(case),
        )
        return case


# --- Appeal and finality ------------------------------------------------------------------------


def medical_appeal(*, case_id, actor, grounds):
    """The person appeals the decision within ``medical.appeal_days`` (online, or at a counter
    through a staff member). A task to schedule the appeal commission goes to the review queue."""
    grounds = engine.required_text(grounds, _("Give the grounds of the appeal."), "grounds")
    with transaction.atomic():
        case = _lock(case_id)
        authority = engine.acting_grant(actor, case)
        today = timezone.localdate()
        check_appeal(case, today)
        step = engine.step_for(case, actor, authority)
        step.transition(
            "appeal", grounds=grounds, due_date=engine.sla_due(case.case_type, today), payload={"grounds": grounds}
        )
        routing.task_create(case, MedicalCommissionFlow.schedule_appeal, unit=case.owning_unit, audit=step.audit)
        step.save("appeal_grounds", "due_date")
        notify_person(
            case,
            "appealed",
            step,
            subject=_("Your appeal against the medical decision %(ref)s was received") % {"ref": case.reference},
            body=_("A second commission, with other members, will examine your case."),
        )
        return case


def medical_finalise(*, case_id, actor=FINALITY_JOB, on=None):
    """The decision becomes final once the appeal period has passed without an appeal.
    ``actor``: the daily job (by default), or staff; ``on``: the day it runs for (today by default)."""
    on = on or timezone.localdate()
    with transaction.atomic():
        case = _lock(case_id)
        authority = engine.acting_grant(actor, case, people=False)
        if case.state == MedicalState.DECIDED and on <= appeal_deadline(case):
            raise CaseTransitionError(
                _("The decision may still be appealed until %(date)s.") % {"date": appeal_deadline(case).isoformat()}
            )
        step = engine.step_for(case, actor, authority)
        step.transition("finalise", payload={"on": on})
        routing.process_finish(case.process)
        step.save()
        notify_person(
            case,
            "final",
            step,
            subject=_("The medical decision %(ref)s is final") % {"ref": case.reference},
            body=_decision_body(case),
        )
        return case


def finalise_due_decisions(*, on=None, batch=500):
    """The daily job: make final every decision whose appeal period ended before ``on``, each in
    its own transaction. Returns (finalised count, refusals as (case id, message))."""
    on = on or timezone.localdate()
    finalised, refused, last, window = 0, [], 0, {}
    while True:
        rows = list(
            MedicalCommission.objects.filter(state=MedicalState.DECIDED, pk__gt=last)
            .order_by("pk")
            .values_list("pk", "decided_at")[:batch]
        )
        if not rows:
            return finalised, refused
        last = rows[-1][0]
        for case_id, decided_at in rows:
            decided_on = timezone.localdate(decided_at)
            if decided_on not in window:
                window[decided_on] = int(param("medical.appeal_days", decided_on))
            if on <= decided_on + dt.timedelta(days=window[decided_on]):
                continue
            try:
                medical_finalise(case_id=case_id, on=on)
            except DomainError as exc:
                refused.append((case_id, exc.message))
                continue
            finalised += 1


# --- Withdrawal ---------------------------------------------------------------------------------


medical_withdraw = engine.withdraw_service(_lock, gettext_lazy("Your medical commission request %(ref)s is withdrawn"))
