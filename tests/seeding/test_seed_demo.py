"""The demo office: built through the services, complete, idempotent, with fresh passwords each run."""

import re
from collections import Counter

import pytest
from django.contrib.auth import authenticate, get_user_model
from viewflow.workflow.models import Process, Task

from audit.models import AuditCheckpoint, AuditEvent
from audit.verify import verify_all
from cases import selectors
from cases.models import BenefitClaim, Case, CaseComment, ClaimState, Notification
from registry.models import (
    BankAccount,
    ContributionEntry,
    DisabilityAssessment,
    Employer,
    EmploymentPeriod,
    Payment,
    PaymentSchedule,
    Person,
)
from registry.ssn import is_valid_ssn
from roles.models import AuthorityLimit, Level, OrgUnit, Role, RoleAssignment
from rules.models import Parameter
from rules.parameters import DEFAULTS

from .conftest import run_command

User = get_user_model()
LOGIN_LINE = re.compile(r"^  (\S+)\s+(\S+)  (.+) at (.+)$")


def printed_logins(output, heading="Staff logins", end="E-services portal logins"):
    lines = output.split(heading, 1)[1].split(end, 1)[0].splitlines()[1:]
    found = {}
    for line in lines:
        match = LOGIN_LINE.match(line)
        assert match, f"unexpected line in the staff list: {line!r}"
        found[match[1]] = match[2]
    return found


def domain_counts():
    models = [
        OrgUnit,
        AuthorityLimit,
        Parameter,
        User,
        RoleAssignment,
        Person,
        Employer,
        EmploymentPeriod,
        ContributionEntry,
        BankAccount,
        DisabilityAssessment,
        Case,
        BenefitClaim,
        Process,
        Task,
        PaymentSchedule,
        Payment,
        CaseComment,
        Notification,
    ]
    return {m.__name__: m.objects.count() for m in models}


@pytest.mark.django_db
def test_demo_office_is_complete():
    output = run_command("seed_demo")

    units = Counter(OrgUnit.objects.values_list("level", flat=True))
    assert units == {Level.CENTRAL: 1, Level.REGION: 2, Level.BRANCH: 4}
    branches = list(OrgUnit.objects.filter(level=Level.BRANCH))
    assert all(b.parent.level == Level.REGION for b in branches)

    limits = {(a.role, a.level): a.amount for a in AuthorityLimit.objects.all()}
    for role in (Role.SUPERVISOR, Role.BRANCH_MANAGER):
        assert limits[(role, Level.BRANCH)] == 5000
        assert limits[(role, Level.REGION)] == 50000
        assert limits[(role, Level.CENTRAL)] is None
    assert set(DEFAULTS) <= set(Parameter.objects.values_list("key", flat=True))

    # Staff of every role, each login printed with a password that works.
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    logins = printed_logins(output)
    assert set(logins) == set(User.objects.filter(portal_account__isnull=True).values_list("username", flat=True))
    for username, password in logins.items():
        assert authenticate(username=username, password=password) is not None, username
    assert len(set(logins.values())) == len(logins)

    persons = list(Person.objects.all())
    assert len(persons) == 200
    assert all(is_valid_ssn(p.ssn) and p.email.endswith("@example.org") for p in persons)
    assert Counter(p.branch_id for p in persons) == {b.pk: 50 for b in branches}
    assert Employer.objects.count() == 20
    assert not Person.objects.filter(contributions__isnull=True).exists()
    assert not Person.objects.filter(employments__isnull=True).exists()
    assert BankAccount.objects.filter(verified=True).values("person").distinct().count() == 200

    # Claims in every state, of several benefit types, made by the services.
    states = set(BenefitClaim.objects.values_list("state", flat=True))
    assert {
        ClaimState.SUBMITTED,
        ClaimState.IN_REVIEW,
        ClaimState.AWAITING_INFO,
        ClaimState.RECOMMENDED,
        ClaimState.IN_PAYMENT,
        ClaimState.REJECTED,
        ClaimState.CLOSED,
        ClaimState.WITHDRAWN,
    } <= states
    assert BenefitClaim.objects.values("benefit_type").distinct().count() >= 6
    assert AuditEvent.objects.filter(action="benefit_claim.approve").exists()
    assert AuditEvent.objects.filter(action="benefit_claim.appeal").exists()
    escalated = BenefitClaim.objects.filter(state=ClaimState.RECOMMENDED, deciding_unit__level=Level.REGION)
    assert escalated.exists()
    region_queue = Task.objects.filter(
        status="NEW",
        owner_permission="roles.decide_cases",
        owner_permission_obj_pk__in=[str(u.pk) for u in OrgUnit.objects.filter(level=Level.REGION)],
    )
    assert region_queue.count() == escalated.count()
    for claim in BenefitClaim.objects.all():
        assert claim.audit_seq == AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).count()

    # Full queues and inboxes.
    for branch in branches:
        operator = User.objects.get(
            role_assignments__role=Role.OPERATOR, role_assignments__org_unit=branch, username__startswith="operator1"
        )
        supervisor = User.objects.get(role_assignments__role=Role.SUPERVISOR, role_assignments__org_unit=branch)
        assert selectors.unit_queue(operator).rows
        assert selectors.inbox(operator).rows
        assert any(t.owner_permission == "roles.decide_cases" for t in selectors.unit_queue(supervisor).rows)
    region_supervisor = User.objects.get(username="supervisor.northern")
    assert any(t.queue_unit.level == Level.REGION for t in selectors.unit_queue(region_supervisor).rows)

    result = verify_all()
    assert result.ok, result.problems
    checkpoint = AuditCheckpoint.objects.order_by("-id").first()
    assert checkpoint.last_event_id == AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()


PORTAL_LINE = re.compile(r"^  (\S+)\s+(\S+)  (.+), (claimant|representative payee of .+|attorney of .+)$")


def printed_portal_logins(output):
    found = {}
    for line in output.split("E-services portal logins", 1)[1].splitlines()[1:]:
        match = PORTAL_LINE.match(line)
        assert match, f"unexpected line in the portal list: {line!r}"
        found[match[1]] = match[2]
    return found


@pytest.mark.django_db
def test_some_demo_people_sign_in_to_the_portal_and_only_there():
    from backoffice.security import PORTAL_SIDE, side_of_account

    output = run_command("seed_demo", claim_branches=1)
    portal = printed_portal_logins(output)
    # Two claimants, the representative payee of a pensioner and an attorney, each acting for someone.
    assert len(portal) == 4
    assert re.search(r", representative payee of .+ \(RP-", output)
    assert re.search(r", attorney of .+ \(PA-", output)
    for username, password in portal.items():
        user = authenticate(username=username, password=password)
        assert user is not None and side_of_account(user) == PORTAL_SIDE
        assert not user.role_assignments.exists()


@pytest.mark.django_db
def test_running_again_changes_only_the_passwords():
    first_output = run_command("seed_demo")
    first = printed_logins(first_output)
    first_portal = printed_portal_logins(first_output)
    before = domain_counts()
    second_output = run_command("seed_demo")
    second = printed_logins(second_output)
    second_portal = printed_portal_logins(second_output)
    assert set(first_portal) == set(second_portal)
    for username in first_portal:
        assert authenticate(username=username, password=second_portal[username]) is not None

    assert domain_counts() == before
    assert set(first) == set(second)
    for username in first:
        assert first[username] != second[username]
        assert authenticate(username=username, password=first[username]) is None
        assert authenticate(username=username, password=second[username]) is not None
    # Each reset is on the record.
    assert AuditEvent.objects.filter(action="user.password_set").count() == len(first)
    result = verify_all()
    assert result.ok, result.problems
