"""The one guarded stdlib parse: a file's source through `ast`, `compile()` or `symtable`, with
one list of failures, so that no hostile file can take a command down.

CPython's own front end fails in more ways than `SyntaxError` on files that are legal to
have in a repository: `MemoryError` when deep nesting overflows the parser's stack (100,000
nested unary minuses), `RecursionError` when the AST is built from deeply nested code,
`ValueError` for null bytes, `OverflowError` for out-of-range literals in `compile()`, and
decode errors. Each entry returns its result or a `ParseFailure` (the exception's name and
one line), never raises for these; warnings the parser emits (invalid escapes) are the file's
business and are silenced.

A tree that parses can still be too deep for a recursive walk of it (`a + a + … + a` with
10,000 terms is a left-deep tree). `guarded(analysis, *args)` runs a per-file analysis and
turns the same failures into a `ParseFailure`, so a walker that recurses fails for that
file only. Text comes from `cq.coding.decode_source` (`parse_bytes`), so columns agree with
the scanner's facts.
"""

from __future__ import annotations

import ast
import re
import symtable
import sys
import types
import warnings
from collections.abc import Callable
from typing import TypeVar

import msgspec

from cq.coding import decode_source
from cq.gcpause import gc_paused

T = TypeVar("T")

# What Python's front end (and a recursive walk of its trees) raises on a hostile file.
FAILURES: tuple[type[BaseException], ...] = (
    SyntaxError, ValueError, MemoryError, RecursionError, OverflowError, UnicodeError,
    LookupError)
_MESSAGE_WIDTH = 200  # a failure's message is one line of at most this many characters


class ParseFailure(msgspec.Struct, frozen=True):
    """Why a file could not be parsed or analysed: the exception's name and its message."""

    error: str
    message: str = ""
    line: int | None = None  # where a SyntaxError points
    column: int | None = None  # 1-based, where a SyntaxError points in that line

    @property
    def text(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return (f"{self.error}: {self.message}" if self.message else self.error) + where


_DEFAULT_MESSAGES = {"MemoryError": "the parser ran out of memory (too deeply nested code?)"}


def failure_of(exc: BaseException) -> ParseFailure:
    name = type(exc).__name__
    message = " ".join(str(exc).split()) or _DEFAULT_MESSAGES.get(name, "")
    line = column = None
    if isinstance(exc, SyntaxError):
        message, line, column = " ".join(str(exc.msg).split()), exc.lineno, exc.offset
    if len(message) > _MESSAGE_WIDTH:
        message = message[:_MESSAGE_WIDTH - 1] + "…"
    return ParseFailure(name, message, line, column)


def guarded(analysis: Callable[..., T], *args: object) -> T | ParseFailure:
    """`analysis(*args)`, or the failure it raised (see FAILURES). The collector is paused
    meanwhile: a parse or symbol table of one big file allocates millions of objects with no
    cycles among them, and collections that walk them all made time grow faster than the
    file (16k → 150k definitions: exponent 1.18 with the collector, 1.00 without)."""
    try:
        with warnings.catch_warnings(), gc_paused():
            warnings.simplefilter("ignore")
            return analysis(*args)
    except FAILURES as exc:
        return failure_of(exc)


def parse_module(text: str, path: str = "<unknown>") -> ast.Module | ParseFailure:
    return _explained(guarded(ast.parse, text, path, "exec"), text)


def parse_expression(text: str) -> ast.expr | ParseFailure:
    tree = guarded(ast.parse, text, "<expression>", "eval")
    return tree.body if isinstance(tree, ast.Expression) else tree


def parse_bytes(data: bytes, path: str = "<unknown>") -> tuple[str, ast.Module | ParseFailure]:
    """The decoded text and its tree (decoding never fails: see `decode_source`)."""
    text = decode_source(data)[0]
    return text, parse_module(text, path)


def compile_module(source: str | ast.Module, path: str,
                   flags: int = 0) -> types.CodeType | ParseFailure:
    """The module's code object, compiled as written (no optimisation, no inherited flags;
    `flags`: `from __future__` features of a module compiled in parts)."""
    compiled = guarded(_compile, source, path, flags)
    return _explained(compiled, source) if isinstance(source, str) else compiled


def _compile(source: str | ast.Module, path: str, flags: int) -> types.CodeType:
    return compile(source, path, "exec", flags=flags, dont_inherit=True, optimize=0)


def symbol_table(text: str, path: str) -> symtable.SymbolTable | ParseFailure:
    return _explained(guarded(symtable.symtable, text, path, "exec"), text)


# Syntax newer than the running Python, by the version that brought it: PEP 695's `type`
# statement and type parameters (`def f[T]`, `class C[T]`).
_NEWER_SYNTAX = ((3, 12), re.compile(r"^\s*(?:type\s+\w+\s*[\[=]|(?:async\s+)?def\s+\w+\s*\[|"
                                   r"class\s+\w+\s*\[)"))


def _explained(result: T | ParseFailure, text: str) -> T | ParseFailure:
    """A SyntaxError on a line written in newer Python than this one says so, and how to run
    cq with a Python that reads it."""
    if not isinstance(result, ParseFailure) or result.error != "SyntaxError" or not result.line:
        return result
    version, pattern = _NEWER_SYNTAX
    lines = text.splitlines()
    line = lines[result.line - 1] if result.line <= len(lines) else ""
    if sys.version_info >= version or not pattern.match(line):
        return result
    needed = "{}.{}".format(*version)
    return ParseFailure("SyntaxError", f"uses Python {needed} syntax; run cq with Python "
                        f"{needed} or newer to analyse it (uv run --python {needed} cq ...)",
                        result.line)
