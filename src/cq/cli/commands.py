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


def run_q(query: str, options: dict[str, Any]) -> int:
    """`cq q QUERY`: options are the explicitly given global flags, by field name."""
    from cq.api import RunContext, run_query
    from cq.render import render

    settings = resolve_settings(options, env=os.environ)
    ctx = RunContext(argv=tuple(sys.argv), progress=sys.stderr.isatty())
    emit(render(run_query(settings, query, ctx), settings.format))
    return 0


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
        "Keys:\n" + "\n".join(rows) + "\n\nNot supported yet (rejected): " + later
    )


def build_app() -> "App":
    from typing import Annotated

    from cyclopts import App, Parameter

    from cq import __version__
    from cq.cli.options import GlobalOptions, explicit_values

    app = App(name="cq", version=__version__,
              help="Structural code queries over a Python repository.",
              help_format="plaintext")

    @app.command(name="q", help=_q_help())
    def q(query: Annotated[str, Parameter(help="The query text, e.g. 'entity=function "
                                                "name=main'.")],
          /, *, options: GlobalOptions = GlobalOptions()) -> int:  # type: ignore[valid-type]
        return run_q(query, explicit_values(options))

    app.command(schema)
    return app
