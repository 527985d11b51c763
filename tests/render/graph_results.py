"""Results for the graph-format tests: real runs on a sample repo and hand-built findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from conftest import build_finding, run_q
from cq.modules import module_name
from cq.result import Anchor, CqResult, Finding, Section

from .builders import result, run_meta, texts


def ask(root: Path, text: str, **options: object) -> CqResult:
    return run_q(root, text, cache_dir=str(root.parent / "cache"), **options)


def expected_call_edges(res: CqResult) -> set[tuple[str, str]]:
    """(caller, target) full names an expander section implies, computed from the findings."""
    edges = set()
    for section in res.sections:
        for item in section.findings:
            assert item.anchor is not None
            module = module_name(item.anchor.file)
            caller = item.details.caller
            if caller == "<module>":
                caller = module
            elif not caller.startswith(module + "."):
                caller = f"{module}.{caller}"
            edges |= {(caller, target) for target in item.details.targets
                      or [item.details.callee]}
    return edges


def site(category: str, details: dict[str, Any], file: str = "src/pkg/app.py",
         line: int = 1, col: int = 0) -> Finding:
    return build_finding(category, category, Anchor(file=file, line=line, col=col), details)


def definition(qualname: str, kind: str = "function", module: str = "pkg.app",
               **details: Any) -> Finding:
    name = qualname.rsplit(".", 1)[-1]
    signature = details.pop("signature", f"{'class' if kind == 'class' else 'def'} {name}()")
    return site("definition", {"qualname": qualname, "kind": kind, "module": module,
                               "name": name, "signature": signature, **details})


def calls_result() -> CqResult:
    """A `calls`-style answer: three sites of one pair, one unresolved callee, a duplicate."""
    sites = (
        site("call_site", {"caller": "pkg.app.main", "targets": ["pkg.db.save"],
                           "callee": "db.save"}, line=3),
        site("call_site", {"caller": "pkg.app.main", "targets": ["pkg.db.save"],
                           "callee": "db.save"}, line=4),
        site("call_site", {"caller": "main", "targets": ["pkg.db.save"],
                           "callee": "db.save"}, line=5),
        site("call_site", {"caller": "main", "targets": [], "callee": "log.info"}, line=6),
    )
    again = site("caller", {"caller": "main", "targets": ["pkg.db.save"],
                            "callee": "db.save"}, line=5)  # the line-5 site, seen twice
    return result(key_findings=(definition("main"), *sites),
                  sections=(Section(title="Callers", kind="callers", findings=(again,)),))


def imports_result() -> CqResult:
    """An `imports --cycles`-style answer: imports by classification and one cycle."""
    imports = (
        site("import", {"importer": "pkg.a", "module": "pkg.b", "resolved": "pkg.b",
                        "targets": ["pkg.b"], "classification": "internal"},
             file="src/pkg/a.py", line=1),
        site("import", {"importer": "pkg.a", "module": "os", "resolved": "os", "targets": [],
                        "classification": "stdlib"}, file="src/pkg/a.py", line=2),
        site("import", {"importer": "pkg.b", "module": "requests", "resolved": "requests",
                        "targets": [], "classification": "third_party"},
             file="src/pkg/b.py", line=1),
        site("import", {"importer": "pkg.b", "module": "pkg", "resolved": "pkg",
                        "targets": ["pkg.c", "pkg.d"], "classification": "internal"},
             file="src/pkg/b.py", line=2),  # from pkg import c, d: two submodules
    )
    cycle = site("import_cycle", {"modules": ["pkg.a", "pkg.b"], "edges": [
        {"from": "pkg.a", "to": "pkg.b", "file": "src/pkg/a.py", "line": 1, "text": "import b"},
        {"from": "pkg.b", "to": "pkg.a", "file": "src/pkg/b.py", "line": 3, "text": "import a"},
    ]}, file="src/pkg/a.py")
    return result(key_findings=(cycle,), sections=(
        Section(title="Imports", kind="imports", findings=imports),))


def taint_result() -> CqResult:
    """`impact`-style taint sites: bound into callees, bound to nothing, or not a call."""
    return result(key_findings=(
        site("taint_site", {"function": "pkg.app.handle", "callee": "db.save", "bound_to": [
            {"function": "pkg.db.save", "param": "row", "evidence": "resolved"},
            {"function": "pkg.db.save_all", "param": "rows", "evidence": "name"}]}),
        site("taint_site", {"function": "handle", "bound_to": [
            {"function": "pkg.db.load", "param": "key", "evidence": "name"}]}, line=2),
        site("taint_site", {"function": "handle", "bound_to": [
            {"function": "pkg.db.drop", "param": "name", "evidence": "name"}]}, line=3),
        site("taint_site", {"function": "handle", "callee": "print", "bound_to": []},
             line=4),
        site("taint_site", {"function": "handle", "kind": "return"}, line=5),
    ))


NASTY = [
    'say "hi"',
    "a[0]['k']",
    "<script>alert(1)</script>",
    "#quot; & #35; ;",
    "`tick` | pipe {brace} (paren)",
    "naïve_函数_λ.émoji🙂",
    "back\\slash\\",
    "line\nbreak\ttab",
    "end",
    "x" * 300,
]


def nasty_result(text: str) -> CqResult:
    """A call edge and a definition whose names are `text`."""
    return result(run=run_meta(root="/nowhere"), key_findings=(
        site("call_site", {"caller": f"pkg.app.{text}", "targets": [], "callee": text}),
        site("definition", {"qualname": text, "module": "", "kind": "function"}),
    ))


# -- hypothesis: results made of the findings graph formats read --------------------------------

_names = texts | st.sampled_from(["<module>", "pkg.app.main", "main", "Base", "pkg.app.C.m"])
_edge = st.fixed_dictionaries({"from": _names, "to": _names, "file": texts,
                               "line": st.integers(0, 99), "text": texts})
_graph_details = st.fixed_dictionaries({}, optional={
    "caller": _names, "callee": _names, "function": _names, "enclosing": _names,
    "targets": st.lists(_names, max_size=3),
    "bound_to": st.lists(st.fixed_dictionaries({"function": _names, "param": texts,
                                                "evidence": texts}), max_size=2),
    "qualname": _names | texts.map(lambda text: "C." + text), "module": _names,
    "kind": st.sampled_from(["function", "method", "class", "module"]) | texts,
    "bases": st.lists(_names, max_size=3), "signature": texts | st.just("def f(self, a)"),
    "params": st.lists(_names, max_size=3),
    "importer": _names, "resolved": _names | st.none(),
    "classification": st.sampled_from(["internal", "stdlib", "third_party"]) | texts | st.none(),
    "modules": st.lists(_names, max_size=3), "edges": st.lists(_edge, max_size=3),
})
_graph_findings = st.builds(
    build_finding,
    category=st.sampled_from(["caller", "callee", "call_site", "taint_site", "definition",
                              "decorator", "import", "import_cycle", "hazard"]),
    message=texts, details=_graph_details,
    anchor=st.none() | st.builds(Anchor, file=texts | st.just("src/pkg/app.py"),
                                 line=st.integers(1, 50), col=st.integers(0, 5)),
)
graph_results = st.builds(
    lambda key, more: result(run=run_meta(root="/nonexistent/cq-render-test"),
                             key_findings=tuple(key),
                             sections=(Section(title="s", kind="s", findings=tuple(more)),)),
    st.lists(_graph_findings, max_size=6), st.lists(_graph_findings, max_size=6))
