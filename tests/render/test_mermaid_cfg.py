"""`mermaid-cfg`: the result's control-flow graph as a Mermaid flowchart."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_sample
from cq.render import render, renderer_for
from cq.render.mermaid_cfg import render_mermaid_cfg
from cq.result import CfgBlock, CfgEdge, ControlFlow, CqResult

from .builders import result
from .graph_results import ask
from .mermaid_syntax import parse_flowchart

# -- the renderer -------------------------------------------------------------------------------

def flow_result(**fields: object) -> CqResult:
    return result(cfg=ControlFlow(**fields))


BOX_GET = (CfgBlock("entry", ((2, "def get(self, key):"),)),
           CfgBlock("block", ((3, "if key in self.items:"),)),
           CfgBlock("block", ((4, "return self.items[key]"),)),
           CfgBlock("block", ((5, 'raise KeyError(f"no <{key}> \\"here\\"")'),)),
           CfgBlock("exit", ()))
BOX_EDGES = (CfgEdge(0, 1, ""), CfgEdge(1, 2, "True"), CfgEdge(1, 3, "False"),
             CfgEdge(2, 4, "return"), CfgEdge(3, 4, "raise"))


def test_registered() -> None:
    assert renderer_for("mermaid-cfg") is render_mermaid_cfg


def test_draws_the_result_cfg() -> None:
    res = flow_result(file="pkg/box.py", line=2, qualname="Box.get", blocks=BOX_GET,
                      edges=BOX_EDGES)
    chart = parse_flowchart(render_mermaid_cfg(res))
    assert chart.direction == "TD"
    assert chart.comments == ["control flow of Box.get (pkg/box.py:2)"]
    assert len(chart.nodes) == 5
    assert chart.shapes["n0"] == "([" and list(chart.nodes.values())[-1] == "exit"
    labels = list(chart.nodes.values())
    assert labels[0] == "def get(self, key):"
    assert 'L5: raise KeyError(f"no <{key}> \\"here\\"")' in labels
    assert {label for _, _, label, _ in chart.edges} == {"", "True", "False", "return", "raise"}


@pytest.mark.parametrize(("res", "reason"), [
    (result(), "the answer holds no control-flow graph"),
    (flow_result(reason="no function or method among the key findings"),
     "no function or method among the key findings"),
])
def test_nothing_to_draw_is_a_comment(res: CqResult, reason: str) -> None:
    chart = parse_flowchart(render(res, "mermaid-cfg"))
    assert chart.nodes == {}
    (comment,) = chart.comments
    assert comment.startswith(f"no function to draw: {reason}")


def test_real_function(tmp_path: Path) -> None:
    root = copy_sample(tmp_path, "sample_app")
    res = ask(root, "entity=function name=try_reserve", format="mermaid-cfg")
    chart = parse_flowchart(render_mermaid_cfg(res))
    labels = list(chart.nodes.values())
    assert labels[0].startswith("def try_reserve(")
    assert any(label.startswith("L") and "try:" in label for label in labels)
    assert any(label == "exception" for _, _, label, _ in chart.edges)
