"""Whom the portal's pages are serving: the banner of every page while acting for someone."""

from django import template

from portal.access import ACTING, NOBODY

register = template.Library()


@register.simple_tag(takes_context=True)
def acting_mandate(context):
    """The mandate the signed-in account acts under on this request, or None (no query: read by
    ``portal.access`` already)."""
    request = context.get("request")
    return getattr(request, "_portal_mandate", None) if request is not None else None


@register.simple_tag(takes_context=True)
def may_act_for_others(context):
    """The account had someone to act for when it was asked (the session says so; no query)."""
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return False
    return request.session.get(ACTING, NOBODY) != NOBODY
