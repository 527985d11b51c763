"""`cq mcp` driven by the MCP SDK's own client over stdio: the tools and their schemas, a call
of each, errors as tool errors with the CLI's message and exit status, the schema resource,
and an edit between two calls."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from cq.macros import MACRO_MODULES
from cq.mcp_server import tool_specs

CALLS: dict[str, dict[str, Any]] = {
    "q": {"query": "entity=function name=main"},
    "calls": {"target": "helper"},
    "impact": {"target": "helper", "param": "x"},
    "sig_impact": {"target": "helper", "to": "helper(x, y=0)"},
    "imports": {"cycles": True},
    "exceptions": {},
    "side_effects": {},
    "scopes": {"target": "helper"},
    "bytecode_surface": {"target": "helper"},
    "hazards": {},
    "report": {"preset": "refactor-impact", "target": "function:helper"},
}


def test_one_tool_per_command() -> None:
    names = {spec.name for spec in tool_specs()}
    assert names == {"q", "report", *(m.replace("-", "_") for m in MACRO_MODULES)}
    assert names == set(CALLS)


def test_schemas_come_from_the_option_tables() -> None:
    specs = {spec.name: spec.schema for spec in tool_specs()}
    assert specs["calls"]["required"] == ["target"]
    limit = specs["calls"]["properties"]["limit"]
    assert limit["type"] == "integer" and limit["minimum"] == 0
    assert specs["imports"]["properties"]["cycles"]["type"] == "boolean"
    assert specs["q"]["properties"]["timeout"]["type"] == "number"
    assert all("Examples:" in spec.description for spec in tool_specs())


async def _session(repo: Path, home: Path, steps: Any) -> Any:
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "cq", "mcp", "--root", str(repo)],
        env={"HOME": str(home), "PATH": os.environ.get("PATH", "")}, cwd=str(repo))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        return await steps(session, repo)


def _text(result: Any) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


async def _record(session: Any, repo: Path) -> dict[str, Any]:
    seen: dict[str, Any] = {"tools": await session.list_tools()}
    for name, args in CALLS.items():
        seen[name] = await session.call_tool(name, args)
    seen["bad_query"] = await session.call_tool("q", {"query": "entity=bogus"})
    seen["bad_arg"] = await session.call_tool("calls", {"target": "x", "nope": 1})
    seen["json"] = await session.call_tool("q", {"query": "helper", "format": "json"})
    seen["schema"] = await session.read_resource("cq://schema")
    (repo / "added.py").write_text("def helper_two():\n    pass\n")
    seen["after_edit"] = await session.call_tool("q", {"query": "entity=function "
                                                                "name=helper_two"})
    return seen


@pytest.fixture(scope="module")
def session_log(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    where = tmp_path_factory.mktemp("mcp")
    repo = where / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("def helper(x):\n    return x\n\n\n"
                                 "def main():\n    return helper(1)\n")
    return anyio.run(_session, repo, where, _record)


def test_lists_every_tool(session_log: dict[str, Any]) -> None:
    assert {t.name for t in session_log["tools"].tools} == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_tool_answers_in_markdown(session_log: dict[str, Any], name: str) -> None:
    result = session_log[name]
    assert not result.is_error, _text(result)
    assert _text(result).startswith("## cq ")


def test_a_bad_query_is_a_tool_error_with_the_cli_line(session_log: dict[str, Any]) -> None:
    result = session_log["bad_query"]
    assert result.is_error
    assert _text(result).startswith("cq: error: unknown entity 'bogus'")
    assert "(exit 2: bad input)" in _text(result)


def test_an_unknown_argument_is_refused(session_log: dict[str, Any]) -> None:
    assert session_log["bad_arg"].is_error
    assert "exit 2" in _text(session_log["bad_arg"])


def test_json_is_structured_content(session_log: dict[str, Any]) -> None:
    data = session_log["json"].structured_content
    assert data["run"]["macro"] == "q" and data["key_findings"]


def test_the_result_schema_is_a_resource(session_log: dict[str, Any]) -> None:
    assert '"CqResult"' in session_log["schema"].contents[0].text


def test_an_edit_between_two_calls_is_seen(session_log: dict[str, Any]) -> None:
    assert "added.py" in _text(session_log["after_edit"])


