"""End to end: every regex a user gives cq (`name=~`, join names, `--include ~`, `$X=~`) runs
in linear time, and one RE2 cannot run is refused in one stderr line with exit code 2.

Each run is a subprocess with a generous timeout: a backtracking engine would take years on
these inputs, so the timeout only guards the suite; the assertions are on the answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PLANTED = "a" * 3000 + "b"  # `(a+)+$` backtracks exponentially on it in Python's `re`
SOURCE = f"""\
def {PLANTED}():
    helper_one()


def tail_a():
    helper_two()


def helper_one():
    pass


def helper_two():
    pass


{PLANTED}()
tail_a()
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("regex") / "repo"
    (root / "keep").mkdir(parents=True)
    (root / "planted.py").write_text(SOURCE)
    (root / ("a" * 200 + ".py")).write_text("helper_one()\n")
    (root / "keep" / "x.py").write_text("helper_one()\n")
    return root


def cq(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cq", *args, "--root", str(root),
                           "--no-save-artifact", "--no-cache", "--format", "json"],
                          capture_output=True, text=True, timeout=60,
                          env={"HOME": str(root.parent), "PATH": "/usr/bin:/bin"})


def names(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)["key_findings"]
    return sorted(f["details"].get("name") or f["details"]["module"] for f in findings)


@pytest.mark.parametrize(("query", "expected"), [
    pytest.param("entity=function name=~(a+)+$", ["tail_a"], id="name"),
    pytest.param("entity=callsite name=~(a+)+$", ["tail_a"], id="callsite"),
    pytest.param("entity=function used_by=function:~(a+)+$", ["helper_two"], id="join"),
    pytest.param("entity=module defines=function:~(a+)+$", ["planted"], id="defines"),
])
def test_catastrophic_regex_in_a_query_answers(repo: Path, query: str, expected: list[str]
                                               ) -> None:
    assert names(cq(repo, "q", query)) == expected


def test_catastrophic_regex_in_a_result_filter_answers(repo: Path) -> None:
    proc = cq(repo, "calls", "helper_one", "--include", "~(a+)+$,~^keep/")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    findings = [*result["key_findings"], *(f for s in result["sections"] for f in s["findings"])]
    kept = {f["anchor"]["file"] for f in findings if f["category"] == "call_site"}
    assert kept == {"keep/x.py"}
    assert result["summary"]["filtered"]["removed"] >= 2  # planted.py and the long a…a.py


@pytest.mark.parametrize(("args", "fragment"), [
    pytest.param(("q", "entity=function name=~(?=a)"), "in name=", id="name-look-ahead"),
    pytest.param(("q", "entity=callsite name=~(a)\\1"), "in name=", id="callsite-backreference"),
    pytest.param(("q", "entity=function used_by=function:~(?<!x)y"), "in used_by=",
                 id="join-look-behind"),
    pytest.param(("calls", "helper_one", "--include", "~(?!keep)"), "in --include",
                 id="include-look-ahead"),
    pytest.param(("calls", "helper_one", "--exclude", "~(a)\\1"), "in --exclude",
                 id="exclude-backreference"),
    pytest.param(("q", "pattern='helper_one($X)' $X=~(?=a)"), "look-around",
                 id="metavariable-look-ahead"),
    pytest.param(("q", "pattern='helper_one($X)' $X=!~(a)\\1"), "backreferences",
                 id="metavariable-backreference"),
])
def test_unsupported_regex_is_one_line_exit_2(repo: Path, args: tuple[str, ...],
                                              fragment: str) -> None:
    proc = cq(repo, *args)
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("cq: error: invalid regex") and fragment in line
    assert "backreferences are not supported" in line  # the hint
