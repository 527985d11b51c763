"""What a macro is: its command-line shape (`Option`s) and how it turns arguments into a run.

A macro is two modules. The spec module (`cq.macros.calls`, …) defines one `Macro`: its name
(the CLI command), help text, options, and `prepare(args, settings) -> MacroJob`. `prepare`
validates everything the user typed (bad input fails there, before any work) and returns the
job: the validated `params`, the plan lines and what else decides the answer. The compute
module of the same name (`cq.macros.compute.calls`) defines
`compute(params, source, discovery, settings) -> Outcome`, which the runner calls on a cache
miss (`cq.macros.run`). Spec modules import only light modules, so a cache hit never loads
an analysis; compute modules import what they use at the top. The scope (`--in`) and the
result filters are common to every macro and handled by `cq.macros.run`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from cq.bounds import Bounds

if TYPE_CHECKING:
    from cq.settings import Settings

KINDS = ("str", "int", "bool")


class Option(msgspec.Struct, frozen=True):
    """One argument of a macro. `positional` marks the macro's TARGET (at most one). An int
    option declares its range (`bounds`), which the runner enforces and the help shows."""

    name: str  # the keyword the macro reads, e.g. "param"
    help: str
    kind: str = "str"  # str | int | bool
    required: bool = False
    default: Any = None
    positional: bool = False
    flag: str = ""  # defaults to --name with _ as -
    bounds: Bounds | None = None

    def __post_init__(self) -> None:
        if self.kind == "int" and self.bounds is None:
            raise ValueError(f"int option {self.name!r} declares no bounds")
        if self.kind != "int" and self.bounds is not None:
            raise ValueError(f"only int options take bounds, not {self.name!r}")

    @property
    def help_text(self) -> str:
        """The help with the range, as `--help` and the reference show it."""
        return f"{self.help} Range: {self.bounds.describe()}." if self.bounds else self.help

    @property
    def cli(self) -> str:
        return self.flag or "--" + self.name.rstrip("_").replace("_", "-")

    @property
    def metavar(self) -> str:
        return self.name.rstrip("_").upper()


class MacroJob(msgspec.Struct, frozen=True):
    """A validated request, ready for `cq.runner.run_cached`: `params` is what the compute
    module needs (checked values, usually a small frozen struct). The runner's request text
    and canonical form come from the validated arguments; `canonical` adds anything else that
    decides the answer (a rule registry's digest, a resolved signature)."""

    params: Any
    plan: tuple[str, ...]
    canonical: str = ""


Args = dict[str, Any]
Prepare = Callable[[Args, "Settings"], MacroJob]


class Macro(msgspec.Struct, frozen=True):
    name: str
    help: str  # first line: one sentence; the rest: details for --help
    options: tuple[Option, ...]
    prepare: Prepare
    filters: bool = True  # takes the result filters (--include, --impact, ...)
    # The one-line answer in counts: (summary key, singular, plural), shown first in Markdown.
    headline: tuple[tuple[str, str, str], ...] = ()
    # The counts block Markdown opens with: (label, what to count by), where "category" is
    # the finding's category, "summary:KEY" a count the macro put in its summary, and any
    # other name a details field (e.g. ("by rule", "id")).
    counts: tuple[tuple[str, str], ...] = ()

    def headline_text(self, summary: dict[str, Any]) -> str:
        parts = []
        for key, one, many in self.headline:
            value = summary.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                parts.append(f"{value:,} {one if value == 1 else many}")
        return " · ".join(parts)

    def target(self) -> Option | None:
        return next((o for o in self.options if o.positional), None)
