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
import symtable
import types
import warnings
from collections.abc import Callable
from typing import TypeVar

import msgspec

from cq.coding import decode_source

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

    @property
    def text(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return (f"{self.error}: {self.message}" if self.message else self.error) + where


_DEFAULT_MESSAGES = {"MemoryError": "the parser ran out of memory (too deeply nested code?)"}


def failure_of(exc: BaseException) -> ParseFailure:
    name = type(exc).__name__
    message = " ".join(str(exc).split()) or _DEFAULT_MESSAGES.get(name, "")
    line = None
    if isinstance(exc, SyntaxError):
        message, line = " ".join(str(exc.msg).split()), exc.lineno
    if len(message) > _MESSAGE_WIDTH:
        message = message[:_MESSAGE_WIDTH - 1] + "…"
    return ParseFailure(name, message, line)


def guarded(analysis: Callable[..., T], *args: object) -> T | ParseFailure:
    """`analysis(*args)`, or the failure it raised (see FAILURES)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return analysis(*args)
    except FAILURES as exc:
        return failure_of(exc)


def parse_module(text: str, path: str = "<unknown>") -> ast.Module | ParseFailure:
    return guarded(ast.parse, text, path, "exec")


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
    return guarded(_compile, source, path, flags)


def _compile(source: str | ast.Module, path: str, flags: int) -> types.CodeType:
    return compile(source, path, "exec", flags=flags, dont_inherit=True, optimize=0)


def symbol_table(text: str, path: str) -> symtable.SymbolTable | ParseFailure:
    return guarded(symtable.symtable, text, path, "exec")
