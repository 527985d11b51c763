"""Per-file scan state: the open scopes and handlers, and the facts gathered so far.

The traversal visits matched nodes in source (pre-)order, so "what encloses this node" is a
stack of open definitions popped by position, never a walk up the tree (one `ancestors()`
call would cost more than the whole lookup). This module owns that bookkeeping; what to
extract from each node kind is the extractors' business, and the order of visits the
traversal's (`cq.scan.extract`).
"""

from __future__ import annotations

from typing import Any

import msgspec
from ast_grep_py import Range

from cq.facts import Span
from cq.nodespan import NodeSpans

# The FileFacts fields that hold facts, in the order the traversal fills them.
FACT_FIELDS = ("defs", "calls", "imports", "raises", "excepts", "assigns")


# The small records below are made once per visited node: msgspec structs without GC
# tracking are about 4x cheaper to create than NamedTuples.


class Frame(msgspec.Struct, frozen=True, gc=False):
    """An open def or class. Offsets are character indexes into the source."""

    end: int  # first index after the definition
    body: int  # where the body starts: the header before it belongs to the outer scope
    qualname: str
    kind: str  # "function", "method" or "class"


class Handler(msgspec.Struct, frozen=True, gc=False):
    """An open `except` clause, so that a raise inside it can mark it as re-raising."""

    end: int
    slot: int  # index of its fact in the excepts list
    alias: str | None
    scope: str | None  # a raise in a nested def does not re-raise this handler's exception


class Decorators(msgspec.Struct, frozen=True, gc=False):
    """Decorators seen on a `decorated_definition`, waiting for its def or class."""

    end: int
    line: int
    texts: tuple[str, ...]


class Site(msgspec.Struct, frozen=True, gc=False):
    """Where a matched node starts and ends, and its enclosing scope.

    Offsets are character indexes into the source. The end's line and column come from the
    node's `Range` (`where`), or once the file has a long line (`cq.nodespan`) from the
    file's line starts, only when an extractor asks."""

    line: int  # 1-based
    col: int
    start: int  # character index
    end: int  # character index just past the node
    scope: Frame | None
    where: Range | None  # None: positions come from `spans`
    spans: NodeSpans

    @property
    def span(self) -> Span:
        where = self.where
        if where is not None:
            end = where.end
            return Span(self.line, self.col, end.line + 1, end.column)
        return Span(self.line, self.col, *self.spans.position(self.end))

    def span_and_end(self) -> tuple[Span, int]:
        """The span and the end's character index."""
        return self.span, self.end

    def span_of(self, text: str) -> Span:
        """The span of this node given its text (fetched anyway): no line lookup."""
        if "\n" not in text:  # most nodes: `in` is several times cheaper than `count`
            return Span(self.line, self.col, self.line, self.col + len(text))
        return Span(self.line, self.col, self.line + text.count("\n"),
                    len(text) - text.rfind("\n") - 1)


class ScanState:
    """Mutable accumulator for one file; turned into a frozen `FileFacts` at the end."""

    def __init__(self, module: str, is_package: bool, source: str) -> None:
        self.module = module
        self.is_package = is_package
        self.source = source  # the file's text: node indexes are character offsets into it
        self.spans = NodeSpans(source)  # positions of its nodes (`cq.nodespan`)
        self.frames: list[Frame] = []
        self.handlers: list[Handler] = []
        self.decorators: Decorators | None = None
        self.found: dict[str, list[Any]] = {field: [] for field in FACT_FIELDS}
        self.reraised: set[int] = set()
        self.partial = False
        self.problem: str | None = None
        self.problems: dict[str, str] = {}  # part kind → its first extraction problem

    def scope_at(self, index: int) -> Frame | None:
        """The innermost def or class whose body contains `index`."""
        frames = self.frames
        while frames and frames[-1].end <= index:
            frames.pop()
        if not frames:
            return None
        top = frames[-1]
        if index >= top.body:
            return top
        # Decorators are visited before their def is opened; only the header (parameters,
        # annotations, bases) lies between a def's start and its body.
        return frames[-2] if len(frames) > 1 else None

    def open_scope(self, frame: Frame) -> None:
        self.frames.append(frame)

    def take_decorators(self, end: int) -> Decorators | None:
        """The pending decorators if they belong to a definition ending at `end`."""
        pending, self.decorators = self.decorators, None
        if pending is None or end > pending.end:
            return None
        return pending

    def open_handler(self, handler: Handler) -> None:
        self.handlers.append(handler)

    def mark_reraise(self, index: int, exc: str | None, scope: str | None) -> None:
        """Record that a raise at `index` re-raises an open handler's exception."""
        handlers = self.handlers
        while handlers and handlers[-1].end <= index:
            handlers.pop()
        for handler in reversed(handlers):
            if handler.scope != scope:
                return
            if exc is None or exc == handler.alias:
                self.reraised.add(handler.slot)
                return

    def note_problem(self, message: str, part: str | None = None) -> None:
        """A problem of the file (`part` None: its syntax, its scopes, its definitions) or
        of one part's extraction, kept apart since parts are stored apart."""
        if part is not None:
            self.problems.setdefault(part, message)
            return
        self.partial = True
        if self.problem is None:
            self.problem = message
