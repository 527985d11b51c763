"""Graphviz DOT (`digraph`) of the call and import graph a result describes.

The same graph as `mermaid` (extracted by `cq.render.graph`), laid out for `dot -Tsvg`:
node ids `n0, n1, …`, every label a double-quoted DOT string with backslashes and quotes
escaped, so no user text can end a string or start an escape sequence. Definitions are
boxes, modules folders, unresolved callees dashed ellipses; cycle edges are bold red; an
edge seen at N > 1 sites is labelled N. `top_n` is ignored, as in `mermaid`.
"""

from __future__ import annotations

from cq.render.graph import (
    MORE_KIND,
    Edge,
    Graph,
    Node,
    cap_graph,
    edge_label,
    extract_graph,
    graph_notes,
    one_line,
    short_label,
)
from cq.result import CqResult

INDENT = "    "

# Node attributes per kind (definitions get the default box).
_NODE_STYLES: dict[str, str] = {
    "class": 'shape=box, style="rounded,bold"',
    "module": "shape=folder", "internal": "shape=folder",
    "stdlib": 'shape=folder, style=filled, fillcolor="#eef3ff"',
    "third-party": 'shape=folder, style=filled, fillcolor="#fff4e0"',
    "external": "shape=ellipse, style=dashed",
    MORE_KIND: "shape=note, style=dashed",
}
_EDGE_STYLES: dict[str, str] = {"cycle": 'color="#c0392b", penwidth=2', "possible": "style=dashed"}


def dot_string(text: str) -> str:
    """`text` as a quoted DOT string: one line, no control characters, `\\` and `"` escaped."""
    flat = one_line(text)
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(result: CqResult, *, top_n: int = 10) -> str:
    """The result's call/import graph as a DOT digraph (all nodes and edges)."""
    del top_n  # see the module docstring
    graph = cap_graph(extract_graph(result))
    lines = [
        "digraph cq {",
        f"{INDENT}rankdir=LR;",
        f'{INDENT}node [shape=box, fontname="Helvetica"];',
        f'{INDENT}edge [fontname="Helvetica"];',
        *_body(graph),
        "}",
    ]
    return "\n".join(lines)


def _body(graph: Graph) -> list[str]:
    notes = [f"{INDENT}// {one_line(note)}" for note in graph_notes(graph)]
    if not graph.nodes:
        return [f"{INDENT}// no calls, imports or definitions in this result", *notes]
    ids = graph.index()
    lines = [_node_line(f"n{position}", node) for position, node in enumerate(graph.nodes)]
    return notes + lines + [_edge_line(edge, ids) for edge in graph.edges]


def _node_line(node_id: str, node: Node) -> str:
    attributes = [f"label={dot_string(short_label(node.key))}"]
    if node.kind in _NODE_STYLES:
        attributes.append(_NODE_STYLES[node.kind])
    return f"{INDENT}{node_id} [{', '.join(attributes)}];"


def _edge_line(edge: Edge, ids: dict[str, int]) -> str:
    attributes = []
    text = edge_label(edge)
    if text:
        attributes.append(f"label={dot_string(text)}")
    if edge.kind in _EDGE_STYLES:
        attributes.append(_EDGE_STYLES[edge.kind])
    suffix = f" [{', '.join(attributes)}]" if attributes else ""
    return f"{INDENT}n{ids[edge.source]} -> n{ids[edge.target]}{suffix};"
