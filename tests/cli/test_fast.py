"""The fast `q` path parses exactly as the cyclopts app does, or steps aside."""

from __future__ import annotations

import pytest

import cq.cli.app_cyclopts as commands
from cq.cli.fast import parse_fast

SAME = [
    ["q", "entity=function"],
    ["q", "entity=function name=x", "--root", "/r"],
    ["q", "--root=/r", "entity=class", "--format", "json"],
    ["q", "x", "--no-save-artifact", "--format=summary", "-v"],
    ["q", "x", "--save-artifact", "--no-config", "--config", "c.toml"],
    ["q", "x", "--artifact-dir", "/tmp/a", "--verbose"],
]


def _capture(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict]]:
    seen: list[tuple[str, dict]] = []
    monkeypatch.setattr(commands, "run_q", lambda q, o: seen.append((q, o)) or 0)
    return seen


@pytest.mark.parametrize("args", SAME)
def test_fast_path_agrees_with_cyclopts(args: list[str], monkeypatch) -> None:
    seen = _capture(monkeypatch)
    commands.build_app()(args, exit_on_error=False, result_action="return_value")
    fast = parse_fast(args)
    assert fast is not None
    assert [(fast.query, fast.options)] == seen


@pytest.mark.parametrize(
    "args",
    [
        [], ["schema"], ["q"], ["q", "--help"], ["q", "x", "-h"], ["q", "x", "y"],
        ["q", "x", "--format", "yaml"], ["q", "x", "--bogus"], ["q", "x", "--root"],
        ["q", "x", "--root", "a", "--root", "b"], ["q", "x", "--verbose=yes"], ["q", "--", "x"],
    ],
)
def test_fast_path_steps_aside(args: list[str]) -> None:
    assert parse_fast(args) is None
