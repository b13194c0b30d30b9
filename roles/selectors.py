"""Who may do what, where, and on whose behalf. Every permission check goes through here."""

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import AuthorityLimitExceeded, NotAuthorized
from .models import AuthorityLimit, Delegation, Level, OrgUnit, RoleAssignment
from .powers import ROLE_POWERS, Power

LEVEL_ORDER = {Level.BRANCH: 0, Level.REGION: 1, Level.CENTRAL: 2}


@dataclass(frozen=True)
class Grant:
    """One way a user holds powers at a unit: their own role, or a delegated one."""

    role: str
    unit_id: int
    unit_path: str
    unit_level: str
    powers: frozenset
    on_behalf_of_id: int | None = None  # the delegator, when acting by delegation

    def covers(self, unit):
        return unit.path.startswith(self.unit_path)


def today():
    return timezone.localdate()


def grants_for(user, on=None):
    """Every grant a user holds on ``on`` (today by default): two queries."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    on = on or today()
    valid = Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    grants = [
        Grant(
            role=a.role,
            unit_id=a.org_unit_id,
            unit_path=a.org_unit.path,
            unit_level=a.org_unit.level,
            powers=frozenset(ROLE_POWERS.get(a.role, ())),
        )
        for a in RoleAssignment.objects.filter(valid, user=user).select_related("org_unit")
    ]
    delegations = (
        Delegation.objects.filter(
            delegate=user,
            revoked_at__isnull=True,
            valid_from__lte=on,
            valid_to__gte=on,
            assignment__valid_from__lte=on,
        )
        .filter(Q(assignment__valid_to__isnull=True) | Q(assignment__valid_to__gte=on))
        .filter(assignment__user__is_active=True)
        .select_related("assignment__org_unit")
    )
    for d in delegations:
        a = d.assignment
        role_powers = ROLE_POWERS.get(a.role, set())
        powers = role_powers & set(d.powers) if d.powers else role_powers
        grants.append(
            Grant(
                role=a.role,
                unit_id=a.org_unit_id,
                unit_path=a.org_unit.path,
                unit_level=a.org_unit.level,
                powers=frozenset(powers),
                on_behalf_of_id=a.user_id,
            )
        )
    return grants


def authority_limit(role, level, on=None):
    """(has_authority, limit): limit None means unlimited."""
    on = on or today()
    row = (
        AuthorityLimit.objects.filter(role=role, level=level, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("amount", flat=True)
    )
    found = list(row[:1])
    if not found:
        return False, None
    return True, found[0]


def _limits(grants, on):
    """{(role, level): limit} in force on ``on`` for the grants' roles and levels, in one query.
    A pair without a row has no authority; a limit of None is unlimited."""
    roles = {g.role for g in grants}
    levels = {g.unit_level for g in grants}
    found = {}
    for role, level, amount in (
        AuthorityLimit.objects.filter(role__in=roles, level__in=levels, valid_from__lte=on)
        .order_by("role", "level", "-valid_from")
        .values_list("role", "level", "amount")
    ):
        found.setdefault((role, level), amount)
    return found


def _within_limit(grant, amount, limits):
    key = (grant.role, grant.unit_level)
    return key in limits and (limits[key] is None or amount <= limits[key])


def authorize(user, power, *, unit, amount=None, on=None, grants=None):
    """The grant by which ``user`` may use ``power`` on work owned by ``unit``.

    Own roles come before delegated ones. With ``amount``, the grant's authority limit
    (role and level of the unit where it is held) must cover it.
    Raises NotAuthorized or AuthorityLimitExceeded.
    """
    on = on or today()
    if grants is None:
        grants = grants_for(user, on)
    candidates = [g for g in grants if power in g.powers and g.covers(unit)]
    candidates.sort(key=lambda g: (g.on_behalf_of_id is not None, -len(g.unit_path)))
    if not candidates:
        raise NotAuthorized(
            _("You hold no role that allows you to %(power)s at %(unit)s.")
            % {"power": Power.LABELS.get(power, power), "unit": unit.name}
        )
    if amount is None:
        return candidates[0]
    limits = _limits(candidates, on)
    for grant in candidates:
        if _within_limit(grant, amount, limits):
            return grant
    raise AuthorityLimitExceeded(
        _("The amount %(amount)s is above your authority limit; it must be decided at a higher level.")
        % {"amount": amount}
    )


def may(user, power, *, unit, amount=None, on=None):
    try:
        authorize(user, power, unit=unit, amount=amount, on=on)
    except NotAuthorized:
        return False
    return True


def unit_ids_where(user, power, on=None):
    """Ids of every unit where ``user`` may use ``power``: the subtrees of their grants (3 queries)."""
    roots = {g.unit_path for g in grants_for(user, on) if power in g.powers}
    if not roots:
        return set()
    query = Q()
    for path in roots:
        query |= Q(path__startswith=path)
    return set(OrgUnit.objects.filter(query).values_list("id", flat=True))


def deciding_unit(unit, amount, decide_roles, on=None):
    """The nearest unit at or above ``unit`` whose level has a deciding role whose limit covers ``amount``."""
    on = on or today()
    ancestors = sorted(
        OrgUnit.objects.filter(path__in=unit.ancestor_paths()), key=lambda u: -len(u.path)
    )
    limits = {}
    for role, level, limit in (
        AuthorityLimit.objects.filter(role__in=decide_roles, valid_from__lte=on)
        .order_by("role", "level", "-valid_from")
        .values_list("role", "level", "amount")
    ):
        limits.setdefault((role, level), limit)
    for candidate in ancestors:
        for role in decide_roles:
            key = (role, candidate.level)
            if key in limits and (limits[key] is None or amount <= limits[key]):
                return candidate
    return ancestors[-1] if ancestors else unit


def subtree(unit):
    return OrgUnit.objects.filter(path__startswith=unit.path)


def period_covered(assignment, start, end):
    """Whether ``assignment`` is valid on every day from ``start`` to ``end``."""
    return assignment.valid_from <= start and (assignment.valid_to is None or end <= assignment.valid_to)


__all__ = [
    "Grant",
    "authorize",
    "may",
    "grants_for",
    "unit_ids_where",
    "deciding_unit",
    "authority_limit",
    "subtree",
    "period_covered",
]
