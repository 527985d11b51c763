"""The fast path parses exactly as the cyclopts app does, or steps aside."""

from __future__ import annotations

import pytest

import cq.cli.app_cyclopts as cyclopts_app
from cq.cli.fast import hoist_global_flags, parse_fast
from cq.errors import BadInputError

SAME_Q = [
    ["q", "entity=function"],
    ["q", "entity=function name=x", "--root", "/r"],
    ["q", "--root=/r", "entity=class", "--format", "json"],
    ["q", "x", "--no-save-artifact", "--format=summary", "-v"],
    ["q", "x", "--save-artifact", "--no-config", "--config", "c.toml"],
    ["q", "x", "--artifact-dir", "/tmp/a", "--verbose"],
    ["q", "x", "--cache-query-shards", "4", "--cache-query-ttl=1e400"],  # checked by settings
    ["q", "x", "--quiet", "--progress", "--artifacts-keep", "5"],
    ["q", "x", "--confidence", "high", "--include=src/**", "--include-possible"],
]

SAME_MACROS = [
    ["hazards"],
    ["hazards", "--category", "security", "--root", "/r"],
    ["hazards", "--severity=error,warning", "--in", "src", "--format", "json"],
    ["hazards", "--no-cache", "--category=design"],
    ["hazards", "--include", "src/*.py", "--limit", "3", "--impact=high,med"],
    ["hazards", "--limit", "1.9"],  # passed on as text: the runner refuses it either way
    ["hazards", "--no-progress", "--quiet"],
]
# Global options before the command, as both front doors receive them (cq.cli.fast).
BEFORE = [
    ["--root", "/r", "q", "x"],
    ["--format=json", "-v", "--no-cache", "hazards", "--in", "src"],
    ["--progress", "q", "--", "-x"],  # a query that starts with a dash
]


def _capture(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    seen: list[tuple] = []
    monkeypatch.setattr(cyclopts_app, "run_q",
                        lambda q, o, f: seen.append(("q", q, o, _given(f))) or 0)
    monkeypatch.setattr(cyclopts_app, "run_macro",
                        lambda n, a, o: seen.append((n, _typed(a), o)) or 0)
    return seen


def _given(filters: dict) -> dict:
    return {k: v for k, v in filters.items() if v is not None}


def _typed(args: dict) -> dict:
    """The fast path passes option values as typed; the macro runner converts them, so
    compare as text."""
    return {k: str(v) for k, v in args.items()}


def _fast_call(args: list[str]) -> tuple:
    fast = parse_fast(args)
    assert fast is not None
    if fast.command == "q":
        return ("q", fast.query, fast.options, fast.own)
    from cq.cli.app import _macro_args

    return (fast.command, _typed(_macro_args(fast.command, fast.query, fast.own)), fast.options)


@pytest.mark.parametrize("args", SAME_Q + SAME_MACROS)
def test_fast_path_agrees_with_cyclopts(args: list[str], monkeypatch) -> None:
    seen = _capture(monkeypatch)
    cyclopts_app.build_app()(args, exit_on_error=False, result_action="return_value")
    assert [_fast_call(args)] == seen


@pytest.mark.parametrize(
    "args",
    [
        [], ["schema"], ["q"], ["q", "--help"], ["q", "x", "-h"], ["q", "x", "y"],
        ["q", "x", "--format", "yaml"], ["q", "x", "--bogus"], ["q", "x", "--root"],
        ["q", "x", "--root", "a", "--root", "b"], ["q", "x", "--verbose=yes"], ["q", "--", "x"],
        ["hazards", "--category"], ["hazards", "--help"],
        ["hazards", "--in", "a", "--in", "b"], ["q", "x", "--category", "security"],
    ],
)
def test_fast_path_steps_aside(args: list[str]) -> None:
    assert parse_fast(args) is None


@pytest.mark.parametrize(("args", "message"), [
    (["hazards", "extra"], "hazards takes --in PATH"),
    (["calls", "f", "src/"], "calls takes --in PATH"),
])
def test_a_stray_positional_is_named_as_in(args: list[str], message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_fast(args)


@pytest.mark.parametrize("args", BEFORE)
def test_options_before_the_command_reach_both_front_doors_alike(args: list[str],
                                                                  monkeypatch) -> None:
    hoisted = hoist_global_flags(args)
    assert hoisted[0] in ("q", "hazards")
    seen = _capture(monkeypatch)
    cyclopts_app.build_app()(hoisted, exit_on_error=False, result_action="return_value")
    fast = parse_fast(hoisted)
    assert fast is None or [_fast_call(hoisted)] == seen
    assert seen and seen[0][2]  # the global options arrived (q: then its filters)
