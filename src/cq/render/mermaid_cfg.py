"""Mermaid `flowchart TD` of one function's control flow: the result's `cfg`, which the run
computes for this format (`cq.analysis.control_flow`).

Each block is labelled with its first statement line (and its last, when it holds more);
edges carry the branch labels of `cq.analysis.cfg`. Nothing to draw — the result's `cfg`
gives the reason, or there is none — is a valid diagram holding one comment,
`%% no function to draw: <reason>`, never an exception. `top_n` is ignored.
"""

from __future__ import annotations

from cq.render.mermaid import INDENT, mermaid_comment, mermaid_text
from cq.result import CfgBlock, CfgEdge, ControlFlow, CqResult

LINE_WIDTH = 48

def render_mermaid_cfg(result: CqResult, *, top_n: int = 10) -> str:
    """The control-flow graph of the result's first function, as a Mermaid flowchart."""
    del top_n  # one function, drawn whole
    flow = result.cfg
    if flow is None or flow.reason is not None or not flow.blocks:
        reason = flow.reason if flow is not None and flow.reason else (
            "the answer holds no control-flow graph (it is computed for --format mermaid-cfg)")
        return "\n".join(["flowchart TD", mermaid_comment(f"no function to draw: {reason}")])
    title = f"control flow of {flow.qualname} ({flow.file}:{flow.line})"
    return "\n".join(["flowchart TD", mermaid_comment(title), *cfg_lines(flow)])


# -- writing ------------------------------------------------------------------------------------


def cfg_lines(cfg: ControlFlow) -> list[str]:
    lines = [_block_line(index, block) for index, block in enumerate(cfg.blocks)]
    return lines + [_edge_line(edge) for edge in cfg.edges]


def _block_line(index: int, block: CfgBlock) -> str:
    if block.kind == "exit":
        return f'{INDENT}n{index}(["exit"])'
    if block.kind == "entry":
        return f'{INDENT}n{index}(["{mermaid_text(_short(block.lines[0][1]))}"])'
    return f'{INDENT}n{index}["{_block_label(block)}"]'


def _block_label(block: CfgBlock) -> str:
    parts = [block.lines[0]]
    if len(block.lines) > 1:
        parts.append(block.lines[-1])
    texts = [mermaid_text(_short(f"L{line}: {text}" if line else text)) for line, text in parts]
    if len(block.lines) > 2:
        texts.insert(1, f"… {len(block.lines) - 2} more")
    return "<br/>".join(texts)


def _edge_line(edge: CfgEdge) -> str:
    label = f"|{edge.label}|" if edge.label else ""
    return f"{INDENT}n{edge.source} -->{label} n{edge.target}"


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= LINE_WIDTH else flat[: LINE_WIDTH - 1] + "…"
