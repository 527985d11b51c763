"""The fast front door for the hot commands: `cq q QUERY` and `cq hazards`, with flags.

Importing cyclopts costs more than a whole warm query, so these commands are parsed here
from the same flag table (`cq.cli.flags`) the cyclopts app is built from, plus each command's
own value options. Anything this parser does not fully understand — help, another command,
an unknown or malformed flag — returns None and the caller falls back to cyclopts, which
owns every error message.
"""

from __future__ import annotations

from typing import Any

from cq.cli.flags import FLAG_BY_NAME

_HELP = frozenset({"-h", "--help", "--version", "-V"})

# command -> (takes one positional argument, its own value options: flag -> keyword)
_COMMANDS: dict[str, tuple[bool, dict[str, str]]] = {
    "q": (True, {}),
    "hazards": (False, {"--category": "category", "--severity": "severity", "--in": "in_"}),
}


class FastArgs:
    __slots__ = ("command", "query", "own", "options")

    def __init__(self, command: str, query: str | None, own: dict[str, str],
                 options: dict[str, Any]) -> None:
        self.command = command
        self.query = query  # the positional argument (q's query text)
        self.own = own  # the command's own options, by keyword
        self.options = options  # global flags, by settings field


def parse_fast(args: list[str]) -> FastArgs | None:
    """A hot command with its flags in any order, or None to let cyclopts decide."""
    if not args or args[0] not in _COMMANDS or _HELP.intersection(args):
        return None
    positional, own_flags = _COMMANDS[args[0]]
    parsed = FastArgs(args[0], None, {}, {})
    rest = args[1:]
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            return None
        if arg.startswith("-") and arg != "-":
            if not _take_own(arg, rest, own_flags, parsed.own) and \
                    not _take_flag(arg, rest, parsed.options):
                return None
        elif positional and parsed.query is None:
            parsed.query = arg
        else:
            return None
    return parsed if (parsed.query is not None) == positional else None


def _take_own(arg: str, rest: list[str], own_flags: dict[str, str], own: dict[str, str]) -> bool:
    name, eq, inline = arg.partition("=")
    keyword = own_flags.get(name)
    if keyword is None or keyword in own:
        return False
    value = _value(eq, inline, rest)
    if value is None:
        return False
    own[keyword] = value
    return True


def _value(eq: str, inline: str, rest: list[str]) -> str | None:
    if eq:
        return inline
    if not rest or rest[0].startswith("-"):
        return None
    return rest.pop(0)


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
    value = _value(eq, inline, rest)
    if value is None:
        return False
    try:
        options[flag.field] = flag.convert(value)
    except ValueError:
        return False
    return True
