"""Control-flow graph of one function from its stdlib `ast`: basic blocks and labelled edges.

Pure: takes a parsed def and the file's lines, returns its blocks and edges
(`cq.result.CfgBlock`, `cq.result.CfgEdge`). Blocks are numbered in
the order they are created; block 0 is the `def` (entry), the last one is `exit`. A block
holds straight-line statements; a block ends at a branch (`if`, `match`), a loop header
starts a block of its own (it is a jump target), `try:` starts a fresh block that its body
continues. Edge labels: `True`/`False` (if, while), `next`/`done` (for), `loop` (back edge),
`break`, `continue`, `case`/`no match`, `exception` (into a handler or a `finally`), `return`
and `raise` (into `exit`, or through an enclosing `finally`).

Deliberate simplifications: an exception is drawn from the `try:` block (and from explicit
`raise` statements) rather than from every statement of the body; `break`/`continue` jump
straight to their loop even through a `finally`; nested defs and classes are one statement.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from cq.result import CfgBlock, CfgEdge

Exits = list[tuple[int, str]]  # dangling edges still to be connected: (block, label)
_EXIT = -1  # placeholder id of the exit block until the graph is finished


Cfg = tuple[tuple[CfgBlock, ...], tuple[CfgEdge, ...]]


class _Loop:
    def __init__(self, head: int) -> None:
        self.head = head
        self.breaks: Exits = []


class _Try:
    def __init__(self, has_handlers: bool, has_finally: bool) -> None:
        self.catching = has_handlers  # true while the body (the guarded part) is built
        self.has_finally = has_finally
        self.caught: list[int] = []  # blocks raising inside the body
        self.to_finally: Exits = []  # returns and raises leaving through `finally`


def build_cfg(func: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> Cfg:
    """The CFG of `func`; `lines` are the file's source lines (for block labels)."""
    builder = _Builder(lines)
    entry = builder.new_block(func.lineno, closed=True)
    builder.kinds[entry] = "entry"
    for block, label in builder.sequence(func.body, [(entry, "")]):
        builder.edge(block, _EXIT, label)
    return builder.finish()


class _Builder:
    def __init__(self, lines: list[str]) -> None:
        self.source = lines
        self.blocks: list[list[tuple[int, str]]] = []
        self.kinds: dict[int, str] = {}
        self.open: set[int] = set()
        self.edges: dict[tuple[int, int, str], None] = {}
        self.frames: list[_Loop | _Try] = []

    # -- blocks and edges ---------------------------------------------------------------------

    def text(self, line: int) -> tuple[int, str]:
        inside = 0 < line <= len(self.source)
        return (line, self.source[line - 1].strip() if inside else "")

    def new_block(self, line: int, *, closed: bool = False, text: str | None = None) -> int:
        self.blocks.append([(line, text) if text is not None else self.text(line)])
        block = len(self.blocks) - 1
        if not closed:
            self.open.add(block)
        return block

    def edge(self, source: int, target: int, label: str) -> None:
        self.edges[(source, target, label)] = None

    def enter(self, incoming: Exits, line: int, *, closed: bool = False) -> int:
        """A fresh block at `line`, every dangling edge connected to it."""
        block = self.new_block(line, closed=closed)
        for source, label in incoming:
            self.edge(source, block, label)
        return block

    def place(self, line: int, incoming: Exits) -> int:
        """Add a statement to the block control falls through from, else start a block."""
        if len(incoming) == 1 and incoming[0][1] == "" and incoming[0][0] in self.open:
            block = incoming[0][0]
            self.blocks[block].append(self.text(line))
            return block
        return self.enter(incoming, line)

    def finish(self) -> Cfg:
        exit_id = len(self.blocks)
        blocks = [CfgBlock(self.kinds.get(i, "block"), tuple(lines))
                  for i, lines in enumerate(self.blocks)]
        blocks.append(CfgBlock("exit", ()))
        edges = [CfgEdge(s, exit_id if t == _EXIT else t, label) for s, t, label in self.edges]
        return tuple(blocks), tuple(edges)

    # -- statements ---------------------------------------------------------------------------

    def sequence(self, body: list[ast.stmt], incoming: Exits) -> Exits:
        for stmt in body:
            handler = _HANDLERS.get(type(stmt), _Builder.simple)
            incoming = handler(self, stmt, incoming)
        return incoming

    def simple(self, stmt: ast.stmt, incoming: Exits) -> Exits:
        return [(self.place(stmt.lineno, incoming), "")]

    def if_(self, stmt: ast.stmt, incoming: Exits) -> Exits:
        assert isinstance(stmt, ast.If)
        block = self.place(stmt.lineno, incoming)
        self.open.discard(block)
        body = self.sequence(stmt.body, [(block, "True")])
        orelse = self.sequence(stmt.orelse, [(block, "False")])
        return body + orelse

    def while_(self, stmt: ast.stmt, incoming: Exits) -> Exits:
        assert isinstance(stmt, ast.While)
        always = isinstance(stmt.test, ast.Constant) and bool(stmt.test.value)
        return self.loop(stmt, incoming, ("True", [] if always else ["False"]))

    def for_(self, stmt: ast.stmt, incoming: Exits) -> Exits:
        assert isinstance(stmt, ast.For | ast.AsyncFor)
        return self.loop(stmt, incoming, ("next", ["done"]))

    def loop(self, stmt: ast.While | ast.For | ast.AsyncFor, incoming: Exits,
             labels: tuple[str, list[str]]) -> Exits:
        head = self.enter(incoming, stmt.lineno, closed=True)
        frame = _Loop(head)
        self.frames.append(frame)
        body = self.sequence(stmt.body, [(head, labels[0])])
        self.frames.pop()
        for block, label in body:
            self.edge(block, head, label or "loop")
        leave = [(head, label) for label in labels[1]]
        return self.sequence(stmt.orelse, leave) + frame.breaks

    def with_(self, stmt: ast.stmt, incoming: Exits) -> Exits:
        assert isinstance(stmt, ast.With | ast.AsyncWith)
        block = self.place(stmt.lineno, incoming)
        return self.sequence(stmt.body, [(block, "")])

    def match(self, stmt: ast.stmt, incoming: Exits) -> Exits:
        assert isinstance(stmt, ast.Match)
        block = self.place(stmt.lineno, incoming)
        self.open.discard(block)
        exits: Exits = []
        for case in stmt.cases:
            head = self.enter([(block, "case")], case.pattern.lineno)
            exits += self.sequence(case.body, [(head, "")])
        if not _exhaustive(stmt):
            exits.append((block, "no match"))
        return exits

    # -- jumps --------------------------------------------------------------------------------

    def jump(self, stmt: ast.stmt, incoming: Exits) -> Exits:
        """return, raise, break, continue: the statement ends its block and control leaves."""
        block = self.place(stmt.lineno, incoming)
        self.open.discard(block)
        _JUMPS[type(stmt)](self, block)
        return []

    def route_return(self, block: int) -> None:
        for frame in reversed(self.frames):
            if isinstance(frame, _Try) and frame.has_finally:
                frame.to_finally.append((block, "return"))
                return
        self.edge(block, _EXIT, "return")

    def route_raise(self, block: int) -> None:
        for frame in reversed(self.frames):
            if isinstance(frame, _Try) and frame.catching:
                frame.caught.append(block)
                return
            if isinstance(frame, _Try) and frame.has_finally:
                frame.to_finally.append((block, "exception"))
                return
        self.edge(block, _EXIT, "raise")

    def route_break(self, block: int) -> None:
        loop = self.innermost_loop()
        if loop is not None:
            loop.breaks.append((block, "break"))

    def route_continue(self, block: int) -> None:
        loop = self.innermost_loop()
        if loop is not None:
            self.edge(block, loop.head, "continue")

    def innermost_loop(self) -> _Loop | None:
        return next((f for f in reversed(self.frames) if isinstance(f, _Loop)), None)

    # -- try ----------------------------------------------------------------------------------

    def try_(self, stmt: ast.stmt, incoming: Exits) -> Exits:
        assert isinstance(stmt, ast.Try | ast.TryStar)
        head = self.enter(incoming, stmt.lineno)
        frame = _Try(bool(stmt.handlers), bool(stmt.finalbody))
        self.frames.append(frame)
        body = self.sequence(stmt.body, [(head, "")])
        frame.catching = False  # `else` and the handlers are not guarded by this try
        self.open.difference_update(block for block, _ in body)
        normal = self.sequence(stmt.orelse, body)
        for handler in stmt.handlers:
            block = self.enter([(head, "exception")], handler.lineno)
            for raising in frame.caught:
                self.edge(raising, block, "exception")
            normal += self.sequence(handler.body, [(block, "")])
        self.frames.pop()
        if not stmt.finalbody:
            return normal
        if not stmt.handlers:
            frame.to_finally.insert(0, (head, "exception"))
        return self.finally_(stmt.finalbody, normal, frame.to_finally)

    def finally_(self, body: list[ast.stmt], normal: Exits, leaving: Exits) -> Exits:
        """`finally` runs on every path; after it, each path goes on where it was going."""
        line = body[0].lineno - 1 if body else 0
        block = self.new_block(line, text="finally:")
        for source, label in normal + leaving:
            self.edge(source, block, label)
        out = self.sequence(body, [(block, "")])
        labels = {label for _, label in leaving}
        for end, _ in out:
            self.open.discard(end)
            if "return" in labels:
                self.route_return(end)
            if "exception" in labels:
                self.route_raise(end)
        return out if normal else []


def _exhaustive(stmt: ast.Match) -> bool:
    """A last `case _:` / `case name:` without a guard catches everything."""
    last = stmt.cases[-1] if stmt.cases else None
    return (last is not None and last.guard is None and isinstance(last.pattern, ast.MatchAs)
            and last.pattern.pattern is None)


_Handler = Callable[[_Builder, ast.stmt, Exits], Exits]
_HANDLERS: dict[type[ast.stmt], _Handler] = {
    ast.If: _Builder.if_, ast.While: _Builder.while_, ast.For: _Builder.for_,
    ast.AsyncFor: _Builder.for_, ast.With: _Builder.with_, ast.AsyncWith: _Builder.with_,
    ast.Try: _Builder.try_, ast.TryStar: _Builder.try_, ast.Match: _Builder.match,
    ast.Return: _Builder.jump, ast.Raise: _Builder.jump, ast.Break: _Builder.jump,
    ast.Continue: _Builder.jump,
}
_JUMPS: dict[type[ast.stmt], Callable[[_Builder, int], None]] = {
    ast.Return: _Builder.route_return, ast.Raise: _Builder.route_raise,
    ast.Break: _Builder.route_break, ast.Continue: _Builder.route_continue,
}
