"""Directed graphs as plain mappings (node -> successors): strongly connected components,
cycles and shortest paths.

Everything here is iterative (explicit stacks, no recursion), so a graph of any depth — a
long import chain in a big code base — never meets Python's recursion limit. Nodes are any
hashable, orderable values; answers are deterministic (nodes and successors are visited in
sorted order). The module knows nothing of imports or facts: callers build the mapping.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar


class _Orderable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...

    def __hash__(self) -> int: ...


Node = TypeVar("Node", bound=_Orderable)


def strongly_connected_components(graph: Mapping[Node, Iterable[Node]]) -> list[list[Node]]:
    """Every strongly connected component (Tarjan's algorithm, iteratively), each sorted;
    the list is sorted by each component's first node. A successor missing from the mapping's
    keys is a node without successors of its own."""
    succ = _normalised(graph)
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    on_stack: set[Node] = set()
    stack: list[Node] = []
    found: list[list[Node]] = []
    for root in succ:
        if root not in index:
            _visit(root, succ, index, low, on_stack, stack, found)
    return sorted(found, key=lambda component: component[0])


def _visit(root: Node, succ: dict[Node, list[Node]], index: dict[Node, int],
           low: dict[Node, int], on_stack: set[Node], stack: list[Node],
           found: list[list[Node]]) -> None:
    """One depth-first search of Tarjan's algorithm; `work` holds (node, next successor
    position) frames in place of the call stack."""
    work: list[tuple[Node, int]] = [(root, 0)]
    while work:
        node, position = work.pop()
        if position == 0:
            index[node] = low[node] = len(index)
            stack.append(node)
            on_stack.add(node)
        successors = succ[node]
        while position < len(successors):
            nxt = successors[position]
            position += 1
            if nxt not in index:
                work.append((node, position))
                work.append((nxt, 0))
                break
            if nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        else:
            _finish(node, work, low, on_stack, stack, found, index)


def _finish(node: Node, work: list[tuple[Node, int]], low: dict[Node, int],
            on_stack: set[Node], stack: list[Node], found: list[list[Node]],
            index: dict[Node, int]) -> None:
    """All successors of `node` are done: close its component if it is a root, and pass its
    low link up to the frame that called it."""
    if low[node] == index[node]:
        component: list[Node] = []
        while True:
            member = stack.pop()
            on_stack.discard(member)
            component.append(member)
            if member == node:
                break
        found.append(sorted(component))
    if work:
        parent = work[-1][0]
        low[parent] = min(low[parent], low[node])


def _normalised(graph: Mapping[Node, Iterable[Node]]) -> dict[Node, list[Node]]:
    """Every node (successor-only nodes included) with its sorted, distinct successors."""
    succ: dict[Node, list[Node]] = {}
    for node in sorted(graph):
        succ[node] = sorted(set(graph[node]))
    for targets in list(succ.values()):
        for target in targets:
            succ.setdefault(target, [])
    return succ


def cyclic_components(graph: Mapping[Node, Iterable[Node]]) -> list[list[Node]]:
    """The components that contain a cycle: two or more nodes, or one node with an edge to
    itself."""
    return [component for component in strongly_connected_components(graph)
            if len(component) > 1 or component[0] in set(graph.get(component[0], ()))]


def restricted(graph: Mapping[Node, Iterable[Node]], nodes: Iterable[Node]
               ) -> dict[Node, list[Node]]:
    """The subgraph induced by `nodes`."""
    keep = set(nodes)
    return {node: [t for t in graph.get(node, ()) if t in keep] for node in keep}


def shortest_cycle(graph: Mapping[Node, Iterable[Node]], start: Node) -> list[Node]:
    """A shortest cycle through `start` as [start, ..., start] (breadth-first, successors in
    sorted order); [] when `start` lies on no cycle."""
    parent: dict[Node, Node] = {}
    queue: deque[Node] = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(set(graph.get(node, ()))):
            if nxt == start:
                return [*_path_to(parent, start, node), start]
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return []


def shortest_path(graph: Mapping[Node, Iterable[Node]], source: Node, target: Node
                  ) -> list[Node]:
    """A shortest path [source, ..., target] (breadth-first, successors in sorted order);
    [source] when they are the same node, [] when `target` is out of reach."""
    if source == target:
        return [source]
    parent: dict[Node, Node] = {source: source}
    queue: deque[Node] = deque([source])
    while queue:
        node = queue.popleft()
        for nxt in sorted(set(graph.get(node, ()))):
            if nxt in parent:
                continue
            parent[nxt] = node
            if nxt == target:
                return _path_to(parent, source, nxt)
            queue.append(nxt)
    return []


def shortest_cycle_via(graph: Mapping[Node, Iterable[Node]],
                       marked: Iterable[tuple[Node, Node]], tries: int = 32) -> list[Node]:
    """A shortest cycle that starts with one of the `marked` edges, as [u, v, ..., u]; []
    when no marked edge lies on a cycle. Only the first `tries` marked edges (in sorted
    order) are tried, each a breadth-first search, so a huge component stays linear."""
    best: list[Node] = []
    for source, target in sorted(set(marked))[:tries]:
        back = shortest_path(graph, target, source)
        if back and (not best or len(back) + 1 < len(best)):
            best = [source, *back]
    return best


def _path_to(parent: dict[Node, Node], start: Node, node: Node) -> list[Node]:
    path = [node]
    while path[-1] != start:
        path.append(parent[path[-1]])
    return path[::-1]
