"""An organisation of five levels, built through the services: a settlement centre at the top,
regions, districts, branches and community offices. Levels are data (``OrgLevel``): the three
every installation starts with keep their codes, a district level goes between regions and
branches, and a community office level below branches."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from cases import deadlines
from cases.models import BenefitClaim
from roles.errors import AuthorityLimitExceeded, InvalidInput, NotAuthorized
from roles.models import AuthorityLimit, Level, OrgLevel, OrgUnit, Role
from roles.powers import Power, roles_with
from roles.selectors import (
    authority_limits,
    authorize,
    deciding_unit,
    may,
    sets_authority_limits,
    unit_ids_where,
)
from roles.services import authority_limit_set, org_unit_create, role_grant
from rules.parameters import install_defaults
from tests.conftest import LIMIT_FROM, make_insured, staff
from tests.factories import UserFactory
from workflows import routing

from .conftest import marriage_claim, recommend, today

pytestmark = pytest.mark.django_db

DISTRICT, COMMUNITY = "district", "community_office"
# Limits of a supervisor held at each level, from the top down (None: no limit).
LIMITS = {
    Level.CENTRAL: None,
    Level.REGION: Decimal("100000.00"),
    DISTRICT: Decimal("20000.00"),
    Level.BRANCH: Decimal("5000.00"),
    COMMUNITY: Decimal("1500.00"),  # a marriage grant (1200.00) is decided where it is filed
}


class Tree:
    """The units by code, and an administrator held at each one."""

    def __init__(self):
        self.units = {}
        self.admins = {}

    def __getattr__(self, code):
        try:
            return self.__dict__["units"][code]
        except KeyError:
            raise AttributeError(code) from None


@pytest.fixture
def tree(db):
    """HQ > R1, R2; R1 > D1, D2; R2 > D3; D1 > B1; D2 > B2; B1 > C1, C2; B2 > C3. Every unit below
    the top is created by the administrator of the top unit; the limits are set by them too."""
    install_defaults()
    OrgLevel.objects.filter(code=Level.BRANCH).update(rank=3)
    OrgLevel.objects.create(code=DISTRICT, name="District", rank=2)
    OrgLevel.objects.create(code=COMMUNITY, name="Community office", rank=4)
    tree = Tree()
    tree.units["HQ"] = org_unit_create(code="HQ", name="Settlement centre", level=Level.CENTRAL)
    top_admin = staff("adm_hq", Role.ADMINISTRATOR, tree.HQ)
    tree.admins["HQ"] = top_admin
    shape = [
        ("R1", Level.REGION, "HQ"),
        ("R2", Level.REGION, "HQ"),
        ("D1", DISTRICT, "R1"),
        ("D2", DISTRICT, "R1"),
        ("D3", DISTRICT, "R2"),
        ("B1", Level.BRANCH, "D1"),
        ("B2", Level.BRANCH, "D2"),
        ("C1", COMMUNITY, "B1"),
        ("C2", COMMUNITY, "B1"),
        ("C3", COMMUNITY, "B2"),
    ]
    for code, level, parent in shape:
        tree.units[code] = org_unit_create(
            actor=top_admin, code=code, name=f"Unit {code}", level=level, parent=tree.units[parent]
        )
    for code in ("R1", "D1", "B1", "C1"):
        tree.admins[code] = staff(f"adm_{code.lower()}", Role.ADMINISTRATOR, tree.units[code])
    for level, amount in LIMITS.items():
        for role in (Role.SUPERVISOR, Role.BRANCH_MANAGER):
            authority_limit_set(actor=top_admin, role=role, level=level, amount=amount, valid_from=today())
    return tree


def test_units_nest_five_levels_deep_and_each_goes_below_a_level_of_smaller_rank(tree):
    assert [tree.units[code].depth for code in ("HQ", "R1", "D1", "B1", "C1")] == [1, 2, 3, 4, 5]
    assert tree.C1.path.startswith(tree.B1.path) and tree.B1.path.startswith(tree.D1.path)
    assert OrgUnit.objects.select_related("org_level").get(code="C1").org_level.rank == 4
    admin = tree.admins["HQ"]

    # Not under a unit of the same rank, nor of a greater rank.
    for level, parent in [(DISTRICT, "D1"), (DISTRICT, "B1"), (Level.REGION, "C1"), (Level.CENTRAL, "R1")]:
        with pytest.raises(InvalidInput) as refused:
            org_unit_create(actor=admin, code="X", name="X", level=level, parent=tree.units[parent])
        assert refused.value.field == "level"
    # A level that does not exist.
    with pytest.raises(InvalidInput) as refused:
        org_unit_create(actor=admin, code="X", name="X", level="county", parent=tree.R1)
    assert refused.value.field == "level"
    # One top unit only.
    with pytest.raises(InvalidInput) as refused:
        org_unit_create(code="X", name="X", level=Level.CENTRAL)
    assert refused.value.field == "parent"
    assert not OrgUnit.objects.filter(code="X").exists()
    # A level may be skipped: a community office straight under a district.
    assert org_unit_create(actor=admin, code="C9", name="C9", level=COMMUNITY, parent=tree.D3).parent == tree.D3

    # A level in use cannot be removed.
    with pytest.raises(ProtectedError):
        OrgLevel.objects.get(code=DISTRICT).delete()


def test_a_role_reaches_its_whole_subtree_and_nothing_else(tree):
    supervisor = staff("sup_d1", Role.SUPERVISOR, tree.D1)
    reached = {tree.units[c].pk for c in ("D1", "B1", "C1", "C2")}
    assert unit_ids_where(supervisor, Power.VIEW_CASE) == reached
    for code in ("D1", "B1", "C1", "C2"):
        assert may(supervisor, Power.DECIDE_CASE, unit=tree.units[code])
    for code in ("HQ", "R1", "R2", "D2", "D3", "B2", "C3"):  # ancestors and siblings
        assert not may(supervisor, Power.DECIDE_CASE, unit=tree.units[code]), code

    operator = staff("op_c2", Role.OPERATOR, tree.C2)
    assert unit_ids_where(operator, Power.VIEW_CASE) == {tree.C2.pk}
    assert not may(operator, Power.VIEW_CASE, unit=tree.C1)
    assert not may(operator, Power.VIEW_CASE, unit=tree.B1)


def test_limits_are_set_per_level_and_the_nearest_ancestor_that_covers_an_amount_decides(tree):
    decide = roles_with(Power.DECIDE_CASE)
    expected = [
        (Decimal("800.00"), "C1"),
        (Decimal("1500.00"), "C1"),
        (Decimal("1500.01"), "B1"),
        (Decimal("5000.00"), "B1"),
        (Decimal("12000.00"), "D1"),
        (Decimal("20000.01"), "R1"),
        (Decimal("100000.01"), "HQ"),
    ]
    for amount, code in expected:
        assert deciding_unit(tree.C1, amount, decide) == tree.units[code], amount

    # Without a limit at the district level, the region decides what the branch cannot.
    AuthorityLimit.objects.filter(level=DISTRICT).delete()
    assert deciding_unit(tree.C1, Decimal("12000.00"), decide) == tree.R1

    # A supervisor's own limit is the one of the level where they hold the role.
    supervisor = staff("sup_d2", Role.SUPERVISOR, tree.D2)
    AuthorityLimit.objects.filter(level=Level.BRANCH, role=Role.SUPERVISOR).delete()
    with pytest.raises(AuthorityLimitExceeded):
        authorize(supervisor, Power.DECIDE_CASE, unit=tree.C3, amount=Decimal("1.00"))
    authority_limit_set(
        actor=tree.admins["HQ"], role=Role.SUPERVISOR, level=DISTRICT, amount=Decimal("30000.00"), valid_from=today()
    )
    assert authorize(supervisor, Power.DECIDE_CASE, unit=tree.C3, amount=Decimal("30000.00")).unit_id == tree.D2.pk
    with pytest.raises(AuthorityLimitExceeded):
        authorize(supervisor, Power.DECIDE_CASE, unit=tree.C3, amount=Decimal("30000.01"))

    # The limits are listed by role, then level from the top down.
    rows, levels = authority_limits()
    assert [lv.code for lv in levels] == [Level.CENTRAL, Level.REGION, DISTRICT, Level.BRANCH, COMMUNITY]
    assert [r.level for r in rows if r.role == Role.SUPERVISOR] == [Level.CENTRAL, Level.REGION, DISTRICT, COMMUNITY]
    assert [r.level for r in rows if r.role == Role.BRANCH_MANAGER] == [
        Level.CENTRAL,
        Level.REGION,
        Level.BRANCH,
        COMMUNITY,
    ]


def test_an_overdue_decision_moves_to_the_parent_at_every_depth(tree):
    operator = staff("op_hq", Role.OPERATOR, tree.HQ)  # reaches every unit
    claims = {}
    for code in ("HQ", "R1", "D1", "B1", "C1"):
        claim = marriage_claim(make_insured(tree.units[code]))
        recommend(claim, operator)
        claim = BenefitClaim.objects.get(pk=claim.pk)
        assert claim.deciding_unit_id == tree.units[code].pk  # within every level's limit
        claims[code] = claim
    due = max(c.due_date for c in claims.values())

    run = deadlines.mark_overdue(on=due + dt.timedelta(days=1))

    assert (run.marked, run.escalated) == (5, 4)
    for code, parent in [("C1", "B1"), ("B1", "D1"), ("D1", "R1"), ("R1", "HQ"), ("HQ", "HQ")]:
        claim = BenefitClaim.objects.get(pk=claims[code].pk)
        task = routing.open_task(claim)
        assert task.owner_permission_obj_pk == str(tree.units[parent].pk), code
        assert claim.deciding_unit_id == tree.units[parent].pk, code
        assert claim.escalation_level == (0 if code == "HQ" else 1), code


@pytest.mark.parametrize("code", ["R1", "D1", "B1", "C1"])
def test_an_administrator_below_the_top_stays_inside_their_subtree_at_every_level(tree, code):
    admin = tree.admins[code]
    unit = tree.units[code]
    parent = unit.parent
    sibling = OrgUnit.objects.filter(parent=parent).exclude(pk=unit.pk).first()
    person = UserFactory(username=f"new_{code.lower()}")
    child_level = {"R1": DISTRICT, "D1": Level.BRANCH, "B1": COMMUNITY, "C1": None}[code]

    # No unit outside the subtree: not under the parent, a sibling or the top unit.
    for outside in filter(None, [parent, sibling, tree.HQ]):
        with pytest.raises(NotAuthorized):
            org_unit_create(actor=admin, code="X", name="X", level=COMMUNITY, parent=outside)
    # No unit of the administrator's own level (or above) under their unit.
    with pytest.raises(InvalidInput) as refused:
        org_unit_create(actor=admin, code="X", name="X", level=unit.level, parent=unit)
    assert refused.value.field == "level"
    assert not OrgUnit.objects.filter(code="X").exists()
    # No role granted at a unit above their own, or beside it.
    for outside in filter(None, [parent, sibling, tree.HQ]):
        with pytest.raises(NotAuthorized):
            role_grant(actor=admin, user=person, role=Role.OPERATOR, unit=outside)
    # No authority limit.
    assert not sets_authority_limits(admin)
    with pytest.raises(NotAuthorized):
        authority_limit_set(
            actor=admin, role=Role.SUPERVISOR, level=COMMUNITY, amount=Decimal("1.00"), valid_from=today()
        )

    # Inside their subtree they do both.
    if child_level is not None:
        child = org_unit_create(actor=admin, code=f"{code}X", name="New", level=child_level, parent=unit)
        assert child.parent == unit
        role_grant(actor=admin, user=person, role=Role.OPERATOR, unit=child, valid_from=LIMIT_FROM)
    else:
        role_grant(actor=admin, user=person, role=Role.OPERATOR, unit=unit, valid_from=LIMIT_FROM)
    assert may(person, Power.VIEW_CASE, unit=unit if child_level is None else child)


def test_only_an_administrator_of_the_top_unit_sets_limits(tree):
    assert sets_authority_limits(tree.admins["HQ"])
    assert [code for code in ("R1", "D1", "B1", "C1") if sets_authority_limits(tree.admins[code])] == []
    with pytest.raises(InvalidInput) as refused:
        authority_limit_set(
            actor=tree.admins["HQ"], role=Role.SUPERVISOR, level="county", amount=None, valid_from=today()
        )
    assert refused.value.field == "level"


def options(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


def test_the_pages_offer_the_levels_of_the_data(client, tree):
    client.force_login(tree.admins["D1"])
    body = client.get(reverse("admin_units")).content.decode()
    assert options(body, "level") == [Level.BRANCH, COMMUNITY]  # only below the district
    assert options(body, "parent")[1:] == [str(tree.units[c].pk) for c in ("D1", "B1", "C1", "C2")]
    assert "Community office" in body and "District" in body

    response = client.post(
        reverse("admin_unit_create"), {"parent": tree.C1.pk, "code": "CX", "name": "Too deep", "level": COMMUNITY}
    )
    assert response.status_code == 422 and "cannot be placed under" in response.content.decode()
    response = client.post(
        reverse("admin_unit_create"), {"parent": tree.D1.pk, "code": "BX", "name": "New branch", "level": Level.BRANCH}
    )
    assert response.status_code == 302
    assert OrgUnit.objects.get(code="BX").parent == tree.D1

    client.force_login(tree.admins["HQ"])
    body = client.get(reverse("admin_limits")).content.decode()
    assert options(body, "level") == [Level.CENTRAL, Level.REGION, DISTRICT, Level.BRANCH, COMMUNITY]
    response = client.post(
        reverse("admin_limit_set"),
        {"role": Role.SUPERVISOR, "level": COMMUNITY, "amount": "1800.00", "valid_from": today()},
    )
    assert response.status_code == 302
    assert authorize(
        staff("sup_c1", Role.SUPERVISOR, tree.C1), Power.DECIDE_CASE, unit=tree.C1, amount=Decimal("1800.00")
    )
