"""What the representative payee services refuse: invalid input (422, naming the field), no
authority (403), four eyes (403), wrong state (409), a second designation (409). A refusal
changes nothing and writes no audit event."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from cases import payees, services
from cases.errors import CaseTransitionError, Conflict, FourEyesViolation, InvalidInput, NotAuthorized
from cases.models import PayeeState, RepresentativePayee
from registry.models import BankAccount, PayeeDesignation
from roles.models import Role
from roles.services import delegation_create
from tests.conftest import make_insured
from tests.factories import add_bank_account
from tests.support import person_actor

from .conftest import account_of, active, requested, verified

pytestmark = pytest.mark.django_db


def state(case):
    return RepresentativePayee.objects.get(pk=case.pk).state


def audit_count(case):
    return AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk)).count()


# --- Invalid input (422) ------------------------------------------------------------------------


def test_an_unverified_account_is_refused(beneficiary, representative):
    unverified = BankAccount.objects.create(
        person=representative, iban="XX00UNVERIFIED", holder="x", verified=False, valid_from=dt.date(2000, 1, 1)
    )
    with pytest.raises(InvalidInput) as exc:
        requested(beneficiary, representative, account=unverified)
    assert exc.value.status == 422 and exc.value.field == "representative_account"
    assert not RepresentativePayee.objects.exists()


def test_an_account_no_longer_valid_is_refused(beneficiary, representative):
    closed = account_of(representative)
    BankAccount.objects.filter(pk=closed.pk).update(valid_to=timezone.localdate() - dt.timedelta(days=1))
    closed.refresh_from_db()
    with pytest.raises(InvalidInput) as exc:
        requested(beneficiary, representative, account=closed)
    assert exc.value.field == "representative_account"


def test_an_account_of_someone_else_is_refused(org, beneficiary, representative):
    for account in (account_of(beneficiary), account_of(make_insured(org.north_a))):
        with pytest.raises(InvalidInput) as exc:
            requested(beneficiary, representative, account=account)
        assert exc.value.status == 422 and exc.value.field == "representative_account"
    assert not RepresentativePayee.objects.exists()


def test_the_beneficiary_cannot_represent_themselves(beneficiary):
    with pytest.raises(InvalidInput) as exc:
        requested(beneficiary, beneficiary)
    assert exc.value.field == "representative"


def test_relationship_and_grounds_are_required(beneficiary, representative):
    with pytest.raises(InvalidInput) as exc:
        requested(beneficiary, representative, relationship=" ")
    assert exc.value.field == "relationship"
    with pytest.raises(InvalidInput) as exc:
        requested(beneficiary, representative, grounds="")
    assert exc.value.field == "grounds"


def test_checks_must_be_answered_yes_or_no(team, beneficiary, representative):
    case = requested(beneficiary, representative)
    services.task_take(case_id=case.pk, actor=team["operator"])
    with pytest.raises(InvalidInput) as exc:
        payees.payee_verify(case_id=case.pk, actor=team["operator"], identity_ok="yes", documents_ok=True)
    assert exc.value.field == "identity_ok"
    with pytest.raises(InvalidInput) as exc:
        payees.payee_verify(case_id=case.pk, actor=team["operator"], identity_ok=True, documents_ok=None)
    assert exc.value.field == "documents_ok"
    assert state(case) == PayeeState.VERIFYING


def test_the_activation_date_cannot_be_in_the_past(team, beneficiary, representative):
    case = verified(beneficiary, representative, team)
    for bad in (timezone.localdate() - dt.timedelta(days=1), None, "2030-01-01"):
        with pytest.raises(InvalidInput) as exc:
            payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=bad)
        assert exc.value.field == "active_from"
    assert state(case) == PayeeState.VERIFIED


def test_an_account_unverified_since_the_request_blocks_the_approval(team, beneficiary, representative):
    case = verified(beneficiary, representative, team)
    BankAccount.objects.filter(person=representative).update(verified=False)
    with pytest.raises(InvalidInput) as exc:
        payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=timezone.localdate())
    assert exc.value.field == "representative_account"
    assert state(case) == PayeeState.VERIFIED


def test_reasons_are_required(team, beneficiary, representative):
    case = active(beneficiary, representative, team)
    with pytest.raises(InvalidInput) as exc:
        payees.payee_suspend(case_id=case.pk, actor=team["operator"], reason="")
    assert exc.value.field == "reason"
    with pytest.raises(InvalidInput) as exc:
        payees.payee_revoke(case_id=case.pk, actor=team["supervisor"], reason="  ")
    assert exc.value.field == "reason"


# --- Four eyes and authority (403) ---------------------------------------------------------------


def test_the_verifier_cannot_approve(team, beneficiary, representative):
    case = requested(beneficiary, representative)
    services.task_take(case_id=case.pk, actor=team["supervisor"])
    payees.payee_verify(case_id=case.pk, actor=team["supervisor"], identity_ok=True, documents_ok=True)
    before = audit_count(case)
    with pytest.raises(FourEyesViolation) as exc:
        payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=timezone.localdate())
    assert exc.value.status == 403
    with pytest.raises(FourEyesViolation):
        payees.payee_reject(case_id=case.pk, actor=team["supervisor"], reason="Second thoughts.")
    assert state(case) == PayeeState.VERIFIED and audit_count(case) == before
    payees.payee_approve(case_id=case.pk, actor=team["supervisor2"], active_from=timezone.localdate())
    assert state(case) == PayeeState.ACTIVE


def test_nor_someone_acting_on_the_verifiers_behalf(org, team, beneficiary, representative):
    case = requested(beneficiary, representative)
    services.task_take(case_id=case.pk, actor=team["supervisor"])
    payees.payee_verify(case_id=case.pk, actor=team["supervisor"], identity_ok=True, documents_ok=True)
    assignment = team["supervisor"].role_assignments.get(role=Role.SUPERVISOR)
    today = timezone.localdate()
    delegation_create(
        actor=team["supervisor"],
        assignment=assignment,
        delegate=team["operator"],
        valid_from=today,
        valid_to=today + dt.timedelta(days=5),
    )
    with pytest.raises(FourEyesViolation):
        payees.payee_approve(case_id=case.pk, actor=team["operator"], active_from=today)
    assert state(case) == PayeeState.VERIFIED


def test_an_operator_cannot_approve_resume_or_revoke(team, beneficiary, representative):
    case = verified(beneficiary, representative, team)
    with pytest.raises(NotAuthorized) as exc:
        payees.payee_approve(case_id=case.pk, actor=team["operator2"], active_from=timezone.localdate())
    assert exc.value.status == 403
    payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=timezone.localdate())
    payees.payee_suspend(case_id=case.pk, actor=team["operator"], reason="Under review.")
    with pytest.raises(NotAuthorized):
        payees.payee_resume(case_id=case.pk, actor=team["operator"])
    with pytest.raises(NotAuthorized):
        payees.payee_revoke(case_id=case.pk, actor=team["operator"], reason="Ended.")
    assert state(case) == PayeeState.SUSPENDED


def test_staff_of_another_branch_can_do_nothing(team, beneficiary, representative):
    case = active(beneficiary, representative, team)
    with pytest.raises(NotAuthorized):
        payees.payee_suspend(case_id=case.pk, actor=team["other_operator"], reason="x")
    with pytest.raises(NotAuthorized):
        requested(beneficiary, representative, actor=team["other_operator"])
    assert state(case) == PayeeState.ACTIVE


# --- Wrong state or step (409) ------------------------------------------------------------------


def test_no_approval_before_verification(team, beneficiary, representative):
    case = requested(beneficiary, representative)
    with pytest.raises(CaseTransitionError) as exc:
        payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=timezone.localdate())
    assert exc.value.status == 409
    assert state(case) == PayeeState.SUBMITTED


def test_verification_needs_the_task_in_hand(team, beneficiary, representative):
    case = requested(beneficiary, representative)
    with pytest.raises(Conflict):
        payees.payee_verify(case_id=case.pk, actor=team["operator"], identity_ok=True, documents_ok=True)
    services.task_take(case_id=case.pk, actor=team["operator"])
    with pytest.raises(Conflict):
        payees.payee_verify(case_id=case.pk, actor=team["operator2"], identity_ok=True, documents_ok=True)
    assert state(case) == PayeeState.VERIFYING


def test_suspend_resume_and_revoke_follow_the_states(team, beneficiary, representative):
    case = verified(beneficiary, representative, team)
    with pytest.raises(CaseTransitionError):
        payees.payee_suspend(case_id=case.pk, actor=team["operator"], reason="x")
    payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=timezone.localdate())
    with pytest.raises(CaseTransitionError):
        payees.payee_resume(case_id=case.pk, actor=team["supervisor"])
    payees.payee_revoke(case_id=case.pk, actor=team["supervisor"], reason="Ended.")
    for call in (
        lambda: payees.payee_suspend(case_id=case.pk, actor=team["operator"], reason="x"),
        lambda: payees.payee_revoke(case_id=case.pk, actor=team["supervisor"], reason="again"),
        lambda: payees.payee_activate(case_id=case.pk),
        lambda: payees.payee_withdraw(actor=person_actor(case.pk), case_id=case.pk),
    ):
        with pytest.raises(CaseTransitionError):
            call()
    assert state(case) == PayeeState.REVOKED


def test_no_activation_before_its_date(team, beneficiary, representative):
    start = timezone.localdate() + dt.timedelta(days=3)
    case = verified(beneficiary, representative, team)
    payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=start)
    with pytest.raises(CaseTransitionError):
        payees.payee_activate(case_id=case.pk)
    assert state(case) == PayeeState.APPROVED
    payees.payee_activate(case_id=case.pk, on=start)
    assert state(case) == PayeeState.ACTIVE


def test_an_approved_designation_not_yet_in_force_can_be_revoked(team, beneficiary, representative):
    case = verified(beneficiary, representative, team)
    payees.payee_approve(
        case_id=case.pk, actor=team["supervisor"], active_from=timezone.localdate() + dt.timedelta(days=3)
    )
    payees.payee_revoke(case_id=case.pk, actor=team["supervisor"], reason="Never mind.")
    assert state(case) == PayeeState.REVOKED
    assert not PayeeDesignation.objects.exists()
    assert payees.activate_due_payees(on=timezone.localdate() + dt.timedelta(days=3)) == (0, [])


# --- One designation per beneficiary (409) -------------------------------------------------------


def test_a_second_representative_cannot_be_approved_while_one_is_in_force(org, team, beneficiary, representative):
    first = active(beneficiary, representative, team)
    second_representative = make_insured(org.north_a)
    second = verified(beneficiary, second_representative, team)
    before = audit_count(second)
    with pytest.raises(Conflict) as exc:
        payees.payee_approve(case_id=second.pk, actor=team["supervisor"], active_from=timezone.localdate())
    assert exc.value.status == 409 and first.reference in exc.value.message
    assert state(second) == PayeeState.VERIFIED and audit_count(second) == before

    payees.payee_suspend(case_id=first.pk, actor=team["operator"], reason="Under review.")
    with pytest.raises(Conflict):  # a suspended designation still holds the beneficiary
        payees.payee_approve(case_id=second.pk, actor=team["supervisor"], active_from=timezone.localdate())

    payees.payee_revoke(case_id=first.pk, actor=team["supervisor"], reason="Replaced.")
    payees.payee_approve(case_id=second.pk, actor=team["supervisor"], active_from=timezone.localdate())
    assert state(second) == PayeeState.ACTIVE
    in_force = PayeeDesignation.objects.filter(beneficiary=beneficiary, active_to__isnull=True)
    assert list(in_force.values_list("representative", flat=True)) == [second_representative.pk]


def test_an_approval_waiting_for_its_date_holds_the_beneficiary_too(org, team, beneficiary, representative):
    first = verified(beneficiary, representative, team)
    payees.payee_approve(
        case_id=first.pk, actor=team["supervisor"], active_from=timezone.localdate() + dt.timedelta(days=7)
    )
    second = verified(beneficiary, make_insured(org.north_a), team)
    with pytest.raises(Conflict):
        payees.payee_approve(case_id=second.pk, actor=team["supervisor"], active_from=timezone.localdate())


def test_activation_is_refused_when_another_designation_is_in_force(org, team, beneficiary, representative):
    start = timezone.localdate() + dt.timedelta(days=2)
    case = verified(beneficiary, representative, team)
    payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=start)
    # A designation recorded meanwhile by other means (taken over from an earlier system, say).
    other = make_insured(org.north_a)
    PayeeDesignation.objects.create(
        beneficiary=beneficiary,
        representative=other,
        bank_account=add_bank_account(other),
        active_from=timezone.localdate(),
        case_reference="LEGACY-1",
    )
    before = audit_count(case)
    with pytest.raises(Conflict):
        payees.payee_activate(case_id=case.pk, on=start)
    activated, refused = payees.activate_due_payees(on=start)
    assert activated == 0 and [case_id for case_id, _message in refused] == [case.pk]
    assert state(case) == PayeeState.APPROVED and audit_count(case) == before
    assert not PayeeDesignation.objects.filter(case_reference=case.reference).exists()
