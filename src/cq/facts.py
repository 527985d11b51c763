"""Fact structs: what one scan of one file yields (DESIGN §4).

These are plain frozen msgspec structs, shared by the scanner (which produces them), the index
cache (which stores them as msgpack) and the query engine and macros (which read them). The
module has no behaviour beyond tiny derived properties and span relations; it imports nothing
from cq.

Conventions:
- lines are 1-based, columns 0-based (as in Python's `ast`);
- columns count characters (code points), as ast-grep does;
- facts hold no reference cycles, so the structs opt out of the garbage collector (`gc=False`:
  a full scan's millions of small objects are never traversed by collections);
- a qualified name is dotted inside the module: `Outer.method`, `func.inner` (no `<locals>`);
- `enclosing` is the qualified name of the innermost enclosing def or class, `None` at module level.
"""

from __future__ import annotations

import msgspec

FACTS_SCHEMA_VERSION = 2  # 2: Def.type_params

# The kinds of fact a file has, by `FileFacts` field. Definitions are always extracted (they
# are the scopes every other fact is placed in); the other kinds, the *parts*, are extracted,
# stored and decoded only when a question reads them.
PART_KINDS = ("calls", "imports", "raises", "excepts", "assigns")
FACT_KINDS = ("defs", *PART_KINDS)


class Span(msgspec.Struct, frozen=True, array_like=True, gc=False):
    line: int
    col: int
    end_line: int
    end_col: int


class Param(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One parameter. kind is one of the `inspect.Parameter` kind names in lower case:
    positional_only, positional_or_keyword, var_positional, keyword_only, var_keyword."""

    name: str
    kind: str
    has_default: bool = False
    annotation: str | None = None
    default: str | None = None


class Def(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """A function, method or class definition.

    kind: "function" (module-level or nested in a function), "method" (directly in a class
    body) or "class". The span starts at the `def`/`class` keyword line (not at decorators);
    `decorated_line` is the first decorator's line when there is one.
    """

    kind: str
    name: str
    qualname: str
    span: Span
    enclosing: str | None = None
    enclosing_kind: str | None = None
    is_async: bool = False
    params: tuple[Param, ...] = ()
    returns: str | None = None
    decorators: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    docstring: str | None = None
    decorated_line: int | None = None
    type_params: str | None = None  # `[T, *Ts]` as written (Python 3.12 type parameters)


class Call(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """A call expression. `callee` is the full callee text (`a.b.c`), `name` its last segment,
    `receiver` the text before the last dot (None for a bare name)."""

    callee: str
    name: str
    span: Span
    receiver: str | None = None
    n_positional: int = 0
    keywords: tuple[str, ...] = ()
    star_args: bool = False
    star_kwargs: bool = False
    preview: str = ""
    enclosing: str | None = None


class ImportName(msgspec.Struct, frozen=True, array_like=True, gc=False):
    name: str
    alias: str | None = None


class Import(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """`import a.b as c` (is_from False, names [a.b as c]) or `from ..m import x as y`
    (is_from True, module "m", level 2). `resolved` is the absolute module where it can be
    computed (for relative imports, from the file's own module name)."""

    module: str
    span: Span
    names: tuple[ImportName, ...] = ()
    is_from: bool = False
    level: int = 0
    resolved: str | None = None
    enclosing: str | None = None


class Raise(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """`raise X(...)`: exc_type is the raised type's text (`ValueError`, `errors.Bad`), None for
    a bare `raise`; `cause` is the `from` expression text."""

    span: Span
    exc_type: str | None = None
    message: str | None = None
    bare: bool = False
    cause: str | None = None
    enclosing: str | None = None


class Except(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One `except` clause. types is empty for a bare `except:`; body is "empty" (only
    pass/.../docstring), "reraises" (contains a bare raise or raises its bound name) or "other"."""

    span: Span
    types: tuple[str, ...] = ()
    bare: bool = False
    star: bool = False
    alias: str | None = None
    body: str = "other"
    enclosing: str | None = None


class Assign(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """An assignment at module or class level. scope is "module" or "class"; enclosing is the
    class qualname for class-level assignments. value is a short preview of the right side."""

    target: str
    span: Span
    scope: str = "module"
    value: str = ""
    enclosing: str | None = None
    augmented: bool = False
    annotated: bool = False


class FileFacts(msgspec.Struct, frozen=True, gc=False):
    """Every fact of one file. flags name anything unusual about the file:
    "partial" (syntax errors: facts are what the parser recovered), "decoded-latin-1"
    (not UTF-8 and no usable coding cookie), "decoded-cookie" (decoded with a PEP 263 cookie),
    "null-bytes", "too-large" (skipped), "unreadable" (skipped); `error` says why."""

    path: str
    module: str
    lines: int = 0
    docstring: str | None = None
    defs: tuple[Def, ...] = ()
    calls: tuple[Call, ...] = ()
    imports: tuple[Import, ...] = ()
    raises: tuple[Raise, ...] = ()
    excepts: tuple[Except, ...] = ()
    assigns: tuple[Assign, ...] = ()
    flags: tuple[str, ...] = ()
    error: str | None = None

    @property
    def skipped(self) -> bool:
        return "too-large" in self.flags or "unreadable" in self.flags


def within(span: Span, outer: Span) -> bool:
    """Does `outer` contain `span` (both ends, columns included)?"""
    return (outer.line, outer.col) <= (span.line, span.col) and \
        (span.end_line, span.end_col) <= (outer.end_line, outer.end_col)


def def_span(definition: Def) -> Span:
    """The def's lines, decorators included."""
    span = definition.span
    start = definition.decorated_line or span.line
    return Span(start, 0, span.end_line, span.end_col)


def with_problems(facts: FileFacts, problems: dict[str, str]) -> FileFacts:
    """The facts as a reader sees them: a problem met while extracting any part that was
    loaded makes the file `partial` (the first such part's message when the file has no
    error of its own). `problems` maps a part kind to its problem."""
    if not problems:
        return facts
    first = next(problems[kind] for kind in PART_KINDS if kind in problems)
    flags = facts.flags if "partial" in facts.flags else (*facts.flags, "partial")
    return msgspec.structs.replace(facts, flags=flags, error=facts.error or first)


def without_parts(facts: FileFacts) -> FileFacts:
    """The file's base row: its definitions and file-level fields, no parts."""
    return msgspec.structs.replace(facts, calls=(), imports=(), raises=(), excepts=(),
                                   assigns=())
