"""django-guardian as the read path of unit-level permissions.

``roles.services`` keeps one guardian row per (user, permission, org unit) for what the user may
do at that unit today, by a role of their own or a delegation (refreshed when a grant changes and
every minute for dated grants). A permission held at a unit reaches the unit's subtree, so this
backend answers ``user.has_perm("roles.work_cases", unit)`` from the rows on the unit and its
ancestors. It reads the user's unit rows once per user object (one query) and keeps them on it,
so a page asking about many units costs one query (content types are cached by Django). Rows on anything but org units are left to
guardian's own backend (there are none: nothing is ever granted per case).
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from guardian.backends import ObjectPermissionBackend

from .models import OrgUnit

_CACHE = "_socius_unit_permissions"


def unit_permissions(user):
    """{"roles.<codename>": [unit paths]} of the rows the user holds on org units (one query, once
    per user object)."""
    cached = getattr(user, _CACHE, None)
    if cached is not None:
        return cached
    from guardian.models import UserObjectPermission

    found = {}
    if user is not None and user.is_active and not user.is_anonymous:
        # guardian keeps object ids as text: the unit is matched through its id as text.
        unit_path = OrgUnit.objects.annotate(key=Cast("pk", CharField())).filter(key=OuterRef("object_pk"))
        rows = UserObjectPermission.objects.filter(
            user=user, content_type=ContentType.objects.get_for_model(OrgUnit)
        ).values_list("permission__codename", Subquery(unit_path.values("path")[:1]))
        for codename, path in rows:
            if path is not None:
                found.setdefault(f"roles.{codename}", []).append(path)
    setattr(user, _CACHE, found)
    return found


def forget(user):
    """Drop what was read of ``user``'s rows (after they changed)."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def unit_paths_where(user, perm):
    """Paths of the units at which ``user`` holds ``perm`` (each reaching its subtree)."""
    return list(unit_permissions(user).get(perm, ()))


class UnitPermissionBackend(ObjectPermissionBackend):
    def has_perm(self, user_obj, perm, obj=None):
        if isinstance(obj, OrgUnit):
            return any(obj.path.startswith(path) for path in unit_permissions(user_obj).get(perm, ()))
        return super().has_perm(user_obj, perm, obj)
