"""`cq imports`: classification, src-layout names, relative resolution, edges, laziness,
cycles on the committed sample `tests/repos/cycles`, `--module`, the CLI and the cache."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from conftest import all_findings, copy_sample, run_macro
from cq.details import ImportedName
from cq.errors import BadInputError
from cq.result import CqResult, Finding


def imports(root: Path, **args) -> CqResult:
    return run_macro(root, "imports", args, cache_dir=str(root.parent / "cache"))


def rows(result: CqResult, path: str) -> list[tuple]:
    return sorted((f.anchor.line, f.details.resolved, f.details.classification,
                   tuple(f.details.targets)) for f in all_findings(result)
                  if f.anchor.file == path)


@pytest.fixture(scope="module")
def cycles_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("imports"), "cycles")


# -- classification and resolution ---------------------------------------------------------

PKG = {
    "src/pkg/__init__.py": "",
    "src/pkg/util.py": "",
    "src/pkg/sub/__init__.py": "",
    "src/pkg/sub/deep.py": "",
    "src/pkg/models.py": """\
        from __future__ import annotations
        import os
        import os.path as osp
        import requests.adapters
        from . import util
        from .util import helper
        from pkg import sub
        from pkg.sub import thing
        import pkg.missing
        import json, yaml
        from .sub.deep import x
        from . import util, sub
        from ... import above
        """,
}
MODELS = [
    (1, "__future__", "stdlib", ()),
    (2, "os", "stdlib", ()),
    (3, "os.path", "stdlib", ()),
    (4, "requests.adapters", "third_party", ()),
    (5, "pkg", "internal", ("pkg.util",)),
    (6, "pkg.util", "internal", ("pkg.util",)),
    (7, "pkg", "internal", ("pkg.sub",)),
    (8, "pkg.sub", "internal", ("pkg.sub",)),
    (9, "pkg.missing", "internal", ()),  # pkg is already running: nothing new runs
    (10, "json", "stdlib", ()),
    (10, "yaml", "third_party", ()),
    (11, "pkg.sub.deep", "internal", ("pkg.sub", "pkg.sub.deep")),
    (12, "pkg", "internal", ("pkg.util", "pkg.sub")),
    (13, None, "internal", ()),
]


def test_classification_resolution_and_targets(make_repo) -> None:
    result = imports(make_repo(PKG))
    assert rows(result, "src/pkg/models.py") == sorted(MODELS, key=lambda r: (r[0], r[1] or ""))
    assert {f.details.importer for f in all_findings(result)} == {"pkg.models"}
    summary = result.summary
    assert (summary["imports"], summary["internal"], summary["stdlib"],
            summary["third_party"]) == (14, 8, 4, 2)
    assert summary["modules"] == 5 and summary["top_third_party"] == [["requests", 1],
                                                                      ["yaml", 1]]
    assert summary["edges"] == 3  # pkg.util, pkg.sub, pkg.sub.deep


def test_findings_split_internal_key_and_sections(make_repo) -> None:
    result = imports(make_repo(PKG))
    assert {f.details.classification for f in result.key_findings} == {"internal"}
    assert [(s.kind, len(s.findings)) for s in result.sections] == [("stdlib", 4),
                                                                    ("third_party", 2)]
    (aliased,) = [f for f in all_findings(result) if f.details.resolved == "os.path"]
    assert aliased.details.names == (ImportedName("os.path", "osp"),)
    assert aliased.details.evidence == "syntax"
    assert aliased.anchor.line == 3 and aliased.details.text == "import os.path as osp"


@pytest.mark.parametrize(("files", "expected"), [
    ({"app.py": "import json\n"}, "stdlib"),
    ({"app.py": "import json\n", "json.py": ""}, "internal"),  # the repo shadows the stdlib
    ({"app.py": "import helpers.text\n", "src/helpers/__init__.py": ""}, "internal"),
    ({"app.py": "import numpy.linalg\n"}, "third_party"),
    ({"app.py": "from . import sibling\n"}, "internal"),
])
def test_classification_table(make_repo, files, expected) -> None:
    result = imports(make_repo(files))
    (finding,) = [f for f in all_findings(result) if f.anchor.file == "app.py"]
    assert finding.details.classification == expected


@pytest.mark.parametrize(("files", "path", "resolved", "classification", "evidence"), [
    ({"tests/conftest.py": "", "tests/unit/__init__.py": "",
      "tests/unit/test_a.py": "from conftest import X\n"},
     "tests/unit/test_a.py", "tests.conftest", "internal", "heuristic"),
    ({"scripts/run.py": "import helpers.text\n", "scripts/helpers/__init__.py": "",
      "scripts/helpers/text.py": ""}, "scripts/run.py", "scripts.helpers.text", "internal",
     "heuristic"),
    ({"scripts/gc.py": "import gc\n"}, "scripts/gc.py", "gc", "stdlib", "syntax"),
    ({"src/pkg/__init__.py": "", "src/pkg/a.py": "import helpers\n",
      "src/pkg/helpers.py": ""}, "src/pkg/a.py", "helpers", "third_party", "syntax"),
])
def test_modules_next_to_the_package_root(make_repo, files, path, resolved, classification,
                                          evidence) -> None:
    result = imports(make_repo(files))
    (finding,) = [f for f in all_findings(result) if f.anchor.file == path]
    details = finding.details
    assert (details.resolved, details.classification, details.evidence) == (
        resolved, classification, evidence)
    assert details.targets[-1:] == ((resolved,) if classification == "internal" else ())


@pytest.mark.parametrize(("source", "lazy", "type_only"), [
    ("import pkg.b\n", False, False),
    ("def f():\n    import pkg.b\n", True, False),
    ("class C:\n    import pkg.b\n", False, False),  # class bodies run at import time
    ("class C:\n    def m(self):\n        import pkg.b\n", True, False),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.b\n", False, True),
    ("import typing\nif typing.TYPE_CHECKING:\n    import pkg.b\n", False, True),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nelse:\n    import pkg.b\n",
     False, False),
])
def test_lazy_and_type_only(make_repo, source, lazy, type_only) -> None:
    result = imports(make_repo({"pkg/__init__.py": "", "pkg/a.py": source, "pkg/b.py": ""}))
    (edge,) = [f for f in result.key_findings if f.details.targets == ("pkg.b",)]
    assert (edge.details.lazy, edge.details.type_only) == (lazy, type_only)


@pytest.mark.parametrize(("source", "main_only"), [
    ("if __name__ == '__main__':\n    import pkg.b\n", True),
    ("if __name__ == \"__main__\":  # run as a script\n    x = 1\n\n    import pkg.b\n", True),
    ("if __name__ == '__main__':\n    pass\nelse:\n    import pkg.b\n", False),
    ("if __name__ == '__main__':\n    pass\nimport pkg.b\n", False),
])
def test_imports_under_the_main_guard(make_repo, source, main_only) -> None:
    result = imports(make_repo({"pkg/__init__.py": "", "pkg/a.py": source, "pkg/b.py": ""}))
    (edge,) = [f for f in result.key_findings if f.details.targets == ("pkg.b",)]
    assert (edge.details.main_only, edge.details.lazy) == (main_only, False)


@pytest.mark.parametrize("data", [
    pytest.param("x = 'é'\nif __name__ == '__main__':\n    import pkg.b\n".encode("utf-16"),
                 id="utf-16"),
    pytest.param(b"# coding: unicode_escape\nif __name__ == '\\x5f_main__':\n"
                 b"    import pkg.b\n", id="unicode-escape"),
])
def test_the_main_guard_is_read_from_the_decoded_text(make_repo, data: bytes) -> None:
    result = imports(make_repo({"pkg/__init__.py": "", "pkg/a.py": data, "pkg/b.py": ""}))
    (edge,) = [f for f in result.key_findings if f.details.targets == ("pkg.b",)]
    assert edge.details.main_only is True


def test_a_script_block_import_makes_no_import_time_cycle(make_repo) -> None:
    root = make_repo({"m/__init__.py": "", "m/a.py": "import m.b\n",
                      "m/b.py": "if __name__ == '__main__':\n    import m.a\n"})
    (cycle,) = imports(root, cycles=True).key_findings
    assert (cycle.details.import_time, cycle.severity) == (False, "info")
    assert cycle.details.path[0].main_only is True


def test_stub_imports_are_type_only(make_repo) -> None:
    result = imports(make_repo({"pkg/__init__.py": "", "pkg/b.py": "",
                                "pkg/a.pyi": "import pkg.b\n"}))
    (edge,) = result.key_findings
    assert edge.details.type_only is True


# -- cycles ---------------------------------------------------------------------------------

def cycle_rows(result: CqResult) -> dict[tuple[str, ...], Finding]:
    return {tuple(f.details.modules): f for f in result.key_findings}


def edge_lines(finding: Finding) -> list[tuple[str, str, str, int]]:
    return [(e.source, e.target, e.file, e.line) for e in finding.details.edges]


@pytest.mark.parametrize(("modules", "edges", "severity", "lazy_only"), [
    (("loops.alpha", "loops.beta"),
     [("loops.alpha", "loops.beta", "src/loops/alpha.py", 3),
      ("loops.beta", "loops.alpha", "src/loops/beta.py", 3)], "warning", False),
    (("loops.ring.one", "loops.ring.three", "loops.ring.two"),
     [("loops.ring.one", "loops.ring.two", "src/loops/ring/one.py", 3),
      ("loops.ring.three", "loops.ring.one", "src/loops/ring/three.py", 3),
      ("loops.ring.two", "loops.ring.three", "src/loops/ring/two.py", 3)], "warning", False),
    (("loops.rel.left", "loops.rel.right"),
     [("loops.rel.left", "loops.rel.right", "src/loops/rel/left.py", 3),
      ("loops.rel.right", "loops.rel.left", "src/loops/rel/right.py", 5)], "warning", False),
    (("loops.lazy.hub", "loops.lazy.spoke"),
     [("loops.lazy.hub", "loops.lazy.spoke", "src/loops/lazy/hub.py", 6),
      ("loops.lazy.spoke", "loops.lazy.hub", "src/loops/lazy/spoke.py", 8)], "info", True),
])
def test_sample_repo_cycles(cycles_repo, modules, edges, severity, lazy_only) -> None:
    result = imports(cycles_repo, cycles=True)
    found = cycle_rows(result)
    assert len(found) == 4 and result.summary["cycles"] == 4
    cycle = found[modules]
    assert edge_lines(cycle) == edges
    assert (cycle.severity, cycle.details.lazy_only) == (severity, lazy_only)
    assert cycle.details.size == len(modules) and cycle.details.evidence == "syntax"
    first = cycle.details.cycle
    assert first[0] == first[-1] == modules[0] and len(first) == len(modules) + 1
    assert (cycle.anchor.file, cycle.anchor.line) == edges[0][2:]
    assert [s.kind for s in result.sections] == ["cycle_lines"]


def test_cycle_order_follows_the_ring(cycles_repo) -> None:
    ring = cycle_rows(imports(cycles_repo, cycles=True))[
        ("loops.ring.one", "loops.ring.three", "loops.ring.two")]
    assert ring.details.cycle == ("loops.ring.one", "loops.ring.two", "loops.ring.three",
                                  "loops.ring.one")


def test_lazy_edge_breaks_the_cycle_at_import_time(make_repo) -> None:
    root = make_repo({"m/__init__.py": "", "m/a.py": "import m.b\n",
                      "m/b.py": "def f():\n    import m.a\n"})
    (cycle,) = imports(root, cycles=True).key_findings
    details = cycle.details
    assert (details.lazy_only, details.import_time, cycle.severity) == (False, False, "info")


@pytest.mark.parametrize(("path", "source", "targets"), [
    # the package runs (and provides `attribute`), then the submodule
    ("app.py", "from pkg import sub, attribute\n", ("pkg", "pkg.sub")),
    ("app.py", "from pkg import sub\n", ("pkg", "pkg.sub")),
    ("app.py", "import pkg.sub.deep\n", ("pkg", "pkg.sub", "pkg.sub.deep")),
    ("app.py", "from pkg.sub.deep import x\n", ("pkg", "pkg.sub", "pkg.sub.deep")),
    ("app.py", "import pkg.sub.gone\n", ("pkg", "pkg.sub")),
    # inside pkg, pkg is already running: only reading its namespace is an edge to it
    ("pkg/other.py", "from pkg import sub, attribute\n", ("pkg", "pkg.sub")),
    ("pkg/other.py", "from pkg import sub\n", ("pkg.sub",)),
    ("pkg/other.py", "from . import *\n", ("pkg",)),
    ("pkg/other.py", "import pkg.sub.deep\n", ("pkg.sub", "pkg.sub.deep")),
    ("pkg/other.py", "import pkg\n", ("pkg",)),
    ("pkg/sub/deep.py", "from pkg.sub.deep import x\n", ()),  # itself
])
def test_an_import_is_an_edge_to_every_module_it_runs(make_repo, path, source,
                                                       targets) -> None:
    files = {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/deep.py": "",
             "pkg/other.py": "", "app.py": ""}
    result = imports(make_repo({**files, path: source}))
    (finding,) = [f for f in all_findings(result) if f.anchor.file == path]
    assert finding.details.targets == targets


def test_a_package_attribute_read_by_its_submodule_closes_a_cycle(make_repo) -> None:
    root = make_repo({"pkg/__init__.py": "from pkg.core import run\nVALUE = 1\n",
                      "pkg/core.py": "from pkg import util, VALUE\n\ndef run(): ...\n",
                      "pkg/util.py": ""})
    (cycle,) = imports(root, cycles=True).key_findings
    assert (cycle.details.modules, cycle.details.import_time) == (("pkg", "pkg.core"), True)


@pytest.mark.parametrize(("init", "cycles"), [
    ("import m\n", []),  # a module importing itself runs nothing: no cycle
    ("from . import _speedups\n", []),  # a submodule not in the repository
    ("from . import a\n", []),
])
def test_self_imports(make_repo, init, cycles) -> None:
    root = make_repo({"m/__init__.py": init, "m/a.py": ""})
    assert list(cycle_rows(imports(root, cycles=True))) == cycles


MIXED = {  # a <-> b closes only lazily; a -> c -> d -> a runs at import time
    "m/__init__.py": "",
    "m/a.py": "import m.c\n\ndef f():\n    import m.b\n",
    "m/b.py": "import m.a\n",
    "m/c.py": "import m.d\n",
    "m/d.py": "import m.a\n",
}


def test_an_import_time_cycle_is_shown_through_eager_edges(make_repo) -> None:
    found = cycle_rows(imports(make_repo(MIXED), cycles=True))
    eager = found[("m.a", "m.c", "m.d")]
    assert (eager.severity, eager.details.import_time) == ("warning", True)
    assert eager.details.cycle == ("m.a", "m.c", "m.d", "m.a")
    assert [(e.file, e.line, e.lazy) for e in eager.details.path] == [
        ("m/a.py", 1, False), ("m/c.py", 1, False), ("m/d.py", 1, False)]
    assert (eager.anchor.file, eager.anchor.line) == ("m/a.py", 1)
    lazy = found[("m.a", "m.b", "m.c", "m.d")]  # the coupling through the lazy import
    assert (lazy.severity, lazy.details.import_time) == ("info", False)
    assert lazy.details.cycle == ("m.a", "m.b", "m.a")
    assert [(e.line, e.lazy) for e in lazy.details.path] == [(4, True), (1, False)]
    assert lazy.details.import_time_cycles == (("m.a", "m.c", "m.d"),)
    assert len(found) == 2


def test_a_component_is_shown_by_a_ring_not_by_a_self_import(make_repo) -> None:
    root = make_repo({"m/__init__.py": "", "m/a.py": "import m.b\n\ndef f():\n    import m.a\n",
                      "m/b.py": "def g():\n    import m.a\n"})
    (cycle,) = imports(root, cycles=True).key_findings
    assert cycle.details.cycle == ("m.b", "m.a", "m.b")


def test_cycles_are_ranked_import_time_first(make_repo) -> None:
    files = {**MIXED, "m/x.py": "def f():\n    import m.y\n", "m/y.py": "import m.x\n",
             "m/p.py": "import m.q\n", "m/q.py": "import m.p\n"}
    result = imports(make_repo(files), cycles=True)
    assert [(f.details.import_time, f.details.modules) for f in result.key_findings] == [
        (True, ("m.a", "m.c", "m.d")), (True, ("m.p", "m.q")),
        (False, ("m.a", "m.b", "m.c", "m.d")), (False, ("m.x", "m.y"))]
    assert (result.summary["cycles"], result.summary["import_time_cycles"]) == (4, 2)


def test_cycle_lines_are_a_section_of_import_findings(cycles_repo) -> None:
    result = imports(cycles_repo, cycles=True)
    (lines,) = result.sections
    assert lines.kind == "cycle_lines"
    first = result.key_findings[0]
    shown = [(f.anchor.file, f.anchor.line, f.details.cycle) for f in lines.findings
             if f.details.cycle == 1]
    assert shown == [(e.file, e.line, 1) for e in first.details.path]
    assert {f.category for f in lines.findings} == {"import"}
    assert len(lines.findings) == sum(len(f.details.path) for f in result.key_findings)
    for finding, edge in zip(lines.findings, [e for f in result.key_findings
                                              for e in f.details.path], strict=True):
        assert finding.details.targets == (edge.target,) == (finding.details.module,)
        assert finding.details.importer == edge.source


def test_deeply_nested_code_does_not_stop_the_graph(make_repo) -> None:
    deep = "+".join(["a"] * 4000)
    root = make_repo({"m/__init__.py": "", "m/b.py": "",
                      "m/a.py": "from typing import TYPE_CHECKING\nimport m.b\n"
                                f"if TYPE_CHECKING:\n    import os\nx = {deep}\n"})
    result = imports(root)
    assert [f.details.targets for f in result.key_findings] == [("m.b",)]


# -- --module --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["loops.rel.right", "src/loops/rel/right.py"])
def test_module_keeps_both_directions(cycles_repo, name) -> None:
    result = imports(cycles_repo, module=name)
    seen = sorted((f.anchor.file, f.anchor.line, f.details.resolved, f.details.direction)
                  for f in all_findings(result))
    assert seen == [("src/loops/rel/left.py", 3, "loops.rel", "incoming"),
                    ("src/loops/rel/right.py", 3, "json", "outgoing"),
                    ("src/loops/rel/right.py", 3, "os", "outgoing"),
                    ("src/loops/rel/right.py", 5, "loops.rel.left", "outgoing")]
    assert result.summary["imports"] == 4


def test_module_lists_its_importers_first(cycles_repo) -> None:
    result = imports(cycles_repo, module="loops.rel.right")
    directions = [f.details.direction for f in result.key_findings]
    assert directions == ["incoming", "outgoing"]
    assert result.key_findings[0].message.startswith("loops.rel.left imports it: ")


def test_summary_notes_say_what_the_imports_are(make_repo) -> None:
    notes = imports(make_repo(PKG)).summary["notes"]
    assert notes[0] == ("14 imports: 8 internal, 4 stdlib, 2 third-party "
                        "(requests 1, yaml 1)")


def test_module_with_cycles_keeps_its_cycles(cycles_repo) -> None:
    result = imports(cycles_repo, cycles=True, module="loops.beta")
    assert list(cycle_rows(result)) == [("loops.alpha", "loops.beta")]


@pytest.mark.parametrize(("name", "fragment"), [
    ("loops.alfa", "did you mean loops.alpha"),
    ("nothing.here", "no module 'nothing.here'"),
    ("loops..alpha", "dotted module name"),
])
def test_unknown_module_is_bad_input(cycles_repo, name, fragment) -> None:
    with pytest.raises(BadInputError) as caught:
        imports(cycles_repo, module=name)
    assert fragment in caught.value.one_line()


# -- end to end -----------------------------------------------------------------------------

def test_cli_cycles_json(cycles_repo, run_cli) -> None:
    code, out, _ = run_cli(cycles_repo, "imports", "--cycles", "--format", "json")
    found = json.loads(out)
    assert code == 0 and found["run"]["macro"] == "imports"
    assert {f["category"] for f in found["key_findings"]} == {"import_cycle"}
    assert found["summary"]["import_time_cycles"] == 3


def test_cli_unknown_module_exits_2(cycles_repo, run_cli) -> None:
    code, out, err = run_cli(cycles_repo, "imports", "--module", "loops.gamma")
    assert code == 2 and out == ""
    assert "loops.gamma" in err and len(err.strip().splitlines()) == 1


def test_second_run_is_a_cache_hit_with_the_same_findings(cycles_repo) -> None:
    cold = imports(cycles_repo, cycles=True, module="loops.alpha")
    warm = imports(cycles_repo, cycles=True, module="loops.alpha")
    assert cold.summary["cache"]["status"] == "miss"
    assert warm.summary["cache"]["status"] == "hit"
    encode = msgspec.json.encode
    assert encode(warm.key_findings) == encode(cold.key_findings)
    assert encode(warm.sections) == encode(cold.sections)
