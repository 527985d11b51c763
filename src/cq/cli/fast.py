"""The fast front door for the hot commands: `cq q QUERY` and every macro, with flags.

Importing cyclopts costs more than a whole warm query, so these commands are parsed here from
the same flag table (`cq.cli.flags`) the cyclopts app is built from, plus each command's own
options (for macros, from their `Option`s: a bool option takes no value). Anything this parser
does not fully understand — help, another command, an unknown or malformed flag — returns None
and the caller falls back to cyclopts, which owns every error message.
"""

from __future__ import annotations

from typing import Any

from cq.cli.flags import FLAG_BY_NAME
from cq.errors import BadInputError

_HELP = frozenset({"-h", "--help", "--version", "-V"})
Q_FILTERS = ("include", "exclude", "impact", "confidence", "severity")



class Shape:
    """What a command accepts: a positional argument or not, and its own options."""

    __slots__ = ("positional", "values", "switches")

    def __init__(self, positional: bool, values: dict[str, str], switches: dict[str, str]) -> None:
        self.positional = positional
        self.values = values  # flag -> keyword, takes a value
        self.switches = switches  # flag -> keyword, takes none (True when present)


def _shape(command: str) -> Shape | None:
    if command == "q":  # its own options: the result filters but --limit (limit= says it)
        return Shape(True, {f"--{name}": name for name in Q_FILTERS}, {})
    from cq.macros import MACRO_MODULES, get_macro

    if command not in MACRO_MODULES:
        return None
    from cq.macros.run import options_of

    options = options_of(get_macro(command))
    return Shape(any(o.positional for o in options),
                 {o.cli: o.name for o in options if not o.positional and o.kind != "bool"},
                 {o.cli: o.name for o in options if o.kind == "bool"})


class FastArgs:
    __slots__ = ("command", "query", "own", "options")

    def __init__(self, command: str, query: str | None, own: dict[str, Any],
                 options: dict[str, Any]) -> None:
        self.command = command
        self.query = query  # the positional argument (q's query text, a macro's target)
        self.own = own  # the command's own options, by keyword
        self.options = options  # global flags, by settings field


def parse_fast(args: list[str]) -> FastArgs | None:
    """A hot command with its flags in any order, or None to let cyclopts decide."""
    if not args or _HELP.intersection(args):
        return None
    shape = _shape(args[0])
    if shape is None:
        return None
    parsed = FastArgs(args[0], None, {}, {})
    rest = args[1:]
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            return None
        if arg.startswith("-") and arg != "-":
            if not _take_own(arg, rest, shape, parsed.own) and \
                    not _take_flag(arg, rest, parsed.options):
                return None
        elif shape.positional and parsed.query is None:
            parsed.query = arg
        elif parsed.command != "q":
            raise stray_argument(parsed.command, arg)
        else:
            return None
    return parsed if (parsed.query is not None) == shape.positional else None


def _take_own(arg: str, rest: list[str], shape: Shape, own: dict[str, Any]) -> bool:
    name, eq, inline = arg.partition("=")
    switch = shape.switches.get(name)
    if switch is not None and not eq and switch not in own:
        own[switch] = True
        return True
    keyword = shape.values.get(name)
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


def stray_argument(command: str, arg: str) -> BadInputError:
    """A positional argument a command has no room for: a path meant for `--in`."""
    return BadInputError(f"{command} takes --in PATH", hint=f"unexpected argument {arg!r}")


def hoist_global_flags(args: list[str]) -> list[str]:
    """`cq --root X q ...` as `cq q ... --root X`: global flags given before the command go
    to the end of its arguments (before a `--`). Anything else before the command (help,
    an unknown flag) leaves the arguments as they are, for cyclopts to answer."""
    rest = list(args)
    leading: list[str] = []
    while rest and rest[0].startswith("-") and rest[0] not in _HELP:
        name, eq, _ = rest[0].partition("=")
        flag = FLAG_BY_NAME.get(name)
        if flag is None:
            return args
        leading.append(rest.pop(0))
        if flag.kind == "value" and not eq:
            if not rest:
                return args
            leading.append(rest.pop(0))
    if not leading or not rest or rest[0].startswith("-"):
        return args
    end = rest.index("--") if "--" in rest else len(rest)
    return [*rest[:end], *leading, *rest[end:]]
