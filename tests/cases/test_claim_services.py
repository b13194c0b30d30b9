"""The claim services: every way a claim moves, and every way a move is refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from audit.actors import Actor
from audit.models import AuditEvent
from cases import engine, services
from cases.errors import CaseTransitionError, Conflict, FourEyesViolation, InvalidInput, NotAuthorized
from cases.models import BenefitClaim, BenefitType, CaseComment, CaseDocument, ClaimState, Notification
from registry.models import BankAccount, Payment, PaymentSchedule
from tests.conftest import make_insured
from tests.support import fresh_event_day, person_actor
from workflows import routing

pytestmark = pytest.mark.django_db

MARRIAGE_DATE = dt.date(2024, 12, 1)


def reload(claim):
    return BenefitClaim.objects.get(pk=claim.pk)


def actions(claim):
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def last_event(claim):
    return AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).order_by("-seq").first()


def tasks(claim):
    return list(Task.objects.filter(process_id=claim.process_id).order_by("id"))


def marriage_claim(person):
    return services.claim_file(
        actor=Actor.person(person),
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(person, BenefitType.MARRIAGE, MARRIAGE_DATE),
    )


@pytest.fixture
def claim(insured):
    return marriage_claim(insured)


@pytest.fixture
def reviewing(claim, team):
    """A claim whose review task the operator holds."""
    services.task_take(case_id=claim.pk, actor=team["operator"])
    return reload(claim)


@pytest.fixture
def recommended(reviewing, team):
    services.claim_recommend(case_id=reviewing.pk, actor=team["operator"], approve=True)
    return reload(reviewing)


@pytest.fixture
def rejected(reviewing, team):
    services.claim_recommend(case_id=reviewing.pk, actor=team["operator"], approve=False, note="No certificate.")
    services.claim_decide(case_id=reviewing.pk, actor=team["supervisor"], approve=False, note="Not proven.")
    return reload(reviewing)


def assert_invalid(exc_info, field):
    assert exc_info.value.status == 422
    assert exc_info.value.code == "invalid"
    assert exc_info.value.field == field
    assert exc_info.value.as_dict()["field"] == field


def assert_invalid_transition(exc_info):
    assert isinstance(exc_info.value, CaseTransitionError)
    assert exc_info.value.status == 409
    assert exc_info.value.code == "invalid_transition"
    assert exc_info.value.message


# --- Filing and taking ------------------------------------------------------------------------


def test_filing_puts_the_claim_in_its_branch_queue(claim, org):
    assert claim.state == ClaimState.SUBMITTED
    assert claim.owning_unit == org.north_a
    assert claim.due_date == timezone.localdate() + dt.timedelta(days=30)
    (task,) = tasks(claim)
    assert (task.flow_task.name, task.status, task.owner_id) == ("review", STATUS.NEW, None)
    assert task.owner_permission_obj_pk == str(org.north_a.pk)
    assert actions(claim) == ["benefit_claim.created", "benefit_claim.submit", "task.created"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"benefit_type": "lottery"}, "benefit_type"),
        ({"event_date": None}, "event_date"),
        ({"benefit_type": BenefitType.FUNERAL}, "deceased"),
        ({"benefit_type": BenefitType.SURVIVORS}, "deceased"),
        ({"benefit_type": BenefitType.SICKNESS}, "sick_days"),
        ({"event_date": dt.date(1999, 6, 1)}, "event_date"),  # before any rules are in force
    ],
)
def test_filing_refuses_invalid_input(insured, kwargs, field):
    values = {"person": insured, "benefit_type": BenefitType.MARRIAGE, "event_date": MARRIAGE_DATE, **kwargs}
    values["actor"] = Actor.person(insured)
    with pytest.raises(InvalidInput) as caught:
        services.claim_file(**values)
    assert_invalid(caught, field)
    assert not BenefitClaim.objects.exists()


def test_taking_starts_the_review(claim, team):
    services.task_take(case_id=claim.pk, actor=team["operator"])
    claim = reload(claim)
    assert claim.state == ClaimState.IN_REVIEW
    (task,) = tasks(claim)
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, team["operator"].pk)
    assert actions(claim)[-2:] == ["task.assigned", "benefit_claim.start_review"]


def test_taking_a_task_already_taken_is_a_conflict(reviewing, team):
    before = actions(reviewing)
    with pytest.raises(Conflict) as caught:
        services.task_take(case_id=reviewing.pk, actor=team["operator2"])
    assert caught.value.status == 409
    (task,) = tasks(reviewing)
    assert task.owner_id == team["operator"].pk
    assert actions(reviewing) == before


def test_working_on_a_task_one_does_not_own_is_a_conflict(reviewing, team):
    colleague = team["operator2"]
    for call in (
        lambda: services.claim_request_info(case_id=reviewing.pk, actor=colleague, question="Certificate?"),
        lambda: services.claim_recommend(case_id=reviewing.pk, actor=colleague, approve=True),
    ):
        with pytest.raises(Conflict) as caught:
            call()
        assert caught.value.status == 409
        assert not isinstance(caught.value, CaseTransitionError)
    assert reload(reviewing).state == ClaimState.IN_REVIEW


def test_a_released_task_can_be_taken_by_a_colleague(reviewing, team):
    services.task_release(case_id=reviewing.pk, actor=team["operator"])
    services.task_take(case_id=reviewing.pk, actor=team["operator2"])
    services.claim_recommend(case_id=reviewing.pk, actor=team["operator2"], approve=True)
    assert reload(reviewing).state == ClaimState.RECOMMENDED


# --- Requesting information -----------------------------------------------------------------


def test_request_information_and_wait(reviewing, team):
    services.claim_request_info(case_id=reviewing.pk, actor=team["operator"], question="  Send the certificate.  ")
    claim = reload(reviewing)
    assert claim.state == ClaimState.AWAITING_INFO
    assert claim.info_request == "Send the certificate."
    assert claim.info_due_date == timezone.localdate() + dt.timedelta(days=15)
    event = last_event(claim)
    assert (event.action, event.from_state, event.to_state) == (
        "benefit_claim.request_info",
        "in_review",
        "awaiting_info",
    )
    assert event.payload["question"] == "Send the certificate."
    assert Notification.objects.get(case=claim, channel="email").body == "Send the certificate."
    # The review task stays with its owner while the claim waits.
    (task,) = tasks(claim)
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, team["operator"].pk)

    services.claim_receive_info(actor=person_actor(claim.pk), case_id=claim.pk, answer="  Certificate attached.\n")
    claim = reload(claim)
    assert claim.state == ClaimState.IN_REVIEW
    assert claim.info_due_date is None
    # The answer is kept as every type keeps it: without surrounding blanks.
    assert CaseComment.objects.get(case=claim).text == "Certificate attached."
    assert last_event(claim).payload["answer"] == "Certificate attached."
    event = last_event(claim)
    assert (event.action, event.actor_id, event.from_state, event.to_state) == (
        "benefit_claim.receive_info",
        None,
        "awaiting_info",
        "in_review",
    )

    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    assert reload(claim).state == ClaimState.RECOMMENDED


def test_request_information_needs_a_question(reviewing, team):
    for question in ("", "   ", None):
        with pytest.raises(InvalidInput) as caught:
            services.claim_request_info(case_id=reviewing.pk, actor=team["operator"], question=question)
        assert_invalid(caught, "question")
    assert reload(reviewing).state == ClaimState.IN_REVIEW


def test_information_requested_twice_or_received_unasked_is_refused(reviewing, team):
    with pytest.raises(CaseTransitionError) as caught:
        services.claim_receive_info(actor=person_actor(reviewing.pk), case_id=reviewing.pk, answer="Unasked.")
    assert_invalid_transition(caught)
    services.claim_request_info(case_id=reviewing.pk, actor=team["operator"], question="Certificate?")
    with pytest.raises(CaseTransitionError) as caught:
        services.claim_request_info(case_id=reviewing.pk, actor=team["operator"], question="Again?")
    assert_invalid_transition(caught)
    # Nor can a waiting claim be recommended.
    with pytest.raises(CaseTransitionError):
        services.claim_recommend(case_id=reviewing.pk, actor=team["operator"], approve=True)
    assert reload(reviewing).state == ClaimState.AWAITING_INFO


# --- Recommendation input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "-100"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "1e20", "note": "Large."}, "amount"),
        ({"amount": "1100.00"}, "note"),
        ({"amount": "1100.00", "note": "   "}, "note"),
    ],
)
def test_recommend_approval_refuses_invalid_amounts(reviewing, team, kwargs, field):
    with pytest.raises(InvalidInput) as caught:
        services.claim_recommend(case_id=reviewing.pk, actor=team["operator"], approve=True, **kwargs)
    assert_invalid(caught, field)
    claim = reload(reviewing)
    assert claim.state == ClaimState.IN_REVIEW and claim.recommended_amount is None


def test_recommend_a_different_amount_with_a_note(reviewing, team):
    services.claim_recommend(
        case_id=reviewing.pk, actor=team["operator"], approve=True, amount="1100.005", note="Partial month."
    )
    claim = reload(reviewing)
    assert claim.recommended_amount == Decimal("1100.01")
    assert claim.recommendation_note == "Partial month."
    assert last_event(claim).action == "task.created"
    recommend = AuditEvent.objects.get(subject_id=str(claim.pk), action="benefit_claim.recommend")
    assert recommend.payload["amount"] == "1100.01"


def test_recommend_rejection_needs_a_reason(reviewing, team):
    with pytest.raises(InvalidInput) as caught:
        services.claim_recommend(case_id=reviewing.pk, actor=team["operator"], approve=False)
    assert_invalid(caught, "note")


def test_ineligible_claim_can_be_recommended_for_rejection_but_not_approval(org, team):
    person = make_insured(org.north_a, months=12)  # 360 days: the marriage grant needs 720
    claim = marriage_claim(person)
    assert claim.assessment["eligible"] is False
    services.task_take(case_id=claim.pk, actor=team["operator"])
    for kwargs in ({}, {"amount": "1200.00"}, {"amount": "1200.00", "note": "Approve anyway."}):
        with pytest.raises(InvalidInput) as caught:
            services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True, **kwargs)
        assert_invalid(caught, "amount")
        assert "720" in caught.value.message
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=False, note="Too few contribution days.")
    claim = reload(claim)
    assert (claim.state, claim.recommendation) == (ClaimState.RECOMMENDED, "reject")
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=False, note="Too few contribution days.")
    assert reload(claim).state == ClaimState.REJECTED
    assert not PaymentSchedule.objects.filter(case_reference=claim.reference).exists()


# --- Decision, four eyes, wrong states ------------------------------------------------------


def test_the_recommender_cannot_decide(recommended, team):
    supervisor = team["supervisor"]
    claim = marriage_claim(recommended.person)
    services.task_take(case_id=claim.pk, actor=supervisor)
    services.claim_recommend(case_id=claim.pk, actor=supervisor, approve=True)
    with pytest.raises(FourEyesViolation) as caught:
        services.claim_decide(case_id=claim.pk, actor=supervisor, approve=True)
    assert caught.value.status == 403 and caught.value.code == "four_eyes"
    services.claim_decide(case_id=claim.pk, actor=team["supervisor2"], approve=True)
    assert reload(claim).state == ClaimState.IN_PAYMENT


def test_rejection_needs_a_reason(recommended, team):
    with pytest.raises(InvalidInput) as caught:
        services.claim_decide(case_id=recommended.pk, actor=team["supervisor"], approve=False, note=" ")
    assert_invalid(caught, "note")
    assert reload(recommended).state == ClaimState.RECOMMENDED


def test_a_decision_taken_by_someone_else_is_a_conflict(recommended, team):
    services.task_take(case_id=recommended.pk, actor=team["supervisor"])
    with pytest.raises(Conflict) as caught:
        services.claim_decide(case_id=recommended.pk, actor=team["supervisor2"], approve=True)
    assert caught.value.status == 409
    assert reload(recommended).state == ClaimState.RECOMMENDED


@pytest.mark.parametrize("state", ["submitted", "in_review"])
def test_actions_in_the_wrong_state_are_invalid_transitions(claim, team, state):
    if state == "in_review":
        services.task_take(case_id=claim.pk, actor=team["operator"])
    before = actions(claim)
    for call in (
        lambda: services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True),
        lambda: services.claim_pay_due(case_id=claim.pk),
        lambda: services.claim_appeal(actor=person_actor(claim.pk), case_id=claim.pk, grounds="I disagree."),
        lambda: services.claim_receive_info(actor=person_actor(claim.pk), case_id=claim.pk, answer="Here."),
    ):
        with pytest.raises(CaseTransitionError) as caught:
            call()
        assert_invalid_transition(caught)
    assert reload(claim).state == state
    assert actions(claim) == before


# --- Withdrawal -----------------------------------------------------------------------------


def test_withdraw_before_a_decision(recommended, team):
    services.claim_withdraw(actor=person_actor(recommended.pk), case_id=recommended.pk, reason="Changed my mind.")
    claim = reload(recommended)
    assert claim.state == ClaimState.WITHDRAWN
    review, decide = tasks(claim)
    assert review.status == STATUS.DONE
    assert decide.status == STATUS.CANCELED and decide.finished is not None
    assert Process.objects.get(pk=claim.process_id).status == PROCESS.DONE
    assert actions(claim)[-2:] == ["benefit_claim.withdraw", "task.cancelled"]
    assert last_event(claim).payload == {"task": decide.pk, "node": "decide", "reason": "withdrawn"}
    assert routing.open_task(claim) is None
    with pytest.raises(CaseTransitionError):
        services.task_take(case_id=claim.pk, actor=team["supervisor"])


def test_withdraw_while_waiting_for_information(reviewing, team):
    services.claim_request_info(case_id=reviewing.pk, actor=team["operator"], question="Certificate?")
    services.claim_withdraw(case_id=reviewing.pk, actor=team["operator"], reason="Asked at the counter.")
    claim = reload(reviewing)
    assert claim.state == ClaimState.WITHDRAWN
    assert [t.status for t in tasks(claim)] == [STATUS.CANCELED]
    assert last_event(claim).actor == team["operator"]


@pytest.mark.parametrize("decision", ["approved", "rejected"])
def test_withdraw_after_a_decision_is_refused(recommended, team, decision):
    approve = decision == "approved"
    services.claim_decide(case_id=recommended.pk, actor=team["supervisor"], approve=approve, note="Decided.")
    state = reload(recommended).state
    with pytest.raises(CaseTransitionError) as caught:
        services.claim_withdraw(actor=person_actor(recommended.pk), case_id=recommended.pk, reason="Too late.")
    assert_invalid_transition(caught)
    assert reload(recommended).state == state


# --- Rejection and appeal -----------------------------------------------------------------------


def test_reject_then_appeal_back_to_the_queue_under_four_eyes(rejected, team, org):
    assert rejected.state == ClaimState.REJECTED and rejected.decided_by == team["supervisor"]
    with pytest.raises(InvalidInput) as caught:
        services.claim_appeal(actor=person_actor(rejected.pk), case_id=rejected.pk, grounds="  ")
    assert_invalid(caught, "grounds")

    services.claim_appeal(
        actor=person_actor(rejected.pk), case_id=rejected.pk, grounds="I was married in this country."
    )
    claim = reload(rejected)
    assert claim.state == ClaimState.IN_REVIEW
    assert claim.previous_decider == team["supervisor"]
    assert claim.decided_by is None and claim.recommendation == "" and claim.recommended_amount is None
    task = routing.open_task(claim)
    assert (task.flow_task.name, task.status, task.owner_id) == ("review", STATUS.NEW, None)
    assert task.owner_permission_obj_pk == str(org.north_a.pk)
    assert actions(claim)[-2:] == ["benefit_claim.appeal", "task.created"]

    services.task_take(case_id=claim.pk, actor=team["operator2"])
    services.claim_recommend(case_id=claim.pk, actor=team["operator2"], approve=True)
    with pytest.raises(FourEyesViolation):
        services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)
    services.claim_decide(case_id=claim.pk, actor=team["supervisor2"], approve=True)
    claim = reload(claim)
    assert claim.state == ClaimState.IN_PAYMENT and claim.decided_by == team["supervisor2"]


def test_appeal_only_after_a_rejection(recommended, team):
    services.claim_decide(case_id=recommended.pk, actor=team["supervisor"], approve=True)
    with pytest.raises(CaseTransitionError) as caught:
        services.claim_appeal(actor=person_actor(recommended.pk), case_id=recommended.pk, grounds="More money.")
    assert_invalid_transition(caught)


# --- Comments and documents -----------------------------------------------------------------


def test_comments_are_added_with_an_audit_event(claim, team):
    before = len(actions(claim))
    comment = services.case_comment_add(case_id=claim.pk, actor=team["operator"], text=" Called the claimant. ")
    assert (comment.text, comment.author) == ("Called the claimant.", team["operator"])
    event = last_event(claim)
    assert (event.action, event.actor, event.payload) == (
        "comment.added",
        team["operator"],
        {"comment": comment.pk, "text": "Called the claimant."},
    )
    assert len(actions(claim)) == before + 1
    assert reload(claim).state == ClaimState.SUBMITTED
    with pytest.raises(InvalidInput) as caught:
        services.case_comment_add(case_id=claim.pk, actor=team["operator"], text="  ")
    assert_invalid(caught, "text")
    assert CaseComment.objects.filter(case=claim).count() == 1


def test_documents_are_added_with_an_audit_event(claim, team):
    content = b"%PDF-1.4 marriage certificate"
    upload = SimpleUploadedFile("certificate.pdf", content, content_type="application/pdf")
    document = services.case_document_add(case_id=claim.pk, actor=team["operator"], title="", uploaded_file=upload)
    assert document.title == "certificate.pdf"
    assert document.sha256 == CaseDocument.digest(content)
    with document.file.open("rb") as stored:
        assert stored.read() == content
    event = last_event(claim)
    assert event.action == "document.added"
    assert event.payload == {"document": document.pk, "title": "certificate.pdf", "sha256": document.sha256}
    with pytest.raises(InvalidInput) as caught:
        services.case_document_add(case_id=claim.pk, actor=team["operator"], title="Nothing", uploaded_file=None)
    assert_invalid(caught, "file")
    big = SimpleUploadedFile("big.pdf", b"x" * (engine.MAX_DOCUMENT_BYTES + 1))
    with pytest.raises(InvalidInput):
        services.case_document_add(case_id=claim.pk, actor=team["operator"], title="Big", uploaded_file=big)
    assert CaseDocument.objects.filter(case=claim).count() == 1


# --- Payment ------------------------------------------------------------------------------------


def test_multi_instalment_pension_closes_only_after_the_last_instalment(org, team):
    person = make_insured(
        org.north_a, start=dt.date(2000, 1, 1), months=180, wage=Decimal("1500.00"), birth_date=dt.date(1955, 1, 1)
    )
    claim = services.claim_file(
        actor=Actor.person(person), person=person, benefit_type=BenefitType.OLD_AGE, event_date=dt.date(2024, 1, 1)
    )
    assert claim.assessment["eligible"] is True
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)
    claim = reload(claim)
    assert claim.approved_amount == Decimal("337.50")  # 0.015 x 15 years x 1500
    assert claim.recommended_instalments == 12
    schedule = PaymentSchedule.objects.get(case_reference=claim.reference)
    assert schedule.total == Decimal("4050.00")
    dues = list(schedule.payments.values_list("due_date", flat=True))
    assert len(dues) == 12 and dues == sorted(dues)

    paid, completed = services.claim_pay_due(case_id=claim.pk, on=dues[0])
    assert (len(paid), completed) == (1, False)
    assert reload(claim).state == ClaimState.IN_PAYMENT
    event = last_event(claim)
    assert event.action == "benefit_claim.paid" and event.payload["amount"] == "337.50"

    # Nothing more is due on the same day: no payment, no event.
    before = actions(claim)
    assert services.claim_pay_due(case_id=claim.pk, on=dues[0]) == ([], False)
    assert actions(claim) == before

    paid, completed = services.claim_pay_due(case_id=claim.pk, on=dues[10])
    assert (len(paid), completed) == (10, False)
    assert reload(claim).state == ClaimState.IN_PAYMENT
    assert Process.objects.get(pk=claim.process_id).status == PROCESS.NEW

    paid, completed = services.claim_pay_due(case_id=claim.pk, on=dues[11])
    assert (len(paid), completed) == (1, True)
    claim = reload(claim)
    assert claim.state == ClaimState.CLOSED
    assert Process.objects.get(pk=claim.process_id).status == PROCESS.DONE
    assert not schedule.payments.filter(status=Payment.Status.DUE).exists()
    assert set(schedule.payments.values_list("iban", flat=True)) == {f"XX00SOC{person.ssn}"}
    assert actions(claim)[-2:] == ["benefit_claim.paid", "benefit_claim.close"]
    with pytest.raises(CaseTransitionError):
        services.claim_pay_due(case_id=claim.pk)


def test_payment_waits_for_a_verified_bank_account(org, team):
    person = make_insured(org.north_a)
    BankAccount.objects.filter(person=person).update(verified=False)
    claim = marriage_claim(person)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)
    before = actions(claim)
    assert services.claim_pay_due(case_id=claim.pk) == ([], False)
    assert reload(claim).state == ClaimState.IN_PAYMENT and actions(claim) == before
    BankAccount.objects.filter(person=person).update(verified=True)
    paid, completed = services.claim_pay_due(case_id=claim.pk)
    assert completed and len(paid) == 1
    assert reload(claim).state == ClaimState.CLOSED


def test_only_finance_pays_by_hand(recommended, team):
    services.claim_decide(case_id=recommended.pk, actor=team["supervisor"], approve=True)
    with pytest.raises(NotAuthorized):
        services.claim_pay_due(case_id=recommended.pk, actor=team["operator"])
    paid, completed = services.claim_pay_due(case_id=recommended.pk, actor=team["finance"])
    assert completed and last_event(recommended).actor == team["finance"]


def test_a_refused_transition_is_named_in_the_readers_language(reviewing, team):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(CaseTransitionError) as caught:
        services.claim_receive_info(actor=person_actor(reviewing.pk), case_id=reviewing.pk, answer="Unasked.")
    message = str(caught.value.message)
    assert message.startswith("Informations reçues est impossible : le dossier est ")


def test_a_second_claim_for_the_same_event_is_refused_with_the_firsts_reference(insured):
    first = services.claim_file(
        actor=Actor.person(insured), person=insured, benefit_type=BenefitType.MARRIAGE, event_date=MARRIAGE_DATE
    )
    with pytest.raises(InvalidInput) as refused:
        services.claim_file(
            actor=Actor.person(insured), person=insured, benefit_type=BenefitType.MARRIAGE, event_date=MARRIAGE_DATE
        )
    assert first.reference in refused.value.message and refused.value.field == "benefit_type"
    assert BenefitClaim.objects.filter(person=insured).count() == 1
    # Withdrawn, it no longer stands in the way.
    services.claim_withdraw(case_id=first.pk, actor=Actor.person(insured), reason="Filed too early.")
    again = services.claim_file(
        actor=Actor.person(insured), person=insured, benefit_type=BenefitType.MARRIAGE, event_date=MARRIAGE_DATE
    )
    assert again.reference != first.reference


def test_the_precheck_finds_what_the_filed_claims_assessment_records(insured):
    from cases.claims import claim_precheck

    before = (BenefitClaim.objects.count(), AuditEvent.objects.count())
    found = claim_precheck(person=insured, benefit_type=BenefitType.MARRIAGE, event_date=MARRIAGE_DATE)
    assert (BenefitClaim.objects.count(), AuditEvent.objects.count()) == before  # nothing filed or recorded
    claim = services.claim_file(
        actor=Actor.person(insured), person=insured, benefit_type=BenefitType.MARRIAGE, event_date=MARRIAGE_DATE
    )
    assert claim.assessment["eligible"] == found.eligible
    assert claim.assessment["total"] == str(found.total)
    assert claim.assessment["reason"] == str(found.reason)
    with pytest.raises(InvalidInput):
        claim_precheck(person=insured, benefit_type=BenefitType.SICKNESS, event_date=MARRIAGE_DATE)
