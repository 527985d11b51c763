"""Thin commands: each parses its options and calls one `cq.api` function, then `emit`s the
rendered CqResult. `build_app` assembles the cyclopts app (imported only when the fast path
in `cq.cli.fast` does not apply).

No `from __future__ import annotations` here: cyclopts reads the annotations of the command
functions defined inside `build_app`, whose names are local to it."""

import os
import sys
from typing import TYPE_CHECKING, Any

from cq.settings import resolve_settings

if TYPE_CHECKING:
    from cyclopts import App


def emit(text: str) -> None:
    """The only stdout writer."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _context() -> Any:
    from cq.runner import RunContext

    return RunContext(argv=tuple(sys.argv), progress=sys.stderr.isatty())


def show(result: Any, settings: Any) -> int:
    """Render to stdout; notices (and with -v the stage timings) to stderr."""
    from cq.render import render

    emit(render(result, settings.format))
    for notice in result.run.notices:
        print(notice if notice.startswith("cq:") else f"cq: {notice}", file=sys.stderr)
    if settings.verbose and result.run.stages_ms:
        stages = " · ".join(f"{k} {v} ms" for k, v in result.run.stages_ms.items())
        print(f"cq: timings: {stages} · total {result.run.elapsed_ms} ms", file=sys.stderr)
    return 0


def run_q(query: str, options: dict[str, Any]) -> int:
    """`cq q QUERY`: options are the explicitly given global flags, by field name."""
    from cq.api import run_query

    settings = resolve_settings(options, env=os.environ)
    return show(run_query(settings, query, _context()), settings)


def run_hazards(category: Any, severity: Any, in_dir: Any, options: dict[str, Any]) -> int:
    from cq.api import hazards

    settings = resolve_settings(options, env=os.environ)
    return show(hazards(settings, category, severity, in_dir, _context()), settings)


def run_cache(action: Any, options: dict[str, Any]) -> int:
    from cq.admin import cache_command

    settings = resolve_settings(options, env=os.environ)
    return show(cache_command(settings, action, _context()), settings)


def run_index(action: Any, options: dict[str, Any]) -> int:
    from cq.admin import index_command

    settings = resolve_settings(options, env=os.environ)
    return show(index_command(settings, action, _context()), settings)


def schema() -> int:
    """Print the JSON Schema of the result every command returns."""
    import msgspec

    from cq.api import schema as result_schema

    emit(msgspec.json.format(msgspec.json.encode(result_schema())).decode())
    return 0


def _q_help() -> str:
    from cq.query.keys import KEYS

    rows = [f"  {spec.example:<32} {spec.help}" for spec in KEYS.values() if spec.supported]
    later = ", ".join(name for name, spec in KEYS.items() if not spec.supported)
    return (
        "Ask a structural question in the q language.\n\n"
        "QUERY is space-separated key=value tokens; quote values with spaces. A single bare "
        "word NAME searches functions, methods and classes named NAME.\n\n"
        "Keys:\n" + "\n".join(rows)
        + (f"\n\nNot supported yet (rejected): {later}" if later else "")
    )


def build_app() -> "App":
    from typing import Annotated

    from cyclopts import App, Parameter

    from cq import __version__
    from cq.cli.options import GlobalOptions, explicit_values

    defaults = GlobalOptions()
    app = App(name="cq", version=__version__,
              help="Structural code queries over a Python repository.",
              help_format="plaintext")

    @app.command(name="q", help=_q_help())
    def q(query: Annotated[str, Parameter(help="The query text, e.g. 'entity=function "
                                                "name=main'.")],
          /, *, options: GlobalOptions = defaults) -> int:  # type: ignore[valid-type]
        return run_q(query, explicit_values(options))

    @app.command(name="cache")
    def cache(*, stats: bool = False, clear: bool = False, evict_tag: str | None = None,
              maintenance: bool = False, check: bool = False, migrate: bool = False,
              prune: bool = False,
              options: GlobalOptions = defaults) -> int:  # type: ignore[valid-type]
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
        from cq.admin import CacheAction

        action = CacheAction(stats=stats, clear=clear, evict_tag=evict_tag,
                             maintenance=maintenance, check=check, migrate=migrate, prune=prune)
        return run_cache(action, explicit_values(options))

    @app.command(name="index")
    def index(*, stats: bool = False, clear: bool = False, rebuild: bool = False,
              evict_tag: str | None = None,
              options: GlobalOptions = defaults) -> int:  # type: ignore[valid-type]
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
        from cq.admin import IndexAction

        action = IndexAction(stats=stats, clear=clear, rebuild=rebuild, evict_tag=evict_tag)
        return run_index(action, explicit_values(options))

    @app.command(name="hazards")
    def hazards(*, category: str | None = None, severity: str | None = None,
                in_: Annotated[str | None, Parameter(name="--in")] = None,
                options: GlobalOptions = defaults) -> int:  # type: ignore[valid-type]
        """Risky constructs from the hazard registry (eval, shell=True, unsafe loads, ...).

        Parameters
        ----------
        category
            Only these categories, comma-separated: security, correctness, design, performance.
        severity
            Only these severities, comma-separated: error, warning, info.
        in_
            Restrict the scope to this root-relative directory or file.
        """
        return run_hazards(category, severity, in_, explicit_values(options))

    app.command(schema)
    return app
