"""The staff pages for a medical commission: sessions, decisions and the appeal."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.actors import Actor
from cases import medical, services
from cases.models import MedicalCommission, MedicalPurpose, MedicalState
from registry.models import DisabilityAssessment
from roles.models import Role
from tests.conftest import staff

pytestmark = pytest.mark.django_db

M = MedicalState
PLACE = "North region medical centre"


@pytest.fixture
def doctors(org):
    return [staff(f"doc_n{i}", Role.MEDICAL_COMMISSION, org.north) for i in (1, 2, 3, 4)]


@pytest.fixture
def appeal_doctors(org):
    return [staff(f"doc_hq{i}", Role.MEDICAL_COMMISSION, org.central) for i in (1, 2, 3)]


@pytest.fixture
def commission(insured):
    return medical.medical_request(actor=Actor.person(insured), person=insured, purpose=MedicalPurpose.DISABILITY_CLAIM)


def url(case, name="case_detail", **kwargs):
    return reverse(name, kwargs={"reference": case.reference, **kwargs})


def act(case, action):
    return url(case, "case_action", action=action)


def fresh(case):
    return MedicalCommission.objects.get(pk=case.pk)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def now_local():
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def session(prefix, members):
    return {
        f"{prefix}-scheduled_for": now_local(),
        f"{prefix}-location": PLACE,
        f"{prefix}-members": [m.pk for m in members],
    }


def schedule(case, operator, members):
    services.task_take(case_id=case.pk, actor=operator)
    medical.medical_schedule(
        case_id=case.pk, actor=operator, scheduled_for=timezone.now(), location=PLACE, members=members
    )


def test_the_operator_schedules_the_session_with_members(client, team, doctors, commission):
    client.force_login(team["operator"])
    body = text(client.get(url(commission)))
    assert f"<h1>Medical commission {commission.reference}</h1>" in body
    assert "<dd>Disability claim</dd>" in body and "No session scheduled." in body
    assert 'name="schedule-location"' not in body and "Review the medical documents" in body

    client.post(url(commission, "case_take"))
    body = text(client.get(url(commission)))
    assert fresh(commission).state == M.DOCUMENTS_REVIEW
    members = re.findall(r'<label for="id_schedule-members_\d+"><input [^>]*>\s*([^<]+?)\s*</label>', body)
    assert sorted(members) == [d.get_username() for d in doctors]

    response = client.post(act(commission, "schedule"), session("schedule", doctors[:2]))
    assert response.status_code == 422
    errors = re.search(r'id="id_schedule-members_error".*?</ul>', text(response)).group(0)
    assert "at least 3 members" in errors and fresh(commission).state == M.DOCUMENTS_REVIEW

    response = client.post(act(commission, "schedule"), session("schedule", doctors[:3]), follow=True)
    body = text(response)
    assert "The session is scheduled" in body
    assert fresh(commission).state == M.SCHEDULED
    assert "First commission:" in body and PLACE in body and "doc_n1, doc_n2, doc_n3" in body
    assert "Decide on the degree of disability" in body and "Documents under review → Session scheduled" in body


def test_request_and_receive_documents(client, team, commission):
    services.task_take(case_id=commission.pk, actor=team["operator"])
    client.force_login(team["operator"])
    response = client.post(act(commission, "request-info"), {"info-question": "The hospital report."}, follow=True)
    assert "The person was asked for documents." in text(response) and fresh(commission).state == M.AWAITING_INFO
    assert 'name="schedule-location"' not in text(response)
    response = client.post(act(commission, "receive-info"), {"received-answer": "Report received."}, follow=True)
    assert "the review goes on" in text(response) and fresh(commission).state == M.DOCUMENTS_REVIEW


def test_only_a_member_of_the_session_records_the_decision(client, team, doctors, commission):
    schedule(commission, team["operator"], doctors[:3])
    for user in (team["operator"], doctors[3]):
        client.force_login(user)
        assert 'name="decide-degree_percent"' not in text(client.get(url(commission)))
    response = client.post(
        act(commission, "decide"),
        {"decide-degree_percent": "60", "decide-permanent": "permanent", "decide-note": "Findings."},
    )
    assert response.status_code == 403 and "Only a member of the session" in text(response)

    client.force_login(doctors[0])
    assert 'name="decide-degree_percent"' in text(client.get(url(commission)))
    # A temporary disability needs its review date: the service says so on the field.
    response = client.post(
        act(commission, "decide"),
        {"decide-degree_percent": "40", "decide-permanent": "temporary", "decide-note": "Findings."},
    )
    assert response.status_code == 422
    assert "needs a review date" in re.search(r'id="id_decide-review_date_error".*?</ul>', text(response)).group(0)

    response = client.post(
        act(commission, "decide"),
        {"decide-degree_percent": "60", "decide-permanent": "permanent", "decide-note": "Lasting loss of mobility."},
        follow=True,
    )
    body = text(response)
    assert "The commission&#x27;s decision was recorded." in body
    case = fresh(commission)
    assert case.state == M.DECIDED and case.degree_percent == 60 and case.permanent is True
    assert '<dd class="num">60 %</dd>' in body and "Lasting loss of mobility." in body
    assert "Disability assessment recorded" in body
    assert DisabilityAssessment.objects.get(source_reference=case.reference).degree_percent == 60


def test_appeal_to_a_commission_of_other_members(client, team, doctors, appeal_doctors, commission):
    schedule(commission, team["operator"], doctors[:3])
    medical.medical_decide(case_id=commission.pk, actor=doctors[0], degree_percent=30, permanent=True, note="Findings.")
    client.force_login(team["operator"])
    response = client.post(act(commission, "appeal"), {"appeal-grounds": "The degree is too low."}, follow=True)
    assert "The appeal was recorded" in text(response) and fresh(commission).state == M.APPEALED

    client.post(url(commission, "case_take"))
    response = client.post(act(commission, "schedule-appeal"), session("schedule-appeal", doctors[1:4]))
    assert response.status_code == 422 and "doc_n2, doc_n3 sat in it" in text(response)
    response = client.post(act(commission, "schedule-appeal"), session("schedule-appeal", appeal_doctors), follow=True)
    body = text(response)
    assert "The appeal session is scheduled" in body and "Appeal commission:" in body
    assert fresh(commission).state == M.APPEAL_SCHEDULED

    client.force_login(appeal_doctors[1])
    response = client.post(
        act(commission, "decide-appeal"),
        {
            "decide-appeal-degree_percent": "70",
            "decide-appeal-permanent": "permanent",
            "decide-appeal-note": "Revised.",
        },
        follow=True,
    )
    body = text(response)
    assert "it is final" in body
    case = fresh(commission)
    assert case.state == M.FINAL and case.degree_percent == 70
    assert "Appeal session scheduled → Final decision" in body and "No open task." in body


def test_no_appeal_once_the_period_is_over(client, team, doctors, commission):
    schedule(commission, team["operator"], doctors[:3])
    medical.medical_decide(case_id=commission.pk, actor=doctors[0], degree_percent=30, permanent=True, note="F.")
    client.force_login(team["operator"])
    assert 'name="appeal-grounds"' in text(client.get(url(commission)))
    MedicalCommission.objects.filter(pk=commission.pk).update(decided_at=timezone.now() - timezone.timedelta(days=400))
    assert 'name="appeal-grounds"' not in text(client.get(url(commission)))
    response = client.post(act(commission, "appeal"), {"appeal-grounds": "Late."})
    assert response.status_code == 409 and "can no longer be appealed" in text(response)
