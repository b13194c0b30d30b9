"""Changing the organisation: accounts, roles, delegations, authority limits.

Each change writes its audit event in the same transaction (see docs/decisions/0002).
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from audit.services import record_event

from .backends import forget
from .errors import InvalidInput, NotAuthorized
from .models import DEFAULT_LEVELS, AuthorityLimit, Delegation, OrgLevel, OrgUnit, RoleAssignment
from .powers import POWER_PERMISSION, ROLE_POWERS, ROLE_RANK, Power
from .selectors import grants_for, paths_q, period_covered, sets_authority_limits, staff_roots_in_force, today

User = get_user_model()


def _audit(subject_type, subject_id, action, *, actor, unit=None, payload=None, on_behalf_of=None):
    record_event(
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        actor=actor,
        on_behalf_of=on_behalf_of,
        org_unit_id=unit.pk if unit else None,
        payload=payload,
    )


def _staff_authority(actor, unit):
    """The grant by which ``actor`` manages staff at ``unit``, and the highest rank they hold over it."""
    if actor is None:  # the system itself (installation, demo loader)
        return None, max(ROLE_RANK.values())
    if actor.is_superuser:
        return None, max(ROLE_RANK.values())
    grants = [g for g in grants_for(actor) if g.covers(unit)]
    managing = [g for g in grants if Power.MANAGE_STAFF in g.powers and g.on_behalf_of_id is None]
    if not managing:
        raise NotAuthorized(_("You may manage staff only inside your own part of the organisation."))
    rank = max(ROLE_RANK[g.role] for g in grants if g.on_behalf_of_id is None)
    return managing[0], rank


def _levels(*codes):
    """{code: OrgLevel} of those of ``codes`` that exist. When there is no level at all (a database
    emptied by ``flush``, which removes the rows of migration 0004 too), the default ones are
    installed first."""
    found = {lv.code: lv for lv in OrgLevel.objects.filter(code__in=codes)}
    if len(found) < len(set(codes)) and not OrgLevel.objects.exists():
        OrgLevel.objects.bulk_create([OrgLevel(code=c, name=n, rank=r) for c, n, r in DEFAULT_LEVELS])
        found = {lv.code: lv for lv in OrgLevel.objects.filter(code__in=codes)}
    return found


def _unknown_level(level):
    return InvalidInput(_("There is no level %(level)s.") % {"level": level}, field="level")


def org_unit_create(*, code, name, level, parent=None, actor=None):
    """A new unit of ``level`` (the code of an OrgLevel). The top unit has no parent and a level of
    the top rank; any other unit goes under a parent whose level ranks above its own (smaller
    rank), at any depth. An administrator creates units only under a unit of their own subtree, so
    always below their own unit; ``actor`` None is the system itself (installation, demo loader)."""
    with transaction.atomic():
        if actor is not None:
            if parent is None:
                raise InvalidInput(_("Choose the unit the new one belongs to."), field="parent")
            _staff_authority(actor, parent)
        if parent is None and OrgUnit.objects.filter(parent__isnull=True).exists():
            raise InvalidInput(_("The organisation already has its top unit."), field="parent")
        levels = _levels(level, *([parent.level] if parent is not None else []))
        if level not in levels:
            raise _unknown_level(level)
        new_level = levels[level]
        if parent is None and OrgLevel.objects.filter(rank__lt=new_level.rank).exists():
            raise InvalidInput(_("The top unit of the organisation must be of the top level."), field="level")
        if parent is not None:
            parent_level = levels.get(parent.level)
            if parent_level is None or new_level.rank <= parent_level.rank:
                raise InvalidInput(
                    _("A unit of level %(level)s cannot be placed under a unit of level %(parent)s.")
                    % {"level": new_level.label, "parent": parent_level.label if parent_level else parent.level},
                    field="level",
                )
        if OrgUnit.objects.filter(code=code).exists():
            raise InvalidInput(_("That code is taken."), field="code")
        unit = OrgUnit(code=code, name=name, level=level, parent=parent, path="")
        unit.path = f"tmp-{code}"
        unit.save()
        unit.path = f"{parent.path if parent else ''}{unit.pk:05d}."
        unit.save(update_fields=["path"])
        _audit(
            "org_unit",
            unit.pk,
            "org_unit.created",
            actor=actor,
            unit=unit,
            payload={"code": code, "name": name, "level": level, "parent": parent.code if parent else None},
        )
        return unit


def staff_account_create(*, actor, username, password, unit, first_name="", last_name="", email=""):
    """An administrator creates a staff account; its home is a unit inside their subtree."""
    with transaction.atomic():
        _staff_authority(actor, unit)
        if User.objects.filter(username=username).exists():
            raise InvalidInput(_("That login is taken."), field="username")
        user = User(username=username, first_name=first_name, last_name=last_name, email=email, is_staff=False)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
        user.save()
        _audit("user", user.pk, "user.created", actor=actor, unit=unit, payload={"username": username})
        return user


def staff_account_open(
    *, actor, username, password, unit, role, valid_from=None, valid_to=None, first_name="", last_name="", email=""
):
    """A staff account and its first role at ``unit``, together (an account with no role would
    belong to no part of the organisation, and no administrator below the top could find it)."""
    with transaction.atomic():
        user = staff_account_create(
            actor=actor,
            username=username,
            password=password,
            unit=unit,
            first_name=first_name,
            last_name=last_name,
            email=email,
        )
        role_grant(actor=actor, user=user, role=role, unit=unit, valid_from=valid_from, valid_to=valid_to)
        return user


def _account_units(user):
    """The units of the roles ``user`` holds or will hold; when none, of every role they ever held."""
    assignments = list(RoleAssignment.objects.filter(user=user).select_related("org_unit"))
    now = today()
    live = [a for a in assignments if a.valid_to is None or a.valid_to >= now]
    return [(a.role, a.org_unit) for a in (live or assignments)]


def _account_authority(actor, user):
    """Check that ``actor`` may change ``user``'s account: they manage staff at every unit where the
    person holds a role (or, with none left, held one), of a rank no higher than theirs. Returns
    the person's (role, unit) pairs."""
    if user.is_superuser and not (actor is None or actor.is_superuser):
        raise NotAuthorized(_("Only the system administrator changes this account."))
    held = _account_units(user)
    if actor is not None and not actor.is_superuser and not held:
        raise NotAuthorized(_("You may manage staff only inside your own part of the organisation."))
    for role, unit in held:
        _grant, rank = _staff_authority(actor, unit)
        if ROLE_RANK[role] > rank:
            raise NotAuthorized(_("This person holds a role above your own."))
    return held


def staff_account_set_active(*, actor, user, active):
    """Deactivate (``active`` False) or reactivate an account. A deactivated account signs in no
    more and holds no grant (its roles and delegations give nothing while it is inactive). The
    actor must manage staff at every unit where the person holds a role, of a rank no higher than
    theirs; nobody deactivates their own account."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if actor is not None and actor.pk == user.pk:
            raise NotAuthorized(_("You cannot deactivate or reactivate your own account; another administrator must."))
        held = _account_authority(actor, user)
        if user.is_active == bool(active):
            raise InvalidInput(
                _("The account is already active.") if active else _("The account is already inactive."), field="active"
            )
        user.is_active = bool(active)
        user.save(update_fields=["is_active"])
        _audit(
            "user",
            user.pk,
            "user.reactivated" if active else "user.deactivated",
            actor=actor,
            unit=held[0][1] if held else None,
            payload={"username": user.get_username()},
        )
        return user


def role_grant(*, actor, user, role, unit, valid_from=None, valid_to=None):
    """Grant ``role`` at ``unit``. The actor must manage staff at that unit (their subtree) and
    hold a role of at least the same rank over it: nobody grants above their own role."""
    valid_from = valid_from or today()
    with transaction.atomic():
        _grant, rank = _staff_authority(actor, unit)
        if actor is not None and actor.pk == user.pk and not actor.is_superuser:
            raise NotAuthorized(_("You cannot grant a role to yourself; another administrator must."))
        if ROLE_RANK[role] > rank:
            raise NotAuthorized(_("You cannot grant a role above your own."))
        if valid_to is not None and valid_to < valid_from:
            raise InvalidInput(_("The end date is before the start date."), field="valid_to")
        assignment = RoleAssignment.objects.create(
            user=user, role=role, org_unit=unit, valid_from=valid_from, valid_to=valid_to, granted_by=actor
        )
        _sync_object_permissions(user)
        _audit(
            "user",
            user.pk,
            "role.granted",
            actor=actor,
            unit=unit,
            payload={"role": role, "unit": unit.code, "valid_from": valid_from, "valid_to": valid_to},
        )
        return assignment


def role_revoke(*, actor, assignment, on=None):
    """End ``assignment``: from ``on`` (today by default) the role is no longer held, so its last
    day (``valid_to``, inclusive) is the day before. Nobody revokes a role above their own."""
    on = on or today()
    last_day = on - dt.timedelta(days=1)
    with transaction.atomic():
        assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
        _grant, rank = _staff_authority(actor, assignment.org_unit)
        if ROLE_RANK[assignment.role] > rank:
            raise NotAuthorized(_("You cannot revoke a role above your own."))
        if assignment.valid_to is None or assignment.valid_to > last_day:
            assignment.valid_to = last_day
            assignment.save(update_fields=["valid_to"])
        _sync_object_permissions(assignment.user)
        _audit(
            "user",
            assignment.user_id,
            "role.revoked",
            actor=actor,
            unit=assignment.org_unit,
            payload={"role": assignment.role, "unit": assignment.org_unit.code, "valid_to": assignment.valid_to},
        )
        return assignment


def delegation_create(*, actor, assignment, delegate, valid_from, valid_to, powers=(), reason=""):
    """The holder of ``assignment`` lends it (or some of its powers) to ``delegate`` for a period.
    Nobody delegates what they do not hold, for longer than they hold it; a delegation cannot be
    passed on (only an own role assignment can be delegated).

    An administrator may record a delegation for a holder (someone going on leave) when they manage
    staff at the unit of the role, the role is of a rank no higher than theirs and the delegate
    belongs to their part of the organisation; they never record one to themselves."""
    with transaction.atomic():
        holder = assignment.user
        if actor is None or assignment.user_id != actor.pk:
            try:
                _grant, rank = _staff_authority(actor, assignment.org_unit)
            except NotAuthorized:
                raise NotAuthorized(_("You can delegate only a role you hold yourself.")) from None
            if ROLE_RANK[assignment.role] > rank:
                raise NotAuthorized(_("You cannot delegate a role above your own."))
            if actor is not None and not actor.is_superuser and not _in_staff_subtree(actor, delegate):
                raise NotAuthorized(
                    _("The delegate must hold a role in your part of the organisation."), field="delegate"
                )
        if delegate.pk == holder.pk or (actor is not None and delegate.pk == actor.pk):
            raise InvalidInput(_("You cannot delegate to yourself."), field="delegate")
        if not delegate.is_active:
            raise InvalidInput(_("The delegate's account is inactive."), field="delegate")
        if valid_to < valid_from:
            raise InvalidInput(_("The end date is before the start date."), field="valid_to")
        if not period_covered(assignment, valid_from, valid_to):
            raise InvalidInput(_("You do not hold this role for the whole period."), field="valid_to")
        held = ROLE_POWERS.get(assignment.role, set())
        unknown = set(powers) - held
        if unknown:
            raise InvalidInput(
                _("You cannot delegate powers your role does not have: %(powers)s")
                % {"powers": ", ".join(sorted(unknown))},
                field="powers",
            )
        if Power.MANAGE_STAFF in (set(powers) or held):
            raise InvalidInput(_("Staff management cannot be delegated."), field="powers")
        delegation = Delegation.objects.create(
            assignment=assignment,
            delegate=delegate,
            powers=sorted(powers),
            valid_from=valid_from,
            valid_to=valid_to,
            reason=reason,
        )
        _audit(
            "user",
            delegate.pk,
            "delegation.created",
            actor=actor,
            unit=assignment.org_unit,
            payload={
                "delegator": holder.get_username(),
                "role": assignment.role,
                "powers": sorted(powers),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "reason": reason,
            },
        )
        _sync_object_permissions(delegate)
        return delegation


def _in_staff_subtree(actor, user):
    """Whether ``user`` holds (or will hold) a role at a unit where ``actor`` manages staff."""
    roots = staff_roots_in_force(actor)
    if not roots:
        return False
    return RoleAssignment.objects.filter(
        paths_q(roots, "org_unit__path"), Q(valid_to__isnull=True) | Q(valid_to__gte=today()), user=user
    ).exists()


def delegation_revoke(*, actor, delegation):
    """The delegator (or whoever manages staff at the unit, of a rank no lower than the role's) ends a
    delegation now."""
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().select_related("assignment__org_unit").get(pk=delegation.pk)
        if actor is None or delegation.assignment.user_id != actor.pk:
            _grant, rank = _staff_authority(actor, delegation.assignment.org_unit)
            if ROLE_RANK[delegation.assignment.role] > rank:
                raise NotAuthorized(_("You cannot withdraw the delegation of a role above your own."))
        if delegation.revoked_at is not None:
            raise InvalidInput(_("This delegation was already withdrawn."), field="delegation")
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
        _audit(
            "user",
            delegation.delegate_id,
            "delegation.revoked",
            actor=actor,
            unit=delegation.assignment.org_unit,
            payload={"delegation": delegation.pk, "role": delegation.assignment.role},
        )
        _sync_object_permissions(delegation.delegate)
        return delegation


def object_permissions_refresh(*, on=None):
    """Bring the guardian mirror up to date for users whose roles or delegations started or ended
    since yesterday: role and delegation dates take effect without anyone granting or revoking on
    that day. Celery beat runs it every minute, so a dated grant takes effect within a minute of
    the installation's midnight; a run finds the same few users all day and changes nothing."""
    on = on or today()
    yesterday = on - dt.timedelta(days=1)
    starts, ends = [yesterday, on], [yesterday - dt.timedelta(days=1), yesterday]
    users = (
        set(RoleAssignment.objects.filter(valid_from__in=starts).values_list("user_id", flat=True))
        | set(RoleAssignment.objects.filter(valid_to__in=ends).values_list("user_id", flat=True))
        | set(Delegation.objects.filter(valid_from__in=starts).values_list("delegate_id", flat=True))
        | set(Delegation.objects.filter(valid_to__in=ends).values_list("delegate_id", flat=True))
    )
    for user in User.objects.filter(pk__in=users):
        _sync_object_permissions(user)
    return len(users)


def authority_limit_set(*, actor, role, level, amount, valid_from):
    """Set the limit of ``role`` held at ``level`` from ``valid_from`` (``amount`` None: no limit).

    A limit applies to every unit of the level, across the whole tree, so only the system or an
    administrator of the top unit sets one; and only from today on: what was in force on a past
    day is a record of how past cases were decided and is never rewritten by a person."""
    with transaction.atomic():
        if actor is not None and not sets_authority_limits(actor):
            raise NotAuthorized(_("Only an administrator of the top unit of the organisation sets authority limits."))
        if level not in _levels(level):
            raise _unknown_level(level)
        if amount is not None and amount < 0:
            raise InvalidInput(_("A limit cannot be negative."), field="amount")
        if actor is not None and not actor.is_superuser and valid_from < today():
            raise InvalidInput(_("A limit can only take effect from today or later."), field="valid_from")
        limit, _created = AuthorityLimit.objects.update_or_create(
            role=role, level=level, valid_from=valid_from, defaults={"amount": amount}
        )
        _audit(
            "authority_limit",
            f"{role}.{level}",
            "authority_limit.set",
            actor=actor,
            payload={"amount": amount, "valid_from": valid_from},
        )
        return limit


def _sync_object_permissions(user):
    """Mirror what the user may do today, by their own roles and by delegations they received, as
    guardian permissions on the org units where they hold them (never on cases). A permission on a
    unit reaches its subtree (``roles.backends.UnitPermissionBackend``)."""
    forget(user)
    wanted = set()
    for grant in grants_for(user):
        for power in grant.powers:
            perm = POWER_PERMISSION.get(power)
            if perm:
                wanted.add((perm, grant.unit_id))
    from guardian.models import UserObjectPermission

    current = {
        (f"roles.{codename}", int(pk))
        for codename, pk in UserObjectPermission.objects.filter(
            user=user, content_type__app_label="roles", content_type__model="orgunit"
        ).values_list("permission__codename", "object_pk")
    }
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={pk for _p, pk in wanted | current})}
    for perm, pk in wanted - current:
        assign_perm(perm, user, units[pk])
    for perm, pk in current - wanted:
        if pk in units:
            remove_perm(perm, user, units[pk])
