"""The refund services: every refusal, escalation above the branch's limit, and what may be refunded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from audit.actors import Actor
from audit.models import AuditEvent
from cases import engine, refunds
from cases.errors import CaseTransitionError, Conflict, FourEyesViolation, InvalidInput, NotAuthorized
from cases.models import ContributionRefund, Notification, RefundState
from registry import ledger
from registry.models import BankAccount, LedgerPosting
from roles.models import Role
from tests.conftest import make_insured
from tests.factories import EmployerFactory, add_contributions
from tests.support import person_actor

from .conftest import ASSESSED, FIRST, LAST, MONTHS, overpaid_person, pay

pytestmark = pytest.mark.django_db

REASON = "Contributions paid twice."


def reload(case):
    return ContributionRefund.objects.get(pk=case.pk)


def actions(case):
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def open_task(case):
    return Task.objects.get(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def refunded(**account):
    return sum(
        LedgerPosting.objects.filter(kind=LedgerPosting.Kind.REFUND, **account).values_list("amount", flat=True),
        Decimal("0.00"),
    )


def file(person, **kwargs):
    values = {"person": person, "period_from": FIRST, "period_to": LAST, "reason": REASON, **kwargs}
    values.setdefault("actor", Actor.employer(values["employer"]) if values.get("employer") else Actor.person(person))
    return refunds.refund_file(**values)


def reviewing(person, operator, **kwargs):
    case = file(person, **kwargs)
    engine.task_take(case_id=case.pk, actor=operator)
    return reload(case)


def recommended(person, operator, **kwargs):
    case = reviewing(person, operator)
    refunds.refund_recommend(case_id=case.pk, actor=operator, approve=True, **kwargs)
    return reload(case)


def assert_invalid(caught, field):
    assert caught.value.status == 422
    assert caught.value.code == "invalid"
    assert caught.value.field == field


def assert_conflict(caught):
    assert isinstance(caught.value, Conflict)
    assert caught.value.status == 409
    assert caught.value.message


# --- Filing --------------------------------------------------------------------------------------


def test_a_staff_member_files_at_the_counter_of_the_persons_branch(team, person):
    case = file(person, actor=team["operator"], requested_amount="550")
    assert case.requested_amount == Decimal("550.00")
    created = AuditEvent.objects.get(subject_id=str(case.pk), action="contribution_refund.created")
    assert created.actor_id == team["operator"].pk
    assert created.payload["requested_amount"] == "550.00"
    assert case.due_date == timezone.localdate() + dt.timedelta(days=30)


def test_a_staff_member_of_another_branch_cannot_file(team, person):
    with pytest.raises(NotAuthorized) as caught:
        file(person, actor=team["other_operator"])
    assert caught.value.status == 403
    assert not ContributionRefund.objects.exists()


def test_months_are_kept_as_their_first_day(person):
    case = file(person, period_from="2024-01-17", period_to=dt.date(2024, 6, 30))
    assert (case.period_from, case.period_to) == (FIRST, LAST)
    assert case.refundable_amount == Decimal("600.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"reason": None}, "reason"),
        ({"period_from": dt.date(2024, 6, 1), "period_to": dt.date(2024, 1, 1)}, "period_to"),
        ({"period_from": "January"}, "period_from"),
        ({"period_to": None}, "period_to"),
        ({"requested_amount": "abc"}, "requested_amount"),
        ({"requested_amount": "-5"}, "requested_amount"),
        ({"employer": "set below"}, "person"),
    ],
)
def test_filing_refuses_invalid_input(person, kwargs, field):
    if "employer" in kwargs:
        kwargs["employer"] = EmployerFactory(branch=person.branch)
    with pytest.raises(InvalidInput) as caught:
        file(person, **kwargs)
    assert_invalid(caught, field)
    assert not ContributionRefund.objects.exists()
    assert not AuditEvent.objects.filter(subject_type="case").exists()


def test_filing_for_nobody_is_refused():
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_file(period_from=FIRST, period_to=LAST, reason=REASON, actor=Actor.system("refund test"))
    assert_invalid(caught, "person")


# --- Review --------------------------------------------------------------------------------------


def test_working_on_a_refund_needs_its_task(team, person):
    case = file(person)
    with pytest.raises(Conflict) as caught:
        refunds.refund_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    assert_conflict(caught)
    with pytest.raises(Conflict) as caught:
        refunds.refund_request_info(case_id=case.pk, actor=team["operator"], question="Which months?")
    assert_conflict(caught)
    engine.task_take(case_id=case.pk, actor=team["operator"])
    with pytest.raises(Conflict) as caught:
        refunds.refund_recommend(case_id=case.pk, actor=team["operator2"], approve=True)
    assert_conflict(caught)
    assert reload(case).state == RefundState.IN_REVIEW


def test_staff_of_another_branch_cannot_take_or_recommend(team, person):
    case = file(person)
    with pytest.raises(NotAuthorized) as caught:
        engine.task_take(case_id=case.pk, actor=team["other_operator"])
    assert caught.value.status == 403
    engine.task_take(case_id=case.pk, actor=team["operator"])
    with pytest.raises(NotAuthorized):
        refunds.refund_recommend(case_id=case.pk, actor=team["other_operator"], approve=True)
    with pytest.raises(NotAuthorized):
        refunds.refund_receive_info(case_id=case.pk, actor=team["auditor"])
    assert reload(case).state == RefundState.IN_REVIEW


def test_information_requests_in_the_wrong_state_are_refused(team, person):
    case = reviewing(person, team["operator"])
    with pytest.raises(CaseTransitionError) as caught:
        refunds.refund_receive_info(actor=person_actor(case.pk), case_id=case.pk, answer="Nothing was asked.")
    assert_conflict(caught)
    refunds.refund_request_info(case_id=case.pk, actor=team["operator"], question="Which months?")
    with pytest.raises(CaseTransitionError) as caught:
        refunds.refund_request_info(case_id=case.pk, actor=team["operator"], question="Again?")
    assert_conflict(caught)
    with pytest.raises(CaseTransitionError) as caught:
        refunds.refund_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    assert_conflict(caught)
    assert reload(case).state == RefundState.AWAITING_INFO


def test_an_empty_question_is_refused(team, person):
    case = reviewing(person, team["operator"])
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_request_info(case_id=case.pk, actor=team["operator"], question=" ")
    assert_invalid(caught, "question")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"approve": True, "amount": "abc"}, "amount"),
        ({"approve": True, "amount": "0"}, "amount"),
        ({"approve": True, "amount": "600.01", "note": "A little more."}, "amount"),
        ({"approve": True, "amount": "500.00"}, "note"),
        ({"approve": False}, "note"),
    ],
)
def test_recommendation_refuses_invalid_input(team, person, kwargs, field):
    case = reviewing(person, team["operator"])
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_recommend(case_id=case.pk, actor=team["operator"], **kwargs)
    assert_invalid(caught, field)
    case = reload(case)
    assert case.state == RefundState.IN_REVIEW and case.recommended_amount is None
    assert open_task(case).flow_task.name == "review"


def test_a_lower_amount_with_a_note_is_recommended(team, person):
    case = recommended(person, team["operator"], amount="450", note="One month is disputed.")
    assert case.recommended_amount == Decimal("450.00")
    assert case.refundable_amount == Decimal("600.00")
    assert case.recommendation_note == "One month is disputed."


def test_no_overpayment_cannot_be_recommended_for_approval(org, team):
    exact = overpaid_person(org.north_a, ASSESSED)
    case = reviewing(exact, team["operator"])
    assert case.refundable_amount == Decimal("0.00")
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    assert_invalid(caught, "amount")
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_recommend(case_id=case.pk, actor=team["operator"], approve=True, amount="10", note="Goodwill.")
    assert_invalid(caught, "amount")
    refunds.refund_recommend(case_id=case.pk, actor=team["operator"], approve=False, note="Paid as assessed.")
    assert reload(case).state == RefundState.RECOMMENDED


def test_approval_needs_a_verified_bank_account(org, team):
    person = overpaid_person(org.north_a, "400.00")
    BankAccount.objects.filter(person=person).update(verified=False)
    case = reviewing(person, team["operator"])
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    assert_invalid(caught, "bank_account")


def test_an_account_unverified_after_the_recommendation_stops_the_approval(team, person):
    case = recommended(person, team["operator"])
    BankAccount.objects.filter(person=person).update(verified=False)
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    assert_invalid(caught, "bank_account")
    assert reload(case).state == RefundState.RECOMMENDED
    assert refunded(person=person) == 0


# --- Decision ------------------------------------------------------------------------------------


def test_deciding_before_the_recommendation_is_a_conflict(team, person):
    case = reviewing(person, team["operator"])
    with pytest.raises(CaseTransitionError) as caught:
        refunds.refund_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    assert_conflict(caught)


def test_a_refund_is_decided_once(team, person):
    case = recommended(person, team["operator"])
    refunds.refund_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    for approve in (True, False):
        with pytest.raises(CaseTransitionError) as caught:
            refunds.refund_decide(case_id=case.pk, actor=team["supervisor2"], approve=approve, note="Again.")
        assert_conflict(caught)
    assert refunded(person=person) == Decimal("600.00")
    assert actions(case).count("contribution_refund.approve") == 1


def test_an_operator_cannot_decide(team, person):
    case = recommended(person, team["operator"])
    with pytest.raises(NotAuthorized) as caught:
        refunds.refund_decide(case_id=case.pk, actor=team["operator2"], approve=True)
    assert caught.value.status == 403
    assert reload(case).state == RefundState.RECOMMENDED


def test_four_eyes_the_recommender_cannot_decide(team, person):
    supervisor = team["supervisor"]
    case = reviewing(person, supervisor)
    refunds.refund_recommend(case_id=case.pk, actor=supervisor, approve=True)
    for approve in (True, False):
        with pytest.raises(FourEyesViolation) as caught:
            refunds.refund_decide(case_id=case.pk, actor=supervisor, approve=approve, note="Mine.")
        assert (caught.value.status, caught.value.code) == (403, "four_eyes")
    refunds.refund_decide(case_id=case.pk, actor=team["supervisor2"], approve=True)
    assert reload(case).state == RefundState.PAID


def test_a_rejection_needs_its_reason(team, person):
    case = recommended(person, team["operator"])
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_decide(case_id=case.pk, actor=team["supervisor"], approve=False, note="")
    assert_invalid(caught, "note")


def test_a_rejection_recommendation_cannot_be_approved(team, person):
    case = reviewing(person, team["operator"])
    refunds.refund_recommend(case_id=case.pk, actor=team["operator"], approve=False, note="Payments are right.")
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    assert_invalid(caught, "approve")
    assert reload(case).state == RefundState.RECOMMENDED
    assert refunded(person=person) == 0


def test_a_decision_task_taken_by_someone_else_is_theirs(team, person):
    case = recommended(person, team["operator"])
    engine.task_take(case_id=case.pk, actor=team["supervisor2"])
    with pytest.raises(Conflict) as caught:
        refunds.refund_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    assert_conflict(caught)
    refunds.refund_decide(case_id=case.pk, actor=team["supervisor2"], approve=True)
    assert reload(case).decided_by == team["supervisor2"]


def test_above_the_branch_limit_the_decision_goes_to_the_region(org, team, big_overpayer):
    case = recommended(big_overpayer, team["operator"])
    assert case.recommended_amount == Decimal("6000.00")
    assert case.deciding_unit == org.north
    task = open_task(case)
    assert (task.flow_task.name, task.owner_permission_obj_pk) == ("decide", str(org.north.pk))
    recommend = AuditEvent.objects.get(subject_id=str(case.pk), action="contribution_refund.recommend")
    assert recommend.payload["escalated"] is True and recommend.payload["deciding_unit"] == "N"

    for branch_supervisor in (team["supervisor"], team["supervisor2"]):
        with pytest.raises(NotAuthorized) as caught:
            refunds.refund_decide(case_id=case.pk, actor=branch_supervisor, approve=True)
        assert caught.value.status == 403
        with pytest.raises(NotAuthorized):
            engine.task_take(case_id=case.pk, actor=branch_supervisor)
    assert reload(case).state == RefundState.RECOMMENDED

    refunds.refund_decide(case_id=case.pk, actor=team["region_supervisor"], approve=True)
    case = reload(case)
    assert case.state == RefundState.PAID
    assert case.decided_by == team["region_supervisor"]
    assert refunded(person=big_overpayer) == Decimal("6000.00")
    approve = AuditEvent.objects.get(subject_id=str(case.pk), action="contribution_refund.approve")
    assert approve.org_unit_id == org.north.pk


def test_a_region_supervisor_above_their_own_limit_is_refused(org, team):
    person = overpaid_person(org.north_a, "9000.00", periods=MONTHS[:6])  # 6 x 8700.00 = 52200.00
    case = recommended(person, team["operator"])
    assert case.deciding_unit == org.central
    with pytest.raises(NotAuthorized):
        refunds.refund_decide(case_id=case.pk, actor=team["region_supervisor"], approve=True)
    refunds.refund_decide(case_id=case.pk, actor=team["central_supervisor"], approve=True)
    assert reload(case).state == RefundState.PAID


# --- Never more than the overpayment -------------------------------------------------------------


def test_a_second_refund_of_the_same_months_finds_nothing_left(team, person):
    first = recommended(person, team["operator"])
    refunds.refund_decide(case_id=first.pk, actor=team["supervisor"], approve=True)
    second = reviewing(person, team["operator"])
    assert second.refundable_amount == Decimal("0.00")
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_recommend(case_id=second.pk, actor=team["operator"], approve=True)
    assert_invalid(caught, "amount")
    assert refunded(person=person) == Decimal("600.00")


def test_a_partial_refund_leaves_the_rest_refundable(team, person):
    first = recommended(person, team["operator"], amount="250", note="Two months only.")
    refunds.refund_decide(case_id=first.pk, actor=team["supervisor"], approve=True)
    second = reviewing(person, team["operator"])
    assert second.refundable_amount == Decimal("350.00")
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_recommend(case_id=second.pk, actor=team["operator"], approve=True, amount="350.01", note="x")
    assert_invalid(caught, "amount")
    refunds.refund_recommend(case_id=second.pk, actor=team["operator"], approve=True)
    refunds.refund_decide(case_id=second.pk, actor=team["supervisor"], approve=True)
    assert reload(second).approved_amount == Decimal("350.00")
    assert refunded(person=person) == Decimal("600.00")
    assert ledger.balance(person=person, period_from=FIRST, period_to=LAST).overpaid == 0


def test_two_recommendations_of_one_overpayment_pay_once(team, person, django_capture_on_commit_callbacks):
    """Both were recommended while the overpayment was there; the second decision finds it used."""
    first = recommended(person, team["operator"])
    second = recommended(person, team["operator2"])
    assert first.recommended_amount == second.recommended_amount == Decimal("600.00")
    refunds.refund_decide(case_id=first.pk, actor=team["supervisor"], approve=True)

    before = actions(second)
    with pytest.raises(refunds.RefundExceedsOverpayment) as caught:
        refunds.refund_decide(case_id=second.pk, actor=team["supervisor"], approve=True)
    assert_conflict(caught)
    assert caught.value.code == "refund_exceeds_overpayment"
    assert "0.00" in caught.value.message and "600.00" in caught.value.message
    second = reload(second)
    assert second.state == RefundState.RECOMMENDED
    assert actions(second) == before
    assert open_task(second).flow_task.name == "decide"
    assert refunded(person=person) == Decimal("600.00")

    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund_decide(
            case_id=second.pk, actor=team["supervisor"], approve=False, note="Refunded by the first case."
        )
    assert reload(second).state == RefundState.REJECTED
    assert refunded(person=person) == Decimal("600.00")


def test_a_smaller_second_refund_is_paid_from_what_is_left(team, person):
    first = recommended(person, team["operator"], amount="400", note="Four months.")
    second = recommended(person, team["operator2"], amount="200", note="Two months.")
    refunds.refund_decide(case_id=first.pk, actor=team["supervisor"], approve=True)
    refunds.refund_decide(case_id=second.pk, actor=team["supervisor"], approve=True)
    assert reload(second).state == RefundState.PAID
    assert refunded(person=person) == Decimal("600.00")


def test_the_refund_is_posted_on_the_months_that_were_overpaid(org, team):
    person = make_insured(org.north_a)
    for period, amount in zip(MONTHS, ["400.00", "200.00", "500.00", "300.00", "300.00", "300.00"], strict=True):
        pay(person, period, amount)
    # Surplus: January +100, February -100, March +200: 200.00 over the six months.
    case = recommended(person, team["operator"])
    assert case.recommended_amount == Decimal("200.00")
    refunds.refund_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    postings = LedgerPosting.objects.filter(person=person, kind=LedgerPosting.Kind.REFUND).order_by("period")
    assert [(p.period, p.amount) for p in postings] == [(MONTHS[0], Decimal("100.00")), (MONTHS[2], Decimal("100.00"))]


def test_overlapping_months_cannot_refund_one_overpayment_twice(org, team):
    """June alone was overpaid: a refund of January to June uses it, and June alone then has nothing left."""
    person = make_insured(org.north_a)
    for period in MONTHS[:5]:
        pay(person, period, ASSESSED)
    pay(person, MONTHS[5], "900.00")
    wide = recommended(person, team["operator"])
    refunds.refund_decide(case_id=wide.pk, actor=team["supervisor"], approve=True)
    assert refunded(person=person) == Decimal("600.00")

    june = file(person, period_from=MONTHS[5], period_to=MONTHS[5])
    assert june.refundable_amount == Decimal("0.00")
    assert ledger.balance(person=person, period_from=MONTHS[5], period_to=MONTHS[5]).overpaid == 0


def test_months_without_any_contribution_data_have_nothing_to_refund(team, person):
    case = reviewing(person, team["operator"], period_from=dt.date(2030, 1, 1), period_to=dt.date(2030, 3, 1))
    assert case.refundable_amount == Decimal("0.00")
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    assert_invalid(caught, "amount")


# --- Employers -----------------------------------------------------------------------------------


def test_an_employer_refund_is_reviewed_in_its_branch_and_cannot_be_approved_without_an_account(org, team, make_staff):
    employer = EmployerFactory(branch=org.south_a)
    worker = make_insured(org.north_a, months=0)
    add_contributions(worker, start=FIRST, months=6, employer=employer)
    for period in MONTHS:
        pay(employer, period, "350.00", employer=True)
    south_supervisor = make_staff("sup_sa", Role.SUPERVISOR, org.south_a)

    case = refunds.refund_file(
        actor=Actor.employer(employer), employer=employer, period_from=FIRST, period_to=LAST, reason="Overpaid."
    )
    assert case.owning_unit == org.south_a
    assert case.refundable_amount == Decimal("300.00")
    assert open_task(case).owner_permission_obj_pk == str(org.south_a.pk)
    with pytest.raises(NotAuthorized):
        engine.task_take(case_id=case.pk, actor=team["operator"])
    engine.task_take(case_id=case.pk, actor=team["other_operator"])
    with pytest.raises(InvalidInput) as caught:
        refunds.refund_recommend(case_id=case.pk, actor=team["other_operator"], approve=True)
    assert_invalid(caught, "bank_account")

    refunds.refund_recommend(case_id=case.pk, actor=team["other_operator"], approve=False, note="No account on file.")
    refunds.refund_decide(case_id=case.pk, actor=south_supervisor, approve=False, note="Register an account first.")
    assert reload(case).state == RefundState.REJECTED
    assert refunded(employer=employer) == 0
    assert not Notification.objects.filter(case=case).exists()


# --- Withdrawal ----------------------------------------------------------------------------------


def test_withdrawal_cancels_the_task_and_ends_the_process(team, person, django_capture_on_commit_callbacks):
    case = recommended(person, team["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund_withdraw(actor=person_actor(case.pk), case_id=case.pk, reason="Settled with my employer.")
    case = reload(case)
    assert case.state == RefundState.WITHDRAWN
    assert case.process.status == PROCESS.DONE
    assert (
        Task.objects.get(process_id=case.process_id, flow_task_type="HUMAN", status=STATUS.CANCELED).flow_task.name
        == "decide"
    )
    assert actions(case)[-2:] == ["contribution_refund.withdraw", "task.cancelled"]
    assert Notification.objects.filter(case=case, key__contains=":withdrawn:").exists()
    with pytest.raises(CaseTransitionError):
        refunds.refund_decide(case_id=case.pk, actor=team["supervisor"], approve=True)


def test_a_paid_refund_cannot_be_withdrawn(team, person):
    case = recommended(person, team["operator"])
    refunds.refund_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    with pytest.raises(CaseTransitionError) as caught:
        refunds.refund_withdraw(actor=person_actor(case.pk), case_id=case.pk)
    assert_conflict(caught)
    assert reload(case).state == RefundState.PAID
