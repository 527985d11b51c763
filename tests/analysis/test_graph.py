"""Graph algorithms: strongly connected components (checked against a reachability oracle),
cyclic components, shortest cycles, and deep graphs that would overflow a recursive search."""

from __future__ import annotations

import random

import pytest

from cq.analysis.graph import (
    cyclic_components,
    restricted,
    shortest_cycle,
    shortest_cycle_via,
    shortest_path,
    strongly_connected_components,
)


@pytest.mark.parametrize(("graph", "components"), [
    ({}, []),
    ({"a": []}, [["a"]]),
    ({"a": ["b"]}, [["a"], ["b"]]),
    ({"a": ["a"]}, [["a"]]),
    ({"a": ["b"], "b": ["a"]}, [["a", "b"]]),
    ({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}, [["a", "b", "c"], ["d"]]),
    ({"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c", "a"]}, [["a", "b"], ["c", "d"]]),
    ({"x": ["y", "y"], "y": ["x"]}, [["x", "y"]]),
])
def test_components(graph, components) -> None:
    assert strongly_connected_components(graph) == components


@pytest.mark.parametrize(("graph", "cyclic"), [
    ({"a": ["b"]}, []),
    ({"a": ["a"], "b": ["a"]}, [["a"]]),
    ({"a": ["b"], "b": ["a"], "c": ["a"]}, [["a", "b"]]),
    ({"a": ["b"], "b": ["c"], "c": ["b"]}, [["b", "c"]]),
])
def test_cyclic_components_keep_cycles_and_self_loops(graph, cyclic) -> None:
    assert cyclic_components(graph) == cyclic
    assert bool(cyclic_components(graph)) is bool(cyclic)


@pytest.mark.parametrize(("graph", "start", "cycle"), [
    ({"a": ["b"], "b": ["a"]}, "a", ["a", "b", "a"]),
    ({"a": ["a"]}, "a", ["a", "a"]),
    ({"a": ["b", "c"], "b": ["d"], "d": ["a"], "c": ["a"]}, "a", ["a", "c", "a"]),
    ({"a": ["b"], "b": []}, "a", []),
    ({"a": ["b"], "b": ["c"], "c": ["b"]}, "a", []),  # b-c cycle does not pass through a
])
def test_shortest_cycle(graph, start, cycle) -> None:
    assert shortest_cycle(graph, start) == cycle


@pytest.mark.parametrize(("graph", "marked", "cycle"), [
    ({"a": ["b"], "b": ["a"]}, {("b", "a")}, ["b", "a", "b"]),
    # the shortest cycle a-c-a takes no marked edge: the answer goes round through b
    ({"a": ["b", "c"], "b": ["d"], "d": ["a"], "c": ["a"]}, {("d", "a")},
     ["d", "a", "b", "d"]),
    ({"a": ["b"], "b": ["a"]}, set(), []),
    ({"a": ["a"]}, {("a", "a")}, ["a", "a"]),
    ({"a": ["b"], "b": ["c"]}, {("a", "b")}, []),  # on no cycle
    # two marked edges: the one on the shorter cycle wins
    ({"a": ["b"], "b": ["c"], "c": ["a"], "x": ["y"], "y": ["x"]}, {("a", "b"), ("x", "y")},
     ["x", "y", "x"]),
])
def test_shortest_cycle_via_a_marked_edge(graph, marked, cycle) -> None:
    assert shortest_cycle_via(graph, marked) == cycle


@pytest.mark.parametrize(("source", "target", "path"), [
    ("a", "a", ["a"]), ("a", "d", ["a", "c", "d"]), ("d", "a", []),
])
def test_shortest_path(source, target, path) -> None:
    graph = {"a": ["b", "c"], "b": ["c"], "c": ["d"]}
    assert shortest_path(graph, source, target) == path


def test_restricted_keeps_only_edges_inside() -> None:
    graph = {"a": ["b", "c"], "b": ["a"], "c": ["a"]}
    assert restricted(graph, ["a", "b"]) == {"a": ["b"], "b": ["a"]}


def test_deep_chain_and_deep_ring_need_no_recursion() -> None:
    n = 50_000
    chain = {i: [i + 1] for i in range(n)}
    assert len(strongly_connected_components(chain)) == n + 1
    ring = {**chain, n: [0]}
    (component,) = strongly_connected_components(ring)
    assert len(component) == n + 1
    assert len(shortest_cycle(ring, 0)) == n + 2


def _oracle(graph: dict[int, list[int]]) -> list[list[int]]:
    """Components by mutual reachability (quadratic, obviously right)."""
    nodes = sorted({*graph, *(t for ts in graph.values() for t in ts)})
    reach = {}
    for node in nodes:
        seen, todo = {node}, [node]
        while todo:
            for nxt in graph.get(todo.pop(), []):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[node] = seen
    groups = {frozenset(m for m in nodes if m in reach[n] and n in reach[m]) for n in nodes}
    return sorted(sorted(group) for group in groups)


@pytest.mark.parametrize("seed", range(25))
def test_components_match_the_reachability_oracle(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.randint(1, 30)
    graph = {n: [rng.randrange(size) for _ in range(rng.randint(0, 3))] for n in range(size)}
    assert strongly_connected_components(graph) == _oracle(graph)
