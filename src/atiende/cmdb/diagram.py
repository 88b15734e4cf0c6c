"""The impact diagram: a layered drawing computed in Python and rendered as inline SVG by a
template (no JavaScript, no third-party code). Layer = distance from the failing item; the
failing item is on the left, what it impacts to its right."""

from __future__ import annotations

from dataclasses import dataclass

from .models import ConfigurationItem
from .selectors import ImpactEdge

MAX_NODES = 50
NODE_W = 190
NODE_H = 34
COL_GAP = 70
ROW_GAP = 12
PAD = 10
TOP = 34  # room above the first row for arcs between items of one column
NAME_CHARS = 24


@dataclass
class Node:
    item: ConfigurationItem
    depth: int
    x: int
    y: int
    label: str
    root: bool

    @property
    def cx_out(self) -> int:
        return self.x + NODE_W

    @property
    def cy(self) -> int:
        return self.y + NODE_H // 2


@dataclass
class Edge:
    path: str
    type: str


@dataclass
class Diagram:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    hidden: int  # impacted items not drawn (beyond MAX_NODES)
    node_w: int = NODE_W
    node_h: int = NODE_H


def _label(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def layout(
    root: ConfigurationItem, rows: list[tuple[ConfigurationItem, int]], edges: list[ImpactEdge]
) -> Diagram:
    """`rows`: impacted items with their depth, nearest first (as impacted_items gives)."""
    shown = rows[: MAX_NODES - 1]
    layers: dict[int, list[ConfigurationItem]] = {0: [root]}
    for item, depth in shown:
        layers.setdefault(depth, []).append(item)
    # Each layer ordered by where its causes sit in the layers before (barycentre): fewer
    # crossing lines than alphabetical order.
    causes: dict[int, list[int]] = {}
    for edge in edges:
        causes.setdefault(edge.impacted, []).append(edge.cause)
    position: dict[int, float] = {root.pk: 0.0}
    for depth in sorted(layers):
        if depth == 0:
            continue

        def centre(item: ConfigurationItem) -> tuple[float, str]:
            placed = [position[c] for c in causes.get(item.pk, ()) if c in position]
            return (sum(placed) / len(placed) if placed else 0.0, item.name.lower())

        layers[depth].sort(key=centre)
        for index, item in enumerate(layers[depth]):
            position[item.pk] = float(index)
    nodes: dict[int, Node] = {}
    tallest = max(len(column) for column in layers.values())
    height = TOP + PAD + tallest * NODE_H + (tallest - 1) * ROW_GAP
    for depth, column in sorted(layers.items()):
        column_h = len(column) * NODE_H + (len(column) - 1) * ROW_GAP
        top = TOP + (height - TOP - PAD - column_h) // 2
        for index, item in enumerate(column):
            nodes[item.pk] = Node(
                item=item,
                depth=depth,
                x=PAD + depth * (NODE_W + COL_GAP),
                y=top + index * (NODE_H + ROW_GAP),
                label=_label(item.name),
                root=item.pk == root.pk,
            )
    drawn = []
    for relation in edges:
        cause, impacted = nodes.get(relation.cause), nodes.get(relation.impacted)
        if cause is None or impacted is None:
            continue
        x1, y1 = cause.cx_out, cause.cy
        x2, y2 = impacted.x, impacted.cy
        if impacted.depth <= cause.depth:  # same layer or backwards (a cycle): arc above
            x2 = impacted.x + NODE_W // 2
            y2 = impacted.y
            mid = min(y1, y2) - 30
            path = f"M{x1},{y1} C{x1 + 40},{mid} {x2},{mid} {x2},{y2}"
        else:
            bend = (x2 - x1) // 2
            path = f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}"
        drawn.append(Edge(path=path, type=relation.type))
    depth_max = max(layers)
    width = PAD * 2 + (depth_max + 1) * NODE_W + depth_max * COL_GAP
    return Diagram(
        nodes=list(nodes.values()),
        edges=drawn,
        width=width,
        height=height,
        hidden=max(0, len(rows) - len(shown)),
    )
