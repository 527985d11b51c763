"""The graph a result describes: call edges, import edges and definitions, for graph formats.

`extract_graph` reads every finding of a result (key findings, sections, evidence, in that
order) and returns a `Graph` of named nodes and counted edges; `mermaid` and `dot` only lay it
out. What becomes what:

- `caller` / `callee` (expanders) and `call_site` (calls macro, entity=callsite): an edge from
  the calling def (`caller`, else `enclosing`, else the module) to each of `targets`, or to the
  `callee` text when nothing resolved (an `external` node); a site of tier `possible` counts
  apart (`Edge.possible`), and an edge with only such sites is a `possible` edge (dashed);
- `taint_site` with `bound_to`: an edge from its `function` to each function the tainted
  value is bound into;
- `definition` / `decorator`: a node even without edges;
- `import`: an edge from `importer` (else the anchor's module) to each of `targets` (the
  repository modules it reaches), else to the module imported, styled by `classification`;
- `import_cycle`: its modules and its `edges` ({from, to, file, line}), as `cycle` edges.

Callers are full dotted names: an expander's `caller` is a qualname inside the anchor's file,
so it is prefixed with that file's module (`<module>` becomes the module itself). An edge is
kept once per (source, target); its count is the number of distinct sites behind it.

What is drawn stays readable and within Mermaid's defaults (500 edges, 50,000 characters):
call sites of tier `possible` are left out unless the run asked for them
(`--include-possible`, `summary.include_possible`; `Graph.hidden_possible` counts them), and
`cap_graph` keeps the first MAX_NODES nodes (in order of appearance: the answer's own
findings first), folds the rest into one `+N more` node and keeps at most MAX_EDGES edges.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import msgspec

from cq.details import (
    CallEdgeDetails,
    CallSiteDetails,
    DefinitionDetails,
    ImportCycleDetails,
    ImportDetails,
    TaintSiteDetails,
)
from cq.findings import details_of
from cq.modules import full_name, module_name
from cq.result import CqResult, Finding, all_findings

LABEL_WIDTH = 80
MAX_NODES = 200  # nodes drawn; the rest become one "+N more" node
MAX_EDGES = 400  # edges drawn (Mermaid refuses more than 500 by default)
MORE_KIND = "more"

# When one name is seen in several roles, the most specific kind wins (higher rank).
_KIND_RANK: dict[str, int] = {
    "external": 0, "third-party": 1, "stdlib": 1, "module": 2, "internal": 2,
    "function": 3, "method": 3, "class": 3,
}
_EDGE_RANK: dict[str, int] = {"possible": 0, "call": 1, "import": 1, "cycle": 2}


class Node(msgspec.Struct, frozen=True):
    """A named vertex; `kind` is a definition kind, a module classification or `external`."""

    key: str
    kind: str


class Edge(msgspec.Struct, frozen=True):
    """`source` → `target` (node keys); `kind` is call, possible (a call edge whose every
    site is a possible one: the receiver not resolved), import or cycle; `possible` counts the
    possible sites among the `count`."""

    source: str
    target: str
    kind: str
    count: int
    possible: int = 0


def edge_label(edge: Edge) -> str:
    """The sites behind an edge: `3`, or `2 resolved, 1 possible`; "" for one resolved site."""
    if not edge.possible:
        return str(edge.count) if edge.count > 1 else ""
    resolved = edge.count - edge.possible
    return f"{resolved} resolved, {edge.possible} possible" if resolved else \
        f"{edge.possible} possible"


class Graph(msgspec.Struct, frozen=True):
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    hidden_possible: int = 0  # possible call sites left out (no --include-possible)
    cut_nodes: int = 0  # nodes folded into the "+N more" node by cap_graph
    cut_edges: int = 0  # edges left out by cap_graph

    def index(self) -> dict[str, int]:
        """Node key → position, the basis of the formats' `n<position>` ids."""
        return {node.key: position for position, node in enumerate(self.nodes)}


def extract_graph(result: CqResult, *, include_possible: bool | None = None) -> Graph:
    """The graph of a result; possible call sites only when `include_possible` (default: as
    the run asked, `summary.include_possible`)."""
    if include_possible is None:
        include_possible = bool(result.summary.get("include_possible"))
    builder = _Builder(include_possible)
    for finding in all_findings(result):
        reader = _READERS.get(finding.category)
        if reader is not None:
            reader(builder, finding)
    return builder.build()


def cap_graph(graph: Graph, max_nodes: int = MAX_NODES, max_edges: int = MAX_EDGES) -> Graph:
    """At most `max_nodes` nodes (the rest folded into one `+N more` node that takes their
    edges) and `max_edges` edges."""
    nodes, cut = graph.nodes, 0
    edges = list(graph.edges)
    if len(nodes) > max_nodes:
        kept = nodes[: max_nodes - 1]
        cut = len(nodes) - len(kept)
        more = Node(f"+{cut:,} more", MORE_KIND)
        names = {node.key for node in kept}
        folded: dict[tuple[str, str], Edge] = {}
        for edge in edges:
            source = edge.source if edge.source in names else more.key
            target = edge.target if edge.target in names else more.key
            if source == target == more.key:
                continue
            old = folded.get((source, target))
            count = edge.count + (old.count if old else 0)
            possible = edge.possible + (old.possible if old else 0)
            kind = edge.kind if old is None or old.kind == edge.kind else "call"
            folded[(source, target)] = Edge(source, target, kind, count, possible)
        nodes, edges = (*kept, more), list(folded.values())
    return msgspec.structs.replace(graph, nodes=tuple(nodes), edges=tuple(edges[:max_edges]),
                                   cut_nodes=cut, cut_edges=max(0, len(edges) - max_edges))


def graph_notes(graph: Graph) -> list[str]:
    """What the drawing leaves out, one line each (comments in the formats)."""
    notes = []
    if graph.hidden_possible:
        notes.append(f"{graph.hidden_possible:,} possible call site(s) not drawn "
                     "(--include-possible draws them)")
    if graph.cut_nodes:
        notes.append(f"{graph.cut_nodes:,} nodes folded into one node (at most {MAX_NODES})")
    if graph.cut_edges:
        notes.append(f"{graph.cut_edges:,} edges not drawn (at most {MAX_EDGES})")
    return notes


def one_line(text: str) -> str:
    """Whitespace runs (newlines too) collapsed; control characters, which neither Mermaid
    nor Graphviz should see, replaced by U+FFFD."""
    flat = " ".join(text.split())
    return "".join("\ufffd" if unicodedata.category(ch) == "Cc" else ch for ch in flat)


def short_label(text: str, width: int = LABEL_WIDTH) -> str:
    """One line, at most `width` characters; a long dotted name keeps its tail."""
    flat = one_line(text)
    return flat if len(flat) <= width else "…" + flat[-(width - 1):]


# -- building -----------------------------------------------------------------------------------


class _Builder:
    def __init__(self, include_possible: bool = True) -> None:
        self.include_possible = include_possible
        self.hidden_possible = 0
        self.kinds: dict[str, str] = {}
        self.edge_kinds: dict[tuple[str, str], str] = {}
        self.sites: dict[tuple[str, str], set[tuple[Any, ...]]] = {}
        self.possible: dict[tuple[str, str], set[tuple[Any, ...]]] = {}
        self.anonymous = 0

    def node(self, key: str, kind: str) -> None:
        old = self.kinds.get(key)
        if old is None or _KIND_RANK.get(kind, 0) > _KIND_RANK.get(old, 0):
            self.kinds[key] = kind

    def edge(self, source: str, target: str, kind: str, site: tuple[Any, ...] | None) -> None:
        pair = (source, target)
        old = self.edge_kinds.get(pair)
        if old is None or _EDGE_RANK[kind] > _EDGE_RANK[old]:
            self.edge_kinds[pair] = kind
        if site is None:  # no anchor: every such finding is its own site
            self.anonymous += 1
            site = ("#", self.anonymous)
        self.sites.setdefault(pair, set()).add(site)
        if kind == "possible":
            self.possible.setdefault(pair, set()).add(site)

    def build(self) -> Graph:
        nodes = tuple(Node(key, kind) for key, kind in self.kinds.items())
        edges = tuple(Edge(source, target, kind, len(self.sites[(source, target)]),
                           len(self.possible.get((source, target), ())))
                      for (source, target), kind in self.edge_kinds.items())
        return Graph(nodes, edges, hidden_possible=self.hidden_possible)


def _site(finding: Finding) -> tuple[Any, ...] | None:
    anchor = finding.anchor
    return None if anchor is None else (anchor.file, anchor.line, anchor.col)


def _file_module(finding: Finding) -> str:
    return module_name(finding.anchor.file) if finding.anchor is not None else ""


# -- calls --------------------------------------------------------------------------------------


CallDetails = CallEdgeDetails | CallSiteDetails | TaintSiteDetails


def _caller_node(finding: Finding, details: CallDetails) -> tuple[str, str]:
    """The calling def as (full dotted name, kind); module-level code is the module."""
    if isinstance(details, TaintSiteDetails):
        name = details.function
    elif isinstance(details, CallSiteDetails):
        name = details.caller or details.enclosing or ""
    else:
        name = details.caller
    name = name.strip()
    module = _file_module(finding)
    if not name or name == "<module>":
        return module or "<module>", "module"
    if not module or name == module or name.startswith(module + "."):
        return name, "function"
    return f"{module}.{name}", "function"


def _read_call(builder: _Builder, finding: Finding) -> None:
    details = finding.details
    assert isinstance(details, CallEdgeDetails | CallSiteDetails)
    targets = [t.strip() for t in details.targets if t.strip()]
    _add_calls(builder, finding, details, targets, "" if targets else details.callee.strip())


def _read_taint(builder: _Builder, finding: Finding) -> None:
    details = details_of(finding, TaintSiteDetails)
    functions = list(dict.fromkeys(b.function for b in details.bound_to if b.function))
    _add_calls(builder, finding, details, functions, "")


def _add_calls(builder: _Builder, finding: Finding, details: CallDetails, targets: list[str],
               callee: str) -> None:
    """Edges from the finding's calling def to each known target, or to the callee's text
    (an external node) when no target is known."""
    if not targets and not callee:
        return
    tier = getattr(details, "tier", None)
    if tier == "possible" and not builder.include_possible:
        builder.hidden_possible += 1
        return
    if tier == "excluded":
        return
    source, kind = _caller_node(finding, details)
    builder.node(source, kind)
    for target in targets:
        builder.node(target, "function")
        builder.edge(source, target, "possible" if tier == "possible" else "call",
                     _site(finding))
    if callee:
        builder.node(callee, "external")
        builder.edge(source, callee, "call", _site(finding))


# -- definitions and imports ------------------------------------------------------------------


def _read_definition(builder: _Builder, finding: Finding) -> None:
    details = details_of(finding, DefinitionDetails)
    builder.node(full_name(details.module, details.qualname), details.kind or "function")


def _read_import(builder: _Builder, finding: Finding) -> None:
    details = details_of(finding, ImportDetails)
    importer = (details.importer or "").strip() or _file_module(finding)
    imported = _imported(details)
    if not importer or not imported:
        return
    builder.node(importer, "module")
    kind = (details.classification or "module").replace("_", "-")
    anchor = finding.anchor  # keyed like a cycle edge, so one statement counts once
    site = None if anchor is None else (anchor.file, anchor.line, "import")
    for module in imported:
        builder.node(module, kind)
        builder.edge(importer, module, "import", site)


def _imported(details: ImportDetails) -> list[str]:
    """The repository modules an import is an edge to (`targets`), else the name imported."""
    names = [t.strip() for t in details.targets if t.strip()]
    name = (details.resolved or details.module).strip()
    return names or ([name] if name else [])


def _read_cycle(builder: _Builder, finding: Finding) -> None:
    details = details_of(finding, ImportCycleDetails)
    for module in details.modules:
        builder.node(module, "module")
    for edge in details.edges:
        builder.node(edge.source, "module")
        builder.node(edge.target, "module")
        builder.edge(edge.source, edge.target, "cycle", (edge.file, edge.line, "import"))


_READERS: dict[str, Callable[[_Builder, Finding], None]] = {
    "caller": _read_call, "callee": _read_call, "call_site": _read_call,
    "taint_site": _read_taint, "definition": _read_definition, "decorator": _read_definition,
    "import": _read_import, "import_cycle": _read_cycle,
}
