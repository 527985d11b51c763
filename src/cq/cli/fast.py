"""The fast front door for `cq q QUERY [global options]`.

Importing cyclopts costs more than a whole warm query, so the hot command is parsed here
from the same flag table (`cq.cli.flags`) the cyclopts app is built from. Anything this
parser does not fully understand — help, another command, an unknown or malformed flag —
returns None and the caller falls back to cyclopts, which owns every error message.
"""

from __future__ import annotations

from typing import Any

from cq.cli.flags import FLAG_BY_NAME

_HELP = frozenset({"-h", "--help", "--version", "-V"})


class FastArgs:
    __slots__ = ("query", "options")

    def __init__(self, query: str, options: dict[str, Any]) -> None:
        self.query = query
        self.options = options


def parse_fast(args: list[str]) -> FastArgs | None:
    """`q QUERY` plus global flags in any order, or None to let cyclopts decide."""
    if not args or args[0] != "q" or _HELP.intersection(args):
        return None
    query: str | None = None
    options: dict[str, Any] = {}
    rest = args[1:]
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            return None
        if arg.startswith("-") and arg != "-":
            if not _take_flag(arg, rest, options):
                return None
        elif query is None:
            query = arg
        else:
            return None
    return FastArgs(query, options) if query is not None else None


def _take_flag(arg: str, rest: list[str], options: dict[str, Any]) -> bool:
    name, eq, inline = arg.partition("=")
    flag = FLAG_BY_NAME.get(name)
    if flag is None or flag.field in options:
        return False
    if flag.kind != "value":
        if eq:
            return False
        options[flag.field] = not (flag.kind == "bool" and name.startswith("--no-"))
        return True
    if not eq:
        if not rest or rest[0].startswith("-"):
            return False
        inline = rest.pop(0)
    try:
        options[flag.field] = flag.convert(inline)
    except ValueError:
        return False
    return True
