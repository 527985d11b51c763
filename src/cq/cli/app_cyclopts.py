"""The cyclopts app: every command as a module-level function with its help text.

Imported only when the fast path (`cq.cli.fast`) does not apply: importing cyclopts costs
more than a whole warm query. Each command is a few lines that build its arguments and call
the matching `run_*` in `cq.cli.commands`.
"""

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from cyclopts import App, Parameter

from cq import __version__
from cq.admin import CacheAction, IndexAction
from cq.cli.commands import run_cache, run_index, run_macro, run_q, run_report, schema
from cq.cli.options import GlobalOptions, explicit_values
from cq.macros.run import FILTER_OPTIONS

# No `from __future__ import annotations`: cyclopts reads these annotations at run time.

_DEFAULTS = GlobalOptions()


def _q_help() -> str:
    from cq.query.keys import KEYS

    rows = [f"  {spec.example:<32} {spec.help_text}" for spec in KEYS.values() if spec.supported]
    later = ", ".join(name for name, spec in KEYS.items() if not spec.supported)
    return (
        "Ask a structural question in the q language.\n\n"
        "QUERY is space-separated key=value tokens; quote values with spaces. A single bare "
        "word NAME searches functions, methods and classes named NAME.\n\n"
        "Keys:\n" + "\n".join(rows)
        + (f"\n\nNot supported yet (rejected): {later}" if later else "")
    )


_FILTER_HELP = {o.name: o.help_text for o in FILTER_OPTIONS}


def q(query: Annotated[str, Parameter(help="The query text, e.g. 'entity=function name=main'.")],
      /, *, include: Annotated[str | None, Parameter(help=_FILTER_HELP["include"])] = None,
      exclude: Annotated[str | None, Parameter(help=_FILTER_HELP["exclude"])] = None,
      impact: Annotated[str | None, Parameter(help=_FILTER_HELP["impact"])] = None,
      confidence: Annotated[str | None, Parameter(help=_FILTER_HELP["confidence"])] = None,
      severity: Annotated[str | None, Parameter(help=_FILTER_HELP["severity"])] = None,
      options: GlobalOptions = _DEFAULTS) -> int:  # type: ignore[valid-type]
    filters = {"include": include, "exclude": exclude, "impact": impact,
               "confidence": confidence, "severity": severity}
    return run_q(query, explicit_values(options), filters)


def cache(*, stats: bool = False, clear: bool = False, evict_tag: str | None = None,
          maintenance: bool = False, check: bool = False, migrate: bool = False,
          prune: bool = False,
          options: GlobalOptions = _DEFAULTS) -> int:  # type: ignore[valid-type]
    """Inspect and administer the caches of the repository (stats when no action).

    Parameters
    ----------
    stats
        Entries, size on disk, hits, misses, oldest and newest entry, per kind.
    clear
        Remove every entry of every kind.
    evict_tag
        Remove the cached answers carrying TAG (query:KEY, file:PATH, scope:DIR, rule:V,
        schema:V); file:PATH also drops that file's index entry.
    maintenance
        Check, repair, expire and cull every kind (serialized across processes).
    check
        With --maintenance: only check, change nothing.
    migrate
        Carry still-valid entries over from an older cache layout.
    prune
        With --migrate: then remove the old layout's directories.
    """
    action = CacheAction(stats=stats, clear=clear, evict_tag=evict_tag,
                         maintenance=maintenance, check=check, migrate=migrate, prune=prune)
    return run_cache(action, explicit_values(options))


def index(*, stats: bool = False, clear: bool = False, rebuild: bool = False,
          evict_tag: str | None = None,
          options: GlobalOptions = _DEFAULTS) -> int:  # type: ignore[valid-type]
    """Inspect and administer the per-file fact index (stats when no action).

    Parameters
    ----------
    stats
        Files indexed, size on disk, hits and misses.
    clear
        Remove every index entry.
    rebuild
        Clear, then scan every file in scope (serialized across processes).
    evict_tag
        file:PATH removes that file's entry.
    """
    action = IndexAction(stats=stats, clear=clear, rebuild=rebuild, evict_tag=evict_tag)
    return run_index(action, explicit_values(options))


_KINDS: dict[str, Any] = {"str": str, "bool": bool}
_LIMIT = next(o for o in FILTER_OPTIONS if o.name == "limit")


def macro_command(name: str) -> Callable[..., int]:
    """A cyclopts command for macro `name`, its signature built from the macro's options, so
    `--help` lists exactly what the macro accepts."""
    from cq.macros import get_macro
    from cq.macros.run import options_of

    macro = get_macro(name)

    def command(*args: Any, options: Any = _DEFAULTS, **given: Any) -> int:
        target = macro.target()
        values = {k: v for k, v in given.items() if v is not None}
        if target is not None and args:
            values[target.name] = args[0]
        return run_macro(name, values, explicit_values(options))

    params = [_parameter(option) for option in options_of(macro)]
    params.append(inspect.Parameter("options", inspect.Parameter.KEYWORD_ONLY,
                                    default=_DEFAULTS, annotation=GlobalOptions))
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__doc__ = macro.help
    command.__name__ = name.replace("-", "_")
    return command


def _parameter(option: Any) -> inspect.Parameter:
    # Whole numbers arrive as text and are converted by the macro runner, exactly as on the
    # fast path: cyclopts alone would round "1.9" and read "0x2".
    base: Any = str if option.kind == "int" else _KINDS[option.kind]
    if option.positional:
        return inspect.Parameter(option.name, inspect.Parameter.POSITIONAL_ONLY,
                                 annotation=Annotated[base, Parameter(help=option.help_text)])
    negative = "" if option.kind == "bool" else None
    annotation = Annotated[base | None, Parameter(name=option.cli, help=option.help_text,
                                                  negative=negative)]
    default = option.default if option.kind == "bool" else None
    return inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=annotation)


def report(preset: Annotated[str, Parameter(help="refactor-impact, safety-reliability, "
                                                 "change-propagation or dependency-health.")],
           /, *, target: Annotated[str, Parameter(help="KIND:NAME — function:NAME, "
                                                       "method:Class.name, class:NAME, "
                                                       "module:pkg.mod or file:PATH.")],
           param: str | None = None, to: str | None = None,
           in_: Annotated[str | None, Parameter(name="--in")] = None,
           include: str | None = None, exclude: str | None = None, impact: str | None = None,
           confidence: str | None = None, severity: str | None = None,
           limit: Annotated[str | None, Parameter(help=_LIMIT.help_text)] = None,
           options: GlobalOptions = _DEFAULTS) -> int:  # type: ignore[valid-type]
    """A bundle of macros about one target, each step's findings tagged with the step.

    Presets: refactor-impact (calls, impact, sig-impact, imports, exceptions, side-effects),
    safety-reliability (exceptions, side-effects, hazards), change-propagation (impact,
    calls, bytecode-surface, scopes), dependency-health (imports --cycles, side-effects,
    scopes). A step that lacks its input is listed as skipped with the reason.

    Parameters
    ----------
    param
        The parameter for the impact step.
    to
        The proposed signature for the sig-impact step, e.g. "f(a, /, b, *, c=1)".
    in_
        Restrict every step to this root-relative directory or file.
    include
        Keep findings in files matching these globs or ~regexes (comma-separated).
    exclude
        Drop findings in files matching these globs or ~regexes.
    impact
        Keep these impact buckets: low, med, high (comma-separated).
    confidence
        Keep these confidence buckets: low, med, high.
    severity
        Keep these severities: error, warning, info.
    """
    filters = {"include": include, "exclude": exclude, "impact": impact,
               "confidence": confidence, "severity": severity, "limit": limit}
    own = {"param": param, "to": to, "in_dir": in_}
    return run_report(preset, target, own, filters, explicit_values(options))


class _App(App):
    """The cyclopts app, printing help and the version through a console that turns a
    closed stdout into `OutputClosed` (rich's own exits 1). The console, and rich with it,
    is made only when something is printed: most commands never print through it."""

    @property
    def console(self) -> Any:
        if self._console is None:
            self._console = _quiet_console()
        return self._console

    @console.setter
    def console(self, console: Any) -> None:
        self._console = console


def _quiet_console() -> Any:
    from rich.console import Console

    from cq.errors import OutputClosed

    class QuietConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise OutputClosed("stdout closed")

    return QuietConsole()


def build_app() -> App:
    app = _App(name="cq", version=__version__,
              help="Structural code queries over a Python repository.",
              help_format="plaintext")
    app.command(q, name="q", help=_q_help())
    app.command(cache, name="cache")
    app.command(index, name="index")
    from cq.macros import MACRO_MODULES

    for name in MACRO_MODULES:
        app.command(macro_command(name), name=name)
    app.command(report, name="report")
    app.command(schema)
    return app
