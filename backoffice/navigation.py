"""The main navigation of the staff pages: each section shows to the users who hold a power it needs.

One entry per workbench area. ``powers``: the section shows when the user holds any of them at
some unit (an empty tuple: every signed-in staff member). The grants are read once per request
(``request.staff_grants``) and shared with the views that need them.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from roles.powers import Power
from roles.selectors import grants_for


@dataclass(frozen=True)
class Section:
    key: str
    url_name: str
    label: str
    powers: tuple = ()


SECTIONS = (
    Section("inbox", "inbox", _("My inbox"), (Power.WORK_CASE, Power.DECIDE_CASE, Power.MEDICAL_DECISION)),
    Section("queue", "queue", _("Unit queue"), (Power.WORK_CASE, Power.DECIDE_CASE, Power.MEDICAL_DECISION)),
    Section("counter", "counter", _("Counter"), (Power.WORK_CASE,)),
    Section("messages", "staff_messages", _("Messages"), (Power.WORK_CASE,)),
    Section("team", "team_workload", _("Team"), (Power.REASSIGN_TASK,)),
    Section("overdue", "overdue", _("Overdue"), (Power.VIEW_CASE,)),
    Section("report", "case_report", _("Report"), (Power.VIEW_CASE,)),
    Section("audit", "audit_search", _("Audit trail"), (Power.READ_AUDIT,)),
    Section("administration", "admin_units", _("Administration"), (Power.MANAGE_STAFF,)),
    Section("flows", "flow_index", _("Flows"), ()),
)


def staff_grants(request):
    """The signed-in user's grants, read once per request."""
    if not hasattr(request, "_staff_grants"):
        request._staff_grants = grants_for(request.user) if request.user.is_authenticated else []
    return request._staff_grants


def held_powers(request):
    return set().union(*(g.powers for g in staff_grants(request))) if request.user.is_authenticated else set()


def _items(request):
    powers = held_powers(request)
    items = []
    for section in SECTIONS:
        if section.powers and not powers.intersection(section.powers):
            continue
        try:
            url = reverse(section.url_name)
        except NoReverseMatch:  # an area not installed in this deployment
            continue
        items.append({"key": section.key, "url": url, "label": section.label})
    return items


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": SimpleLazyObject(lambda: _items(request))}
