"""The import-time skeleton of a file: its text with the bodies of functions blanked out, so
`ast` parses module and class code without paying for code that runs later.

`import_time_skeleton(facts, text)` takes every def whose enclosing scopes are module or
class bodies (from the facts), finds the end of its header — the first line at bracket depth
0 that ends with `:`, strings and comments ignored — and replaces the body by `pass` at the
body's indentation followed by blank lines. Every line keeps its number and every kept line
its text, so positions in the skeleton are positions in the file. Decorators, default values
and annotations are in the header and stay. The scan of a header is simple (one-line strings
only): a header it misjudges leaves text that does not parse, and the caller then parses the
whole file, so a misjudgement costs time, never an answer.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cq.facts import Def, FileFacts

_STRING = re.compile(r"""'[^'\\\n]*(?:\\.[^'\\\n]*)*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*\"""")
_OPEN, _CLOSE = "([{", ")]}"


def import_time_skeleton(facts: FileFacts, text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    by_name = {d.qualname: d for d in facts.defs}
    for definition in facts.defs:
        if definition.kind != "class" and _runs_at_import(definition, by_name):
            _blank_body(lines, definition)
    return "\n".join(lines)


def _runs_at_import(definition: Def, by_name: dict[str, Def]) -> bool:
    """Is the def statement itself executed on import (only classes around it)?"""
    enclosing = definition.enclosing
    while enclosing is not None:
        outer = by_name.get(enclosing)
        if outer is None or outer.kind != "class":
            return False
        enclosing = outer.enclosing
    return True


def _blank_body(lines: list[str], definition: Def) -> None:
    end = min(definition.span.end_line, len(lines))
    header = _header_end(lines, definition.span.line, end)
    if header is None:
        return
    first = next((n for n in range(header + 1, end + 1)
                  if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")), None)
    if first is None:
        return
    body = lines[first - 1]
    indent = body[: len(body) - len(body.lstrip())]
    for number in range(header + 1, end + 1):
        lines[number - 1] = ""
    lines[header] = indent + "pass"


def _header_end(lines: list[str], start: int, end: int) -> int | None:
    """The last line of a def's header, when its body starts on a later line."""
    depth = 0
    for number in range(start, end):
        code = _STRING.sub("''", lines[number - 1]).split("#", 1)[0]
        depth += sum(code.count(c) for c in _OPEN) - sum(code.count(c) for c in _CLOSE)
        if depth <= 0 and code.rstrip().endswith(":"):
            return number
    return None
