"""`dot`: the call and import graph as a Graphviz digraph, read back strictly and by `dot`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings

from conftest import copy_sample
from cq.cli.app import run
from cq.render import render, renderer_for
from cq.render.dot import dot_string, render_dot
from cq.render.graph import short_label
from cq.render.mermaid import render_mermaid
from cq.result import CqResult

from .builders import result
from .graph_results import (
    NASTY,
    ask,
    calls_result,
    definition,
    expected_call_edges,
    graph_results,
    imports_result,
    nasty_result,
    taint_result,
)
from .mermaid_syntax import parse_flowchart

_STRING = r'"(?:[^"\\]|\\.)*"'
_ATTR = re.compile(rf"(?P<key>\w+)=(?P<value>{_STRING}|[\w.#-]+)")
_ATTRS = rf"\[(?P<attrs>\w+=(?:{_STRING}|[\w.#-]+)(?:, \w+=(?:{_STRING}|[\w.#-]+))*)\]"
_NODE = re.compile(rf"(?P<id>n\d+) {_ATTRS};")
_EDGE = re.compile(rf"(?P<src>n\d+) -> (?P<dst>n\d+)(?: {_ATTRS})?;")
_SETTINGS = re.compile(rf"(?:rankdir=LR|(?:node|edge) {_ATTRS});")


@dataclass
class Digraph:
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def label(self, node_id: str) -> str:
        return self.nodes[node_id]["label"]

    def labelled_edges(self) -> set[tuple[str, str]]:
        return {(self.label(s), self.label(d)) for s, d, _ in self.edges}


def unquote(value: str) -> str:
    if not value.startswith('"'):
        return value
    return re.sub(r"\\(.)", r"\1", value[1:-1])


def attributes(text: str | None) -> dict[str, str]:
    return {m["key"]: unquote(m["value"]) for m in _ATTR.finditer(text or "")}


def balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(_STRING, '""', text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def parse_dot(text: str) -> Digraph:
    """Accept only the statements cq writes; every edge endpoint must be declared before."""
    assert balanced(text) and not text.endswith("\n")
    lines = text.split("\n")
    assert lines[0] == "digraph cq {" and lines[-1] == "}"
    graph = Digraph()
    for line in lines[1:-1]:
        assert line.startswith("    "), repr(line)
        body = line[4:]
        if (node := _NODE.fullmatch(body)) is not None:
            assert node["id"] not in graph.nodes
            graph.nodes[node["id"]] = attributes(node["attrs"])
        elif (edge := _EDGE.fullmatch(body)) is not None:
            assert edge["src"] in graph.nodes and edge["dst"] in graph.nodes, body
            graph.edges.append((edge["src"], edge["dst"], attributes(edge["attrs"])))
        else:
            assert _SETTINGS.fullmatch(body) or body.startswith("// "), body
    pairs = [(s, d) for s, d, _ in graph.edges]
    assert len(pairs) == len(set(pairs)), "an edge is repeated"
    return graph


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("dot"), "sample_app")


def test_registered() -> None:
    assert renderer_for("dot") is render_dot


@pytest.mark.parametrize(("text", "quoted"), [
    ("plain", '"plain"'),
    ('say "hi"', '"say \\"hi\\""'),
    ("back\\slash\\", '"back\\\\slash\\\\"'),
    ("\\n is not a newline", '"\\\\n is not a newline"'),
    ("multi\nline", '"multi line"'),
    ("<b>html</b> {x} [y]", '"<b>html</b> {x} [y]"'),
])
def test_dot_string(text: str, quoted: str) -> None:
    assert dot_string(text) == quoted
    assert unquote(quoted) == " ".join(text.split())


@pytest.mark.parametrize("query", [
    "entity=function name=service_for expand=callers(depth=2)",
    "entity=function name=main in=src/stockroom/cli.py expand=callees",
])
def test_real_call_graph(sample: Path, query: str) -> None:
    res = ask(sample, query)
    graph = parse_dot(render_dot(res))
    assert graph.labelled_edges() == expected_call_edges(res)


@pytest.mark.parametrize("make", [calls_result, imports_result, taint_result])
def test_same_graph_as_mermaid(make) -> None:
    res = make()
    graph, chart = parse_dot(render_dot(res)), parse_flowchart(render_mermaid(res))
    assert [graph.label(i) for i in graph.nodes] == list(chart.nodes.values())
    assert graph.labelled_edges() == chart.labelled_edges()


def test_counts_and_styles() -> None:
    graph = parse_dot(render_dot(calls_result()))
    labels = {(graph.label(s), graph.label(d)): attrs.get("label") for s, d, attrs in graph.edges}
    assert labels == {("pkg.app.main", "pkg.db.save"): "3", ("pkg.app.main", "log.info"): None}
    imports = parse_dot(render_dot(imports_result()))
    cycle = {(imports.label(s), imports.label(d)) for s, d, a in imports.edges if "penwidth" in a}
    assert cycle == {("pkg.a", "pkg.b"), ("pkg.b", "pkg.a")}
    assert {a["shape"] for a in imports.nodes.values()} == {"folder"}


def test_definitions_only_are_nodes(sample: Path) -> None:
    graph = parse_dot(render_dot(ask(sample, "entity=class name=~Error$")))
    assert graph.edges == []
    assert {a["label"] for a in graph.nodes.values()} == {
        "stockroom.errors.StockroomError", "stockroom.errors.StorageError"}


@pytest.mark.parametrize("text", NASTY)
def test_nasty_labels(text: str) -> None:
    graph = parse_dot(render_dot(nasty_result(text)))
    assert short_label(text) in {a["label"] for a in graph.nodes.values()}
    assert len(graph.edges) == 1


def test_empty_result() -> None:
    graph = parse_dot(render(result(), "dot"))
    assert graph.nodes == {} and graph.edges == []


def test_pure() -> None:
    res = imports_result()
    assert render(res, "dot", top_n=0) == render_dot(res) == render_dot(res)


GRAPHVIZ = shutil.which("dot")


def graphviz_cases() -> list[CqResult]:
    lonely = result(key_findings=(definition("Thing", kind="class"),))
    return [result(), lonely, calls_result(), imports_result(), taint_result(),
            *(nasty_result(text) for text in NASTY)]


@pytest.mark.skipif(GRAPHVIZ is None, reason="Graphviz `dot` is not installed")
def test_graphviz_accepts_the_output(tmp_path: Path) -> None:
    for index, res in enumerate(graphviz_cases()):
        path = tmp_path / f"graph{index}.dot"
        path.write_text(render_dot(res), encoding="utf-8")
        done = subprocess.run([GRAPHVIZ or "dot", "-Tsvg", str(path)], capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, (index, done.stderr)
        assert "<svg" in done.stdout


def test_import_cycles_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_sample(tmp_path, "cycles")
    outputs = {}
    for fmt in ("json", "dot"):
        code = run(["imports", "--cycles", "--root", str(root), "--format", fmt,
                    "--no-save-artifact", "--cache-dir", str(tmp_path / "cache")])
        out, err = capsys.readouterr()
        assert code == 0, err
        outputs[fmt] = out.rstrip("\n")
    cycles = json.loads(outputs["json"])["key_findings"]
    assert cycles
    expected = {(edge["from"], edge["to"])
                for cycle in cycles for edge in cycle["details"]["edges"]}
    graph = parse_dot(outputs["dot"])
    assert graph.labelled_edges() == expected
    assert all("penwidth" in attrs for _, _, attrs in graph.edges)


@settings(max_examples=150, deadline=None)
@given(graph_results)
def test_any_result_gives_a_valid_digraph(res: CqResult) -> None:
    graph, chart = parse_dot(render_dot(res)), parse_flowchart(render_mermaid(res))
    assert graph.labelled_edges() == chart.labelled_edges()


def test_possible_call_edges_are_dashed_and_counted_apart(make_repo) -> None:
    from conftest import run_macro

    root = make_repo({"a.py": "class A:\n    def m(self):\n        pass\n\n\n"
                              "def f(x):\n    x.m()\n    A().m()\n\n\ndef g(y):\n    y.m()\n"})
    text = render_dot(run_macro(root, "calls", {"target": "A.m"}, no_cache=True,
                  include_possible=True))
    assert 'label="1 resolved, 1 possible"' in text
    assert '[label="1 possible", style=dashed]' in text  # g → A.m: only a possible site
