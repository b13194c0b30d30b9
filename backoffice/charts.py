"""Pictures of each case type's flow: its state machine laid out in layers, and its steps.

The picture is drawn from the code that decides, not from a copy: the states are the type's
``States`` (plus the draft every case starts in) and the arrows are the ``@transition`` methods
django-fsm collected on the ``state`` field; the steps are the human task nodes of the viewflow
flow that routes the type (``workflows.flow_classes``, ``QUEUE_PERMISSIONS`` in workflow order).
Every word comes from ``cases.labels``.

Layout (a small Sugiyama layering, deterministic): arrows that go back (found by a depth-first
walk from the draft state, in declaration order) are turned around; each state's layer is its
longest path from the draft; an arrow that spans several layers passes through bend points, and
arrows of the same transition into the same state share them (the many "withdraw" arrows become
one trunk); a few barycentre sweeps order each layer, then each node is pulled towards its
neighbours. Everything is pure and depends on the code only, so it is computed once per process
(``chart_for``). Labels are lazy translations: the placement of the arrow labels, which depends
on their length, is computed per language (``labelled_chart``). ``templatetags/flow_charts.py``
draws the SVG.
"""

import textwrap
from dataclasses import dataclass
from functools import cache, lru_cache

from django.utils.encoding import force_str
from django.utils.translation import get_language

from cases import catalog, labels
from cases.labels import INITIAL_STATE
from cases.models import Case, CaseType

# Geometry, in SVG user units (1 unit = 1 CSS pixel at full size).
NODE_WIDTH = 172
NODE_HEIGHT = 46
BEND_WIDTH = 14  # the slot a bend point takes in its layer
GAP_X = 30
GAP_Y = 78
MARGIN = 24
NODE_FONT = 13
LABEL_FONT = 11
NODE_LINE_CHARS = 22
# Average advance of a character, relative to the font size: an estimate to keep labels apart.
CHAR_WIDTH = 0.58


@dataclass(frozen=True)
class Transition:
    name: str
    source: str
    target: str

    @property
    def label(self):
        return labels.transition_label(self.name)


@dataclass(frozen=True)
class Node:
    key: str
    label: object  # a lazy translation
    x: float  # top-left corner
    y: float
    width: float
    height: float
    layer: int
    initial: bool
    final: bool

    @property
    def cx(self):
        return self.x + self.width / 2

    @property
    def cy(self):
        return self.y + self.height / 2


@dataclass(frozen=True)
class Arrow:
    """One drawn line: from a state or a bend point to a state or a bend point."""

    path: str  # SVG path data
    head: bool  # ends at a state: draw the arrowhead
    back: bool  # goes back to an earlier layer
    points: tuple  # the cubic's end points, to place a label: ((x1, y1), (x2, y2))
    names: tuple  # transitions drawn by this line
    label: object  # a lazy translation, or None for a line that carries no label


@dataclass(frozen=True)
class Step:
    name: str
    title: object


@dataclass(frozen=True)
class FlowChart:
    case_type: str
    title: object
    nodes: tuple
    arrows: tuple
    transitions: tuple
    steps: tuple
    width: float
    height: float

    def node(self, key):
        return next((node for node in self.nodes if node.key == key), None)

    def outgoing(self, key):
        return [t for t in self.transitions if t.source == key]


def case_types():
    """The case types that have a flow picture (every declared type), in the order of ``CaseType``."""
    return [case_type for case_type in CaseType.values if case_type in catalog.TYPES]


def transitions_of(case_type):
    """Every (name, source, target) of the type's ``state`` field, wildcards expanded."""
    model = catalog.TYPES[case_type].model
    states = list(labels.state_labels(case_type))
    field = Case._meta.get_field("state")
    found = set()
    for transition in field.get_all_transitions(model):
        target = transition.target
        if target is None or not isinstance(target, str):
            continue  # a transition that keeps the state, or whose target is computed: no arrow
        if transition.source == "*":
            sources = states
        elif transition.source == "+":
            sources = [s for s in states if s != target]
        else:
            sources = [transition.source]
        for source in sources:
            found.add(Transition(transition.name, str(source), str(target)))
    order = {state: index for index, state in enumerate(states)}
    return tuple(sorted(found, key=lambda t: (order.get(t.source, 99), order.get(t.target, 99), t.name)))


def steps_of(case_type):
    return tuple(Step(name, title) for name, title in labels.step_titles(catalog.TYPES[case_type].flow).items())


# --- Layout ----------------------------------------------------------------------------------------


def _back_edges(states, transitions):
    """Transitions that close a cycle, by a depth-first walk from the first state, in order."""
    order = {state: index for index, state in enumerate(states)}
    outgoing = {state: [] for state in states}
    for t in transitions:
        outgoing[t.source].append(t)
    for edges in outgoing.values():
        edges.sort(key=lambda t: (order[t.target], t.name))
    back, seen, on_stack = set(), set(), set()

    def walk(state):
        seen.add(state)
        on_stack.add(state)
        for t in outgoing[state]:
            if t.target in on_stack:
                back.add(t)
            elif t.target not in seen:
                walk(t.target)
        on_stack.discard(state)

    for state in states:
        if state not in seen:
            walk(state)
    return back


def _layers(states, edges):
    """Longest path from the sources of the acyclic graph ``edges`` ((upper, lower) pairs)."""
    layer = dict.fromkeys(states, 0)
    for _round in range(len(states)):
        changed = False
        for upper, lower in edges:
            if layer[lower] < layer[upper] + 1:
                layer[lower] = layer[upper] + 1
                changed = True
        if not changed:
            break
    return layer


def _crossings(rows, links):
    position = {item: index for row in rows for index, item in enumerate(row)}
    count = 0
    for depth in range(len(rows) - 1):
        pairs = [(position[a], position[b]) for a, b in links.get(depth, [])]
        for i, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[i + 1 :]:
                if (a1 - a2) * (b1 - b2) < 0:
                    count += 1
    return count


def _order(rows, links):
    """Barycentre sweeps down and up; keeps the ordering with the fewest crossings."""
    up = {}
    down = {}
    for pairs in links.values():
        for a, b in pairs:
            down.setdefault(a, []).append(b)
            up.setdefault(b, []).append(a)
    best, best_count = [list(row) for row in rows], _crossings(rows, links)
    rows = [list(row) for row in rows]
    for sweep in range(8):
        indices = range(1, len(rows)) if sweep % 2 == 0 else range(len(rows) - 2, -1, -1)
        neighbours = up if sweep % 2 == 0 else down
        for depth in indices:
            reference = rows[depth - 1] if sweep % 2 == 0 else rows[depth + 1]
            position = {item: index for index, item in enumerate(reference)}
            current = {item: index for index, item in enumerate(rows[depth])}

            def weight(item, position=position, current=current, neighbours=neighbours):
                linked = [position[n] for n in neighbours.get(item, []) if n in position]
                return (sum(linked) / len(linked) if linked else current[item], current[item])

            rows[depth].sort(key=weight)
        count = _crossings(rows, links)
        if count < best_count:
            best, best_count = [list(row) for row in rows], count
    return best


def _place(rows, widths, links):
    """x of each item's centre: packed in order, then pulled towards its neighbours' centres."""
    up, down = {}, {}
    for pairs in links.values():
        for a, b in pairs:
            down.setdefault(a, []).append(b)
            up.setdefault(b, []).append(a)
    x = {}
    for row in rows:
        cursor = 0.0
        for item in row:
            x[item] = cursor + widths[item] / 2
            cursor += widths[item] + GAP_X
    widest = max(sum(widths[i] for i in row) + GAP_X * (len(row) - 1) for row in rows)
    for row in rows:  # centre every layer on the widest one
        used = sum(widths[i] for i in row) + GAP_X * (len(row) - 1)
        for item in row:
            x[item] += (widest - used) / 2

    def pull(row, neighbours):
        wanted = {}
        for item in row:
            linked = [x[n] for n in neighbours.get(item, [])]
            wanted[item] = sum(linked) / len(linked) if linked else x[item]
        placed = {}
        previous = None
        for item in row:
            left_limit = -1e9 if previous is None else placed[previous] + (widths[previous] + widths[item]) / 2 + GAP_X
            placed[item] = max(wanted[item], left_limit)
            previous = item
        # Pushing right only drifts the layer: move it back by the mean overshoot, which keeps the gaps.
        drift = sum(placed[i] - wanted[i] for i in row) / len(row)
        for item in row:
            x[item] = placed[item] - drift

    for sweep in range(6):
        if sweep % 2 == 0:
            for row in rows[1:]:
                pull(row, up)
        else:
            for row in reversed(rows[:-1]):
                pull(row, down)
    left = min(x[item] - widths[item] / 2 for row in rows for item in row)
    for item in x:
        x[item] += MARGIN - left
    return x


def _curve(x1, y1, x2, y2):
    middle = (y1 + y2) / 2
    return f"M{x1:.1f},{y1:.1f} C{x1:.1f},{middle:.1f} {x2:.1f},{middle:.1f} {x2:.1f},{y2:.1f}"


def layout(case_type):
    """The picture of a case type's flow (pure: depends on the code only)."""
    state_labels = labels.state_labels(case_type)
    states = list(state_labels)
    transitions = transitions_of(case_type)
    back = _back_edges(states, transitions)

    # Edges of the layered graph, all pointing down: (upper, lower, transition).
    downward = []
    for t in transitions:
        if t.source == t.target:
            continue
        downward.append((t.target, t.source, t) if t in back else (t.source, t.target, t))
    layer = _layers(states, [(u, lo) for u, lo, _t in downward])

    # Chains through bend points; a transition's long arrows into the same state share them.
    rows = [[] for _i in range(max(layer.values()) + 1)]
    for state in states:
        rows[layer[state]].append(("state", state))
    widths = {("state", s): NODE_WIDTH for s in states}
    chains = []
    for upper, lower, t in downward:
        chain = [("state", upper)]
        for depth in range(layer[upper] + 1, layer[lower]):
            # Forward arrows share bend points towards their target, back arrows from their source.
            anchor = lower if t not in back else upper
            bend = ("bend", t.name, anchor, depth, t in back)
            if bend not in widths:
                widths[bend] = BEND_WIDTH
                rows[depth].append(bend)
            chain.append(bend)
        chain.append(("state", lower))
        chains.append((t, chain))
    links = {}
    for _t, chain in chains:
        for a, b in zip(chain, chain[1:], strict=False):
            pair = (a, b)
            depth_links = links.setdefault(layer[a[1]] if a[0] == "state" else a[3], [])
            if pair not in depth_links:
                depth_links.append(pair)
    rows = _order(rows, links)
    x = _place(rows, widths, links)

    def y_top(depth):
        return MARGIN + depth * (NODE_HEIGHT + GAP_Y)

    finals = {s for s in states if not any(t.source == s for t in transitions)}
    nodes = tuple(
        Node(
            key=s,
            label=state_labels[s],
            x=round(x[("state", s)] - NODE_WIDTH / 2),
            y=y_top(layer[s]),
            width=NODE_WIDTH,
            height=NODE_HEIGHT,
            layer=layer[s],
            initial=s == INITIAL_STATE,
            final=s in finals,
        )
        for row in rows
        for kind, s, *_rest in row
        if kind == "state"
    )

    # Lines between neighbouring layers; a back arrow never shares a line with a forward one.
    segments = {}  # (upper, lower, back) -> [transitions]
    for t, chain in chains:
        for a, b in zip(chain, chain[1:], strict=False):
            segments.setdefault((a, b, t in back), []).append(t)

    # Ports: where the lines meet a state's top and bottom, spread in the order of their other ends.
    ports = {}  # (state, side) -> [(other end, back)]
    for a, b, is_back in segments:
        if a[0] == "state":
            ports.setdefault((a, "bottom"), []).append((b, is_back))
        if b[0] == "state":
            ports.setdefault((b, "top"), []).append((a, is_back))
    port_x = {}
    for (item, side), others in ports.items():
        others = sorted(set(others), key=lambda other: (x[other[0]], other[1], str(other[0])))
        span = NODE_WIDTH * 0.56  # the corners stay free for the "current" badge
        for index, (other, is_back) in enumerate(others):
            offset = span * ((index + 1) / (len(others) + 1) - 0.5)
            port_x[(item, side, other, is_back)] = round(x[item] + offset, 1)

    def point(item, side, other, is_back):
        """Where the line to ``other`` leaves ``item`` on ``side``; a bend point is a vertical pass."""
        if item[0] == "state":
            top = y_top(layer[item[1]])
            px = port_x[(item, side, other, is_back)]
        else:
            top = y_top(item[3])
            px = round(x[item], 1)
        return (px, top + NODE_HEIGHT) if side == "bottom" else (px, top)

    arrows = []
    bends = set()
    for (a, b, is_back), ts in segments.items():
        (x1, y1), (x2, y2) = point(a, "bottom", b, is_back), point(b, "top", a, is_back)
        for item in (a, b):
            if item[0] == "bend" and item not in bends:
                bends.add(item)
                bx, by = round(x[item], 1), y_top(item[3])
                arrows.append(Arrow(f"M{bx:.1f},{by:.1f} V{by + NODE_HEIGHT:.1f}", False, is_back, (), (), None))
        if is_back:  # drawn from the lower end (the real source) up to the upper one
            (x1, y1), (x2, y2) = (x2, y2), (x1, y1)
        # The arrowhead is at the state the transition enters; that line carries the label.
        head = (a if is_back else b)[0] == "state"
        names = tuple(sorted({t.name for t in ts}))
        label = ts[0].label if head else None
        if head:  # stop short of the border, for the arrowhead
            y2 = y2 - 6 if y2 > y1 else y2 + 6
        arrows.append(Arrow(_curve(x1, y1, x2, y2), head, is_back, ((x1, y1), (x2, y2)), names, label))
    arrows.sort(key=lambda arrow: (arrow.back, arrow.points, arrow.path))

    width = max(x[item] + widths[item] / 2 for item in x) + MARGIN
    height = y_top(len(rows) - 1) + NODE_HEIGHT + MARGIN
    return FlowChart(
        case_type=case_type,
        title=dict(CaseType.choices)[case_type],
        nodes=nodes,
        arrows=tuple(arrows),
        transitions=transitions,
        steps=steps_of(case_type),
        width=round(width),
        height=round(height),
    )


@cache
def chart_for(case_type):
    """The layout of a case type, computed once per process; ``KeyError`` for an unknown type."""
    if case_type not in case_types():
        raise KeyError(case_type)
    return layout(case_type)


# --- Text, per language ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    lines: tuple  # (text, dy) pairs


@dataclass(frozen=True)
class LabelledChart:
    chart: FlowChart
    node_text: dict  # state -> Text
    arrow_text: tuple  # per arrow: Text or None (no room: the label is in the list below the picture)


def _text_width(text, size):
    return len(text) * size * CHAR_WIDTH


def _overlaps(box, boxes):
    x1, y1, x2, y2 = box
    return any(x1 < b2 and b1 < x2 and y1 < c2 and c1 < y2 for b1, c1, b2, c2 in boxes)


def _bezier(points, t):
    (x1, y1), (x2, y2) = points
    middle = (y1 + y2) / 2
    # Control points (x1, middle) and (x2, middle), as drawn by ``_curve``.
    u = 1 - t
    x = u**3 * x1 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x2
    y = u**3 * y1 + 3 * u * u * t * middle + 3 * u * t * t * middle + t**3 * y2
    return x, y


@lru_cache(maxsize=64)
def _labelled(case_type, language):
    chart = chart_for(case_type)
    taken = [(n.x - 2, n.y - 2, n.x + n.width + 2, n.y + n.height + 2) for n in chart.nodes]
    node_text = {}
    for node in chart.nodes:
        lines = textwrap.wrap(force_str(node.label), NODE_LINE_CHARS) or [""]
        lines = lines[:3]
        step = NODE_FONT * 1.2
        first = node.cy - step * (len(lines) - 1) / 2
        node_text[node.key] = Text(node.cx, first, tuple((line, step if i else 0) for i, line in enumerate(lines)))
    arrow_text = []
    for arrow in chart.arrows:
        if arrow.label is None:
            arrow_text.append(None)
            continue
        text = force_str(arrow.label)
        half = _text_width(text, LABEL_FONT) / 2 + 3
        placed = None
        for t in (0.5, 0.35, 0.65, 0.25, 0.75):
            cx, cy = _bezier(arrow.points, t)
            box = (cx - half, cy - LABEL_FONT * 0.8, cx + half, cy + LABEL_FONT * 0.5)
            if not _overlaps(box, taken) and box[0] >= 0 and box[2] <= chart.width:
                placed = Text(cx, cy + LABEL_FONT * 0.35, ((text, 0),))
                taken.append(box)
                break
        arrow_text.append(placed)
    return LabelledChart(chart, node_text, tuple(arrow_text))


def labelled_chart(case_type):
    """The chart with its texts placed for the active language (cached per language)."""
    return _labelled(case_type, get_language() or "")
