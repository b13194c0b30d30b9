from django import template

from cases.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_unread_count(context):
    """How many of the signed-in person's portal notifications are unread (one query)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    from portal.access import person_of
    from portal.models import PortalAccount

    try:
        person = person_of(request)
    except PortalAccount.DoesNotExist:
        return 0
    return Notification.objects.filter(person=person, channel=Notification.Channel.PORTAL, read_at__isnull=True).count()


@register.simple_tag(takes_context=True)
def portal_case_conversation(context, case):
    """The person's messages about ``case`` with the office's answers (three queries)."""
    from portal.access import person_of
    from portal.views_messages import case_conversation

    return case_conversation(person_of(context["request"]), case)
