"""Mermaid `flowchart LR` of the call and import graph a result describes.

The graph itself comes from `cq.render.graph` (shared with `dot`); this module owns the
Mermaid text and the label escaping the other Mermaid formats reuse. Nodes get ids `n0, n1,
…` in order of first appearance, so user text only ever appears inside quoted labels, where
the characters Mermaid would read (quotes, `#`, `<`, `>`, `&`, backticks) become numeric
entity codes. Shapes: `["def"]`, `[["class"]]`, `{{"module"}}`, `("unresolved callee")`;
cycle edges are thick (`==>`); an edge seen at N > 1 sites is labelled `|N|`. `top_n` is
ignored: a graph with edges cut away would say something false.
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
MAX_TEXT = 50_000  # Mermaid's default maxTextSize
LABEL_WIDTHS = (80, 40, 16)  # label widths tried in turn until the diagram fits MAX_TEXT

# Characters Mermaid reads inside a quoted label, as its `#<decimal>;` entity codes.
_ENTITIES: dict[str, str] = {ch: f"#{ord(ch)};" for ch in '"#<>&`'}

_SHAPES: dict[str, tuple[str, str]] = {
    "class": ('[["', '"]]'),
    "module": ('{{"', '"}}'), "internal": ('{{"', '"}}'),
    "stdlib": ('{{"', '"}}'), "third-party": ('{{"', '"}}'),
    "external": ('("', '")'),
    MORE_KIND: ('(["', '"])'),
}
_DEFAULT_SHAPE = ('["', '"]')
_ARROWS: dict[str, str] = {"call": "-->", "possible": "-.->", "import": "-->", "cycle": "==>"}

# Node kinds drawn with a style of their own: kind -> (Mermaid class name, style).
_STYLES: dict[str, tuple[str, str]] = {
    "external": ("external", "stroke-dasharray: 4 3"),
    "stdlib": ("stdlib", "fill:#eef3ff"),
    "third-party": ("thirdparty", "fill:#fff4e0"),
}


def mermaid_text(text: str) -> str:
    """`text` made safe inside a double-quoted Mermaid label: one line, entities escaped."""
    return "".join(_ENTITIES.get(ch, ch) for ch in one_line(text))


def mermaid_comment(text: str) -> str:
    """A `%%` comment line; newlines would end it early, so the text is flattened."""
    return f"{INDENT}%% {one_line(text)}"


def render_mermaid(result: CqResult, *, top_n: int = 10) -> str:
    """The result's call/import graph as a Mermaid flowchart (all nodes and edges)."""
    del top_n  # see the module docstring
    graph = cap_graph(extract_graph(result))
    for width in LABEL_WIDTHS:  # shorter labels until the text fits Mermaid's default limit
        text = "\n".join(["flowchart LR", *graph_lines(graph, width)])
        if len(text) <= MAX_TEXT:
            break
    return text


def graph_lines(graph: Graph, width: int = LABEL_WIDTHS[0]) -> list[str]:
    notes = [mermaid_comment(note) for note in graph_notes(graph)]
    if not graph.nodes:
        return [mermaid_comment("no calls, imports or definitions in this result"), *notes]
    return notes + _drawn_lines(graph, width)


def _drawn_lines(graph: Graph, width: int) -> list[str]:
    ids = graph.index()
    lines = [_node_line(f"n{position}", node, width)
             for position, node in enumerate(graph.nodes)]
    lines += [_edge_line(edge, ids) for edge in graph.edges]
    return lines + _style_lines(graph)


def _node_line(node_id: str, node: Node, width: int) -> str:
    opening, closing = _SHAPES.get(node.kind, _DEFAULT_SHAPE)
    return f"{INDENT}{node_id}{opening}{mermaid_text(short_label(node.key, width))}{closing}"


def _edge_line(edge: Edge, ids: dict[str, int]) -> str:
    arrow = _ARROWS.get(edge.kind, "-->")
    text = edge_label(edge)
    label = f"|{mermaid_text(text)}|" if text else ""
    return f"{INDENT}n{ids[edge.source]} {arrow}{label} n{ids[edge.target]}"


def _style_lines(graph: Graph) -> list[str]:
    lines = []
    for kind, (name, style) in _STYLES.items():
        members = [f"n{i}" for i, node in enumerate(graph.nodes) if node.kind == kind]
        if members:
            lines += [f"{INDENT}classDef {name} {style}",
                      f"{INDENT}class {','.join(members)} {name}"]
    return lines
