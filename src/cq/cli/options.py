"""Global options shared by every command, built for cyclopts from `cq.cli.flags`, and their
translation into Settings.

Every option defaults to None so that `explicit_values` sees exactly what the user typed:
an explicitly given flag wins over environment and config even when it equals the default.
"""

from __future__ import annotations

from dataclasses import field, fields, make_dataclass
from functools import cache
from typing import Annotated, Any, Literal

from cyclopts import Parameter

from cq.cli.flags import Flag, flags_for


def _annotation(flag: Flag) -> Any:
    if flag.kind in ("bool", "flag"):
        base: Any = bool
    elif flag.choices:
        base = Literal[flag.choices]  # type: ignore[valid-type]
    else:
        base = str  # numbers too: the settings layer checks them against their range
    names = [n for n in flag.names if not n.startswith("--no-") or flag.kind == "flag"]
    negative = "" if flag.kind != "bool" else None
    param = Parameter(name=names, negative=negative, help=flag.help,
                      metavar=flag.metavar or None)
    return Annotated[base | None, param]


@cache
def options_class(group: str) -> Any:
    """The global options a command of `group` takes (`cq.cli.flags.GROUPS`) as one class."""
    name = "".join(part.title() for part in group.split("-")) + "Options"
    cls = make_dataclass(name, [(flag.field, _annotation(flag), field(default=None))
                                for flag in flags_for(group)])
    cls.__module__ = __name__
    return Parameter(name="*", group="Global options")(cls)


GlobalOptions = options_class("run")


def explicit_values(options: Any) -> dict[str, Any]:
    return {f.name: getattr(options, f.name) for f in fields(options)
            if getattr(options, f.name) is not None}
