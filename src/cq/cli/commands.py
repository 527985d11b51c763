"""The cyclopts app: one thin function per command, each calling one `cq.api` function and
handing the CqResult to `emit`."""

from __future__ import annotations

import sys
from typing import Annotated

from cyclopts import App, Parameter

from cq import __version__
from cq.cli.options import GlobalOptions, settings_from
from cq.query.keys import KEYS

_DEFAULT = GlobalOptions()


def emit(text: str) -> None:
    """The only stdout writer."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _q_help() -> str:
    rows = [f"  {spec.example:<38} {spec.help}" for spec in KEYS.values() if spec.supported]
    later = ", ".join(name for name, spec in KEYS.items() if not spec.supported)
    return (
        "Ask a structural question in the q language.\n\n"
        "QUERY is space-separated key=value tokens; quote values with spaces. A single bare "
        "word NAME searches functions, methods and classes named NAME.\n\n"
        "Keys:\n" + "\n".join(rows) + "\n\nNot supported yet (rejected): " + later
    )


def build_app() -> App:
    app = App(name="cq", version=__version__,
              help="Structural code queries over a Python repository.",
              help_format="plaintext")
    app.command(q, help=_q_help())
    app.command(schema)
    return app


def q(query: Annotated[str, Parameter(help="The query text, e.g. 'entity=function name=main'.")],
      /, *, options: GlobalOptions = _DEFAULT) -> int:
    from cq.api import RunContext, run_query
    from cq.render import render

    settings = settings_from(options)
    ctx = RunContext(argv=tuple(sys.argv), progress=sys.stderr.isatty())
    result = run_query(settings, query, ctx)
    emit(render(result, settings.format))
    return 0


def schema() -> int:
    """Print the JSON Schema of the result every command returns."""
    import msgspec

    from cq.api import schema as result_schema

    emit(msgspec.json.format(msgspec.json.encode(result_schema())).decode())
    return 0
