from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_unread_count(context):
    """How many of the signed-in person's portal notifications are unread (one query)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    from portal.models import PortalAccount
    from portal.views_messages import notifications_of

    try:
        return notifications_of(request).filter(read_at__isnull=True).count()
    except PortalAccount.DoesNotExist:
        return 0


@register.simple_tag(takes_context=True)
def portal_case_conversation(context, case):
    """The person's messages about ``case`` with the office's answers (three queries)."""
    from portal.access import person_of
    from portal.views_messages import case_conversation

    return case_conversation(person_of(context["request"]), case)
