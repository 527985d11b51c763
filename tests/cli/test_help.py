"""Help that reads well: every page fits 80 columns without a terminal (the q key table
wrapped in its cells), values named by what they are (INT, PATH, TARGET), and no option a
command would ignore."""

from __future__ import annotations

import pytest

from cq.cli.app import run
from cq.macros import MACRO_MODULES
from cq.query.keys import KEYS

COMMANDS = [["q"], ["cache"], ["index"], ["artifacts"], ["artifacts", "show"],
            ["artifacts", "prune"], ["report"], ["schema"], *([m] for m in MACRO_MODULES)]


def _help(capsys, monkeypatch, *command: str) -> str:
    monkeypatch.setenv("COLUMNS", "80")
    assert run([*command, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_fits_80_columns_without_a_terminal(capsys, monkeypatch, command) -> None:
    text = _help(capsys, monkeypatch, *command)
    assert text.startswith("Usage: cq")
    too_wide = [line for line in text.splitlines() if len(line) > 80]
    assert too_wide == []


def test_the_key_table_wraps_within_its_cells(capsys, monkeypatch) -> None:
    text = _help(capsys, monkeypatch, "q")
    table = text.split("Keys:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    for spec in KEYS.values():
        if spec.supported:
            assert any(line.startswith(f"  {spec.example}") for line in table), spec.name
    # A wrapped meaning continues under its own column, never at the left margin.
    assert all(line.startswith("  ") for line in table)


@pytest.mark.parametrize("name", ["calls", "impact", "sig-impact"])
def test_the_argument_is_target_as_in_the_docs(capsys, monkeypatch, name: str) -> None:
    text = _help(capsys, monkeypatch, name)
    assert f"cq {name} [OPTIONS] TARGET" in text
    assert "FUNC" not in text


@pytest.mark.parametrize("command", [["calls"], ["hazards"], ["report"]])
def test_numbers_and_paths_are_named_as_such(capsys, monkeypatch, command) -> None:
    text = _help(capsys, monkeypatch, *command)
    for shown in ("--limit INT", "--in PATH", "--include GLOBS", "--root PATH",
                  "--timeout NUMBER", "--artifacts-keep INT"):
        assert shown in text


@pytest.mark.parametrize(("command", "absent"), [
    (["cache"], ("mermaid", "sarif", "--save-artifact", "--timeout", "--fail-on CHOICE",
                 "--no-stats", "[default: False]")),
    (["index"], ("mermaid", "--artifact-dir", "--no-rebuild")),
    (["artifacts"], ("mermaid", "--cache-dir", "--timeout")),
    (["artifacts", "show"], ("--format", "--cache-dir")),
])
def test_no_option_a_command_ignores(capsys, monkeypatch, command, absent) -> None:
    text = _help(capsys, monkeypatch, *command)
    assert [word for word in absent if word in text] == []
