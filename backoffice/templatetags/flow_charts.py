"""Template tags that draw a case type's flow and a case's position in it.

The layout comes from ``backoffice.charts`` (computed once per process); these tags mark the
current position. ``case_flow_chart`` reads the case and its open task from the case page's
context (``case``, ``task``): it makes no query of its own.

The SVG of a type depends only on the code, the language and the marked state, so each one is
drawn once per process and kept (at most types x languages x states, a few hundred small strings):
drawing it costs more than the rest of the case page's templates.
"""

from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from backoffice import charts
from cases.labels import transition_label

register = template.Library()

BADGE_FONT = 11


def _number(value):
    """A coordinate as SVG wants it whatever the language: a dot, no grouping."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=512)
def diagram_svg(case_type, language, current_state, uid):
    """The picture of ``case_type`` in ``language`` with ``current_state`` (or None) marked."""
    drawn = charts.labelled_chart(case_type)  # in the active language, which is ``language``
    chart = drawn.chart
    current = chart.node(current_state) if current_state else None
    badge = _("current")
    badge_width = round(len(badge) * BADGE_FONT * charts.CHAR_WIDTH + 14)
    nodes = []
    for node in chart.nodes:
        text = drawn.node_text[node.key]
        nodes.append(
            {
                "node": node,
                "current": current is not None and node.key == current.key,
                "x": _number(text.x),
                "y": _number(text.y),
                "lines": [(line, _number(dy)) for line, dy in text.lines],
                "ring": (node.x - 5, node.y - 5, node.width + 10, node.height + 10),
                "inner": (node.x + 3, node.y + 3, node.width - 6, node.height - 6),
                "badge": (node.x + 6, node.y - 9, badge_width, 18, _number(node.x + 6 + badge_width / 2), node.y),
            }
        )
    arrows = []
    for arrow, text in zip(chart.arrows, drawn.arrow_text, strict=True):
        arrows.append(
            {
                "arrow": arrow,
                "hint": ", ".join(str(transition_label(name)) for name in arrow.names),
                "label": text.lines[0][0] if text else None,
                "x": _number(text.x) if text else None,
                "y": _number(text.y) if text else None,
            }
        )
    context = {
        "chart": chart,
        "uid": uid,
        "nodes": nodes,
        "arrows": arrows,
        "state_labels": [node.label for node in sorted(chart.nodes, key=lambda n: (n.layer, n.x))],
        "current_label": current.label if current else None,
        "badge": badge,
    }
    return mark_safe(render_to_string("backoffice/flows/_diagram.html", context))  # noqa: S308 - our own template


def diagram_context(case_type, *, current_state=None, current_step=None, uid=None):
    """What the flows templates show: the picture, the steps and the same flow as text."""
    chart = charts.chart_for(case_type)
    uid = uid or f"flow-{case_type}"
    labels = {node.key: node.label for node in chart.nodes}
    current = chart.node(current_state) if current_state else None
    states = [
        {
            "key": node.key,
            "label": node.label,
            "current": current is not None and node.key == current.key,
            "exits": [{"label": t.label, "target": labels[t.target]} for t in chart.outgoing(node.key)],
        }
        for node in sorted(chart.nodes, key=lambda n: (n.layer, n.x))
    ]
    steps = [{"name": step.name, "title": step.title, "current": step.name == current_step} for step in chart.steps]
    return {
        "chart": chart,
        "uid": uid,
        "svg": diagram_svg(case_type, get_language() or "", current.key if current else None, uid),
        "states": states,
        "steps": steps,
        "current_label": current.label if current else None,
        "current_step": next((step for step in steps if step["current"]), None),
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
    node = getattr(task, "flow_task", None) if task is not None else None
    step = getattr(node, "name", None)
    return diagram_context(case.case_type, current_state=case.state, current_step=step, uid="case-flow")
