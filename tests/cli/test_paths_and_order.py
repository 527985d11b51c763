"""Options and paths as people type them: global options before the command, path arguments
relative to the working directory inside the root, and a stray path named as `--in`'s."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cq.cli.app import run
from cq.cli.fast import hoist_global_flags

FILES = {
    "pkg/__init__.py": "",
    "pkg/utils/__init__.py": "",
    "pkg/utils/functional.py": "def compose(f):\n    def inner(x):\n        return f(x)\n"
                               "    return inner\n",
    "pkg/utils/text.py": "import os\n\nHOME = os.environ.get('HOME')\n\ndef shout(s):\n"
                         "    return s.upper()\n",
    "pkg/core.py": "from pkg.utils.text import shout\n\ndef main():\n    return shout('x')\n",
    "top.py": "def shout(s):\n    return s\n",
}


@pytest.fixture
def repo(make_repo, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(FILES)
    (root / ".git").mkdir()  # the root is found from any directory below it
    monkeypatch.setenv("HOME", str(root.parent))
    for var in ("CQ_FORMAT", "CQ_ARTIFACT_DIR", "CQ_SAVE_ARTIFACT", "XDG_CACHE_HOME", "CQ_ROOT"):
        monkeypatch.delenv(var, raising=False)
    return root


def invoke(capsys, *args: str) -> tuple[int, dict, str]:
    code = run([*args, "--no-save-artifact", "--format", "json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else {}), err


def _files(data: dict) -> set[str]:
    return {f["anchor"]["file"] for f in data["key_findings"] if f.get("anchor")} | {
        f["anchor"]["file"] for s in data["sections"] for f in s["findings"] if f.get("anchor")}


# -- global options before the command -------------------------------------------------------


@pytest.mark.parametrize(("args", "expected"), [
    (["--root", "R", "q", "x"], ["q", "x", "--root", "R"]),
    (["--root=R", "-v", "calls", "f", "--", "g"], ["calls", "f", "--root=R", "-v", "--", "g"]),
    (["--no-cache", "artifacts", "show", "1"], ["artifacts", "show", "1", "--no-cache"]),
    (["--help"], ["--help"]),
    (["--bogus", "q", "x"], ["--bogus", "q", "x"]),
    (["--root"], ["--root"]),
    (["q", "x", "--root", "R"], ["q", "x", "--root", "R"]),
])
def test_hoisting(args: list[str], expected: list[str]) -> None:
    assert hoist_global_flags(args) == expected


@pytest.mark.parametrize("command", [
    ["q", "entity=function name=shout"],  # the fast path
    ["calls", "shout"],  # the fast path, a macro
    ["report", "refactor-impact", "--target", "function:shout"],  # cyclopts
])
def test_global_options_before_the_command(repo: Path, tmp_path: Path, capsys,
                                           command: list[str]) -> None:
    cache = str(tmp_path / "c")
    code, before, err = invoke(capsys, "--root", str(repo), "--cache-dir", cache, *command)
    assert code == 0, err
    code, after, err = invoke(capsys, *command, "--root", str(repo), "--cache-dir", cache)
    assert code == 0, err
    assert before["run"]["root"] == str(repo) and before["summary"]["query"] == after[
        "summary"]["query"]
    hits = {step["cache"]["status"] for step in after["summary"].get("step_summaries", {}
                                                                      ).values()}
    assert hits == {"hit"} if command[0] == "report" else after["summary"]["cache"][
        "status"] == "hit"


def test_cache_and_artifacts_take_global_options_first(repo: Path, tmp_path: Path,
                                                       capsys) -> None:
    assert run(["--root", str(repo), "--cache-dir", str(tmp_path / "c"), "cache"]) == 0
    capsys.readouterr()
    assert run(["--root", str(repo), "--format", "json", "artifacts"]) == 0
    assert json.loads(capsys.readouterr().out)["run"]["macro"] == "artifacts"


# -- paths relative to the working directory --------------------------------------------------


@pytest.mark.parametrize(("where", "args", "files"), [
    ("pkg/utils", ["scopes", "functional.py"], {"pkg/utils/functional.py"}),
    ("pkg/utils", ["scopes", "."], {"pkg/utils/functional.py", "pkg/utils/text.py"}),
    ("pkg/utils", ["scopes", ".."], {"pkg/utils/functional.py", "pkg/utils/text.py",
                                     "pkg/core.py"}),
    ("pkg/utils", ["q", "in=. entity=function name=shout"], {"pkg/utils/text.py"}),
    ("pkg/utils", ["q", "in=../.. entity=function name=shout"], {"pkg/utils/text.py", "top.py"}),
    ("pkg", ["calls", "shout", "--in", "."], {"pkg/core.py", "pkg/utils/text.py"}),
    ("pkg/utils", ["side-effects", "--in", "text.py"], {"pkg/utils/text.py"}),
    ("pkg/utils", ["side-effects", "--in", "..", "--include", "text.py"], {"pkg/utils/text.py"}),
    ("pkg", ["bytecode-surface", "utils/text.py"], {"pkg/utils/text.py"}),
    ("pkg/utils", ["report", "dependency-health", "--target", "file:text.py"],
     {"pkg/utils/text.py"}),
    ("", ["scopes", "pkg/utils/functional.py"], {"pkg/utils/functional.py"}),
])
def test_paths_are_relative_to_the_working_directory(repo: Path, tmp_path: Path, capsys,
                                                      monkeypatch, where, args, files) -> None:
    monkeypatch.chdir(repo / where)
    code, data, err = invoke(capsys, *args, "--cache-dir", str(tmp_path / "c"))
    assert code == 0, err
    assert _files(data) and _files(data) <= files | {"pkg/utils/__init__.py",
                                                    "pkg/__init__.py"}


def test_one_question_from_two_directories_shares_a_cache_entry(repo: Path, tmp_path: Path,
                                                                capsys, monkeypatch) -> None:
    cache = str(tmp_path / "c")
    monkeypatch.chdir(repo / "pkg" / "utils")
    code, here, _ = invoke(capsys, "q", "in=. entity=function", "--cache-dir", cache)
    monkeypatch.chdir(repo)
    code, there, _ = invoke(capsys, "q", "in=pkg/utils entity=function", "--cache-dir", cache)
    assert code == 0 and there["summary"]["cache"]["status"] == "hit"
    assert here["summary"]["cache"]["key"] == there["summary"]["cache"]["key"]
    monkeypatch.chdir(repo / "pkg")
    code, again, _ = invoke(capsys, "calls", "shout", "--in", ".", "--cache-dir", cache)
    monkeypatch.chdir(repo)
    code, root, _ = invoke(capsys, "calls", "shout", "--in", "pkg", "--cache-dir", cache)
    assert root["summary"]["cache"]["status"] == "hit"


@pytest.mark.parametrize("args", [
    ["q", "in=../../.. entity=function"], ["side-effects", "--in", "../../.."],
    ["scopes", "../../../x.py"], ["report", "dependency-health", "--target", "file:../../../x"],
    ["report", "dependency-health", "--target", "module:pkg", "--in", "../../.."],
])
def test_a_path_outside_the_root_is_one_line_exit_2(repo: Path, capsys, monkeypatch,
                                                     args) -> None:
    monkeypatch.chdir(repo / "pkg" / "utils")
    code, _, err = invoke(capsys, *args)
    assert code == 2
    assert err.count("\n") == 1 and "outside the root" in err


def test_outside_the_root_paths_stay_root_relative(repo: Path, tmp_path: Path, capsys,
                                                   monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, data, err = invoke(capsys, "scopes", "pkg/utils/functional.py", "--root", str(repo))
    assert code == 0, err
    assert _files(data) == {"pkg/utils/functional.py"}


# -- a path where an option is expected --------------------------------------------------------


@pytest.mark.parametrize(("args", "line"), [
    (["side-effects", "src/"], "cq: error: side-effects takes --in PATH (unexpected argument "
                               "'src/')"),
    (["calls", "f", "pkg/"], "cq: error: calls takes --in PATH (unexpected argument 'pkg/')"),
    (["side-effects", "--in", "pkg", "--in", "pkg", "src/"], "Parameter --in specified multiple "
                                                              "times"),
    (["report", "refactor-impact", "pkg/", "--target", "function:f"],
     "cq: error: report takes --in PATH (unexpected argument 'pkg/')"),
])
def test_a_stray_path_names_the_option(repo: Path, capsys, monkeypatch, args, line) -> None:
    monkeypatch.chdir(repo)
    code = run(args)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and line in err


@pytest.mark.parametrize("args", [["artifacts", "bogus"], ["cache", "x"], ["q", "x", "y"]])
def test_commands_without_in_keep_the_parser_message(repo: Path, capsys, monkeypatch,
                                                     args) -> None:
    monkeypatch.chdir(repo)
    assert run(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--in PATH" not in err
