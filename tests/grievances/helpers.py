"""Helpers for the grievance tests."""

from viewflow.workflow.models import Task

from audit.actors import Actor
from audit.models import AuditEvent
from cases import grievances
from cases.models import Grievance, GrievanceCategory, Notification, Priority


def reload(grievance):
    return Grievance.objects.get(pk=grievance.pk)


def actions(grievance):
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(grievance.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def audit_events(grievance):
    return list(AuditEvent.objects.filter(subject_type="case", subject_id=str(grievance.pk)).order_by("seq"))


def last_event(grievance):
    return AuditEvent.objects.filter(subject_type="case", subject_id=str(grievance.pk)).order_by("-seq").first()


def tasks(grievance):
    return list(Task.objects.filter(process_id=reload(grievance).process_id).order_by("id"))


def open_tasks(grievance):
    return [t for t in tasks(grievance) if t.status in ("NEW", "ASSIGNED")]


def topics(grievance):
    """The topics the person was notified of, one per notification whatever its channels, in order."""
    seen = []
    for key in Notification.objects.filter(case_id=grievance.pk).order_by("id").values_list("key", flat=True):
        reference, topic, seq = key.split(":")[:3]
        if (topic, seq) not in seen:
            seen.append((topic, seq))
    return [topic for topic, _seq in seen]


def file_grievance(person, **kwargs):
    fields = {
        "title": "Pension paid late",
        "description": "My March pension arrived three weeks late.",
    }
    fields.update(kwargs)
    fields.setdefault("actor", Actor.person(person))
    return grievances.grievance_file(person=person, **fields)


def triage(grievance, actor, *, priority=Priority.NORMAL, category=GrievanceCategory.BENEFIT_PROCESSING):
    grievances.task_take(case_id=grievance.pk, actor=actor)
    return grievances.grievance_triage(case_id=grievance.pk, actor=actor, category=category, priority=priority)
