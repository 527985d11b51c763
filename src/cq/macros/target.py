"""The TARGET argument of `cq scopes` and `cq bytecode-surface` (and `--function` of
`cq exceptions`): what it names is decided by its spelling, never the file system.

- a path contains `/` or ends in `.py` (`.` is the root): a root-relative file or directory,
  standing for every in-scope Python file at or under it (write `pkg/` for a top-level
  directory); a path outside the root or missing is bad input before any work;
- anything else is a symbol: a def or class name (`load`), `Class.method`, or a dotted full
  name (`pkg.mod.Class.method`). Which defs a symbol names is `cq.analysis.targets`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec

from cq.discover import check_in_path
from cq.errors import BadInputError, ScopeError
from cq.funcspec import SYMBOL_HINT

PYTHON = "python {}.{}".format(*sys.version_info[:2])


class TargetArg(msgspec.Struct, frozen=True):
    """A checked TARGET: a path inside the root (root-relative, "." the root) or a symbol."""

    text: str
    path: str | None = None  # root-relative ("." is the root); None: a symbol

    def describe(self) -> str:
        return f"path {self.path}" if self.path is not None else f"symbol {self.text}"


def is_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.endswith(".py") or text == "."


def parse_target(macro: str, text: str, root: Path) -> TargetArg:
    """A checked TARGET: a path inside the root that exists, or a symbol's spelling."""
    text = text.strip()
    if not is_path(text):
        if not all(part.isidentifier() for part in text.split(".")):
            raise BadInputError(f"{macro}: {text!r} is neither a path nor a symbol",
                                hint=SYMBOL_HINT + "; or a path with / or ending in .py")
        return TargetArg(text=text)
    try:
        return TargetArg(text=text, path=check_in_path(root, text))
    except ScopeError as exc:
        problem = exc.message.split(" ", 1)[1]
        raise BadInputError(f"{macro}: TARGET {text} {problem}", hint=exc.hint) from None


def check_symbol(macro: str, option: str, text: str) -> str:
    """A symbol's spelling, checked (a path is bad input here)."""
    if is_path(text):
        raise BadInputError(f"{macro}: {option} takes a symbol, not a path: {text!r}",
                            hint=SYMBOL_HINT)
    return parse_target(macro, text, Path(".")).text
