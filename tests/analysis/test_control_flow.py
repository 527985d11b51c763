"""The function an answer draws (`cq.analysis.control_flow`): the first key finding naming a
function or method, its file read through the session, and why nothing is drawn otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import build_finding, fact_source
from cq.analysis.control_flow import control_flow
from cq.result import Anchor, CqResult, Finding, RunMeta

SOURCE = '''\
class Box:
    def get(self, key):
        if key in self.items:
            return self.items[key]
        raise KeyError(f"no <{key}> \\"here\\"")


def loop(n):
    total = 0
    for i in range(n):
        total += i
    return total
'''


@pytest.fixture
def repo(make_repo) -> Path:
    return make_repo({"pkg/box.py": SOURCE, "pkg/broken.py": "def f(:\n    pass\n"})


def fnd(category: str, file: str, line: int, **details: object) -> Finding:
    return build_finding(category, category, Anchor(file=file, line=line), dict(details))


def drawn(root: Path, *findings: Finding):
    run = RunMeta(macro="q", argv=(), root=str(root), started_ms=0, elapsed_ms=0.0,
                  toolchain={}, run_id="r")
    source = fact_source(root, root.parent / "cache")
    return control_flow(source, CqResult(run=run, key_findings=findings))


@pytest.mark.parametrize(("finding", "qualname", "line", "blocks"), [
    (fnd("definition", "pkg/box.py", 2, kind="method", qualname="Box.get"), "Box.get", 2, 5),
    (fnd("definition", "pkg/box.py", 8, kind="function", qualname="loop"), "loop", 8, 6),
    (fnd("scope", "pkg/box.py", 8, qualname="loop"), "loop", 8, 6),
    (fnd("bytecode_surface", "pkg/box.py", 2, qualname="Box.get"), "Box.get", 2, 5),
    # the file moved on since the anchor was taken: found by qualname
    (fnd("definition", "pkg/box.py", 30, kind="function", qualname="loop"), "loop", 8, 6),
])
def test_draws_the_first_function(repo: Path, finding: Finding, qualname: str, line: int,
                                  blocks: int) -> None:
    skipped = (fnd("definition", "pkg/box.py", 1, kind="class", qualname="Box"),
               fnd("bytecode_surface", "pkg/box.py", 1, kind="module", qualname="<module>"),
               fnd("bytecode_surface", "pkg/box.py", 1, kind="class", qualname="Box"),
               fnd("scope", "pkg/box.py", 1, kind="lambda", qualname="Box"))
    flow = drawn(repo, *skipped, finding)
    assert (flow.reason, flow.file, flow.line, flow.qualname) == (None, "pkg/box.py", line,
                                                                  qualname)
    assert len(flow.blocks) == blocks
    assert flow.blocks[0].kind == "entry" and flow.blocks[-1].kind == "exit"


@pytest.mark.parametrize(("findings", "reason"), [
    ((), "no function or method among the key findings"),
    ((fnd("definition", "pkg/box.py", 1, kind="class", qualname="Box"),),
     "no function or method among the key findings"),
    ((fnd("scope", "pkg/box.py", 1, qualname="<module>"),),
     "no function or method among the key findings"),
    ((fnd("definition", "pkg/gone.py", 1, kind="function", qualname="f"),),
     "cannot read pkg/gone.py"),
    ((fnd("definition", "pkg/broken.py", 1, kind="function", qualname="f"),),
     "cannot parse pkg/broken.py: SyntaxError"),
    ((fnd("definition", "pkg/box.py", 3, kind="function", qualname="nowhere"),),
     "no def of nowhere at pkg/box.py:3"),
])
def test_nothing_to_draw_says_why(repo: Path, findings: tuple[Finding, ...],
                                  reason: str) -> None:
    flow = drawn(repo, *findings)
    assert flow.blocks == () and flow.reason is not None
    assert flow.reason.startswith(reason)


def test_a_function_too_deep_to_draw_is_a_reason(make_repo) -> None:
    chain = " + ".join(["a"] * 5000)
    root = make_repo({"deep.py": f"def f(a):\n    return {chain}\n"})
    flow = drawn(root, fnd("definition", "deep.py", 1, kind="function", qualname="f"))
    assert flow.reason is not None or flow.blocks  # never an exception
