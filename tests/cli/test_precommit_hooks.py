"""`.pre-commit-hooks.yaml`: the hook runs `cq hazards --fail-on error`, and that command line
fails a commit exactly when an error-severity hazard is in the repository."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from cq.errors import EXIT_FINDINGS

HOOKS = Path(__file__).parents[2] / ".pre-commit-hooks.yaml"


def _hook() -> dict[str, str]:
    """The one hook's keys (the file is a flat list of one mapping, read without PyYAML)."""
    fields: dict[str, str] = {}
    for line in HOOKS.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, _, value = line.lstrip("- ").partition(":")
        fields[key.strip()] = value.strip()
    return fields


def test_the_hook_declares_cq_hazards_fail_on_error() -> None:
    hook = _hook()
    assert hook["id"] == "cq-hazards"
    assert hook["entry"] == "cq hazards --fail-on error"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] == "false"


@pytest.mark.parametrize(("source", "code"), [
    ("def run(text):\n    return eval(text)\n", EXIT_FINDINGS),
    ("def run(name, obj):\n    return getattr(obj, name)\n", 0),  # an info hazard passes
])
def test_the_entry_fails_only_on_errors(run_cli, make_repo, monkeypatch, source: str,
                                        code: int) -> None:
    monkeypatch.delenv("CQ_FAIL_ON", raising=False)
    repo = make_repo({"app.py": source})
    program, *args = shlex.split(_hook()["entry"])
    assert program == "cq"
    assert run_cli(repo, *args)[0] == code
