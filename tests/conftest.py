import datetime as dt
import os
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client

from backoffice.security import SESSION_SIDE, SESSION_VERIFIED, side_of_account
from roles.models import Level, Role
from roles.services import authority_limit_set, org_unit_create, role_grant
from rules.parameters import install_defaults

from .factories import PersonFactory, UserFactory, add_bank_account, add_contributions
from .task_mirror import task_mirror_checked  # noqa: F401  (checks the cases' copy of their task)

# Test clients log in with both factors. ``login()`` and ``force_login()`` of every Django test
# client (pytest-django's ``client``, DRF's APIClient, TestCase.client) mark the session as having
# passed the second factor with the user's device (made, confirmed, when they have none), so page
# and API tests need no authenticator. The tests of the second factor itself use
# ``PasswordOnlyClient``, whose logins stop after the password as a real one does.
_password_only_login = Client._login


def _login_with_second_factor(self, user, backend=None):
    from roles.devices import SealedTOTPDevice as TOTPDevice

    _password_only_login(self, user, backend)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = self.session
    session[SESSION_VERIFIED] = device.persistent_id
    session[SESSION_SIDE] = side_of_account(user)  # a person's account signs in to the portal
    session.save()


Client._login = _login_with_second_factor


class PasswordOnlyClient(Client):
    _login = _password_only_login


LIMIT_FROM = dt.date(2000, 1, 1)
BRANCH_LIMIT = Decimal("5000.00")
REGION_LIMIT = Decimal("50000.00")


# Every test runs at one fixed moment of the installation's zone, with the clock ticking from
# there, so that no test passes on one day and fails on another. ``SOCIUS_TEST_NOW`` (ISO date
# and time, local to ``SOCIUS_TIME_ZONE``) runs the whole suite at another moment. The tests
# with a real Celery worker (marked ``broker``) keep the real clock: the worker is another
# process, and both must agree on the time; they take their dates as arguments.
TEST_NOW = os.environ.get("SOCIUS_TEST_NOW", "2026-11-18T10:00:00")


def fixed_moment():
    from django.conf import settings

    moment = dt.datetime.fromisoformat(TEST_NOW)
    return moment if moment.tzinfo else moment.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


@pytest.fixture(autouse=True)
def fixed_clock(request):
    if request.node.get_closest_marker("broker"):
        yield None
        return
    with time_machine.travel(fixed_moment(), tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request leaves its language active in the thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def pytest_collection_modifyitems(config, items):
    on_postgres = connection.vendor == "postgresql"
    has_broker = bool(os.environ.get("CELERY_BROKER_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if "broker" in item.keywords and not (has_broker and on_postgres):
            item.add_marker(pytest.mark.skip(reason="needs CELERY_BROKER_URL and PostgreSQL"))


@dataclass
class Org:
    central: object
    north: object
    south: object
    north_a: object
    north_b: object
    south_a: object
    south_b: object


def build_org():
    install_defaults()
    central = org_unit_create(code="HQ", name="Central office", level=Level.CENTRAL)
    north = org_unit_create(code="N", name="North region", level=Level.REGION, parent=central)
    south = org_unit_create(code="S", name="South region", level=Level.REGION, parent=central)
    org = Org(
        central=central,
        north=north,
        south=south,
        north_a=org_unit_create(code="NA", name="North A branch", level=Level.BRANCH, parent=north),
        north_b=org_unit_create(code="NB", name="North B branch", level=Level.BRANCH, parent=north),
        south_a=org_unit_create(code="SA", name="South A branch", level=Level.BRANCH, parent=south),
        south_b=org_unit_create(code="SB", name="South B branch", level=Level.BRANCH, parent=south),
    )
    for role in (Role.SUPERVISOR, Role.BRANCH_MANAGER):
        authority_limit_set(actor=None, role=role, level=Level.BRANCH, amount=BRANCH_LIMIT, valid_from=LIMIT_FROM)
        authority_limit_set(actor=None, role=role, level=Level.REGION, amount=REGION_LIMIT, valid_from=LIMIT_FROM)
        authority_limit_set(actor=None, role=role, level=Level.CENTRAL, amount=None, valid_from=LIMIT_FROM)
    return org


@pytest.fixture
def org(db):
    return build_org()


def staff(username, role, unit):
    user = UserFactory(username=username)
    role_grant(actor=None, user=user, role=role, unit=unit, valid_from=LIMIT_FROM)
    return user


@pytest.fixture
def make_staff(org):
    return staff


@pytest.fixture
def team(org):
    """Staff of the North A branch and above."""
    return {
        "operator": staff("op_na", Role.OPERATOR, org.north_a),
        "operator2": staff("op2_na", Role.OPERATOR, org.north_a),
        "supervisor": staff("sup_na", Role.SUPERVISOR, org.north_a),
        "supervisor2": staff("sup2_na", Role.SUPERVISOR, org.north_a),
        "region_supervisor": staff("sup_n", Role.SUPERVISOR, org.north),
        "central_supervisor": staff("sup_hq", Role.SUPERVISOR, org.central),
        "other_operator": staff("op_sa", Role.OPERATOR, org.south_a),
        "finance": staff("fin_na", Role.FINANCE_OFFICER, org.north_a),
        "auditor": staff("aud_hq", Role.AUDITOR, org.central),
    }


def make_insured(branch, *, months=36, wage=Decimal("2000.00"), start=dt.date(2022, 1, 1), **kwargs):
    person = PersonFactory(branch=branch, **kwargs)
    add_contributions(person, start=start, months=months, wage=wage)
    add_bank_account(person)
    return person


@pytest.fixture
def insured(org):
    return make_insured(org.north_a)
