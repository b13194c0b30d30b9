"""Every service names its actor, and the audit trail records the actor's kind and identity: a
staff member, the person concerned, an employer, a representative acting for a person, or a job."""

import datetime as dt

import pytest

from audit.actors import Actor, ActorMissing
from audit.models import AuditEvent
from audit.verify import verify_all
from cases import payments, services, waivers
from cases.errors import NotAuthorized
from cases.models import BenefitClaim, BenefitType, Case
from tests.conftest import make_insured
from tests.support import audit_triggers_off, fresh_event_day

pytestmark = pytest.mark.django_db
MARRIAGE_DAY = dt.date(2024, 12, 1)


def events(case):
    return list(AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk)).order_by("seq"))


def file(person, actor):
    return services.claim_file(
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(person, BenefitType.MARRIAGE, MARRIAGE_DAY),
        actor=actor,
    )


def test_a_person_filing_online_is_recorded_as_the_person(org, insured):
    claim = file(insured, Actor.person(insured))
    first = events(claim)[0]
    assert (first.actor_kind, first.actor_identity, first.actor_id, first.acting_for) == (
        "person",
        f"person:{insured.pk}",
        None,
        None,
    )
    assert first.payload["channel"] == "portal"


def test_a_staff_member_at_a_counter_is_recorded_as_staff(org, team, insured):
    claim = services.claim_file(
        person=insured,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(insured, BenefitType.MARRIAGE, MARRIAGE_DAY),
        actor=team["operator"],
        channel="counter",
    )
    first = events(claim)[0]
    assert (first.actor_kind, first.actor_id, first.actor_label) == ("staff", team["operator"].pk, "op_na")


def test_a_representative_is_recorded_with_whom_they_act_for(org, insured):
    agent = make_insured(org.north_a)
    claim = file(insured, Actor.representative(agent, insured, "payee:RP-2026-TEST"))
    withdrawn = services.claim_withdraw(
        case_id=claim.pk, actor=Actor.representative(agent, insured, "payee:RP-2026-TEST"), reason="Not needed."
    )
    (last,) = [e for e in events(withdrawn) if e.action == "benefit_claim.withdraw"]
    assert (last.action, last.actor_kind, last.actor_identity, last.acting_for) == (
        "benefit_claim.withdraw",
        "representative",
        f"person:{agent.pk}",
        f"person:{insured.pk} payee:RP-2026-TEST",
    )


def test_the_payment_run_is_recorded_by_its_name(org, team, insured):
    claim = file(insured, Actor.person(insured))
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)
    # The approval paid the first instalment already; the run pays what falls due later.
    paid, _closed, refused = payments.pay_due_claims(on=dt.date(2100, 1, 1))
    assert not refused
    claim = BenefitClaim.objects.get(pk=claim.pk)
    by_job = [e for e in events(claim) if e.actor_kind == "system"]
    assert by_job and all(e.actor_identity == "job:payment run" and e.actor_label == "system" for e in by_job)


def test_an_employer_files_for_itself_only(org, insured):
    from registry.models import Employer

    employer = Employer.objects.create(registration_number="EMP-T1", name="Test Ltd", branch=org.north_a)
    other = Employer.objects.create(registration_number="EMP-T2", name="Other Ltd", branch=org.north_a)
    with pytest.raises(NotAuthorized):
        waivers.waiver_file(
            employer=employer,
            period_from=dt.date(2024, 1, 1),
            period_to=dt.date(2024, 1, 1),
            grounds="Flood.",
            actor=Actor.employer(other),
        )


def test_nobody_acts_on_another_persons_case(org, insured):
    claim = file(insured, Actor.person(insured))
    stranger = make_insured(org.north_a)
    before = len(events(claim))
    with pytest.raises(NotAuthorized):
        services.claim_withdraw(case_id=claim.pk, actor=Actor.person(stranger), reason="Not mine.")
    with pytest.raises(NotAuthorized):
        file(insured, Actor.person(stranger))
    with pytest.raises(NotAuthorized):  # the payment run is the office's, never the person's
        services.claim_pay_due(case_id=claim.pk, actor=Actor.person(insured))
    assert len(events(claim)) == before
    assert Case.objects.count() == 1


def test_a_service_refuses_to_guess_its_actor(org, insured):
    with pytest.raises(ActorMissing):
        file(insured, None)
    assert not Case.objects.exists()


def test_the_actors_kind_is_under_the_hash(org, insured):
    claim = file(insured, Actor.person(insured))
    assert verify_all().ok
    first = events(claim)[0]
    with audit_triggers_off():
        AuditEvent.objects.filter(pk=first.pk).update(actor_kind="staff")
    result = verify_all()
    assert not result.ok
    assert str(claim.pk) in str(result.problems[0])
