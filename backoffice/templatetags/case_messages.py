from django import template

register = template.Library()


@register.simple_tag
def case_messages_awaiting(case):
    """The person's messages about ``case`` awaiting an answer (no query when there is none)."""
    from backoffice.views_messages import awaiting_of_case

    return awaiting_of_case(case)
