"""Acting for another person in the portal: the choice after sign-in, the banner, the audit trail
naming both the representative and the person, the mandate's scope, and a mandate ended or revoked
taking effect at the next request."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from audit.actors import Actor, ActorKind
from audit.models import AuditEvent
from cases import grievances, payees, services
from cases.models import BenefitType, Case, CaseType, Grievance, Receipt
from portal.access import ACTING, ASK, NOBODY
from portal.mandates import ATTORNEY, PAYEE, PAYEE_SCOPE, mandates_of
from tests.conftest import make_insured

from .acting_support import acting_client, payee_in_force, power_in_force, representative_account
from .conftest import open_account, signed_in

pytestmark = pytest.mark.django_db

BANNER = re.compile(
    r'<section class="acting-for" aria-labelledby="acting-for-h">\s*<p id="acting-for-h"><strong>You are acting for ([^<]+)</strong>'
)


def claim_of(person, actor=None):
    return services.claim_file(
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=timezone.localdate() - dt.timedelta(days=10),
        actor=actor or Actor.person(person),
    )


def grievance_of(person, actor=None):
    return grievances.grievance_file(
        person=person, title="No answer", description="No answer to my letter.", actor=actor or Actor.person(person)
    )


def banner(response):
    found = BANNER.search(response.content.decode())
    return found[1] if found else None


@pytest.fixture
def pensioner(org):
    return make_insured(org.north_a, start=dt.date(1990, 1, 1))


@pytest.fixture
def payee_account(org):
    return representative_account(org.north_a)


@pytest.fixture
def payee(pensioner, payee_account, team):
    return payee_in_force(pensioner, payee_account.person, team)


@pytest.fixture
def grantor(org):
    return make_insured(org.north_a)


@pytest.fixture
def attorney_account(org):
    return representative_account(org.north_b)


@pytest.fixture
def power(grantor, attorney_account, team):
    return power_in_force(grantor, attorney_account.person, team)


# --- Whom a person may act for ----------------------------------------------------------------


def test_mandates_of_a_person_on_a_date(payee, power, payee_account, attorney_account, pensioner, grantor):
    today = timezone.localdate()
    (as_payee,) = mandates_of(payee_account.person, today)
    assert (as_payee.kind, as_payee.reference, as_payee.person, as_payee.scope) == (
        PAYEE,
        payee.reference,
        pensioner,
        PAYEE_SCOPE,
    )
    (as_attorney,) = mandates_of(attorney_account.person, today)
    assert (as_attorney.kind, as_attorney.person, as_attorney.scope) == (ATTORNEY, grantor, (CaseType.GRIEVANCE,))
    assert as_attorney.key == f"attorney:{power.reference}"
    assert mandates_of(attorney_account.person, power.valid_to + dt.timedelta(days=1)) == []
    assert mandates_of(pensioner, today) == [] and mandates_of(grantor, today) == []


# --- The choice after sign-in, the banner ---------------------------------------------------------


def test_a_representative_is_asked_whom_they_act_for_and_sees_the_banner(payee, payee_account, pensioner):
    claim = claim_of(pensioner)
    client = signed_in(payee_account)
    assert client.session[ACTING] == ASK
    response = client.get("/portal/")
    assert response.status_code == 302 and response["Location"] == "/portal/acting/?next=%2Fportal%2F"
    page = client.get(response["Location"]).content.decode()
    assert "Whom do you act for?" in page and "Myself" in page
    assert f"{pensioner.full_name}, as representative payee {payee.reference} (Benefit claim, Grievance)" in page

    response = client.post("/portal/acting/", {"whom": f"payee:{payee.reference}", "next": "/portal/"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    home = client.get("/portal/")
    assert banner(home) == pensioner.full_name
    assert claim.reference in home.content.decode()
    # Every page shows it.
    for url in ("/portal/file/", f"/portal/cases/{claim.reference}/", "/portal/acting/"):
        assert banner(client.get(url)) == pensioner.full_name, url
    chose = AuditEvent.objects.get(action="portal_account.acting_for")
    assert chose.payload == {"mandate": f"payee:{payee.reference}", "person": pensioner.pk}


def test_switching_back_to_oneself(payee, payee_account, pensioner):
    claim = claim_of(pensioner)
    client = acting_client(payee_account, f"payee:{payee.reference}")
    response = client.post("/portal/acting/", {"whom": "self"})
    assert response.status_code == 302
    home = client.get("/portal/")
    assert banner(home) is None and claim.reference not in home.content.decode()
    assert 'href="/portal/acting/"' in home.content.decode()  # they may switch again
    assert client.get(f"/portal/cases/{claim.reference}/").status_code == 404
    event = AuditEvent.objects.get(action="portal_account.acting_for_self")
    assert event.actor_kind == ActorKind.REPRESENTATIVE  # who switched back: the payee, as representative


def test_a_person_with_nobody_to_act_for_is_not_asked(person_account):
    client = signed_in(person_account)
    assert client.session[ACTING] == NOBODY
    home = client.get("/portal/")
    assert home.status_code == 200 and banner(home) is None
    assert 'href="/portal/acting/"' not in home.content.decode()
    page = client.get("/portal/acting/").content.decode()
    assert "Myself" in page and "representative payee" not in page


def test_a_mandate_not_theirs_cannot_be_chosen(payee, power, payee_account):
    client = signed_in(payee_account)
    response = client.post("/portal/acting/", {"whom": f"attorney:{power.reference}"})
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert client.session[ACTING] == ASK


# --- The audit trail records both ------------------------------------------------------------------


def test_filing_for_the_pensioner_records_the_representative_and_the_person(payee, payee_account, pensioner):
    client = acting_client(payee_account, f"payee:{payee.reference}")
    response = client.post("/portal/file/grievance/", {"title": "Late pension", "description": "It came late."})
    assert response.status_code == 302
    case = Grievance.objects.get(person=pensioner)
    created = AuditEvent.objects.get(subject_type="case", subject_id=str(case.pk), action="grievance.created")
    assert created.actor_kind == ActorKind.REPRESENTATIVE
    assert created.actor_identity == f"person:{payee_account.person.pk}"
    assert created.acting_for == f"person:{pensioner.pk} payee:{payee.reference}"
    assert created.actor_id == payee_account.user.pk
    receipt = Receipt.objects.get(case=case)
    assert receipt.person == pensioner and receipt.actor == payee_account.user
    assert response["Location"] == f"/portal/receipts/{receipt.code}/"
    assert client.get(response["Location"]).status_code == 200

    # The representative reads their own action as such; the pensioner reads it as their representative's.
    page = client.get(f"/portal/cases/{case.reference}/").content.decode()
    assert "You, as representative" in page
    own = signed_in(open_account(pensioner)).get(f"/portal/cases/{case.reference}/").content.decode()
    assert "Your representative" in own and "You, as representative" not in own


# --- The mandate's scope -------------------------------------------------------------------------------


def test_only_the_kinds_of_request_in_the_scope(power, attorney_account, grantor):
    claim, grievance = claim_of(grantor), grievance_of(grantor)
    client = acting_client(attorney_account, f"attorney:{power.reference}")
    home = client.get("/portal/").content.decode()
    assert grievance.reference in home and claim.reference not in home
    index = client.get("/portal/file/").content.decode()
    assert "/portal/file/grievance/" in index and "/portal/file/benefit_claim/" not in index
    assert client.get("/portal/file/benefit_claim/").status_code == 404
    assert client.get("/portal/file/power_of_attorney/").status_code == 404
    assert client.get(f"/portal/cases/{claim.reference}/").status_code == 404
    assert client.get(f"/portal/cases/{power.reference}/").status_code == 404
    assert client.get(f"/portal/cases/{grievance.reference}/").status_code == 200
    before = Case.objects.count()
    response = client.post(
        "/portal/file/benefit_claim/",
        {"benefit_type": BenefitType.MARRIAGE, "event_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404 and Case.objects.count() == before


def test_the_payees_scope_is_claims_and_grievances(payee, payee_account, pensioner):
    client = acting_client(payee_account, f"payee:{payee.reference}")
    index = client.get("/portal/file/").content.decode()
    filed = set(re.findall(r'href="/portal/file/(\w+)/', index))
    assert filed == set(PAYEE_SCOPE)
    # The pensioner's payee request itself is outside it.
    assert client.get(f"/portal/cases/{payee.reference}/").status_code == 404


# --- A mandate ended or revoked takes effect at the next request ----------------------------------------


def assert_lapsed(client, claim_reference):
    response = client.get("/portal/", follow=True)
    assert response.redirect_chain == [("/portal/acting/", 302)]
    body = response.content.decode()
    assert "You can no longer act for this person" in body and banner(response) is None
    assert client.get(f"/portal/cases/{claim_reference}/").status_code == 404
    home = client.get("/portal/")
    assert home.status_code == 200 and banner(home) is None


def test_a_power_revoked_by_the_grantor_in_the_portal_ends_at_the_next_request(power, attorney_account, grantor):
    grievance = grievance_of(grantor)
    client = acting_client(attorney_account, f"attorney:{power.reference}")
    assert client.get(f"/portal/cases/{grievance.reference}/").status_code == 200

    own = signed_in(open_account(grantor))
    page = own.get(f"/portal/cases/{power.reference}/").content.decode()
    assert "Revoke this power of attorney" in page
    response = own.post(f"/portal/cases/{power.reference}/revoke/", {"reason": "I manage alone again."})
    receipt = Receipt.objects.get(case=power, kind=Receipt.Kind.REVOKED)
    assert response["Location"] == f"/portal/receipts/{receipt.code}/"
    assert receipt.person == grantor
    event = AuditEvent.objects.get(subject_id=str(power.pk), subject_type="case", action="power_of_attorney.revoke")
    assert (event.actor_kind, event.actor_identity) == (ActorKind.PERSON, f"person:{grantor.pk}")

    assert_lapsed(client, grievance.reference)


def test_the_attorney_cannot_revoke_it_and_it_needs_a_reason(power, attorney_account, grantor):
    own = signed_in(open_account(grantor))
    response = own.post(f"/portal/cases/{power.reference}/revoke/", {"reason": ""})
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    client = acting_client(attorney_account, f"attorney:{power.reference}")
    assert client.post(f"/portal/cases/{power.reference}/revoke/", {"reason": "x"}).status_code == 404
    assert power.__class__.objects.get(pk=power.pk).state == "approved"


def test_a_power_past_its_end_date_ends_at_the_next_request(grantor, attorney_account, team, fixed_clock):
    # Its last day, late in the evening; the next request comes after midnight (the session still open).
    today = timezone.localdate()
    fixed_clock.move_to(timezone.make_aware(dt.datetime.combine(today, dt.time(23, 50))))
    power = power_in_force(grantor, attorney_account.person, team, days=0)
    grievance = grievance_of(grantor)
    client = acting_client(attorney_account, f"attorney:{power.reference}")
    assert banner(client.get("/portal/")) == grantor.full_name
    fixed_clock.move_to(timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 5))))
    assert_lapsed(client, grievance.reference)


def test_a_payee_suspended_or_revoked_by_staff_ends_at_the_next_request(payee, payee_account, pensioner, team):
    claim = claim_of(pensioner)
    client = acting_client(payee_account, f"payee:{payee.reference}")
    payees.payee_suspend(case_id=payee.pk, actor=team["operator"], reason="Complaint under review.")
    assert_lapsed(client, claim.reference)
    payees.payee_resume(case_id=payee.pk, actor=team["supervisor"])
    client = acting_client(payee_account, f"payee:{payee.reference}")
    assert banner(client.get("/portal/")) == pensioner.full_name
    payees.payee_revoke(case_id=payee.pk, actor=team["supervisor"], reason="Manages alone.")
    assert_lapsed(client, claim.reference)


# --- Query counts ----------------------------------------------------------------------------------------


def test_my_page_while_acting_reads_a_fixed_number_of_queries(
    payee, payee_account, pensioner, django_assert_num_queries
):
    for _ in range(2):
        grievance_of(pensioner)
    client = acting_client(payee_account, f"payee:{payee.reference}")
    # session, user, the agent (through the account), the mandate checked for today (with the
    # person represented), cases, notifications, payments, the header's count of unread notifications
    with django_assert_num_queries(8):
        assert client.get("/portal/").status_code == 200
    claim_of(pensioner)
    for _ in range(4):
        grievance_of(pensioner)
    with django_assert_num_queries(8):
        assert client.get("/portal/").status_code == 200
