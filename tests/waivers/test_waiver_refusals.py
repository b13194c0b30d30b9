"""What the waiver services refuse, with which error, and that a refusal changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from cases import waivers
from cases.engine import task_take
from cases.errors import CaseNotFound, CaseTransitionError, Conflict
from cases.models import ArrearsWaiver, WaiverState
from registry.models import LedgerPosting
from roles.errors import FourEyesViolation, InvalidInput, NotAuthorized
from roles.models import Level, Role
from roles.services import authority_limit_set, delegation_create
from tests.conftest import LIMIT_FROM
from tests.support import person_actor

from .conftest import FEB, JAN, MAR, employer_with_workers, pay

pytestmark = pytest.mark.django_db


def filed(employer, **kwargs):
    kwargs.setdefault("actor", Actor.employer(employer))
    return waivers.waiver_file(employer=employer, period_from=JAN, period_to=MAR, grounds="Flood.", **kwargs)


def in_review(team, employer, **kwargs):
    case = filed(employer, **kwargs)
    task_take(case_id=case.pk, actor=team["operator"])
    return case


def recommended(team, employer, **kwargs):
    case = in_review(team, employer, **kwargs)
    return waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)


def event_count(case):
    return AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk)).count()


def waived_total():
    return sum(
        LedgerPosting.objects.filter(kind=LedgerPosting.Kind.WAIVER).values_list("amount", flat=True), Decimal(0)
    )


def refused(error_class, call, *, field=None, status=None):
    with pytest.raises(error_class) as info:
        call()
    if field is not None:
        assert info.value.field == field, info.value.message
    if status is not None:
        assert info.value.status == status
    return info.value


# --- Invalid input (422, with the field) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"grounds": ""}, "grounds"),
        ({"grounds": "   "}, "grounds"),
        ({"grounds": None}, "grounds"),
        ({"period_from": MAR, "period_to": JAN}, "period_from"),
        ({"period_from": "abc"}, "period_from"),
        ({"period_from": None}, "period_from"),
        ({"period_to": "2024-13"}, "period_to"),
        ({"period_to": 202403}, "period_to"),
        ({"period_to": "in 40 days"}, "period_to"),  # a period that has not begun, on the test's clock
        ({"requested_amount": "abc"}, "requested_amount"),
        ({"requested_amount": "0"}, "requested_amount"),
        ({"requested_amount": "-5.00"}, "requested_amount"),
        ({"requested_amount": "NaN"}, "requested_amount"),
        ({"requested_amount": "54.01"}, "requested_amount"),  # 54.00 is outstanding
    ],
)
def test_filing_refuses_invalid_input(org, employer, changes, field):
    filing = {"employer": employer, "period_from": JAN, "period_to": MAR, "grounds": "Flood."} | changes
    filing["actor"] = Actor.employer(employer)
    if filing["period_to"] == "in 40 days":
        filing["period_to"] = timezone.localdate() + dt.timedelta(days=40)
    error = refused(InvalidInput, lambda: waivers.waiver_file(**filing), field=field, status=422)
    assert error.code == "invalid"
    assert not ArrearsWaiver.objects.exists()


def test_the_whole_outstanding_penalty_may_be_requested(org, employer):
    assert filed(employer, requested_amount="54.00").requested_amount == Decimal("54.00")


@pytest.mark.parametrize("subject", [{}, "both"])
def test_filing_needs_exactly_one_subject(org, employer, self_employed, subject):
    if subject == "both":
        subject = {"employer": employer, "person": self_employed}
    call = lambda: waivers.waiver_file(  # noqa: E731
        period_from=JAN, period_to=FEB, grounds="x", actor=Actor.system("waiver test"), **subject
    )
    refused(InvalidInput, call, field="employer", status=422)


def test_nothing_to_waive_when_every_period_was_paid_on_time(org, team):
    employer = employer_with_workers(org.north_a)
    for period, due in ((JAN, dt.date(2024, 2, 15)), (FEB, dt.date(2024, 3, 15)), (MAR, dt.date(2024, 4, 15))):
        pay(employer, period, due, "600.00")
    refused(InvalidInput, lambda: filed(employer), field="period_from", status=422)
    # Staff of another branch learn nothing of the account: authority comes first.
    refused(NotAuthorized, lambda: filed(employer, actor=team["other_operator"]), status=403)


def test_nothing_to_waive_on_periods_without_contributions(org, employer):
    def call():
        return waivers.waiver_file(
            actor=Actor.employer(employer), employer=employer, period_from="2023-01", period_to="2023-06", grounds="x"
        )

    refused(InvalidInput, call, field="period_from")


def test_nothing_to_waive_once_everything_was_waived(org, team, employer):
    case = recommended(team, employer)
    waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    refused(InvalidInput, lambda: filed(employer), field="period_from", status=422)
    refused(
        InvalidInput,
        lambda: waivers.waiver_file(
            actor=Actor.employer(employer), employer=employer, period_from=FEB, period_to=FEB, grounds="x"
        ),
        field="period_from",
    )


@pytest.mark.parametrize(
    ("amount", "note", "field"),
    [
        ("abc", "", "amount"),
        ("0.00", "", "amount"),
        ("-1", "", "amount"),
        ("54.01", "More.", "amount"),
        ("20.00", "", "note"),  # differs from the 54.00 requested: say why
    ],
)
def test_recommending_refuses_invalid_amounts(org, team, employer, amount, note, field):
    case = in_review(team, employer)
    before = event_count(case)

    def call():
        return waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True, amount=amount, note=note)

    refused(InvalidInput, call, field=field, status=422)
    case.refresh_from_db()
    assert case.state == WaiverState.IN_REVIEW and event_count(case) == before


def test_a_rejection_needs_its_reason(org, team, employer):
    case = in_review(team, employer)
    call = lambda: waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=False, note=" ")  # noqa: E731
    refused(InvalidInput, call, field="note", status=422)
    case = waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    call = lambda: waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=False)  # noqa: E731
    refused(InvalidInput, call, field="note", status=422)


def test_a_recommended_rejection_cannot_be_approved(org, team, employer):
    case = in_review(team, employer)
    waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=False, note="No grounds.")
    call = lambda: waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=True)  # noqa: E731
    refused(InvalidInput, call, field="approve", status=422)
    assert waived_total() == 0


def test_an_information_request_needs_a_question(org, team, employer):
    case = in_review(team, employer)
    call = lambda: waivers.waiver_request_info(case_id=case.pk, actor=team["operator"], question="")  # noqa: E731
    refused(InvalidInput, call, field="question", status=422)


def test_nothing_left_to_recommend_when_another_waiver_took_it_all(org, team, employer):
    first = recommended(team, employer)
    second = filed(employer)
    task_take(case_id=second.pk, actor=team["operator2"])
    waivers.waiver_decide(case_id=first.pk, actor=team["supervisor"], approve=True)
    call = lambda: waivers.waiver_recommend(case_id=second.pk, actor=team["operator2"], approve=True)  # noqa: E731
    refused(InvalidInput, call, field="amount", status=422)
    # It can still be recommended for rejection.
    second = waivers.waiver_recommend(case_id=second.pk, actor=team["operator2"], approve=False, note="Waived already.")
    assert second.state == WaiverState.RECOMMENDED


# --- Wrong state (409) --------------------------------------------------------------------------------


def test_deciding_before_the_recommendation_is_a_conflict(org, team, employer):
    case = in_review(team, employer)
    call = lambda: waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=True)  # noqa: E731
    error = refused(CaseTransitionError, call, status=409)
    assert error.code == "invalid_transition"


def test_recommending_before_taking_the_task_is_a_conflict(org, team, employer):
    case = filed(employer)
    call = lambda: waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)  # noqa: E731
    refused(Conflict, call, status=409)


def test_an_applied_waiver_cannot_be_decided_withdrawn_or_recommended_again(org, team, employer):
    case = recommended(team, employer)
    waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    before = event_count(case)
    for call in (
        lambda: waivers.waiver_decide(case_id=case.pk, actor=team["supervisor2"], approve=True),
        lambda: waivers.waiver_withdraw(actor=person_actor(case.pk), case_id=case.pk),
        lambda: waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True),
        lambda: waivers.waiver_request_info(case_id=case.pk, actor=team["operator"], question="?"),
        lambda: waivers.waiver_receive_info(actor=person_actor(case.pk), case_id=case.pk, answer="!"),
    ):
        refused(Conflict, call, status=409)
    assert event_count(case) == before
    assert waived_total() == Decimal("54.00")


def test_information_can_only_be_received_when_asked_for(org, team, employer):
    case = in_review(team, employer)
    refused(
        CaseTransitionError,
        lambda: waivers.waiver_receive_info(actor=person_actor(case.pk), case_id=case.pk, answer="x"),
        status=409,
    )


def test_a_withdrawn_waiver_cannot_be_taken_up_again(org, team, employer):
    case = in_review(team, employer)
    waivers.waiver_withdraw(actor=person_actor(case.pk), case_id=case.pk)
    refused(
        Conflict, lambda: waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True), status=409
    )
    refused(Conflict, lambda: waivers.waiver_withdraw(actor=person_actor(case.pk), case_id=case.pk), status=409)


def test_an_unknown_case_is_not_found(org, team):
    refused(
        CaseNotFound, lambda: waivers.waiver_decide(case_id=999999, actor=team["supervisor"], approve=True), status=404
    )


# --- No authority (403) -----------------------------------------------------------------------------


def test_staff_of_another_branch_or_without_the_power_are_refused(org, team, employer):
    refused(NotAuthorized, lambda: filed(employer, actor=team["other_operator"]), status=403)
    refused(NotAuthorized, lambda: filed(employer, actor=team["auditor"]), status=403)
    case = filed(employer)
    refused(NotAuthorized, lambda: task_take(case_id=case.pk, actor=team["other_operator"]), status=403)
    refused(NotAuthorized, lambda: task_take(case_id=case.pk, actor=team["finance"]), status=403)
    task_take(case_id=case.pk, actor=team["operator"])
    call = lambda: waivers.waiver_recommend(case_id=case.pk, actor=team["other_operator"], approve=True)  # noqa: E731
    refused(NotAuthorized, call, status=403)
    waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    for actor in ("operator2", "other_operator", "auditor", "finance"):
        call = lambda actor=actor: waivers.waiver_decide(case_id=case.pk, actor=team[actor], approve=True)  # noqa: E731
        error = refused(NotAuthorized, call, status=403)
        assert not isinstance(error, FourEyesViolation)
    refused(NotAuthorized, lambda: waivers.waiver_withdraw(case_id=case.pk, actor=team["other_operator"]), status=403)
    assert ArrearsWaiver.objects.get(pk=case.pk).state == WaiverState.RECOMMENDED
    assert waived_total() == 0


def test_another_operator_cannot_work_on_a_task_taken_by_a_colleague(org, team, employer):
    case = in_review(team, employer)
    call = lambda: waivers.waiver_recommend(case_id=case.pk, actor=team["operator2"], approve=True)  # noqa: E731
    refused(Conflict, call, status=409)


# --- Four eyes (403) ----------------------------------------------------------------------------------


def test_whoever_recommended_cannot_decide(org, team, employer):
    case = filed(employer)
    task_take(case_id=case.pk, actor=team["supervisor"])
    waivers.waiver_recommend(case_id=case.pk, actor=team["supervisor"], approve=True)
    for approve, note in ((True, ""), (False, "No.")):
        call = lambda approve=approve, note=note: waivers.waiver_decide(  # noqa: E731
            case_id=case.pk, actor=team["supervisor"], approve=approve, note=note
        )
        error = refused(FourEyesViolation, call, status=403)
        assert error.code == "four_eyes"
    assert waived_total() == 0
    waivers.waiver_decide(case_id=case.pk, actor=team["supervisor2"], approve=True)
    assert waived_total() == Decimal("54.00")


def test_a_delegate_cannot_decide_what_the_delegator_recommended(org, team, employer):
    supervisor, supervisor2 = team["supervisor"], team["supervisor2"]
    assignment = supervisor.role_assignments.get(role=Role.SUPERVISOR)
    delegation_create(
        actor=supervisor,
        assignment=assignment,
        delegate=team["operator2"],
        valid_from=LIMIT_FROM,
        valid_to=timezone.localdate() + dt.timedelta(days=10),
    )
    case = filed(employer)
    task_take(case_id=case.pk, actor=supervisor)
    waivers.waiver_recommend(case_id=case.pk, actor=supervisor, approve=True)
    # operator2 decides only by supervisor's delegation: on behalf of the recommender.
    call = lambda: waivers.waiver_decide(case_id=case.pk, actor=team["operator2"], approve=True)  # noqa: E731
    refused(FourEyesViolation, call, status=403)
    waivers.waiver_decide(case_id=case.pk, actor=supervisor2, approve=True)


# --- Authority limit and escalation --------------------------------------------------------------------


def test_above_the_branch_limit_branch_supervisors_are_refused_and_the_region_decides(org, team, big_employer):
    case = waivers.waiver_file(
        actor=Actor.employer(big_employer), employer=big_employer, period_from=JAN, period_to=JAN, grounds="Strike."
    )
    task_take(case_id=case.pk, actor=team["operator"])
    case = waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    assert case.recommended_amount == Decimal("7500.00") and case.deciding_unit == org.north

    for actor in ("supervisor", "supervisor2"):
        call = lambda actor=actor: waivers.waiver_decide(case_id=case.pk, actor=team[actor], approve=True)  # noqa: E731
        refused(NotAuthorized, call, status=403)
    # A branch supervisor cannot take the decision task in the region's queue either.
    refused(NotAuthorized, lambda: task_take(case_id=case.pk, actor=team["supervisor"]), status=403)
    assert waived_total() == 0

    task_take(case_id=case.pk, actor=team["region_supervisor"])
    case = waivers.waiver_decide(case_id=case.pk, actor=team["region_supervisor"], approve=True)
    assert case.state == WaiverState.APPLIED
    assert waived_total() == Decimal("7500.00")


def test_a_limit_lowered_after_the_recommendation_refuses_the_approval(org, team, big_employer):
    case = waivers.waiver_file(
        actor=Actor.employer(big_employer), employer=big_employer, period_from=JAN, period_to=JAN, grounds="Strike."
    )
    task_take(case_id=case.pk, actor=team["operator"])
    waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)  # to the region
    for role in (Role.SUPERVISOR, Role.BRANCH_MANAGER):
        authority_limit_set(
            actor=None, role=role, level=Level.REGION, amount=Decimal("1000.00"), valid_from=timezone.localdate()
        )
    call = lambda: waivers.waiver_decide(case_id=case.pk, actor=team["region_supervisor"], approve=True)  # noqa: E731
    error = refused(NotAuthorized, call, status=403)
    assert error.code == "authority_limit_exceeded"
    # Rejection needs no limit.
    case = waivers.waiver_decide(
        case_id=case.pk, actor=team["region_supervisor"], approve=False, note="Over the limit."
    )
    assert case.state == WaiverState.REJECTED


# --- Decided under the account's lock -------------------------------------------------------------------


def test_an_approval_of_more_than_is_still_outstanding_is_refused(org, team, employer):
    """Two requests for the same periods: the second approval finds the penalty waived already."""
    first = recommended(team, employer)
    second = filed(employer)
    task_take(case_id=second.pk, actor=team["operator2"])
    waivers.waiver_recommend(case_id=second.pk, actor=team["operator2"], approve=True, amount="10.00", note="Part.")

    waivers.waiver_decide(case_id=first.pk, actor=team["supervisor"], approve=True)
    before = event_count(second)
    call = lambda: waivers.waiver_decide(case_id=second.pk, actor=team["supervisor"], approve=True)  # noqa: E731
    error = refused(Conflict, call, status=409)
    assert "0.00" in error.message
    second.refresh_from_db()
    assert second.state == WaiverState.RECOMMENDED and event_count(second) == before
    assert waived_total() == Decimal("54.00")
    # What remains possible: reject it.
    waivers.waiver_decide(case_id=second.pk, actor=team["supervisor"], approve=False, note="Waived meanwhile.")
