"""The staff pages for a grievance: queue rows, the case page and its actions."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.status import STATUS

from cases import grievances, selectors, services
from cases.models import Case, CaseComment, Grievance, GrievanceState, Priority

from .conftest import file_claims, triage

pytestmark = pytest.mark.django_db

G = GrievanceState


def url(case, name="case_detail", **kwargs):
    return reverse(name, kwargs={"reference": case.reference, **kwargs})


def act(case, action):
    return url(case, "case_action", action=action)


def fresh(case):
    return Grievance.objects.get(pk=case.pk)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def history(response):
    return re.search(r'<table class="list history">.*?</table>', text(response)).group(0)


def take(client, user, case):
    client.force_login(user)
    response = client.post(url(case, "case_take"))
    assert response.status_code == 302
    return client


# --- Queue and inbox ------------------------------------------------------------------------------


def test_a_grievance_in_the_queue_and_the_case_type_filter(client, team, insured, grievance):
    (claim,) = file_claims(insured, 1)
    client.force_login(team["operator"])
    body = text(client.get(reverse("queue")))
    row = re.search(rf"<tr>\s*<td><a [^>]*>{grievance.reference}</a>.*?</tr>", body).group(0)
    assert "<td>Grievance</td>" in row and insured.full_name in row
    assert '<span class="state state-submitted">Submitted</span>' in row and "Triage the grievance" in row
    assert claim.reference in body

    only = text(client.get(reverse("queue"), {"case_type": "grievance"}))
    assert grievance.reference in only and claim.reference not in only
    claims = text(client.get(reverse("queue"), {"case_type": "benefit_claim"}))
    assert claim.reference in claims and grievance.reference not in claims
    # A benefit filter keeps to benefit claims.
    assert grievance.reference not in text(client.get(reverse("queue"), {"benefit_type": "marriage"}))
    # States of every type are choices: "triaged" is a grievance's.
    assert "No open task matches" in text(client.get(reverse("queue"), {"state": "triaged"}))


def test_overdue_and_escalated_cases_are_flagged_in_the_inbox(client, team, grievance):
    services.task_take(case_id=grievance.pk, actor=team["operator"])
    client.force_login(team["operator"])
    assert "flag-overdue" not in text(client.get(reverse("inbox")))
    Case.objects.filter(pk=grievance.pk).update(overdue_since=timezone.now(), escalation_level=2)
    body = text(client.get(reverse("inbox")))
    assert '<tr class="overdue">' in body and ">overdue</span>" in body and "escalated 2 times" in body


# --- Case page ------------------------------------------------------------------------------------


def test_the_grievance_page_shows_the_case_its_details_and_task(client, team, insured, grievance):
    client.force_login(team["operator"])
    response = client.get(url(grievance))
    assert response.status_code == 200
    body = text(response)
    assert f"<h1>Grievance {grievance.reference}</h1>" in body
    assert '<span class="state state-submitted">Submitted</span>' in body
    assert insured.full_name in body and insured.ssn in body and "North A branch" in body
    assert "Late payment of my sickness benefit" in body and "The benefit came three weeks late." in body
    assert "not triaged yet" in body
    assert f"<dt>Due date</dt><dd>{grievance.due_date.strftime('%m/%d/%Y')}</dd>" in body
    assert '<dt>Escalation level</dt><dd class="num">0</dd>' in body
    assert "Triage the grievance" in body and "nobody: waiting in the queue" in body and ">Take<" in body
    # Nothing to do before the task is taken.
    assert 'name="triage-category"' not in body
    rows = history(response)
    assert "Case created" in rows and "– → Draft" in rows and "Draft → Submitted" in rows


def test_a_grievance_outside_the_users_units_is_not_found(client, team, grievance):
    client.force_login(team["other_operator"])
    assert client.get(url(grievance)).status_code == 404
    assert client.post(url(grievance, "case_take")).status_code == 404
    assert (
        client.post(act(grievance, "triage"), {"triage-category": "other", "triage-priority": "low"}).status_code == 404
    )
    assert fresh(grievance).state == G.SUBMITTED and selectors.open_task_of(grievance).owner_id is None


def test_an_action_of_another_type_is_not_found(client, team, grievance):
    take(client, team["operator"], grievance)
    assert client.post(act(grievance, "recommend"), {"recommend-decision": "approve"}).status_code == 404
    assert client.post(url(grievance, "case_recommend"), {"recommend-decision": "approve"}).status_code == 404
    assert fresh(grievance).state == G.SUBMITTED


def test_triage_through_the_page(client, team, grievance):
    take(client, team["operator"], grievance)
    body = text(client.get(url(grievance)))
    assert 'name="triage-category"' in body and 'name="resolve-answer"' not in body

    response = client.post(act(grievance, "triage"), {"triage-category": "", "triage-priority": "high"})
    assert response.status_code == 422 and "This field is required." in text(response)
    assert fresh(grievance).state == G.SUBMITTED

    response = client.post(
        act(grievance, "triage"), {"triage-category": "contribution_records", "triage-priority": "low"}, follow=True
    )
    body = text(response)
    assert "The grievance is triaged" in body
    g = fresh(grievance)
    assert g.state == G.TRIAGED and g.category == "contribution_records" and g.priority == Priority.LOW
    assert g.due_date == timezone.localdate() + dt.timedelta(days=30)
    rows = history(response)
    assert "Triaged" in rows and "Submitted → Triaged" in rows and "Contribution records" in rows
    assert "<dd>Contribution records</dd>" in body and "<dd>Low</dd>" in body
    # The investigation waits in the queue: the triage form is gone, the task is free.
    assert 'name="triage-category"' not in body and "Investigate the grievance" in body


def test_triage_without_the_task_is_refused_readably(client, team, grievance):
    client.force_login(team["operator"])
    response = client.post(act(grievance, "triage"), {"triage-category": "other", "triage-priority": "low"})
    assert response.status_code == 409 and "Take the task before working on it." in text(response)


def test_investigate_request_information_and_resolve(client, team, grievance):
    triage(grievance, team["operator"])
    take(client, team["operator2"], grievance)
    body = text(client.get(url(grievance)))
    assert 'name="resolve-answer"' in body and 'name="info-question"' in body

    response = client.post(act(grievance, "request-info"), {"info-question": "The bank statement of May."}, follow=True)
    assert "The claimant was asked for information." in text(response)
    assert fresh(grievance).state == G.AWAITING_INFO
    body = text(response)
    assert "Investigation started" in body and 'name="resolve-answer"' not in body and 'name="received-answer"' in body

    response = client.post(act(grievance, "receive-info"), {"received-answer": "Statement handed in."}, follow=True)
    assert "the investigation goes on" in text(response)
    assert fresh(grievance).state == G.INVESTIGATING
    assert CaseComment.objects.filter(case=grievance, text="Statement handed in.").exists()

    response = client.post(act(grievance, "resolve"), {"resolve-answer": "  "})
    assert response.status_code == 422 and fresh(grievance).state == G.INVESTIGATING
    response = client.post(act(grievance, "resolve"), {"resolve-answer": "The bank delayed it; fixed."}, follow=True)
    body = text(response)
    assert "The grievance is resolved" in body
    g = fresh(grievance)
    assert g.state == G.RESOLVED and g.answer == "The bank delayed it; fixed."
    assert "Under investigation → Resolved" in history(response) and "No open task." in body
    # Reopening is open to the claimant; closing waits for the end of the period.
    assert 'name="reopen-reason"' in body and "Close the grievance" not in body


def test_an_operator_does_not_answer_an_urgent_grievance(client, team, grievance):
    triage(grievance, team["operator"], priority=Priority.URGENT)
    take(client, team["operator2"], grievance)
    assert 'name="resolve-answer"' not in text(client.get(url(grievance)))
    response = client.post(act(grievance, "resolve"), {"resolve-answer": "Done."})
    assert response.status_code == 403 and "no role that allows you to decide cases" in text(response)
    assert fresh(grievance).state == G.TRIAGED

    services.task_reassign(case_id=grievance.pk, actor=team["supervisor"], to_user=team["supervisor"])
    client.force_login(team["supervisor"])
    response = client.post(act(grievance, "resolve"), {"resolve-answer": "Paid with interest."}, follow=True)
    assert "The grievance is resolved" in text(response) and fresh(grievance).state == G.RESOLVED


def test_escalation_at_the_claimants_request(client, team, org, grievance):
    triage(grievance, team["operator"])
    client.force_login(team["operator"])
    body = text(client.get(url(grievance)))
    assert 'name="escalate-reason"' in body
    response = client.post(act(grievance, "escalate"), {"escalate-reason": "No answer after a month."}, follow=True)
    body = text(response)
    assert "The grievance went to the queue of the unit above." in body
    g = fresh(grievance)
    assert g.escalation_level == 1
    task = selectors.open_task_of(g)
    assert task.owner_permission_obj_pk == str(org.north.pk) and task.status == STATUS.NEW
    assert "escalated once" in body and "<dt>Queue</dt><dd>North region</dd>" in body
    rows = history(response)
    assert "<dt>from unit</dt><dd>NA</dd>" in rows and "<dt>to unit</dt><dd>N</dd>" in rows
    # The branch operator may no longer take it; the region's supervisor may.
    assert ">Take<" not in body
    client.force_login(team["region_supervisor"])
    assert ">Take<" in text(client.get(url(grievance)))


def test_reopen_and_close_at_the_counter(client, team, grievance):
    triage(grievance, team["operator"])
    services.task_take(case_id=grievance.pk, actor=team["operator2"])
    grievances.grievance_resolve(case_id=grievance.pk, actor=team["operator2"], answer="Fixed.")
    client.force_login(team["operator"])
    response = client.post(act(grievance, "reopen"), {"reopen-reason": "It happened again."}, follow=True)
    assert "The grievance is reopened" in text(response)
    g = fresh(grievance)
    assert g.state == G.INVESTIGATING and g.reopened_count == 1
    assert "Resolved → Under investigation" in history(response)

    services.task_take(case_id=grievance.pk, actor=team["operator2"])
    grievances.grievance_resolve(case_id=grievance.pk, actor=team["operator2"], answer="Fixed again.")
    ended = timezone.localdate() - dt.timedelta(days=1)
    Grievance.objects.filter(pk=grievance.pk).update(reopen_until=ended)
    body = text(client.get(url(grievance)))
    assert "Close the grievance" in body
    # A request made today is too late; one received by letter within the period is not.
    response = client.post(act(grievance, "reopen"), {"reopen-reason": "Still wrong."})
    assert response.status_code == 409 and "could be reopened until" in text(response)
    response = client.post(act(grievance, "close"), follow=True)
    assert "The grievance is closed." in text(response)
    assert fresh(grievance).state == G.CLOSED
    body = text(response)
    assert "Resolved → Closed" in body and 'name="reopen-reason"' not in body and "Close the grievance" not in body


def test_closing_while_the_claimant_may_reopen_is_refused(client, team, grievance):
    triage(grievance, team["operator"])
    services.task_take(case_id=grievance.pk, actor=team["operator2"])
    grievances.grievance_resolve(case_id=grievance.pk, actor=team["operator2"], answer="Fixed.")
    client.force_login(team["operator"])
    response = client.post(act(grievance, "close"))
    assert response.status_code == 409 and "it can be closed after that day" in text(response)
    assert fresh(grievance).state == G.RESOLVED


def test_auditors_see_a_grievance_and_no_action(client, team, grievance):
    client.force_login(team["auditor"])
    body = text(client.get(url(grievance)))
    assert grievance.reference in body and "Work on this case" not in body and "Add comment" not in body
    response = client.post(act(grievance, "escalate"), {"escalate-reason": "x"})
    assert response.status_code == 403 and fresh(grievance).escalation_level == 0
