"""Template tags that draw a case type's flow and a case's position in it."""

from django import template

register = template.Library()


@register.inclusion_tag("backoffice/flows/_case_position.html")
def case_flow_chart(case):
    return {"case": case}
