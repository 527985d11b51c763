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
from cq.cli.commands import (
    run_artifact_show,
    run_artifacts,
    run_cache,
    run_index,
    run_macro,
    run_q,
    run_report,
    schema,
)
from cq.cli.fast import stray_argument
from cq.cli.options import GlobalOptions, explicit_values, options_class
from cq.macros.run import FILTER_OPTIONS

# No `from __future__ import annotations`: cyclopts reads these annotations at run time.

_DEFAULTS = GlobalOptions()
CacheOptions = options_class("cache")
_CACHE_DEFAULTS = CacheOptions()
ArtifactsOptions = options_class("artifacts")
_ARTIFACTS_DEFAULTS = ArtifactsOptions()
ShowOptions = options_class("artifact-show")
_SHOW_DEFAULTS = ShowOptions()


HELP_WIDTH = 78  # the key table fits 80 columns with or without a terminal
_EXAMPLE_WIDTH = 26


def _q_help() -> str:
    from cq.query.keys import KEYS

    rows = [_key_row(spec.example, spec.help_text) for spec in KEYS.values() if spec.supported]
    later = ", ".join(name for name, spec in KEYS.items() if not spec.supported)
    return (
        "Ask a structural question in the q language.\n\n"
        "QUERY is space-separated key=value tokens; quote values with spaces. A single bare "
        "word NAME searches functions, methods and classes named NAME.\n\n"
        "Keys:\n" + "\n".join(rows)
        + (f"\n\nNot supported yet (rejected): {later}" if later else "")
    )


def _key_row(example: str, text: str) -> str:
    """One key as two columns, the meaning wrapped under itself; a long example gets a
    line of its own."""
    import textwrap

    indent = " " * (_EXAMPLE_WIDTH + 3)
    lines = textwrap.wrap(text, HELP_WIDTH - len(indent), break_on_hyphens=False)
    body = "\n".join(indent + line for line in lines)
    if len(example) > _EXAMPLE_WIDTH:
        return f"  {example}\n{body}"
    return f"  {example:<{_EXAMPLE_WIDTH}} {body.lstrip()}"


_FILTER = {option.name: option for option in FILTER_OPTIONS}


def _filter(name: str, metavar: str | None = None) -> Any:
    return Annotated[str | None, Parameter(help=_FILTER[name].help_text, metavar=metavar)]


def q(query: Annotated[str, Parameter(help="The query text, e.g. 'entity=function name=main'.")],
      /, *, include: _filter("include", "GLOBS") = None,  # type: ignore[valid-type]
      exclude: _filter("exclude", "GLOBS") = None,  # type: ignore[valid-type]
      impact: _filter("impact") = None,  # type: ignore[valid-type]
      confidence: _filter("confidence") = None,  # type: ignore[valid-type]
      severity: _filter("severity") = None,  # type: ignore[valid-type]
      options: GlobalOptions = _DEFAULTS) -> int:  # type: ignore[valid-type]
    filters = {"include": include, "exclude": exclude, "impact": impact,
               "confidence": confidence, "severity": severity}
    return run_q(query, explicit_values(options), filters)


# An action switch: present or not, no --no-X spelling and no "[default: False]".
Switch = Annotated[bool, Parameter(negative="", show_default=False)]


_CACHE_TAG = ("Remove the cached answers carrying TAG (query:KEY, file:PATH, scope:DIR, "
              "rule:V, schema:V); file:PATH also drops that file's index entry.")


def cache(*, stats: Switch = False, clear: Switch = False,
          evict_tag: Annotated[str | None, Parameter(metavar="TAG", help=_CACHE_TAG)] = None,
          maintenance: Switch = False, check: Switch = False, migrate: Switch = False,
          prune: Switch = False,
          options: CacheOptions = _CACHE_DEFAULTS) -> int:  # type: ignore[valid-type]
    """Inspect and administer the caches of the repository (stats when no action).

    Parameters
    ----------
    stats
        Entries, size on disk, hits, misses, oldest and newest entry, per kind.
    clear
        Remove every entry of every kind.
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


def index(*, stats: Switch = False, clear: Switch = False, rebuild: Switch = False,
          evict_tag: Annotated[str | None, Parameter(metavar="TAG")] = None,
          options: CacheOptions = _CACHE_DEFAULTS) -> int:  # type: ignore[valid-type]
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


# What the help shows for an option's value, where its type (text) would mislead.
_METAVARS = {"in_": "PATH", "include": "GLOBS", "exclude": "GLOBS"}


def _metavar(option: Any) -> str | None:
    if option.kind == "int":
        return "INT"
    return _METAVARS.get(option.name)


def _parameter(option: Any) -> inspect.Parameter:
    # Whole numbers arrive as text and are converted by the macro runner, exactly as on the
    # fast path: cyclopts alone would round "1.9" and read "0x2".
    base: Any = str if option.kind == "int" else _KINDS[option.kind]
    if option.positional:
        return inspect.Parameter(option.name, inspect.Parameter.POSITIONAL_ONLY,
                                 annotation=Annotated[base, Parameter(help=option.help_text)])
    negative = "" if option.kind == "bool" else None
    annotation = Annotated[base | None, Parameter(name=option.cli, help=option.help_text,
                                                  negative=negative,
                                                  metavar=_metavar(option))]
    default = option.default if option.kind == "bool" else None
    return inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=annotation)


_REPORT_HELP = (
    "A bundle of macros about one target, each step's findings tagged with the step.\n\n"
    "Presets: refactor-impact (calls, impact, sig-impact, imports, exceptions, side-effects), "
    "safety-reliability (exceptions, side-effects, hazards), change-propagation (impact, "
    "calls, bytecode-surface, scopes), dependency-health (imports --cycles, side-effects, "
    "scopes). A step that lacks its input is listed as skipped with the reason.")


def report(preset: Annotated[str, Parameter(help="refactor-impact, safety-reliability, "
                                                 "change-propagation or dependency-health.")],
           /, *, target: Annotated[str, Parameter(metavar="KIND:NAME",
                                                  help="function:NAME, method:Class.name, "
                                                       "class:NAME, module:pkg.mod or "
                                                       "file:PATH.")],
           param: Annotated[str | None, Parameter(
               metavar="NAME", help="The parameter for the impact step.")] = None,
           to: Annotated[str | None, Parameter(
               metavar="SIG", help='The proposed signature for the sig-impact step, e.g. '
                                   '"f(a, /, b, *, c=1)".')] = None,
           in_: Annotated[str | None, Parameter(
               name="--in", metavar="PATH",
               help="Restrict every step to this directory or file (relative to the "
                    "working directory inside the root).")] = None,
           include: _filter("include", "GLOBS") = None,  # type: ignore[valid-type]
           exclude: _filter("exclude", "GLOBS") = None,  # type: ignore[valid-type]
           impact: _filter("impact") = None,  # type: ignore[valid-type]
           confidence: _filter("confidence") = None,  # type: ignore[valid-type]
           severity: _filter("severity") = None,  # type: ignore[valid-type]
           limit: _filter("limit", "INT") = None,  # type: ignore[valid-type]
           options: GlobalOptions = _DEFAULTS) -> int:  # type: ignore[valid-type]
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


def artifacts(*, options: ArtifactsOptions = _ARTIFACTS_DEFAULTS  # type: ignore[valid-type]
              ) -> int:
    """List the saved artifacts, newest first: time (UTC), command, run id, size."""
    return run_artifacts(False, None, explicit_values(options))


def artifacts_show(run_id: Annotated[str, Parameter(help="A run id or its first characters.")],
                   /, *, options: ShowOptions = _SHOW_DEFAULTS  # type: ignore[valid-type]
                   ) -> int:
    """Print the saved JSON of one run."""
    return run_artifact_show(run_id, explicit_values(options))


def artifacts_prune(*, keep: Annotated[str | None, Parameter(
                        metavar="INT", help="Keep the newest N (0: keep all) [default: the "
                                            "artifacts-keep setting, 100].")] = None,
                    options: ArtifactsOptions = _ARTIFACTS_DEFAULTS  # type: ignore[valid-type]
                    ) -> int:
    """Remove all but the newest artifacts."""
    return run_artifacts(True, keep, explicit_values(options))


def _artifacts_app() -> App:
    sub = _App(name="artifacts", help="List, show and prune the saved JSON artifacts.",
              help_format="plaintext")
    sub.default(artifacts)
    sub.command(artifacts_show, name="show")
    sub.command(artifacts_prune, name="prune")
    return sub
def mcp(*, root: Annotated[str | None, Parameter(help="Repository root [default: the "
                                                   "working directory's].")] = None) -> int:
    """Serve every command to an agent host as MCP tools over stdio (runs until closed).

    Register it with the host as the command `cq mcp` (or `uv run cq mcp`); see the README.
    """
    from cq.cli.resident import serve_mcp

    return serve_mcp(root)


def server(action: Annotated[str, Parameter(help="start, stop or status.")], /, *,
           options: GlobalOptions = _DEFAULTS) -> int:  # type: ignore[valid-type]
    """A background server for the repository: every command forwards to it while it runs.

    start: run one for the root and cache directory (it exits after `server-idle` seconds,
    default 1800, without a request); stop: end it; status: its root, pid, uptime, memory,
    files watched and requests served. `--no-server` or CQ_SERVER=off runs a command
    in-process even while a server runs.
    """
    from cq.cli.resident import server_command

    return server_command(action, explicit_values(options))


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
    app.command(report, name="report", help=_REPORT_HELP)
    app.command(_artifacts_app())
    app.command(schema)
    app.command(mcp)
    app.command(server)
    return app


def _takes_in(command: str) -> bool:
    from cq.macros import MACRO_MODULES

    return command in MACRO_MODULES or command == "report"


def run_app(args: list[str]) -> int:
    """Run the cyclopts app; a positional argument with no place to go is the same one line
    the fast path gives (`cq.cli.fast.stray_argument`)."""
    from cyclopts import UnusedCliTokensError

    try:
        result = build_app()(args, exit_on_error=False, print_error=False,
                             result_action="return_value")
    except UnusedCliTokensError as exc:
        stray = next((t for t in exc.unused_tokens or () if not t.startswith("-")), None)
        if stray is None or not args or not _takes_in(args[0]):
            raise
        raise stray_argument(args[0], stray) from None
    return result if isinstance(result, int) else 0
