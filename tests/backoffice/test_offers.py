"""Rules stated once, over the whole demo: for every case, every staff member and every action of
the case's type, the case page offers the action exactly when the service it calls accepts it
(the service's answer is rolled back)."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from backoffice.views import ACTIONS
from cases import forms
from cases.catalog import TYPES
from cases.engine import task_take
from cases.models import Case, CommissionSession, GrievanceCategory, Priority
from roles.errors import DomainError
from roles.models import RoleAssignment
from roles.powers import Power

from .test_step_checks import _Rollback, accepts

pytestmark = pytest.mark.django_db


def valid_data(case):
    """Cleaned data every action form could return for ``case``: a rejection where a decision is
    asked (an approval may also meet an amount limit, which the page cannot know before the
    amount is typed), a request received within its period (the counter records the day it
    came, which may be before the day it is recorded), the members of the owning unit's commission for a session."""
    from cases.selectors import staff_who_may

    now = timezone.now()
    sat = CommissionSession.members.through.objects.filter(commissionsession__case_id=case.pk).values("user_id")
    return {
        "decision": forms.REJECT,
        "amount": None,
        "note": "Checked against the registry.",
        "question": "Send the employer's certificate.",
        "answer": "The certificate arrived.",
        "reason": "Asked at the counter.",
        "on": getattr(case, "reopen_until", None),  # a reopening asked on the period's last day
        "category": GrievanceCategory.choices[0][0],
        "priority": Priority.NORMAL,
        "identity_ok": True,
        "documents_ok": True,
        "active_from": timezone.localdate(now),
        "scheduled_for": now - dt.timedelta(hours=1),
        "location": "Room 1",
        "members": list(staff_who_may(Power.MEDICAL_DECISION, case.owning_unit).exclude(pk__in=sat)[:3]),
        "degree_percent": 40,
        "permanent": True,
        "review_date": None,
        "grounds": "The degree is too low.",
    }


def one_per_role_and_unit():
    """A staff member of each role at each unit (the others see what they see), with the path of
    that unit."""
    users = {}
    for assignment in RoleAssignment.objects.select_related("user", "org_unit").order_by("user_id"):
        users.setdefault(
            (assignment.role, assignment.org_unit_id), (assignment.user, assignment.role, assignment.org_unit.path)
        )
    return list(users.values())


def concerned(users, case, *, elsewhere=True):
    """Who may find ``case`` at all: the staff of its unit, above it and below it; and of the
    staff elsewhere, one of each role (the object URL harness shows a case of another part of
    the organisation answers 404 to all of them)."""
    unit = case.owning_unit.path
    near, others = [], {}
    for user, role, path in users:
        if unit.startswith(path) or path.startswith(unit):
            near.append(user)
        elif elsewhere:
            others.setdefault(role, user)
    return near + list(others.values())


def signed_in(users):
    clients = {}
    for user in users:
        clients[user] = Client()
        clients[user].force_login(user)
    return clients


def compare(base, user, client, met):
    """Each action of ``base``'s type: offered on ``user``'s page exactly when its service accepts it."""
    model = TYPES[base.case_type].model
    response = client.get(f"/cases/{base.reference}/")
    html = response.content.decode() if response.status_code == 200 else ""
    checked = 0
    data = valid_data(model.objects.get(pk=base.pk))
    for action in ACTIONS[base.case_type].values():
        case = model.objects.get(pk=base.pk)
        offered = f'action="{action.url(case)}"' in html
        accepted = accepts(lambda action=action, case=case: action.run(user, case, dict(data)))
        assert offered == accepted, (case.reference, case.state, user.username, action.slug, offered)
        checked += 1
        if accepted:
            met.add((case.case_type, action.slug))
    return checked


def test_over_the_demo_every_action_is_offered_exactly_when_its_service_accepts_it():
    """As each one finds the case, and after taking its open task where they may; then again a
    quarter later, when periods have run out (a grievance's reopening, an appeal window, the start
    of a representative's designation)."""
    call_command("seed_demo", claim_branches=1, stdout=io.StringIO())
    users = one_per_role_and_unit()
    found = {}
    for case in Case.objects.select_related("owning_unit").order_by("pk"):  # one of each type in each state
        found.setdefault((case.case_type, case.state, case.escalation_level), case)
    cases = list(found.values())
    who = {base.pk: concerned(users, base) for base in cases}
    near = {base.pk: concerned(users, base, elsewhere=False) for base in cases}
    users = list({user for user, _role, _path in users})
    clients = signed_in(users)
    met, checked = set(), 0
    for base in cases:
        for user in who[base.pk]:
            checked += compare(base, user, clients[user], met)
            try:
                with transaction.atomic():
                    task_take(case_id=base.pk, actor=user)
                    checked += compare(base, user, clients[user], met)
                    raise _Rollback
            except (_Rollback, DomainError):
                pass
    with time_machine.travel(timezone.now() + dt.timedelta(days=100)):
        clients = signed_in(users)  # the sessions of a quarter ago have expired
        for base in cases:
            for user in near[base.pk]:  # elsewhere, a case is still not found
                checked += compare(base, user, clients[user], met)
    assert checked > 1000
    # Every action of every type was accepted somewhere.
    every = {(case_type, slug) for case_type, actions in ACTIONS.items() for slug in actions}
    assert every - met == set()
