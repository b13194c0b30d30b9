"""The e-services portal: its own side, a person's own records only, and every type filed online
through the registry's form."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from cases.catalog import TYPES
from cases.models import BenefitClaim, BenefitType, Case, CaseType
from tests.conftest import PasswordOnlyClient
from tests.support import fresh_event_day

from .conftest import PASSWORD, open_account, signed_in

pytestmark = pytest.mark.django_db


def marriage_claim(person):
    return services.claim_file(
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(person, BenefitType.MARRIAGE, timezone.localdate() - dt.timedelta(days=10)),
        actor=person_actor_for(person),
    )


def person_actor_for(person):
    from audit.actors import Actor

    return Actor.person(person)


# --- Two sides ---------------------------------------------------------------------------------


def test_a_persons_account_never_reaches_a_staff_page(person_account):
    client = signed_in(person_account)
    assert client.get("/portal/").status_code == 200
    for url in ("/", "/queue/", "/inbox/", "/team/", "/administration/", "/audit/", "/api/cases/", "/admin/"):
        assert client.get(url).status_code == 404, url


def test_a_staff_account_never_uses_the_portal(team):
    client = Client()
    client.force_login(team["operator"])
    assert client.get("/queue/").status_code == 200
    for url in ("/portal/", "/portal/file/", "/portal/file/benefit_claim/"):
        assert client.get(url).status_code == 404, url


def test_each_login_admits_only_its_own_accounts(team, person_account):
    """The staff login refuses a person's password, the portal's a staff member's: the same
    answer as a wrong password, counted as a failure."""
    from django.contrib.auth import get_user_model

    operator = team["operator"]
    operator.set_password(PASSWORD)
    operator.save()
    portal = PasswordOnlyClient()
    refused = portal.post("/portal/login/", {"username": operator.username, "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in portal.session
    staff = PasswordOnlyClient()
    refused = staff.post("/login/", {"username": person_account.user.username, "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in staff.session
    admitted = portal.post("/portal/login/", {"username": person_account.user.username, "password": PASSWORD})
    assert admitted.status_code == 302 and admitted["Location"].startswith("/portal/login/")
    assert portal.get("/portal/").status_code == 302  # the second factor first
    assert get_user_model().objects.filter(username=person_account.person.ssn).exists()


# --- A person's own records only -----------------------------------------------------------------


def test_my_page_lists_my_cases_in_plain_words_and_nobody_elses(person_account, other_account):
    mine = marriage_claim(person_account.person)
    theirs = marriage_claim(other_account.person)
    page = signed_in(person_account).get("/portal/").content.decode()
    assert mine.reference in page and "Submitted" in page
    assert theirs.reference not in page


def test_another_persons_case_is_not_found(person_account, other_account):
    theirs = marriage_claim(other_account.person)
    client = signed_in(person_account)
    assert client.get(f"/portal/cases/{theirs.reference}/").status_code == 404
    assert client.get("/portal/cases/BC-0000-NOSUCH/").status_code == 404


def test_the_timeline_names_the_office_never_a_staff_member(person_account, team):
    team["operator"].last_name = "Caseworkerson"
    team["operator"].save()
    claim = marriage_claim(person_account.person)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_request_info(case_id=claim.pk, actor=team["operator"], question="Send the marriage certificate.")
    page = signed_in(person_account).get(f"/portal/cases/{claim.reference}/").content.decode()
    assert "Send the marriage certificate." in page
    assert "Social security office" in page and "You" in page
    assert "op_na" not in page and "Caseworkerson" not in page
    home = signed_in(person_account).get("/portal/").content.decode()
    assert "The office is waiting for information from you." in home


def test_my_page_reads_a_fixed_number_of_queries(person_account, django_assert_num_queries):
    for _ in range(3):
        marriage_claim(person_account.person)
    client = signed_in(person_account)
    # session, user, the person (through the account), cases, messages, payments, and the count of
    # unread notifications the header shows on every page
    with django_assert_num_queries(7):
        assert client.get("/portal/").status_code == 200
    for _ in range(5):
        marriage_claim(person_account.person)
    with django_assert_num_queries(7):
        assert client.get("/portal/").status_code == 200


# --- Filing online -------------------------------------------------------------------------------


def test_every_type_of_request_has_its_page(person_account):
    client = signed_in(person_account)
    index = client.get("/portal/file/").content.decode()
    for case_type in TYPES:
        assert f"/portal/file/{case_type}/" in index
        assert client.get(f"/portal/file/{case_type}/").status_code == 200
    assert client.get("/portal/file/no_such_type/").status_code == 404


def test_a_person_files_a_claim_online_as_themselves(person_account):
    client = signed_in(person_account)
    response = client.post(
        "/portal/file/benefit_claim/",
        {"benefit_type": BenefitType.MARRIAGE, "event_date": (timezone.localdate() - dt.timedelta(days=5)).isoformat()},
    )
    claim = BenefitClaim.objects.get(person=person_account.person)
    assert response.status_code == 302 and response["Location"].startswith("/portal/receipts/")
    assert claim.channel == "portal" and claim.state == "submitted"
    created = AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).order_by("seq").first()
    assert created.actor_kind == "person" and created.actor_identity == f"person:{person_account.person.pk}"
    assert created.actor_id == person_account.user.pk


def test_a_wrong_field_is_named_and_nothing_is_filed(person_account):
    client = signed_in(person_account)
    response = client.post("/portal/file/benefit_claim/", {"benefit_type": BenefitType.SICKNESS, "event_date": ""})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    # The service's own refusal (sick days missing) names its field too.
    response = client.post(
        "/portal/file/benefit_claim/",
        {"benefit_type": BenefitType.SICKNESS, "event_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400 and "Give the number of sick days." in response.content.decode()
    assert not Case.objects.filter(person=person_account.person).exists()


def test_a_grievance_filed_online_may_name_only_my_own_case(person_account, other_account):
    theirs = marriage_claim(other_account.person)
    mine = marriage_claim(person_account.person)
    client = signed_in(person_account)
    refused = client.post(
        "/portal/file/grievance/", {"title": "Late", "description": "Too slow.", "related_case": theirs.reference}
    )
    assert refused.status_code == 400
    filed = client.post(
        "/portal/file/grievance/", {"title": "Late", "description": "Too slow.", "related_case": mine.reference}
    )
    assert filed.status_code == 302
    assert Case.objects.filter(person=person_account.person, case_type=CaseType.GRIEVANCE).count() == 1


def test_opening_an_account_twice_is_refused_and_recorded_once(person_account):
    from roles.errors import InvalidInput

    with pytest.raises(InvalidInput):
        open_account(person_account.person)
    assert AuditEvent.objects.filter(action="portal_account.opened").count() == 1


# --- Answering and withdrawing -------------------------------------------------------------------


def test_a_person_answers_the_offices_question_as_themselves(person_account, team):
    claim = marriage_claim(person_account.person)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_request_info(case_id=claim.pk, actor=team["operator"], question="Send the marriage certificate.")
    client = signed_in(person_account)
    assert "Answer the office" in client.get(f"/portal/cases/{claim.reference}/").content.decode()
    refused = client.post(f"/portal/cases/{claim.reference}/answer/", {"answer": ""})
    assert refused.status_code == 400 and "There is a problem" in refused.content.decode()
    sent = client.post(f"/portal/cases/{claim.reference}/answer/", {"answer": "Posted it yesterday."})
    assert sent.status_code == 302
    claim.refresh_from_db()
    assert claim.state == "in_review"
    event = AuditEvent.objects.filter(
        subject_type="case", subject_id=str(claim.pk), action="benefit_claim.receive_info"
    )
    assert event.get().actor_identity == f"person:{person_account.person.pk}"
    # Nothing is asked any more: a second answer is refused without a change.
    again = client.post(f"/portal/cases/{claim.reference}/answer/", {"answer": "Again."})
    assert again.status_code == 302 and "Answer the office" not in client.get(again["Location"]).content.decode()


def test_a_person_withdraws_their_request_before_its_decision(person_account):
    claim = marriage_claim(person_account.person)
    client = signed_in(person_account)
    assert "Withdraw this request" in client.get(f"/portal/cases/{claim.reference}/").content.decode()
    assert client.post(f"/portal/cases/{claim.reference}/withdraw/", {"reason": "Not needed."}).status_code == 302
    claim.refresh_from_db()
    assert claim.state == "withdrawn"
    page = client.get(f"/portal/cases/{claim.reference}/").content.decode()
    assert "Withdraw this request" not in page and "Withdrawn" in page


def test_the_precheck_shows_the_assessments_outcome_and_files_nothing(person_account):
    client = signed_in(person_account)
    data = {
        "benefit_type": BenefitType.MARRIAGE,
        "event_date": (timezone.localdate() - dt.timedelta(days=5)).isoformat(),
    }
    checked = client.post("/portal/file/benefit_claim/", {**data, "check": "1"})
    page = checked.content.decode()
    assert checked.status_code == 200 and "By the rules in force" in page
    assert not Case.objects.filter(person=person_account.person).exists()
    sent = client.post("/portal/file/benefit_claim/", data)
    assert sent.status_code == 302
    claim = BenefitClaim.objects.get(person=person_account.person)
    expected = "can be granted" if claim.assessment["eligible"] else "would not be granted"
    assert expected in page
    # The same event again: refused with the first claim's reference.
    again = client.post("/portal/file/benefit_claim/", data)
    assert again.status_code == 400 and claim.reference in again.content.decode()


def test_the_refund_form_shows_what_the_ledger_says_is_refundable(person_account):
    client = signed_in(person_account)
    response = client.post(
        "/portal/file/contribution_refund/",
        {"period_from": "2023-01", "period_to": "2023-03", "reason": "Paid twice.", "check": "1"},
    )
    assert response.status_code == 200
    assert "Refundable according to your contribution record: 0.00." in response.content.decode()
    assert not Case.objects.filter(person=person_account.person).exists()


def test_the_timeline_names_the_persons_representative(person_account, org):
    from audit.actors import Actor
    from tests.conftest import make_insured

    person = person_account.person
    agent = make_insured(org.north_a)
    services.claim_file(
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=timezone.localdate() - dt.timedelta(days=3),
        actor=Actor.representative(agent, person, "attorney:PA-1"),
    )
    claim = BenefitClaim.objects.get(person=person)
    page = signed_in(person_account).get(f"/portal/cases/{claim.reference}/").content.decode()
    assert "Your representative" in page and agent.last_name not in page
