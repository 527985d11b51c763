"""`mermaid`: the call and import graph as a flowchart, checked by a strict reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from conftest import copy_sample, run_macro
from cq.cli.app import run
from cq.render import render, renderer_for
from cq.render.graph import short_label
from cq.render.mermaid import mermaid_text, render_mermaid
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
from .mermaid_syntax import check_label, parse_flowchart


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("mermaid"), "sample_app")


def test_registered() -> None:
    assert renderer_for("mermaid") is render_mermaid


@pytest.mark.parametrize("query", [
    "entity=function name=service_for expand=callers(depth=2)",
    "entity=function name=main in=src/stockroom/cli.py expand=callees",
    "entity=method name=reserve expand=callers",
])
def test_real_expansions_draw_every_edge(sample: Path, query: str) -> None:
    res = ask(sample, query)
    chart = parse_flowchart(render_mermaid(res))
    assert chart.direction == "LR"
    assert res.sections[0].findings, "the sample repo should have edges for this query"
    assert chart.labelled_edges() == expected_call_edges(res)
    definitions = {f"{f.details.module}.{f.details.qualname}" for f in res.key_findings}
    assert definitions <= set(chart.nodes.values())


def test_callers_depth_two_chain(sample: Path) -> None:
    chart = parse_flowchart(render_mermaid(
        ask(sample, "entity=function name=service_for expand=callers(depth=2)")))
    edges = chart.labelled_edges()
    assert ("stockroom.cli.main", "stockroom.service.service_for") in edges
    assert ("stockroom.cli", "stockroom.cli.main") in edges  # module-level call, depth 2
    assert chart.shapes[chart.id_of("stockroom.cli")] == '{{'


def test_unresolved_callees_are_round_and_styled(sample: Path) -> None:
    res = ask(sample, "entity=function name=main in=src/stockroom/cli.py expand=callees")
    chart = parse_flowchart(render_mermaid(res))
    unresolved = {f.details.callee for f in res.sections[0].findings
                  if not f.details.targets}
    assert unresolved
    for callee in unresolved:
        node_id = chart.id_of(callee)
        assert chart.shapes[node_id] == "("
        assert chart.styled[node_id] == "external"


def test_definitions_without_edges_are_nodes(sample: Path) -> None:
    res = ask(sample, "entity=function name=~^(service_for|try_reserve)$")
    chart = parse_flowchart(render_mermaid(res))
    assert set(chart.nodes.values()) == {"stockroom.service.service_for",
                                         "stockroom.service.try_reserve"}
    assert chart.edges == []


def test_call_sites_counted_once_per_site() -> None:
    chart = parse_flowchart(render_mermaid(calls_result()))
    by_pair = {(chart.nodes[s], chart.nodes[d]): label for s, _, label, d in chart.edges}
    assert by_pair == {("pkg.app.main", "pkg.db.save"): "3", ("pkg.app.main", "log.info"): ""}
    assert len(chart.nodes) == 3


def test_taint_sites_with_bound_to() -> None:
    chart = parse_flowchart(render_mermaid(taint_result()))
    assert chart.labelled_edges() == {("pkg.app.handle", f"pkg.db.{name}")
                                      for name in ("save", "save_all", "load", "drop")}


def test_imports_and_cycles() -> None:
    chart = parse_flowchart(render_mermaid(imports_result()))
    arrows = {(chart.nodes[s], chart.nodes[d]): (arrow, label)
              for s, arrow, label, d in chart.edges}
    assert arrows == {
        ("pkg.a", "pkg.b"): ("==>", ""),  # the import and the cycle edge are one statement
        ("pkg.b", "pkg.a"): ("==>", ""),
        ("pkg.a", "os"): ("-->", ""),
        ("pkg.b", "requests"): ("-->", ""),
        ("pkg.b", "pkg.c"): ("-->", ""),
        ("pkg.b", "pkg.d"): ("-->", ""),
    }
    assert chart.styled == {chart.id_of("os"): "stdlib", chart.id_of("requests"): "thirdparty"}
    assert {chart.shapes[i] for i in chart.nodes} == {"{{"}


def test_entity_import_findings_use_the_file_module(sample: Path) -> None:
    chart = parse_flowchart(render_mermaid(ask(sample, "entity=import in=src/stockroom/cli.py")))
    assert chart.edges
    assert {chart.nodes[s] for s, _, _, _ in chart.edges} == {"stockroom.cli"}


@pytest.mark.parametrize("text", NASTY)
def test_nasty_labels_stay_inside_their_quotes(text: str) -> None:
    chart = parse_flowchart(render_mermaid(nasty_result(text)))
    assert short_label(text) in chart.nodes.values()
    assert all(len(label) <= 80 for label in chart.nodes.values())
    assert len(chart.edges) == 1


@pytest.mark.parametrize(("text", "escaped"), [
    ('a "b"', "a #34;b#34;"),
    ("x<y>&z", "x#60;y#62;#38;z"),
    ("#35;", "#35;35;"),
    ("`md`", "#96;md#96;"),
    ("two\nlines", "two lines"),
    ("[ok] (ok) {ok} |ok|", "[ok] (ok) {ok} |ok|"),
])
def test_mermaid_text(text: str, escaped: str) -> None:
    assert mermaid_text(text) == escaped
    assert check_label(escaped) == " ".join(text.split())


@pytest.mark.parametrize("res", [
    result(),
    result(key_findings=(definition("Thing", kind="class"),)),
])
def test_empty_or_lonely_results_are_valid(res: CqResult) -> None:
    chart = parse_flowchart(render(res, "mermaid"))
    assert chart.edges == []
    assert len(chart.nodes) == len(res.key_findings)
    assert chart.comments == ([] if res.key_findings else [
        "no calls, imports or definitions in this result"])


@pytest.mark.parametrize("top_n", [0, 1, 10])
def test_pure_and_top_n_ignored(top_n: int) -> None:
    res = calls_result()
    text = render(res, "mermaid", top_n=top_n)
    assert text == render_mermaid(res) == render_mermaid(res)
    assert not text.endswith("\n")


@pytest.mark.parametrize("fmt", ["mermaid", "mermaid-cfg", "mermaid-class"])
def test_cli(sample: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code = run(["q", "entity=function name=service_for expand=callers", "--root", str(sample),
                "--format", fmt, "--no-save-artifact", "--cache-dir", str(sample.parent / "c")])
    out, err = capsys.readouterr()
    assert code == 0, err
    header = "classDiagram" if fmt == "mermaid-class" else "flowchart"
    assert out.startswith(header)


def test_cli_rejects_unknown_graph_format(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["q", "entity=function", "--root", str(sample), "--format", "mermaid-flow"])
    assert code == 2
    assert "mermaid-flow" in capsys.readouterr().err


def cli_output(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> str:
    code = run([*args, "--root", str(root), "--no-save-artifact",
                "--cache-dir", str(root.parent / "c")])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out.rstrip("\n")


def test_calls_macro_end_to_end(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chart = parse_flowchart(cli_output(capsys, sample, "calls", "service_for",
                                       "--format", "mermaid"))
    target = "stockroom.service.service_for"
    assert chart.labelled_edges() == {(f"stockroom.{caller}", target) for caller in (
        "cli.main", "api.routes.reserve", "api.routes.low_stock")}


def test_impact_macro_end_to_end(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chart = parse_flowchart(cli_output(capsys, sample, "impact", "try_reserve", "--param", "sku",
                                       "--depth", "2", "--format", "mermaid"))
    edges = chart.labelled_edges()
    assert ("stockroom.service.try_reserve", "stockroom.service.StockroomService.reserve") in edges
    assert ("stockroom.cli.main", "stockroom.service.try_reserve") in edges  # its callers


@settings(max_examples=150, deadline=None)
@given(graph_results)
def test_any_result_gives_a_valid_flowchart(res: CqResult) -> None:
    chart = parse_flowchart(render_mermaid(res))
    assert all(len(label) <= 80 for label in chart.nodes.values())
    cfg = parse_flowchart(render(res, "mermaid-cfg"))  # the root does not exist
    assert cfg.nodes == {} and cfg.comments[0].startswith("no function to draw: ")


def test_possible_sites_are_counted_apart_and_dashed(tmp_path: Path) -> None:
    root = copy_sample(tmp_path, "receivers")
    chart = parse_flowchart(render_mermaid(
        run_macro(root, "calls", {"target": "Model.save"}, no_cache=True,
                  include_possible=True)))
    arrows = {(chart.nodes[s], chart.nodes[d]): (arrow, label)
              for s, arrow, label, d in chart.edges}
    assert arrows[("shop.views.saving", "shop.models.Model.save")] == (
        "-->", "3 resolved, 1 possible")
    chart = parse_flowchart(render_mermaid(
        run_macro(root, "calls", {"target": "Engine.get_default"}, no_cache=True,
                  include_possible=True)))
    arrows = {(chart.nodes[s], chart.nodes[d]): (arrow, label)
              for s, arrow, label, d in chart.edges}
    assert arrows[("shop.views.defaults", "shop.engine.Engine.get_default")] == (
        "-->", "3 resolved, 1 possible")
    assert ("shop.models.Order.save", "shop.engine.Engine.get_default") not in arrows  # excluded


def test_an_edge_of_possible_sites_only_is_dashed(make_repo) -> None:
    root = make_repo({"a.py": "class A:\n    def m(self):\n        pass\n\n\n"
                              "def f(x):\n    x.m()\n    x.m()\n"})
    chart = parse_flowchart(render_mermaid(
        run_macro(root, "calls", {"target": "A.m"}, no_cache=True,
                  include_possible=True)))
    assert [(chart.nodes[s], arrow, label, chart.nodes[d]) for s, arrow, label, d
            in chart.edges] == [("a.f", "-.->", "2 possible", "a.A.m")]


def test_possible_edges_are_drawn_only_when_asked(make_repo) -> None:
    root = make_repo({"a.py": "class A:\n    def m(self):\n        pass\n\n\n"
                              "def f(x):\n    x.m()\n    x.m()\n\n\ndef g():\n    A().m()\n"})
    text = render_mermaid(run_macro(root, "calls", {"target": "A.m"}, no_cache=True))
    chart = parse_flowchart(text)
    assert [(chart.nodes[s], chart.nodes[d]) for s, _, _, d in chart.edges] == [("a.g", "a.A.m")]
    assert "%% 2 possible call site(s) not drawn (--include-possible draws them)" in text


def _big_result(nodes: int) -> CqResult:
    from cq.details import CallEdgeDetails
    from cq.findings import make_finding
    from cq.result import Anchor

    name = "package.module_with_a_rather_long_name.Class"
    callers = tuple(make_finding("caller", Anchor(file=f"pkg/m{i}.py", line=i + 1),
                                 CallEdgeDetails(caller=f"{name}.caller_{i}",
                                                 callee=f"{name}.callee_{i % 50}",
                                                 targets=(f"{name}.callee_{i % 50}",
                                                          f"{name}.other_{i}"),
                                                 tier="resolved"),
                                 message="call")
                    for i in range(nodes))
    return result(key_findings=callers)


def test_a_big_graph_is_capped_within_mermaid_limits() -> None:
    from cq.render.graph import MAX_NODES, extract_graph

    big = _big_result(2_000)
    assert len(extract_graph(big).nodes) > 4_000
    text = render_mermaid(big)
    chart = parse_flowchart(text)
    assert len(chart.nodes) == MAX_NODES and len(chart.edges) <= 500
    assert len(text) < 50_000
    assert any(label.startswith("+") and label.endswith(" more") for label in chart.nodes.values())
    assert "nodes folded into one node" in text


def test_labels_shrink_until_the_diagram_fits() -> None:
    from cq.details import DefinitionDetails
    from cq.findings import make_finding
    from cq.result import Anchor

    defs = tuple(make_finding("definition", Anchor(file="m.py", line=i + 1),
                              DefinitionDetails(kind="function", name=f"f{i}",
                                                qualname=f"f{i}_" + "<&>" * 40, module="m",
                                                signature="()"))
                 for i in range(199))
    text = render_mermaid(result(key_findings=defs))
    assert len(text) <= 50_000 and len(parse_flowchart(text).nodes) == 199
