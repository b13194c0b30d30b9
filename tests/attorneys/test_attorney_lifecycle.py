"""Powers of attorney through the engine: request, verification, approval under four eyes,
rejection, revocation by the grantor or by staff, withdrawal, and the dates it holds between."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from audit.actors import Actor, ActorKind
from audit.models import AuditEvent
from audit.verify import verify_all
from cases import attorneys, catalog, forms, services
from cases.errors import CaseTransitionError, FourEyesViolation, InvalidInput, NotAuthorized
from cases.models import AttorneyState, Case, CaseType, Notification, PowerOfAttorney
from tests.conftest import make_insured

from .conftest import SCOPE, approved, events, requested, verified

pytestmark = pytest.mark.django_db
A = AttorneyState


def reload(case):
    return PowerOfAttorney.objects.get(pk=case.pk)


def in_force_on(case, day):
    return PowerOfAttorney.objects.filter(attorneys.in_force(day), pk=case.pk).exists()


def test_it_is_the_seventh_case_type_in_the_registry():
    assert len(catalog.TYPES) == 7
    spec = catalog.TYPES[CaseType.POWER_OF_ATTORNEY]
    assert spec.model is PowerOfAttorney and spec.services is attorneys
    assert set(spec.actions) == {"verify", "approve", "reject", "revoke"}
    assert spec.service("withdraw") is attorneys.attorney_withdraw


def test_request_verification_approval_and_revocation_by_the_grantor(org, team, grantor, attorney):
    today = timezone.localdate()
    case = requested(grantor, attorney)
    assert case.state == A.SUBMITTED and case.reference.startswith("PA-")
    assert (case.person, case.attorney, case.owning_unit, case.scope) == (grantor, attorney, org.north_a, SCOPE)
    assert case.due_date == today + dt.timedelta(days=20)
    # Both are told that the request was received.
    assert Notification.objects.filter(case=case, person=grantor, channel="portal").count() == 1
    assert Notification.objects.filter(case=case, person=attorney, channel="portal").count() == 1

    services.task_take(case_id=case.pk, actor=team["operator"])
    assert reload(case).state == A.VERIFYING
    attorneys.attorney_verify(case_id=case.pk, actor=team["operator"], identity_ok=True, documents_ok=True)
    case = reload(case)
    assert (case.state, case.verified_by, case.identity_verified) == (A.VERIFIED, team["operator"], True)
    task = Task.objects.get(process_id=case.process_id, status=STATUS.NEW)
    assert (task.flow_task.name, task.owner_permission) == ("approve", "roles.decide_cases")
    assert not in_force_on(case, today)

    services.task_take(case_id=case.pk, actor=team["supervisor"])
    attorneys.attorney_approve(case_id=case.pk, actor=team["supervisor"], note="Signed form on file.")
    case = reload(case)
    assert (case.state, case.approved_by) == (A.APPROVED, team["supervisor"])
    assert case.process.status == PROCESS.DONE
    assert in_force_on(case, today) and case.in_force(today)

    attorneys.attorney_revoke(case_id=case.pk, actor=Actor.person(grantor), reason="I act for myself again.")
    case = reload(case)
    assert (case.state, case.ended_on, case.end_reason) == (A.REVOKED, today, "I act for myself again.")
    assert not in_force_on(case, today)
    revoked = AuditEvent.objects.get(subject_type="case", subject_id=str(case.pk), action="power_of_attorney.revoke")
    assert (revoked.actor_kind, revoked.actor_identity) == (ActorKind.PERSON, f"person:{grantor.pk}")
    assert events(case) == [
        "power_of_attorney.created",
        "power_of_attorney.submit",
        "task.created",
        "task.assigned",
        "power_of_attorney.start_verification",
        "task.completed",
        "power_of_attorney.verify",
        "task.created",
        "task.assigned",
        "task.completed",
        "power_of_attorney.approve",
        "power_of_attorney.revoke",
    ]
    assert verify_all().ok


def test_staff_revoke_and_a_representative_cannot(team, grantor, attorney):
    case = approved(grantor, attorney, team)
    as_attorney = Actor.representative(attorney, grantor, f"attorney:{case.reference}")
    with pytest.raises(NotAuthorized):
        attorneys.attorney_revoke(case_id=case.pk, actor=as_attorney, reason="I give up.")
    with pytest.raises(NotAuthorized):
        attorneys.attorney_revoke(case_id=case.pk, actor=team["other_operator"], reason="Elsewhere.")
    attorneys.attorney_revoke(case_id=case.pk, actor=team["operator2"], reason="Asked at the counter.")
    assert reload(case).state == A.REVOKED
    event = AuditEvent.objects.get(subject_type="case", subject_id=str(case.pk), action="power_of_attorney.revoke")
    assert (event.actor_kind, event.actor_id) == (ActorKind.STAFF, team["operator2"].pk)
    with pytest.raises(CaseTransitionError):
        attorneys.attorney_revoke(case_id=case.pk, actor=team["operator2"], reason="Twice.")


def test_only_approved_powers_are_revoked(team, grantor, attorney):
    case = requested(grantor, attorney)
    with pytest.raises(CaseTransitionError):
        attorneys.attorney_revoke(case_id=case.pk, actor=Actor.person(grantor), reason="Too early.")
    attorneys.attorney_withdraw(case_id=case.pk, actor=Actor.person(grantor), reason="Not needed.")
    assert reload(case).state == A.WITHDRAWN


def test_four_eyes_whoever_verified_does_not_approve(team, grantor, attorney):
    case = requested(grantor, attorney)
    services.task_take(case_id=case.pk, actor=team["supervisor"])
    attorneys.attorney_verify(case_id=case.pk, actor=team["supervisor"], identity_ok=True, documents_ok=True)
    with pytest.raises(FourEyesViolation):
        attorneys.attorney_approve(case_id=case.pk, actor=team["supervisor"])
    # Nor is the approval task handed to them.
    with pytest.raises(FourEyesViolation):
        services.task_take(case_id=case.pk, actor=team["supervisor"])
    with pytest.raises(NotAuthorized):  # an operator has no power to decide
        attorneys.attorney_approve(case_id=case.pk, actor=team["operator"])
    attorneys.attorney_approve(case_id=case.pk, actor=team["supervisor2"])
    assert reload(case).state == A.APPROVED


def test_a_failed_verification_or_a_supervisor_rejects(team, grantor, attorney):
    case = requested(grantor, attorney)
    services.task_take(case_id=case.pk, actor=team["operator"])
    attorneys.attorney_verify(
        case_id=case.pk, actor=team["operator"], identity_ok=True, documents_ok=False, note="No signature."
    )
    case = reload(case)
    assert case.state == A.REJECTED and "No signature." in case.end_reason
    assert case.process.status == PROCESS.DONE

    other = verified(grantor, attorney, team)
    attorneys.attorney_reject(case_id=other.pk, actor=team["supervisor"], reason="The grantor withdrew consent.")
    assert reload(other).state == A.REJECTED


def test_the_request_is_checked(team, grantor, attorney, org):
    today = timezone.localdate()
    refusals = [
        ({"attorney_name": "Somebody-Else"}, "attorney_name"),
        ({"scope": []}, "scope"),
        ({"scope": [CaseType.REPRESENTATIVE_PAYEE]}, "scope"),
        ({"scope": [CaseType.POWER_OF_ATTORNEY]}, "scope"),
        ({"valid_from": today - dt.timedelta(days=1)}, "valid_from"),
        ({"valid_to": today - dt.timedelta(days=1)}, "valid_to"),
    ]
    for kwargs, field in refusals:
        with pytest.raises(InvalidInput) as refused:
            requested(grantor, attorney, **kwargs)
        assert refused.value.field == field, kwargs
    with pytest.raises(InvalidInput):
        requested(grantor, grantor)
    # The surname check ignores case and spaces around it.
    assert requested(grantor, attorney, attorney_name=f"  {attorney.last_name.upper()} ").state == A.SUBMITTED
    # Nobody acting for the grantor asks for a power in their name, nor anyone for another person.
    with pytest.raises(NotAuthorized):
        requested(grantor, attorney, actor=Actor.representative(attorney, grantor, "payee:RP-2026-TEST"))
    with pytest.raises(NotAuthorized):
        requested(grantor, attorney, actor=Actor.person(make_insured(org.north_a)))
    assert Case.objects.filter(case_type=CaseType.POWER_OF_ATTORNEY).count() == 1


def test_the_dates_it_holds_between(team, grantor, attorney):
    today = timezone.localdate()
    start, end = today + dt.timedelta(days=10), today + dt.timedelta(days=40)
    case = approved(grantor, attorney, team, valid_from=start, valid_to=end)
    assert not in_force_on(case, today) and not reload(case).in_force(today)
    assert in_force_on(case, start) and in_force_on(case, end)
    assert not in_force_on(case, end + dt.timedelta(days=1)) and not reload(case).in_force(end + dt.timedelta(days=1))
    open_ended = approved(grantor, attorney, team, valid_to=None)
    assert in_force_on(open_ended, today + dt.timedelta(days=3650))


def test_a_power_past_its_end_date_is_not_approved(team, grantor, attorney):
    today = timezone.localdate()
    case = verified(grantor, attorney, team, valid_to=today + dt.timedelta(days=5))
    with time_machine.travel(timezone.now() + dt.timedelta(days=6), tick=False):
        with pytest.raises(CaseTransitionError):
            attorneys.attorney_approve(case_id=case.pk, actor=team["supervisor"])
    assert reload(case).state == A.VERIFIED


def test_filed_at_the_counter_with_the_registry_form(team, grantor, attorney):
    today = timezone.localdate()
    data = {
        "attorney": attorney.ssn,
        "attorney_name": attorney.last_name,
        "scope": [CaseType.GRIEVANCE],
        "valid_from": today.isoformat(),
        "valid_to": "",
    }
    form = forms.AttorneyRequestForm(data, person=grantor)
    assert form.is_valid(), form.errors
    case = form.file(team["operator"])
    assert (case.scope, case.valid_to, case.state) == ([CaseType.GRIEVANCE], None, A.SUBMITTED)
    created = AuditEvent.objects.get(subject_type="case", subject_id=str(case.pk), action="power_of_attorney.created")
    assert created.actor_kind == ActorKind.STAFF
    unknown = forms.AttorneyRequestForm({**data, "attorney": "0000000000"}, person=grantor)
    assert not unknown.is_valid() and set(unknown.errors) == {"attorney"}


def test_the_approvals_waiting_mark_the_verifiers_own_work(team, grantor, attorney):
    from cases.workload import approvals_waiting
    from roles.selectors import grants_for

    case = requested(grantor, attorney)
    services.task_take(case_id=case.pk, actor=team["supervisor"])
    attorneys.attorney_verify(case_id=case.pk, actor=team["supervisor"], identity_ok=True, documents_ok=True)
    for user, own in ((team["supervisor"], True), (team["supervisor2"], False)):
        (row,) = [t for t in approvals_waiting(user, grants_for(user)).rows if t.case.pk == case.pk]
        assert isinstance(row.case, PowerOfAttorney) and row.own_work is own and row.total is None
