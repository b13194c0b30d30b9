"""Who may do what, where, and on whose behalf. Every permission check goes through here."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .backends import unit_paths_where
from .errors import AuthorityLimitExceeded, NotAuthorized
from .models import AuthorityLimit, Delegation, OrgLevel, OrgUnit, Role, RoleAssignment
from .powers import POWER_PERMISSION, ROLE_POWERS, Power


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


def limits_of(grants, on=None):
    """The authority limits of ``grants`` (``_limits``), for ``authorize(..., limits=...)`` over
    many checks: one query."""
    return _limits(grants, on or today())


def _within_limit(grant, amount, limits):
    key = (grant.role, grant.unit_level)
    return key in limits and (limits[key] is None or amount <= limits[key])


def authorize(user, power, *, unit, amount=None, on=None, grants=None, limits=None):
    """The grant by which ``user`` may use ``power`` on work owned by ``unit``.

    Own roles come before delegated ones. With ``amount``, the grant's authority limit
    (role and level of the unit where it is held) must cover it (``limits``: as ``limits_of``
    read them for the same grants, or read here). Raises NotAuthorized or AuthorityLimitExceeded.
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
    limits = _limits(candidates, on) if limits is None else limits
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


def users_with_unit_permission(perm, unit):
    """Ids of the users holding ``perm`` ("roles.work_cases", ...) at ``unit`` today, by a guardian
    row on the unit or on a unit above it (``roles.backends``): a subquery, evaluated with its caller."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField
    from django.db.models.functions import Cast
    from guardian.models import UserObjectPermission

    app_label, codename = perm.split(".", 1)
    ancestors = OrgUnit.objects.filter(path__in=unit.ancestor_paths()).annotate(key=Cast("pk", CharField()))
    return UserObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(OrgUnit),
        permission__content_type__app_label=app_label,
        permission__codename=codename,
        object_pk__in=ancestors.values("key"),
    ).values("user_id")


def deciding_unit(unit, amount, decide_roles, on=None):
    """The nearest unit at or above ``unit`` (through any number of ancestors) whose level has a
    deciding role whose limit covers ``amount``; the top unit when none does. Two queries."""
    on = on or today()
    ancestors = sorted(OrgUnit.objects.filter(path__in=unit.ancestor_paths()), key=lambda u: -len(u.path))
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


def is_top_unit_path(path):
    """Whether ``path`` (a unit's materialised path) is the top unit's: the one unit without a parent."""
    return path.count(".") == 1


def org_levels():
    """Every level of the organisation, from the top down (by rank): one query."""
    return list(OrgLevel.objects.order_by("rank", "code"))


def delegate_ids_of(assignments, powers, on):
    """Ids of the active users to whom one of ``assignments`` (a queryset of role assignments) is
    delegated on ``on`` with at least one of ``powers`` (a delegation listing no powers carries
    every power of its role). One query."""
    powers = set(powers)
    return [
        delegate_id
        for delegate_id, delegated in Delegation.objects.filter(
            assignment__in=assignments,
            assignment__user__is_active=True,
            revoked_at__isnull=True,
            valid_from__lte=on,
            valid_to__gte=on,
        ).values_list("delegate_id", "powers")
        if not delegated or powers.intersection(delegated)
    ]


def period_covered(assignment, start, end):
    """Whether ``assignment`` is valid on every day from ``start`` to ``end``."""
    return assignment.valid_from <= start and (assignment.valid_to is None or end <= assignment.valid_to)


__all__ = [
    "Grant",
    "authorize",
    "may",
    "grants_for",
    "limits_of",
    "unit_ids_where",
    "deciding_unit",
    "authority_limit",
    "subtree",
    "is_top_unit_path",
    "org_levels",
    "period_covered",
    "staff_roots",
    "staff_roots_in_force",
    "managed_units",
    "staff_counts",
    "staff_members",
    "staff_member",
    "staff_member_by_login",
    "staff_assignments",
    "managed_assignment",
    "staff_delegations",
    "managed_delegation",
    "open_delegations",
    "authority_limits",
    "sets_authority_limits",
]


# --- Administration: what an administrator sees of their own part of the organisation ----------


def _outermost(paths):
    """``paths`` without the ones inside another."""
    roots = []
    for path in sorted(paths):  # sorted: a unit's path comes after its ancestors' paths
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return roots


def staff_roots(user):
    """Paths of the subtrees ``user`` administers, as django-guardian's rows say (``roles.backends``;
    staff management is never delegated, so the rows are the user's own roles): what the
    administration pages show."""
    return _outermost(unit_paths_where(user, POWER_PERMISSION[Power.MANAGE_STAFF]))


def staff_roots_in_force(user):
    """``staff_roots`` from the roles in force today (2 queries), for the services' own checks."""
    return _outermost(
        g.unit_path for g in grants_for(user) if Power.MANAGE_STAFF in g.powers and g.on_behalf_of_id is None
    )


def paths_q(roots, field="path"):
    """A filter matching the units (through ``field``, a path) inside any of the ``roots``' subtrees."""
    query = Q(pk__in=[])
    for path in roots:
        query |= Q(**{f"{field}__startswith": path})
    return query


def managed_units(roots):
    """The units of the subtrees with their levels, in materialised path order (a tree read top
    down): one query."""
    if not roots:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(paths_q(roots)).select_related("org_level").order_by("path")


def current_assignments_q(on=None, prefix=""):
    on = on or today()
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
    )


def staff_counts(roots, on=None):
    """{unit id: number of people holding a role there today} for the subtrees: one grouped query."""
    if not roots:
        return {}
    rows = (
        RoleAssignment.objects.filter(current_assignments_q(on), paths_q(roots, "org_unit__path"))
        .values("org_unit_id")
        .annotate(people=Count("user_id", distinct=True))
        .values_list("org_unit_id", "people")
    )
    return dict(rows)


def _staff_q(roots):
    """People who hold or held a role at a unit of the subtrees (their history included, so that
    an account whose roles ended can still be found and given a new one)."""
    return Exists(RoleAssignment.objects.filter(paths_q(roots, "org_unit__path"), user_id=OuterRef("pk")))


def staff_members(roots, *, unit=None, name="", after=None, limit=50, on=None):
    """A page of the people of the subtrees (optionally of ``unit``'s subtree, and whose login or
    name contains ``name``) by login, each with their roles in force there (``current_roles``):
    two queries however many people. Returns (rows, next login or None)."""
    if not roots:
        return [], None
    if unit is not None:
        if not any(unit.path.startswith(root) for root in roots):
            return [], None
        roots = [unit.path]
    users = get_user_model().objects.filter(_staff_q(roots))
    if name:
        users = users.filter(Q(username__icontains=name) | Q(first_name__icontains=name) | Q(last_name__icontains=name))
    if after:
        users = users.filter(username__gt=after)
    roles = (
        RoleAssignment.objects.filter(current_assignments_q(on), paths_q(roots, "org_unit__path"))
        .select_related("org_unit")
        .order_by("org_unit__path", "role")
    )
    rows = list(
        users.order_by("username").prefetch_related(
            Prefetch("role_assignments", queryset=roles, to_attr="current_roles")
        )[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].username if more and rows else None)


def staff_member(roots, user_id):
    """The person ``user_id`` if they belong to the subtrees, else None."""
    if not roots:
        return None
    return get_user_model().objects.filter(_staff_q(roots), pk=user_id).first()


def staff_member_by_login(roots, username):
    if not roots or not username:
        return None
    return get_user_model().objects.filter(_staff_q(roots), username=username).first()


def staff_assignments(roots, user):
    """Every role ``user`` holds, held or will hold at a unit of the subtrees, latest first."""
    return list(
        RoleAssignment.objects.filter(paths_q(roots, "org_unit__path"), user=user)
        .select_related("org_unit", "granted_by")
        .order_by("-valid_from", "-pk")
    )


def managed_assignment(roots, assignment_id):
    """The role assignment ``assignment_id`` if held at a unit of the subtrees, else None."""
    if not roots:
        return None
    return (
        RoleAssignment.objects.filter(paths_q(roots, "org_unit__path"), pk=assignment_id)
        .select_related("org_unit", "user")
        .first()
    )


def _delegations():
    return Delegation.objects.select_related("assignment__org_unit", "assignment__user", "delegate")


def staff_delegations(roots, user):
    """Delegations ``user`` gave or received for roles held at units of the subtrees, latest first."""
    return list(
        _delegations()
        .filter(paths_q(roots, "assignment__org_unit__path"))
        .filter(Q(delegate=user) | Q(assignment__user=user))
        .order_by("-valid_from", "-pk")
    )


def managed_delegation(roots, delegation_id):
    if not roots:
        return None
    return _delegations().filter(paths_q(roots, "assignment__org_unit__path"), pk=delegation_id).first()


def open_delegations(roots, *, after=None, limit=50, on=None):
    """Delegations of roles held in the subtrees that are in force or still to come, not withdrawn,
    by start date: one query. ``after`` is the (valid_from, id) of the last row of the page before.
    Returns (rows, next key or None)."""
    on = on or today()
    if not roots:
        return [], None
    rows = _delegations().filter(
        paths_q(roots, "assignment__org_unit__path"), revoked_at__isnull=True, valid_to__gte=on
    )
    if after:
        start, pk = after
        rows = rows.filter(Q(valid_from__gt=start) | Q(valid_from=start, pk__gt=pk))
    rows = list(rows.order_by("valid_from", "pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, ((rows[-1].valid_from, rows[-1].pk) if more and rows else None)


def authority_limits(on=None):
    """Every level from the top down, and every authority limit (a short parameter table) by role,
    level from the top down and latest start first; the one in force on ``on`` for its role and
    level is marked ``in_force``. One query (the levels joined to their limits): (rows, levels)."""
    on = on or today()
    role_order = {value: i for i, value in enumerate(Role.values)}
    levels, rows = {}, []
    for level_pk, code, name, rank, pk, role, amount, valid_from in OrgLevel.objects.order_by(
        "rank", "code"
    ).values_list(
        "pk",
        "code",
        "name",
        "rank",
        "authority_limits__pk",
        "authority_limits__role",
        "authority_limits__amount",
        "authority_limits__valid_from",
    ):
        level = levels.setdefault(code, OrgLevel(pk=level_pk, code=code, name=name, rank=rank))
        if pk is not None:
            row = AuthorityLimit(pk=pk, role=role, level=code, amount=amount, valid_from=valid_from)
            row.org_level = level
            rows.append(row)
    rows.sort(key=lambda r: (role_order.get(r.role, 99), r.org_level.rank, -r.valid_from.toordinal()))
    seen = set()
    for row in rows:
        row.in_force = False
        if row.valid_from <= on and (row.role, row.level) not in seen:
            row.in_force = True
            seen.add((row.role, row.level))
    return rows, list(levels.values())


def sets_authority_limits(user, *, grants=None):
    """Whether ``user`` sets authority limits: the system, or whoever manages staff by a role of their
    own held at the top unit (limits apply to every unit of a level, across the whole tree)."""
    if user is None or user.is_superuser:
        return True
    if grants is None:
        grants = grants_for(user)
    return any(
        Power.MANAGE_STAFF in g.powers and g.on_behalf_of_id is None and is_top_unit_path(g.unit_path) for g in grants
    )
