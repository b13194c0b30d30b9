"""Arrears waivers from filing to the ledger: whole and partial waivers, escalation above the
branch's authority limit, information requests, withdrawal, notifications and the audit trail."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.models import Process
from viewflow.workflow.status import PROCESS, STATUS

from audit.actors import Actor
from audit.models import AuditEvent
from cases import waivers
from cases.engine import task_take
from cases.models import ArrearsWaiver, CaseComment, CaseType, Notification, WaiverState
from registry import ledger
from registry.models import LedgerPosting
from tests.support import person_actor
from workflows import routing
from workflows.waiver_flow import ArrearsWaiverFlow

from .conftest import FEB, JAN, MAR, RATE

pytestmark = pytest.mark.django_db


def events(case):
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def payload_of(case, action):
    return AuditEvent.objects.get(subject_type="case", subject_id=str(case.pk), action=action).payload


def outstanding(*, period_from=JAN, period_to=MAR, **account):
    statement, _computation = waivers.penalty_statement(period_from=period_from, period_to=period_to, **account)
    return statement.outstanding


def waiver_postings(account_field, account):
    return list(
        LedgerPosting.objects.filter(kind=LedgerPosting.Kind.WAIVER, **{account_field: account})
        .order_by("period")
        .values_list("period", "amount", "reference")
    )


def process_status(case):
    return Process.objects.get(pk=case.process_id).status


def audit_verifies():
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue().startswith("OK")


def file_and_recommend(team, *, amount=None, note="", **filing):
    filing.setdefault(
        "actor", Actor.employer(filing["employer"]) if filing.get("employer") else Actor.person(filing["person"])
    )
    case = waivers.waiver_file(grounds="The accountant was ill for two months.", **filing)
    task_take(case_id=case.pk, actor=team["operator"])
    return waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True, amount=amount, note=note)


# --- The whole life of a waiver --------------------------------------------------------------------


def test_employer_waiver_from_filing_to_the_ledger(org, team, employer):
    case = waivers.waiver_file(
        actor=Actor.employer(employer),
        employer=employer,
        period_from=JAN,
        period_to=dt.date(2024, 3, 31),
        grounds="Flooded office in spring.",
    )
    assert case.state == WaiverState.SUBMITTED
    assert case.case_type == CaseType.ARREARS_WAIVER and case.reference.startswith("AW-")
    assert case.owning_unit == employer.branch == org.north_a
    assert case.employer == employer and case.person is None
    assert (case.period_from, case.period_to) == (JAN, MAR)
    # 3 periods of 600.00, each paid 60 days late
    assert case.penalty_amount == Decimal("600.00") * RATE * 60 * 3 == Decimal("54.00")
    assert case.requested_amount == Decimal("54.00")  # the whole outstanding penalty by default
    assert [p["penalty"] for p in case.penalty_computation["periods"]] == ["18.00", "18.00", "18.00"]
    assert case.penalty_computation["daily_rate"] == "0.0005" and case.penalty_computation["due_day"] == 15
    assert case.due_date == timezone.localdate() + dt.timedelta(days=30)
    task = routing.open_task(case)
    assert task.flow_task == ArrearsWaiverFlow.review and task.owner_permission_obj_pk == str(org.north_a.pk)

    task_take(case_id=case.pk, actor=team["operator"])
    case = waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    assert case.state == WaiverState.RECOMMENDED
    assert case.recommended_amount == Decimal("54.00") and case.recommended_by == team["operator"]
    assert case.deciding_unit == org.north_a
    decide = routing.open_task(case)
    assert decide.flow_task == ArrearsWaiverFlow.decide and decide.owner_permission_obj_pk == str(org.north_a.pk)

    case = waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=True, note="Force majeure.")

    case = ArrearsWaiver.objects.get(pk=case.pk)
    assert case.state == WaiverState.APPLIED
    assert case.approved_amount == Decimal("54.00")
    assert case.decided_by == team["supervisor"] and case.decision_note == "Force majeure."
    assert waiver_postings("employer", employer) == [
        (JAN, Decimal("18.00"), case.reference),
        (FEB, Decimal("18.00"), case.reference),
        (MAR, Decimal("18.00"), case.reference),
    ]
    assert LedgerPosting.objects.get(period=JAN, kind=LedgerPosting.Kind.WAIVER).value_date == timezone.localdate()
    assert outstanding(employer=employer) == Decimal("0.00")
    assert routing.open_task(case) is None
    assert process_status(case) == PROCESS.DONE

    assert events(case) == [
        "arrears_waiver.created",
        "arrears_waiver.submit",
        "task.created",
        "task.assigned",
        "arrears_waiver.start_review",
        "task.completed",
        "arrears_waiver.recommend",
        "task.created",
        "task.completed",
        "arrears_waiver.approve",
        "arrears_waiver.apply",
    ]
    applied = payload_of(case, "arrears_waiver.apply")
    assert [(p["period"], p["amount"]) for p in applied["postings"]] == [
        ("2024-01-01", "18.00"),
        ("2024-02-01", "18.00"),
        ("2024-03-01", "18.00"),
    ]
    apply_event = AuditEvent.objects.get(subject_id=str(case.pk), action="arrears_waiver.apply")
    assert (apply_event.from_state, apply_event.to_state) == (WaiverState.APPROVED, WaiverState.APPLIED)
    assert apply_event.actor_id == team["supervisor"].pk
    # An employer has no contact person on record: nobody is notified.
    assert not Notification.objects.filter(case=case).exists()
    assert audit_verifies()


def test_self_employed_waiver_notifies_the_person_at_each_step(
    org, team, self_employed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = waivers.waiver_file(
            actor=Actor.person(self_employed),
            person=self_employed,
            period_from=JAN,
            period_to=FEB,
            grounds="Hospital stay.",
        )
    assert case.penalty_amount == Decimal("9.00")  # 6.00 + 3.00
    task_take(case_id=case.pk, actor=team["operator"])
    waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=True)

    case.refresh_from_db()
    assert case.state == WaiverState.APPLIED
    assert waiver_postings("person", self_employed) == [
        (JAN, Decimal("6.00"), case.reference),
        (FEB, Decimal("3.00"), case.reference),
    ]
    assert outstanding(person=self_employed, period_to=FEB) == Decimal("0.00")
    topics = [n.key.split(":")[1] for n in Notification.objects.filter(case=case, channel="email").order_by("id")]
    assert topics == ["submitted", "applied"]
    assert [m.to for m in mail.outbox] == [[self_employed.email]] * 2
    assert case.reference in mail.outbox[-1].subject and "9.00" in mail.outbox[-1].body
    assert audit_verifies()


# --- Whole and partial -----------------------------------------------------------------------------


def test_a_partial_waiver_posts_oldest_periods_first_and_leaves_the_rest(team, employer):
    case = file_and_recommend(team, employer=employer, period_from=JAN, period_to=MAR, requested_amount="20.00")
    assert case.requested_amount == case.recommended_amount == Decimal("20.00")
    waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=True)

    assert waiver_postings("employer", employer) == [
        (JAN, Decimal("18.00"), case.reference),
        (FEB, Decimal("2.00"), case.reference),
    ]
    assert outstanding(employer=employer) == Decimal("34.00")


def test_the_caseworker_may_recommend_less_than_requested_with_a_note(team, employer):
    case = file_and_recommend(
        team, employer=employer, period_from=JAN, period_to=MAR, amount="10.50", note="One period only."
    )
    assert case.requested_amount == Decimal("54.00") and case.recommended_amount == Decimal("10.50")
    assert case.recommendation_note == "One period only."
    case = waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    assert case.approved_amount == Decimal("10.50")
    assert outstanding(employer=employer) == Decimal("43.50")


def test_what_was_waived_before_reduces_what_can_be_waived_next_time(team, employer):
    first = file_and_recommend(team, employer=employer, period_from=JAN, period_to=MAR, requested_amount="20.00")
    waivers.waiver_decide(case_id=first.pk, actor=team["supervisor"], approve=True)

    # February alone: 18.00 accrued, 2.00 waived by the first waiver.
    second = waivers.waiver_file(
        actor=Actor.employer(employer), employer=employer, period_from=FEB, period_to=FEB, grounds="And February."
    )
    assert second.requested_amount == second.penalty_amount == Decimal("16.00")
    assert second.penalty_computation["waived"] == "2.00"
    # All three periods: 54.00 - 20.00.
    third = waivers.waiver_file(
        actor=Actor.employer(employer), employer=employer, period_from=JAN, period_to=MAR, grounds="All of it."
    )
    assert third.requested_amount == Decimal("34.00")

    task_take(case_id=second.pk, actor=team["operator"])
    waivers.waiver_recommend(case_id=second.pk, actor=team["operator"], approve=True)
    waivers.waiver_decide(case_id=second.pk, actor=team["supervisor"], approve=True)
    assert outstanding(employer=employer) == Decimal("18.00")  # March only

    # The third request asked for 34.00; only 18.00 is left: the recommendation defaults to it.
    task_take(case_id=third.pk, actor=team["operator"])
    third = waivers.waiver_recommend(
        case_id=third.pk, actor=team["operator"], approve=True, note="The rest was waived meanwhile."
    )
    assert third.recommended_amount == Decimal("18.00") and third.penalty_amount == Decimal("18.00")
    waivers.waiver_decide(case_id=third.pk, actor=team["supervisor"], approve=True)
    assert outstanding(employer=employer) == Decimal("0.00")
    assert sum(a for _p, a, _r in waiver_postings("employer", employer)) == Decimal("54.00")


# --- Escalation above the branch's authority limit -------------------------------------------------------


def test_above_the_branch_limit_the_decision_goes_to_the_region(org, team, big_employer):
    case = file_and_recommend(team, employer=big_employer, period_from=JAN, period_to=JAN)
    assert case.recommended_amount == Decimal("150000.00") * RATE * 100 == Decimal("7500.00")
    assert case.deciding_unit == org.north
    task = routing.open_task(case)
    assert task.flow_task == ArrearsWaiverFlow.decide and task.owner_permission_obj_pk == str(org.north.pk)
    recommended = payload_of(case, "arrears_waiver.recommend")
    assert recommended["escalated"] is True and recommended["deciding_unit"] == "N"

    case = waivers.waiver_decide(case_id=case.pk, actor=team["region_supervisor"], approve=True)
    assert case.state == WaiverState.APPLIED
    assert waiver_postings("employer", big_employer) == [(JAN, Decimal("7500.00"), case.reference)]
    decided = AuditEvent.objects.get(subject_id=str(case.pk), action="arrears_waiver.approve")
    assert decided.org_unit_id == org.north.pk
    assert audit_verifies()


def test_within_the_branch_limit_the_decision_stays_at_the_branch(org, team, big_employer):
    case = file_and_recommend(
        team, employer=big_employer, period_from=JAN, period_to=JAN, amount="5000.00", note="Part."
    )
    assert case.deciding_unit == org.north_a
    assert payload_of(case, "arrears_waiver.recommend")["escalated"] is False
    waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    assert outstanding(employer=big_employer, period_to=JAN) == Decimal("2500.00")


# --- Rejection, information, withdrawal --------------------------------------------------------------


def test_a_rejection_posts_nothing_and_tells_the_person(team, self_employed, django_capture_on_commit_callbacks):
    case = file_and_recommend(team, person=self_employed, period_from=JAN, period_to=FEB)
    with django_capture_on_commit_callbacks(execute=True):
        case = waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=False, note="No grounds shown.")
    assert case.state == WaiverState.REJECTED
    assert case.approved_amount is None
    assert not LedgerPosting.objects.filter(kind=LedgerPosting.Kind.WAIVER).exists()
    assert process_status(case) == PROCESS.DONE and routing.open_task(case) is None
    assert "No grounds shown." in mail.outbox[-1].body
    assert events(case)[-2:] == ["task.completed", "arrears_waiver.reject"]


def test_a_recommended_rejection_is_decided_by_the_branch(org, team, big_employer):
    case = waivers.waiver_file(
        actor=Actor.employer(big_employer), employer=big_employer, period_from=JAN, period_to=JAN, grounds="Cash flow."
    )
    task_take(case_id=case.pk, actor=team["operator"])
    case = waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=False, note="Late every year.")
    assert case.recommendation == "reject" and case.recommended_amount is None
    assert case.deciding_unit == org.north_a
    case = waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=False, note="Agreed.")
    assert case.state == WaiverState.REJECTED


def test_information_requested_and_received_inside_the_review_task(
    team, self_employed, django_capture_on_commit_callbacks
):
    case = waivers.waiver_file(
        actor=Actor.person(self_employed),
        person=self_employed,
        period_from=JAN,
        period_to=FEB,
        grounds="Hospital stay.",
    )
    task_take(case_id=case.pk, actor=team["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        case = waivers.waiver_request_info(
            case_id=case.pk, actor=team["operator"], question="Send the hospital letter."
        )
    assert case.state == WaiverState.AWAITING_INFO and case.info_request == "Send the hospital letter."
    assert mail.outbox[-1].body == "Send the hospital letter."

    case = waivers.waiver_receive_info(actor=person_actor(case.pk), case_id=case.pk, answer="Letter attached.")
    assert case.state == WaiverState.IN_REVIEW
    assert CaseComment.objects.get(case=case).text == "Letter attached."
    task = routing.open_task(case)
    assert task.status == STATUS.ASSIGNED and task.owner_id == team["operator"].pk

    waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    assert events(case)[4:8] == [
        "arrears_waiver.start_review",
        "arrears_waiver.request_info",
        "arrears_waiver.receive_info",
        "task.completed",
    ]


@pytest.mark.parametrize("stage", ["submitted", "in_review", "recommended"])
def test_the_applicant_withdraws_before_the_decision(team, self_employed, stage, django_capture_on_commit_callbacks):
    case = waivers.waiver_file(
        actor=Actor.person(self_employed),
        person=self_employed,
        period_from=JAN,
        period_to=FEB,
        grounds="Hospital stay.",
    )
    if stage != "submitted":
        task_take(case_id=case.pk, actor=team["operator"])
    if stage == "recommended":
        waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        case = waivers.waiver_withdraw(actor=person_actor(case.pk), case_id=case.pk, reason="Paid by a sponsor.")
    assert case.state == WaiverState.WITHDRAWN
    assert routing.open_task(case) is None and process_status(case) == PROCESS.DONE
    assert events(case)[-2:] == ["arrears_waiver.withdraw", "task.cancelled"]
    assert "withdrawn" in mail.outbox[-1].subject
    assert not LedgerPosting.objects.filter(kind=LedgerPosting.Kind.WAIVER).exists()


def test_staff_file_at_the_counter_for_an_employer_of_their_branch(org, team, employer):
    case = waivers.waiver_file(
        employer=employer,
        period_from="2024-01",
        period_to="2024-02-01",
        grounds="At the counter.",
        requested_amount="30",
        actor=team["operator"],
    )
    assert (case.period_from, case.period_to) == (JAN, FEB)
    assert case.requested_amount == Decimal("30.00") and case.penalty_amount == Decimal("36.00")
    created = AuditEvent.objects.get(subject_id=str(case.pk), action="arrears_waiver.created")
    assert created.actor_id == team["operator"].pk


def test_the_ledger_statement_agrees_with_the_case(team, employer):
    case = waivers.waiver_file(
        actor=Actor.employer(employer), employer=employer, period_from=JAN, period_to=MAR, grounds="x"
    )
    statement = ledger.penalties(
        employer=employer, period_from=JAN, period_to=MAR, on=timezone.localdate(), due_day=Decimal(15), daily_rate=RATE
    )
    assert case.penalty_computation["periods"] == statement.periods
    assert case.penalty_computation["accrued"] == str(statement.accrued)
