"""Grievance services: the only code that moves a grievance.

A person complains about benefit processing, compliance or contribution records, through the
portal (``actor`` None) or at a counter (a staff member who works cases at the person's branch).
The grievance waits in the triage queue of the person's branch (``workflows.grievance_flow``);
an operator takes the task and sets the category and the priority, which fixes the due date
(parameter ``sla.grievance.<priority>.days`` from the triage date). The investigation task then
waits in the same queue; whoever holds it investigates (the first action on it starts the
investigation), may ask the claimant for information and wait for the answer, and resolves the
grievance with a written answer.

Who works on a grievance: whoever may work cases (``Power.WORK_CASE``) at the unit whose queue
holds its task, the same rule as for taking the task. Things a person brings to a counter
(information, a reopening, an escalation request, a withdrawal) may be recorded by staff who work
cases at the grievance's owning branch.

Resolution and four eyes: an answer pays nothing and grants no right, so it needs no second
person; the claimant's reopening and escalation are the second look. A high or urgent grievance,
though, is answered in the administration's name on a serious matter: its answer is given by a
supervisor or branch manager (``Power.DECIDE_CASE`` at the queue's unit) holding the task, who
may have written it themselves. Low and normal grievances are answered by the operator holding
the task.

Reopening: the claimant may reopen a resolved grievance until ``reopen_until`` (the resolution
date plus parameter ``grievance.reopen_days``); it then goes back to investigation in the queue
that resolved it. After that day a reopening is refused with ``ReopenPeriodOver`` (409: the
request is well formed, the grievance is no longer in a state that allows it), and
``grievance_close`` closes the grievance; closing earlier is refused with
``ReopenPeriodRunning`` (409), since it would take the claimant's right away. ``on`` is the date
the deadline job runs for, or the date a reopening request was received (a letter at a counter);
it defaults to today and is recorded in the audit event.

Escalation: on the claimant's request or when the deadline job finds the grievance overdue
(both ``actor`` None), the open task moves to the queue of the unit above the one holding it,
``escalation_level`` goes up by one and the due date starts again there (the grievance is no
longer overdue). The central office has no unit above: ``NoLevelAbove`` (409).

The person is notified of the filing, every request for information, the resolution, a
reopening, an escalation, the closure and a withdrawal.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Task

from audit.actors import Actor, account_of, as_actor
from roles.models import OrgUnit
from roles.powers import Power
from rules.parameters import param
from workflows import routing
from workflows.grievance_flow import GrievanceFlow

from . import engine, labels
from .engine import case_comment_add, case_document_add, task_reassign, task_release, task_take  # noqa: F401
from .errors import CaseTransitionError, Conflict, InvalidInput
from .locks import lock_case
from .models import CaseComment, Grievance, GrievanceCategory, GrievanceState, Priority
from .notifications import notify_person

G = GrievanceState
# Who closes grievances past their reopening window and escalates overdue ones: the daily job.
DEADLINE_JOB = Actor.system("deadlines")
RELATED = ("owning_unit", "person")
TITLE_MAX = Grievance._meta.get_field("title").max_length
# Priorities whose answer is given by someone who may decide cases at the queue's unit.
SUPERVISED_PRIORITIES = frozenset({Priority.HIGH, Priority.URGENT})


class ReopenPeriodOver(CaseTransitionError):
    code = "reopen_period_over"
    default_message = gettext_lazy("The period for reopening this grievance is over.")


class ReopenPeriodRunning(CaseTransitionError):
    code = "reopen_period_running"
    default_message = gettext_lazy("The claimant may still reopen this grievance.")


class NoLevelAbove(CaseTransitionError):
    code = "no_level_above"
    default_message = gettext_lazy("The grievance is at the central office: there is no level above.")


# --- Helpers -------------------------------------------------------------------------------------


def _lock(case_id):
    return lock_case(Grievance, case_id, related=RELATED)


def _due(grievance, start):
    """The due date from ``start``: by priority once triaged, the untriaged default before."""
    key = f"grievance.{grievance.priority}" if grievance.category else "grievance"
    return engine.sla_due(key, start)


def _held_task(grievance, actor, node, power=Power.WORK_CASE):
    """(task, unit, grant): the open task at ``node``, held by ``actor``, who has ``power`` at the
    unit whose queue holds it."""
    task = engine.open_task(grievance)
    unit, _power = engine.task_queue(grievance, task)
    authority = engine.grant(actor, power, unit)
    if task.flow_task.name != node:
        raise CaseTransitionError(_("This case is not at this step."))
    if task.owner_id != actor.pk:
        raise Conflict(_("Take the task before working on it."))
    return task, unit, authority


def _start_investigation(step):
    """The first action on the investigation task starts the investigation."""
    if step.case.state == G.TRIAGED:
        step.transition("investigate")


def _last_queue(grievance):
    """The unit whose queue held the grievance's latest task (where it was resolved)."""
    unit_id = (
        Task.objects.filter(process_id=grievance.process_id, flow_task_type="HUMAN")
        .order_by("-id")
        .values_list("owner_permission_obj_pk", flat=True)
        .first()
    )
    if unit_id is None or int(unit_id) == grievance.owning_unit_id:
        return grievance.owning_unit
    return OrgUnit.objects.get(pk=int(unit_id))


def _notify(grievance, topic, step, subject, body):
    notify_person(grievance, topic, step, subject=subject % {"ref": grievance.reference}, body=body)


# --- Filing --------------------------------------------------------------------------------------


def grievance_file(*, person, title, description, related_case=None, actor):
    """File a grievance for ``person``. ``actor`` None: the person through the portal; a staff
    actor files at a counter and needs to work cases at the person's branch. It goes to the
    triage queue of the person's branch."""
    title = engine.required_text(title, _("Give the grievance a subject."), "title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(_("The subject is longer than %(n)s characters.") % {"n": TITLE_MAX}, field="title")
    description = engine.required_text(description, _("Describe what the grievance is about."), "description")
    if related_case is not None and related_case.person_id not in (None, person.pk):
        raise InvalidInput(_("The related case concerns someone else."), field="related_case")
    with transaction.atomic():
        grievance, step, now = engine.case_create(
            Grievance,
            owning_unit=person.branch,
            actor=actor,
            person=person,
            title=title,
            description=description,
            related_case=related_case,
            audit_payload={
                "title": title,
                "related_case": related_case.reference if related_case is not None else None,
                "channel": "counter" if as_actor(actor).is_staff else "portal",
            },
        )
        due = _due(grievance, timezone.localdate())
        engine.case_submit(step, GrievanceFlow, GrievanceFlow.triage, now=now, due_date=due, payload={"due_date": due})
        _notify(
            grievance,
            "received",
            step,
            _("We received your grievance %(ref)s"),
            _("Subject: %(title)s. We will answer by %(due)s.") % {"title": title, "due": due},
        )
        return grievance


# --- Triage and investigation --------------------------------------------------------------------


def grievance_triage(*, case_id, actor, category, priority):
    """The operator holding the triage task sets the category and the priority; the due date runs
    from today by the priority's parameter, and the investigation task opens in the same queue."""
    if category not in GrievanceCategory.values:
        raise InvalidInput(_("Choose a category from the list."), field="category")
    if priority not in Priority.values:
        raise InvalidInput(_("Choose a priority from the list."), field="priority")
    with transaction.atomic():
        grievance = _lock(case_id)
        task, unit, authority = _held_task(grievance, actor, "triage")
        step = engine.step_for(grievance, actor, authority, unit)
        today = timezone.localdate()
        due = engine.sla_due(f"grievance.{priority}", today)
        routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome=priority)
        step.transition(
            "triage",
            category=category,
            priority=priority,
            due_date=due,
            payload={"category": category, "priority": priority, "due_date": due},
        )
        routing.task_create(grievance, GrievanceFlow.investigate, unit=unit, audit=step.audit)
        step.save("category", "priority", "due_date")
        return grievance


def grievance_request_info(*, case_id, actor, question):
    """The investigator asks the claimant for information and waits, keeping the task."""
    question = engine.required_text(question, _("Write what the claimant must provide."), "question")
    with transaction.atomic():
        grievance = _lock(case_id)
        _task, unit, authority = _held_task(grievance, actor, "investigate")
        step = engine.step_for(grievance, actor, authority, unit)
        _start_investigation(step)
        step.transition("request_info", question=question, payload={"question": question})
        step.save("info_request")
        _notify(grievance, "info_requested", step, _("Information needed for your grievance %(ref)s"), question)
        return grievance


def grievance_receive_info(*, case_id, actor, answer=""):
    """The claimant's answer arrived (online, or recorded by a staff member of the owning
    branch at a counter); the investigation goes on."""
    answer = (answer or "").strip()
    with transaction.atomic():
        grievance = _lock(case_id)
        step = engine.step_for(grievance, actor, engine.acting_grant(actor, grievance))
        step.transition("receive_info", payload={"answer": answer})
        if answer:
            CaseComment.objects.create(case=grievance, author=account_of(actor), text=answer, created_at=timezone.now())
        step.save()
        return grievance


# --- Resolution, reopening, closure -----------------------------------------------------------------


def grievance_resolve(*, case_id, actor, answer):
    """The holder of the investigation task answers in writing. High and urgent grievances are
    answered by someone who may decide cases at the queue's unit (see the module's docstring)."""
    answer = engine.required_text(answer, _("Write the answer to the claimant."), "answer")
    with transaction.atomic():
        grievance = _lock(case_id)
        task, unit, authority = _held_task(grievance, actor, "investigate", answerer_power(grievance))
        step = engine.step_for(grievance, actor, authority, unit)
        _start_investigation(step)
        now = timezone.now()
        today = timezone.localdate()
        reopen_until = today + dt.timedelta(days=int(param("grievance.reopen_days", today)))
        routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="resolved")
        step.transition(
            "resolve",
            answer=answer,
            at=now,
            reopen_until=reopen_until,
            payload={"answer": answer, "reopen_until": reopen_until},
        )
        step.save("answer", "resolved_at", "reopen_until")
        _notify(
            grievance,
            "resolved",
            step,
            _("Answer to your grievance %(ref)s"),
            _("%(answer)s\n\nIf you are not satisfied, you may reopen the grievance until %(date)s.")
            % {"answer": answer, "date": reopen_until},
        )
        return grievance


def answerer_power(grievance):
    """The power that answers a grievance: a supervisor's for the high and urgent ones."""
    return Power.DECIDE_CASE if grievance.priority in SUPERVISED_PRIORITIES else Power.WORK_CASE


def check_reopening(grievance, on):
    """Refuse to reopen a resolved grievance on a request received after ``reopen_until``."""
    if grievance.state == G.RESOLVED and on > grievance.reopen_until:
        raise ReopenPeriodOver(_("The grievance could be reopened until %(date)s.") % {"date": grievance.reopen_until})


def check_closing(grievance, on):
    """Refuse to close a resolved grievance on ``on`` while the claimant may still reopen it."""
    if grievance.state == G.RESOLVED and on <= grievance.reopen_until:
        raise ReopenPeriodRunning(
            _("The claimant may reopen the grievance until %(date)s; it can be closed after that day.")
            % {"date": grievance.reopen_until}
        )


def grievance_reopen(*, case_id, actor, reason, on=None):
    """The claimant reopens a resolved grievance within the reopening period (``on``: the date the
    request was received, today by default). A new investigation task opens in the queue that
    resolved it, with a new due date."""
    reason = engine.required_text(reason, _("Say why the answer does not settle the grievance."), "reason")
    on = on or timezone.localdate()
    with transaction.atomic():
        grievance = _lock(case_id)
        authority = engine.acting_grant(actor, grievance)
        check_reopening(grievance, on)
        unit = _last_queue(grievance) if grievance.state == G.RESOLVED else grievance.owning_unit
        step = engine.step_for(grievance, actor, authority, unit)
        due = _due(grievance, on)
        step.transition("reopen", due_date=due, payload={"reason": reason, "on": on, "due_date": due})
        routing.task_create(grievance, GrievanceFlow.investigate, unit=unit, audit=step.audit)
        step.save("reopened_count", "due_date")
        _notify(
            grievance,
            "reopened",
            step,
            _("Your grievance %(ref)s is reopened"),
            _("We will look at it again and answer by %(due)s.") % {"due": due},
        )
        return grievance


def grievance_close(*, case_id, actor=DEADLINE_JOB, on=None):
    """Close a resolved grievance once its reopening period is over (``on``: the date the deadline
    job runs for, today by default). ``actor``: the deadline job (by default), or staff."""
    on = on or timezone.localdate()
    with transaction.atomic():
        grievance = _lock(case_id)
        authority = engine.acting_grant(actor, grievance, people=False)
        check_closing(grievance, on)
        step = engine.step_for(grievance, actor, authority)
        step.transition("close", payload={"on": on})
        routing.process_finish(grievance.process)
        step.save()
        _notify(
            grievance,
            "closed",
            step,
            _("Your grievance %(ref)s is closed"),
            _("The period for reopening ended on %(date)s.") % {"date": grievance.reopen_until},
        )
        return grievance


grievance_withdraw = engine.withdraw_service(
    _lock,
    gettext_lazy("Your grievance %(ref)s is withdrawn"),
    gettext_lazy("We have recorded the withdrawal of your grievance."),
)


# --- Escalation ----------------------------------------------------------------------------------


def grievance_escalate(*, case_id, actor, reason, on=None):
    """Move an open grievance's task to the queue of the unit above the one holding it: on the
    claimant's request (online, or recorded by staff at a counter) or because it is overdue
    (``DEADLINE_JOB``). The due date starts again from ``on`` (today by default)."""
    reason = engine.required_text(reason, _("Give the reason for the escalation."), "reason")
    on = on or timezone.localdate()
    with transaction.atomic():
        grievance = _lock(case_id)
        authority = engine.acting_grant(actor, grievance)
        if grievance.state not in Grievance.OPEN_STATES:
            raise CaseTransitionError(
                _("Only an open grievance can be escalated: this one is %(state)s.")
                % {"state": labels.state_in_sentence(grievance)}
            )
        task = engine.open_task(grievance)
        unit, _power = engine.task_queue(grievance, task)
        parent = OrgUnit.objects.filter(pk=unit.parent_id).first() if unit.parent_id else None
        if parent is None:
            raise NoLevelAbove(
                _("The grievance is already with %(unit)s: there is no level above.") % {"unit": unit.name}
            )
        step = engine.step_for(grievance, actor, authority, parent)
        grievance.escalation_level += 1
        grievance.overdue_since = None
        grievance.due_date = _due(grievance, on)
        step.audit(
            "grievance.escalated",
            payload={
                "reason": reason,
                "from": unit.code,
                "to": parent.code,
                "level": grievance.escalation_level,
                "node": task.flow_task.name,
                "due_date": grievance.due_date,
            },
        )
        engine.task_move(grievance, step, task.flow_task, parent)
        step.save("due_date")
        _notify(
            grievance,
            "escalated",
            step,
            _("Your grievance %(ref)s is escalated"),
            _("It is now handled by %(unit)s, who will answer by %(due)s.")
            % {"unit": parent.name, "due": grievance.due_date},
        )
        return grievance
