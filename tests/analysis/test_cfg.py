"""Control-flow graphs of one function (`cq.analysis.cfg`): basic blocks and labelled edges."""

from __future__ import annotations

import ast
import textwrap

import pytest

from cq.analysis.cfg import build_cfg
from cq.result import ControlFlow

Edge = tuple[object, object, str]


def cfg_of(source: str) -> ControlFlow:
    text = textwrap.dedent(source).lstrip("\n")
    func = ast.parse(text).body[0]
    assert isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
    blocks, edges = build_cfg(func, text.splitlines())
    return ControlFlow(blocks=blocks, edges=edges)


def edges_by_line(cfg: ControlFlow) -> set[Edge]:
    """Edges as (source, target, label), a block named by its first line (or entry/exit)."""
    def name(index: int) -> object:
        block = cfg.blocks[index]
        return block.lines[0][0] if block.kind == "block" else block.kind
    return {(name(e.source), name(e.target), e.label) for e in cfg.edges}


CASES = [
    pytest.param("""
        def f(a):
            b = a + 1
            c = b * 2
            return c
        """, 3, {("entry", 2, ""), (2, "exit", "return")}, id="straight-line"),
    pytest.param("""
        def f(x):
            if x:
                y = 1
            else:
                y = 2
            return y
        """, 6, {("entry", 2, ""), (2, 3, "True"), (2, 5, "False"), (3, 6, ""), (5, 6, ""),
                 (6, "exit", "return")}, id="if-else"),
    pytest.param("""
        def f(x):
            if x:
                print(x)
        """, 4, {("entry", 2, ""), (2, 3, "True"), (3, "exit", ""), (2, "exit", "False")},
        id="if-no-else"),
    pytest.param("""
        def f(x):
            if x > 0:
                return 1
            elif x < 0:
                return -1
            return 0
        """, 7, {("entry", 2, ""), (2, 3, "True"), (3, "exit", "return"), (2, 4, "False"),
                 (4, 5, "True"), (5, "exit", "return"), (4, 6, "False"),
                 (6, "exit", "return")}, id="elif"),
    pytest.param("""
        def f(n):
            i = 0
            while i < n:
                if i == 5:
                    break
                i += 1
            return i
        """, 8, {("entry", 2, ""), (2, 3, ""), (3, 4, "True"), (4, 5, "True"), (4, 6, "False"),
                 (6, 3, "loop"), (5, 7, "break"), (3, 7, "False"), (7, "exit", "return")},
        id="while-break"),
    pytest.param("""
        def f(items):
            for item in items:
                if item:
                    break
            else:
                return None
            return item
        """, 7, {("entry", 2, ""), (2, 3, "next"), (3, 4, "True"), (3, 2, "False"),
                 (4, 7, "break"), (2, 6, "done"), (6, "exit", "return"),
                 (7, "exit", "return")}, id="for-else"),
    pytest.param("""
        def f(path):
            try:
                data = read(path)
            except OSError:
                data = None
            finally:
                close()
            return data
        """, 6, {("entry", 2, ""), (2, 4, "exception"), (2, 6, ""), (4, 6, ""), (6, 8, ""),
                 (8, "exit", "return")}, id="try-except-finally"),
    pytest.param("""
        def f(items):
            for item in items:
                if item.ok:
                    return item
            return None
        """, 6, {("entry", 2, ""), (2, 3, "next"), (3, 4, "True"), (4, "exit", "return"),
                 (3, 2, "False"), (2, 5, "done"), (5, "exit", "return")},
        id="return-in-loop"),
    pytest.param("""
        def f():
            while True:
                x = poll()
                if x:
                    return x
        """, 5, {("entry", 2, ""), (2, 3, "True"), (3, 5, "True"), (5, "exit", "return"),
                 (3, 2, "False")}, id="while-true"),
    pytest.param("""
        def f():
            try:
                return compute()
            finally:
                cleanup()
        """, 4, {("entry", 2, ""), (2, 4, "exception"), (2, 4, "return"),
                 (4, "exit", "return"), (4, "exit", "raise")}, id="return-through-finally"),
    pytest.param("""
        def f(cmd):
            match cmd:
                case "go":
                    run()
                case "stop":
                    halt()
        """, 5, {("entry", 2, ""), (2, 3, "case"), (2, 5, "case"), (3, "exit", ""),
                 (5, "exit", ""), (2, "exit", "no match")}, id="match"),
    pytest.param("""
        def f(cmd):
            match cmd:
                case "go":
                    run()
                case _:
                    pass
        """, 5, {("entry", 2, ""), (2, 3, "case"), (2, 5, "case"), (3, "exit", ""),
                 (5, "exit", "")}, id="match-wildcard"),
    pytest.param("""
        def f(paths):
            for p in paths:
                if not p:
                    continue
                with open(p) as fh:
                    def helper():
                        return 1
                    fh.read()
        """, 6, {("entry", 2, ""), (2, 3, "next"), (3, 4, "True"), (4, 2, "continue"),
                 (3, 5, "False"), (5, 2, "loop"), (2, "exit", "done")},
        id="continue-with-nested-def"),
    pytest.param("""
        def f():
            return 1
            x = 2
        """, 4, {("entry", 2, ""), (2, "exit", "return"), (3, "exit", "")}, id="unreachable"),
    pytest.param("""
        def f(x):
            if x is None:
                raise ValueError("x")
            return x
        """, 5, {("entry", 2, ""), (2, 3, "True"), (3, "exit", "raise"), (2, 4, "False"),
                 (4, "exit", "return")}, id="raise"),
    pytest.param("""
        def f(x):
            try:
                if x:
                    raise KeyError(x)
                y = 1
            except KeyError:
                y = 2
            else:
                y = 3
            return y
        """, 8, {("entry", 2, ""), (2, 4, "True"), (2, 5, "False"), (5, 9, ""),
                 (2, 6, "exception"), (4, 6, "exception"), (9, 10, ""), (6, 10, ""),
                 (10, "exit", "return")}, id="try-raise-else"),
    pytest.param("""
        async def f(stream):
            async with lock:
                async for chunk in stream:
                    await send(chunk)
        """, 5, {("entry", 2, ""), (2, 3, ""), (3, 4, "next"), (4, 3, "loop"),
                 (3, "exit", "done")}, id="async"),
]


@pytest.mark.parametrize(("source", "blocks", "edges"), CASES)
def test_blocks_and_edges(source: str, blocks: int, edges: set[Edge]) -> None:
    cfg = cfg_of(source)
    assert len(cfg.blocks) == blocks
    assert edges_by_line(cfg) == edges
    assert len(cfg.edges) == len(edges)  # no duplicate edges
    assert cfg.blocks[0].kind == "entry" and cfg.blocks[-1].kind == "exit"


def test_block_holds_its_statements_in_order() -> None:
    cfg = cfg_of("""
        def f(a):
            b = a
            c = b
            if c:
                pass
        """)
    assert [line for line, _ in cfg.blocks[1].lines] == [2, 3, 4]
    assert cfg.blocks[1].lines[-1][1] == "if c:"
