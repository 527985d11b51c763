"""`cq mcp`: the resident engine served to agent hosts over stdio with the MCP SDK.

One tool per command — `q`, every macro of the registry (`cq.macros.MACRO_MODULES`, named
with `_` for `-`) and `report` — whose input schema is generated from the same tables as the
CLI: each macro's option table (`cq.macros.run.options_of`), the report's options, and the
rows of the settings table a tool call may set (`TOOL_SETTINGS`). A call answers in Markdown
(at most `limit` findings per list) or, with `format: "json"`, the whole result as structured
content; a refused call is a tool error carrying the CLI's one-line message and exit status.
The result JSON Schema (`cq schema`) is the resource `cq://schema`.

Calls run one at a time in one worker thread (which also closes each call's stores after its
answer is sent), on the `Engine` that keeps the root's watcher
and memo between calls, so a call after an edit sees the edit and a warm call lists nothing.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import msgspec

from cq import __version__
from cq.bounds import Bounds
from cq.engine.core import Engine
from cq.errors import EXIT_INTERNAL, BadInputError, CqError
from cq.macros import MACRO_MODULES, get_macro
from cq.macros.run import FILTER_OPTIONS, SCOPE_OPTION, options_of
from cq.macros.spec import Option
from cq.result import CqResult
from cq.resultfilter import LIMIT_BOUNDS
from cq.settings import SETTING_BY_NAME

SCHEMA_URI = "cq://schema"
TOOL_SETTINGS = ("timeout", "no_cache")  # settings a single call may change
OUTPUTS = ("markdown", "json")
DEFAULT_TOP = 10
EXIT_MEANING = {0: "ok", 1: "internal error", 2: "bad input", 3: "findings at --fail-on",
                4: "cache unusable"}

EXAMPLES: dict[str, tuple[str, ...]] = {
    "q": ('{"query": "entity=function name=main"}',
          '{"query": "entity=class name=~Error$ in=src", "format": "json"}'),
    "calls": ('{"target": "join"}', '{"target": "pkg.mod.Client.send", "limit": 20}'),
    "impact": ('{"target": "load", "param": "path"}',),
    "sig_impact": ('{"target": "connect", "to": "connect(host, *, port=0)"}',),
    "imports": ('{"cycles": true}', '{"module": "pkg.core"}'),
    "exceptions": ('{"function": "main"}',),
    "side_effects": ('{"in_": "src"}',),
    "scopes": ('{"target": "outer"}',),
    "bytecode_surface": ('{"target": "handler"}',),
    "hazards": ('{"severity": "error"}',),
    "report": ('{"preset": "refactor-impact", "target": "function:main"}',),
}


class ToolSpec(msgspec.Struct, frozen=True):
    name: str
    command: str  # the CLI command it runs
    description: str
    schema: dict[str, Any]


# --------------------------------------------------------------------- schemas from tables


def _number(bounds: Bounds | None, kind: str) -> dict[str, Any]:
    found: dict[str, Any] = {"type": kind}
    if bounds is not None:
        found.update(minimum=bounds.low, maximum=bounds.high)
    return found


def option_schema(option: Option) -> dict[str, Any]:
    if option.kind == "int":
        found = _number(option.bounds, "integer")
    else:
        found = {"type": "boolean" if option.kind == "bool" else "string"}
    return {**found, "description": option.help_text}


def _setting_schema(name: str) -> dict[str, Any]:
    spec = SETTING_BY_NAME[name]
    kind = {"number": "number", "integer": "integer"}.get(spec.kind)
    found = _number(spec.bounds, kind) if kind else {"type": spec.kind}
    return {**found, "description": spec.help}


def _common() -> dict[str, Any]:
    return {"format": {"type": "string", "enum": list(OUTPUTS), "default": "markdown",
                       "description": "markdown: a summary with the top findings; json: the "
                                      "whole result as structured content."},
            **{name: _setting_schema(name) for name in TOOL_SETTINGS}}


def _object(options: list[Option], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    properties = {o.name: option_schema(o) for o in options}
    required = [o.name for o in options if o.required]
    return {"type": "object", "properties": {**properties, **(extra or {}), **_common()},
            "required": required, "additionalProperties": False}


def _described(name: str, help_text: str) -> str:
    examples = "\n".join(f"  {e}" for e in EXAMPLES.get(name, ()))
    return f"{help_text}\n\nExamples:\n{examples}" if examples else help_text


def tool_specs() -> tuple[ToolSpec, ...]:
    """Every tool: `q`, each registered macro, `report`."""
    limit = Option("limit", "At most N findings per list.", kind="int", bounds=LIMIT_BOUNDS)
    query = Option("query", "The query text in the q language, e.g. "
                            "'entity=function name=main'.", required=True)
    tools = [ToolSpec("q", "q", _described("q", "Ask a structural question in the q "
                                           "language (key=value tokens)."),
                      _object([query, limit]))]
    for command in MACRO_MODULES:
        macro = get_macro(command)
        name = command.replace("-", "_")
        tools.append(ToolSpec(name, command, _described(name, macro.help),
                              _object(list(options_of(macro)))))
    tools.append(ToolSpec("report", "report", _described("report", _REPORT_HELP),
                          _object(list(_report_options()))))
    return tuple(tools)


_REPORT_HELP = ("A bundle of macros about one target (KIND:NAME), each step's findings "
                "tagged with the step. Presets: refactor-impact, safety-reliability, "
                "change-propagation, dependency-health.")


def _report_options() -> tuple[Option, ...]:
    from cq.report import PRESETS

    return (Option("preset", f"One of {', '.join(PRESETS)}.", required=True),
            Option("target", "KIND:NAME — function:NAME, method:Class.name, class:NAME, "
                             "module:pkg.mod or file:PATH.", required=True),
            Option("param", "The parameter for the impact step."),
            Option("to", "The proposed signature for the sig-impact step."),
            SCOPE_OPTION, *FILTER_OPTIONS)


# --------------------------------------------------------------------------- one call


class ToolAnswer(msgspec.Struct, frozen=True):
    text: str
    structured: dict[str, Any] | None = None
    error: bool = False


class Tools:
    """The tools over one engine and root (None: the working directory's)."""

    def __init__(self, engine: Engine, root: str | None) -> None:
        self.engine, self.root = engine, root
        self.specs = {spec.name: spec for spec in tool_specs()}

    def call(self, name: str, arguments: dict[str, Any] | None) -> ToolAnswer:
        with self.engine.lock:
            self.engine.served()
            try:
                return self._answer(name, dict(arguments or {}))
            except CqError as exc:
                return _error(f"cq: error: {exc.one_line()}", exc.exit_code)
            except Exception as exc:  # a tool error, never a dead server
                return _error(f"cq: internal error: {type(exc).__name__}: {exc}",
                              EXIT_INTERNAL)

    def tidy(self) -> None:
        """Close the stores of the calls answered so far (after their answers went out)."""
        from cq.runner import close_deferred

        with self.engine.lock:
            close_deferred()

    def _answer(self, name: str, args: dict[str, Any]) -> ToolAnswer:
        spec = self.specs.get(name)
        if spec is None:
            raise BadInputError(f"unknown tool {name!r}", hint=f"valid: {', '.join(self.specs)}")
        unknown = sorted(set(args) - set(spec.schema["properties"]))
        if unknown:
            raise BadInputError(f"{name}: unknown argument {unknown[0]!r}",
                                hint="valid: " + ", ".join(spec.schema["properties"]))
        output = args.pop("format", "markdown")
        if output not in OUTPUTS:
            raise BadInputError(f"unknown format {output!r}", hint=f"valid: {', '.join(OUTPUTS)}")
        settings = self._settings({k: args.pop(k) for k in TOOL_SETTINGS if k in args})
        result = _RUNNERS.get(spec.command, _run_macro)(settings, spec.command, args)
        return _shown(result, output, args.get("limit"))

    def _settings(self, given: dict[str, Any]) -> Any:
        from cq.settings import resolve_settings

        options: dict[str, Any] = {k: v if isinstance(v, bool) else str(v)
                                   for k, v in given.items()}
        if self.root is not None:
            options["root"] = self.root
        return resolve_settings(options, env=os.environ)


def _error(message: str, code: int) -> ToolAnswer:
    return ToolAnswer(f"{message} (exit {code}: {EXIT_MEANING.get(code, 'error')})",
                      {"error": message, "exit_code": code}, error=True)


def _run_q(settings: Any, command: str, args: dict[str, Any]) -> CqResult:
    from cq.api import run_query

    return run_query(settings, args["query"], _context())


def _run_macro(settings: Any, command: str, args: dict[str, Any]) -> CqResult:
    from cq.api import macro

    return macro(settings, command, args, _context())


def _run_report(settings: Any, command: str, args: dict[str, Any]) -> CqResult:
    from cq.api import report

    filters = {o.name: args.get(o.name) for o in FILTER_OPTIONS}
    return report(settings, args["preset"], args["target"], param=args.get("param"),
                  to=args.get("to"), in_dir=args.get("in_"), filters=filters, ctx=_context())


_RUNNERS: dict[str, Callable[[Any, str, dict[str, Any]], CqResult]] = {
    "q": _run_q, "report": _run_report}


def _context() -> Any:
    from cq.runner import RunContext

    return RunContext(argv=("cq", "mcp"))


def _shown(result: CqResult, output: str, limit: Any) -> ToolAnswer:
    from cq.render import render

    notes = "".join(f"\n{n}" for n in result.run.notices)
    if output == "json":
        data = msgspec.to_builtins(result)
        return ToolAnswer(msgspec.json.encode(data).decode() + notes, data)
    top = int(limit) if isinstance(limit, int | str) and str(limit).isdigit() else DEFAULT_TOP
    return ToolAnswer(render(result, "md", top_n=top) + notes)


# ---------------------------------------------------------------------------- the server


def build_server(tools: Tools) -> Any:
    """The MCP server object (the SDK's low-level `Server`) over `tools`."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import mcp_types as types
    from mcp.server.lowlevel import Server

    # One thread runs every call and every closing: a run's stores are closed by the
    # thread that opened them (sqlite connections belong to their thread).
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cq-engine")
    listed = [types.Tool(name=s.name, description=s.description, input_schema=s.schema)
              for s in tools.specs.values()]

    async def list_tools(ctx: Any, params: Any) -> Any:
        return types.ListToolsResult(tools=listed)

    async def call_tool(ctx: Any, params: Any) -> Any:
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(
            worker, functools.partial(tools.call, params.name, params.arguments))
        worker.submit(tools.tidy)  # runs while the answer is sent
        return types.CallToolResult(content=[types.TextContent(text=answer.text)],
                                    structured_content=answer.structured,
                                    is_error=answer.error)

    async def list_resources(ctx: Any, params: Any) -> Any:
        return types.ListResourcesResult(resources=[types.Resource(
            uri=SCHEMA_URI, name="result-schema", mime_type="application/json",
            description="JSON Schema of the result every tool returns with format json")])

    async def read_resource(ctx: Any, params: Any) -> Any:
        if str(params.uri) != SCHEMA_URI:
            raise ValueError(f"unknown resource {params.uri}")
        from cq.api import schema

        text = msgspec.json.encode(schema()).decode()
        return types.ReadResourceResult(contents=[types.TextResourceContents(
            uri=SCHEMA_URI, mime_type="application/json", text=text)])

    return Server("cq", version=__version__, on_list_tools=list_tools,
                  on_call_tool=call_tool, on_list_resources=list_resources,
                  on_read_resource=read_resource)


def _memory_budget(root: str | None) -> int:
    from cq.settings import Settings, resolve_settings

    try:
        options = {"root": root} if root else {}
        return resolve_settings(options, env=os.environ).engine_memory
    except CqError:  # the first call reports the bad setting
        return Settings(root="", cache_dir="").engine_memory


def serve_stdio(root: str | None = None, *, watch: bool = True) -> int:
    """Run the MCP server on stdin/stdout until the host closes it."""
    import anyio
    from mcp.server.stdio import stdio_server

    from cq.runner import defer_closing

    engine = Engine(watch=watch, memory_bytes=_memory_budget(root)).install()
    defer_closing(True)
    server = build_server(Tools(engine, root))

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    try:
        anyio.run(main)
    finally:
        defer_closing(False)
        engine.close()
    return 0
