"""A grievance from filing to closure through the services, with its audit trail and notifications."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.models import Process
from viewflow.workflow.status import PROCESS, STATUS

from audit.actors import Actor
from audit.verify import verify_all
from cases import grievances
from cases.models import CaseComment, CaseDocument, GrievanceCategory, GrievanceState, Notification, Priority
from rules.parameters import param
from tests.support import person_actor

from .helpers import actions, audit_events, last_event, open_tasks, reload, tasks, topics

pytestmark = pytest.mark.django_db


def test_grievance_from_filing_to_closure(org, team, insured, django_capture_on_commit_callbacks):
    operator, investigator = team["operator"], team["operator2"]
    with django_capture_on_commit_callbacks() as sent_after_commit:
        grievance = grievances.grievance_file(
            actor=Actor.person(insured),
            person=insured,
            title="Contributions missing",
            description="My 2023 contributions are not on my record.",
        )
    filed_on = timezone.localdate(grievance.created_at)
    assert grievance.state == GrievanceState.SUBMITTED
    assert grievance.owning_unit == org.north_a
    assert grievance.reference.startswith("GR-")
    assert grievance.due_date == filed_on + dt.timedelta(days=int(param("sla.grievance.days", filed_on)))
    assert sent_after_commit  # the receipt goes out once the filing commits
    (triage_task,) = open_tasks(grievance)
    assert triage_task.flow_task.name == "triage"
    assert triage_task.owner_permission == "roles.work_cases"
    assert triage_task.owner_permission_obj_pk == str(org.north_a.pk)

    grievances.task_take(case_id=grievance.pk, actor=operator)
    assert reload(grievance).state == GrievanceState.SUBMITTED  # taking the triage task starts nothing
    grievance = grievances.grievance_triage(
        case_id=grievance.pk, actor=operator, category=GrievanceCategory.CONTRIBUTION_RECORDS, priority=Priority.LOW
    )
    today = timezone.localdate()
    assert grievance.state == GrievanceState.TRIAGED
    assert (grievance.category, grievance.priority) == ("contribution_records", "low")
    assert grievance.due_date == today + dt.timedelta(days=int(param("sla.grievance.low.days", today)))
    (investigate_task,) = open_tasks(grievance)
    assert investigate_task.flow_task.name == "investigate"
    assert investigate_task.owner_id is None
    assert investigate_task.owner_permission_obj_pk == str(org.north_a.pk)

    grievances.task_take(case_id=grievance.pk, actor=investigator)
    grievances.grievance_request_info(case_id=grievance.pk, actor=investigator, question="Send your 2023 payslips.")
    assert reload(grievance).state == GrievanceState.AWAITING_INFO
    assert reload(grievance).info_request == "Send your 2023 payslips."
    assert [t.owner_id for t in open_tasks(grievance)] == [investigator.pk]  # the investigator keeps the task

    payslips = SimpleUploadedFile("payslips.pdf", b"%PDF-1.4 payslips", content_type="application/pdf")
    document = grievances.case_document_add(
        case_id=grievance.pk, actor=person_actor(grievance.pk), title="Payslips 2023", uploaded_file=payslips
    )
    grievances.grievance_receive_info(
        case_id=grievance.pk, actor=person_actor(grievance.pk), answer="Payslips attached."
    )
    assert reload(grievance).state == GrievanceState.INVESTIGATING
    assert CaseComment.objects.get(case=grievance).text == "Payslips attached."

    grievance = grievances.grievance_resolve(
        case_id=grievance.pk, actor=investigator, answer="The missing months are now on your record."
    )
    assert grievance.state == GrievanceState.RESOLVED
    assert grievance.answer == "The missing months are now on your record."
    assert grievance.resolved_at is not None
    assert grievance.reopen_until == today + dt.timedelta(days=int(param("grievance.reopen_days", today)))
    assert open_tasks(grievance) == []
    resolution_notes = Notification.objects.filter(case=grievance, key__contains=":resolved:")
    assert any("The missing months are now on your record." in n.body for n in resolution_notes)

    grievance = grievances.grievance_close(case_id=grievance.pk, on=grievance.reopen_until + dt.timedelta(days=1))
    assert grievance.state == GrievanceState.CLOSED
    assert Process.objects.get(pk=grievance.process_id).status == PROCESS.DONE
    assert [t.status for t in tasks(grievance)] == [STATUS.DONE, STATUS.DONE]

    assert actions(grievance) == [
        "grievance.created",
        "grievance.submit",
        "task.created",
        "task.assigned",
        "task.completed",
        "grievance.triage",
        "task.created",
        "task.assigned",
        "grievance.investigate",
        "grievance.request_info",
        "document.added",
        "grievance.receive_info",
        "task.completed",
        "grievance.resolve",
        "grievance.close",
    ]
    assert topics(grievance) == ["received", "info_requested", "resolved", "closed"]
    assert CaseDocument.objects.get(case=grievance) == document
    assert verify_all().ok
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("OK")


def test_audit_events_name_who_acted_where_and_why(filed, team, org):
    grievances.task_take(case_id=filed.pk, actor=team["operator"])
    grievances.grievance_triage(
        case_id=filed.pk, actor=team["operator"], category=GrievanceCategory.COMPLIANCE, priority=Priority.HIGH
    )
    events = {e.action: e for e in audit_events(filed)}
    created = events["grievance.created"]
    assert created.actor_id is None
    assert created.payload["channel"] == "portal"
    assert created.payload["title"] == "Pension paid late"
    triage = events["grievance.triage"]
    assert triage.actor_id == team["operator"].pk
    assert triage.org_unit_id == org.north_a.pk
    assert (triage.from_state, triage.to_state) == ("submitted", "triaged")
    assert triage.payload["category"] == "compliance"
    assert triage.payload["priority"] == "high"
    assert last_event(filed).action == "task.created"


def test_a_counter_files_for_the_person_and_is_recorded(insured, team):
    grievance = grievances.grievance_file(
        person=insured, title="Rude reception", description="At the counter on Monday.", actor=team["operator"]
    )
    first = audit_events(grievance)[0]
    assert first.actor_id == team["operator"].pk
    assert first.payload["channel"] == "counter"
    assert grievance.state == GrievanceState.SUBMITTED


def test_a_grievance_may_name_the_person_s_own_case(insured, filed):
    related = grievances.grievance_file(
        actor=Actor.person(insured),
        person=insured,
        title="About my earlier grievance",
        description="No answer yet.",
        related_case=filed,
    )
    assert related.related_case_id == filed.pk
    assert verify_all().ok


def test_withdrawal_cancels_the_open_task_and_ends_the_process(investigating, team):
    grievance = grievances.grievance_withdraw(
        actor=person_actor(investigating.pk), case_id=investigating.pk, reason="Sorted out with my employer."
    )
    assert grievance.state == GrievanceState.WITHDRAWN
    assert open_tasks(grievance) == []
    assert tasks(grievance)[-1].status == STATUS.CANCELED
    assert Process.objects.get(pk=grievance.process_id).status == PROCESS.DONE
    assert actions(grievance)[-2:] == ["grievance.withdraw", "task.cancelled"]
    assert last_event(grievance).payload["reason"] == "withdrawn"
    assert topics(grievance)[-1] == "withdrawn"
