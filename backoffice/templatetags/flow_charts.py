"""Template tags that draw a case type's flow and a case's position in it.

The layout comes from ``workflows.charts`` (computed once per process); these tags only mark the
current position. ``case_flow_chart`` reads the case and its open task from the case page's
context (``case``, ``task``): it makes no query of its own.
"""

from django import template
from django.utils.translation import gettext as _

from workflows import charts

register = template.Library()

BADGE_FONT = 11


def diagram_context(case_type, *, current_state=None, current_step=None, uid=None):
    """What ``backoffice/flows/_diagram.html`` draws: the chart with the current position marked."""
    drawn = charts.labelled_chart(case_type)
    chart = drawn.chart
    labels = {node.key: node.label for node in chart.nodes}
    current_node = chart.node(current_state) if current_state else None
    badge = _("current")
    badge_width = round(len(badge) * BADGE_FONT * charts.CHAR_WIDTH + 14)
    nodes = [
        {
            "node": node,
            "text": drawn.node_text[node.key],
            "current": current_node is not None and node.key == current_node.key,
            "ring": (node.x - 5, node.y - 5, node.width + 10, node.height + 10),
            "inner": (node.x + 3, node.y + 3, node.width - 6, node.height - 6),
            "badge": (node.x + 6, node.y - 9, badge_width, 18, node.x + 6 + badge_width / 2, node.y),
        }
        for node in chart.nodes
    ]
    arrows = [
        {"arrow": arrow, "text": text, "hint": ", ".join(str(charts.TRANSITION_LABELS.get(n, n)) for n in arrow.names)}
        for arrow, text in zip(chart.arrows, drawn.arrow_text, strict=True)
    ]
    states = [
        {
            "key": node.key,
            "label": node.label,
            "current": current_node is not None and node.key == current_node.key,
            "final": node.final,
            "exits": [{"label": t.label, "target": labels[t.target]} for t in chart.outgoing(node.key)],
        }
        for node in sorted(chart.nodes, key=lambda n: (n.layer, n.x))
    ]
    steps = [{"name": step.name, "title": step.title, "current": step.name == current_step} for step in chart.steps]
    return {
        "chart": chart,
        "uid": uid or f"flow-{case_type}",
        "nodes": nodes,
        "arrows": arrows,
        "states": states,
        "steps": steps,
        "current_node": current_node,
        "current_label": current_node.label if current_node else None,
        "current_step": next((s for s in steps if s["current"]), None),
        "badge": badge,
    }


@register.inclusion_tag("backoffice/flows/_flow.html")
def flow_diagram(case_type, uid=None):
    """A case type's flow, with no position marked (the flows pages)."""
    return diagram_context(case_type, uid=uid)


@register.inclusion_tag("backoffice/flows/_case_position.html", takes_context=True)
def case_flow_chart(context, case):
    """The case's flow with its current state and open task marked, from the page's context."""
    if case is None or case.case_type not in charts.case_types():
        return {"chart": None}
    task = context.get("task")
    step = None
    if task is not None:
        node = getattr(task, "flow_task", None)
        step = getattr(node, "name", None)
    return {
        **diagram_context(case.case_type, current_state=case.state, current_step=step, uid=f"case-flow-{case.pk}"),
        "case": case,
        "task": task,
    }
