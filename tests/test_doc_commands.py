"""Every command line the docs show runs on the sample repositories (`tests/repos/`):
README.md, docs/architecture.md and docs/hazards.md (docs/cli.md is generated from `--help`),
and each key example of `cq q --help`. A command fails the test when it exits with an error,
or when it answers nothing although the text promises an answer.

Each command runs on the repository named for it in REPO_OF (by a piece of its text), else on
DEFAULT_REPO. A command that needs a repository the samples do not have is listed in
ELSEWHERE with the one it needs; a synopsis (alternatives with `|`, a `"..."` placeholder)
is not a command and is skipped by shape.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
from pathlib import Path

import pytest

from conftest import copy_sample
from cq.cli.app import run
from cq.query.keys import KEYS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "docs/architecture.md", "docs/hazards.md")
DEFAULT_REPO = "sample_app"

# A piece of the command's text → the sample repository it is shown to answer on.
REPO_OF: dict[str, str] = {
    "name=join": "callgraph", "cq q join": "callgraph", "name=Config": "toolbox",
    "name=~^test_": "toolbox", "eval(": "patterns", "getattr(": "patterns",
    "class Handler": "inventory", "subprocess.run": "patterns", "scope=closure": "toolbox",
    "raises=class:ValueError": "toolbox", "calls Model.save": "receivers",
    "transfer": "callgraph", "Account.deposit": "callgraph", "imports --cycles": "cycles",
    "hazards --category security": "toolbox", "name=open": "inventory",
}
# Commands whose answer needs a repository the samples do not have.
ELSEWHERE: dict[str, str] = {
    "cq calls get_object_or_404": "Django's source (benchmarks' corpus)",
    "cq artifacts show": "a run id of the reader's own artifacts",
}
# Commands that administer the caches and artifacts: they succeed and list no findings.
NO_FINDINGS = ("cq cache", "cq index", "cq artifacts")
ADMIN = ("cache", "index", "artifacts")  # they take no --save-artifact option
# Flags the docs show that the test replaces: a placeholder root, output to a file.
PLACEHOLDER_ROOT = "/path/to/repo"


def doc_commands() -> list[pytest.ParameterSet]:
    found = []
    for doc in DOCS:
        for number, line in enumerate((ROOT / doc).read_text().splitlines(), 1):
            match = re.match(r"^ {4}(?:uv run )?(cq\s.*)$", line)
            if match and not _synopsis(match.group(1)):
                found.append(pytest.param(match.group(1), id=f"{doc}:{number}"))
    return found


def _synopsis(command: str) -> bool:
    return " | " in command or '"..."' in command


def _args(command: str) -> list[str]:
    """The command's arguments as a shell would pass them: comments, a redirect and a
    placeholder root left out; `\\$` in double quotes is `$`."""
    args = [arg.replace("\\$", "$") for arg in shlex.split(command, comments=True)][1:]
    if ">" in args:
        args = args[: args.index(">")]
    if "--root" in args and args[args.index("--root") + 1] == PLACEHOLDER_ROOT:
        at = args.index("--root")
        args = args[:at] + args[at + 2:]
    return args


def _repo_for(command: str) -> str:
    return next((repo for piece, repo in REPO_OF.items() if piece in command), DEFAULT_REPO)


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    where = tmp_path_factory.mktemp("doc-repos")
    names = {DEFAULT_REPO, *REPO_OF.values()}
    return {name: copy_sample(where, name) for name in names}


def _cq(args: list[str], root: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        quiet = [] if args[0] in ADMIN else ["--no-save-artifact"]
        code = run([*args, "--root", str(root), *quiet])
    return code, out.getvalue(), err.getvalue()


def _findings(args: list[str], root: Path) -> int:
    without_format = [a for i, a in enumerate(args)
                      if a != "--format" and (i == 0 or args[i - 1] != "--format")]
    code, out, err = _cq([*without_format, "--format", "json"], root)
    assert code in (0, 3), err
    result = json.loads(out)
    return len(result["key_findings"]) + sum(len(s["findings"]) for s in result["sections"])


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CQ_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize("command", doc_commands())
def test_every_command_in_the_docs_runs_and_answers(command: str, repos) -> None:
    elsewhere = next((repo for start, repo in ELSEWHERE.items() if command.startswith(start)),
                     None)
    if elsewhere is not None:
        pytest.skip(f"needs {elsewhere}")
    args, root = _args(command), repos[_repo_for(command)]
    code, _, err = _cq(args, root)
    expected = (0, 3) if "--fail-on" in args else (0,)
    assert code in expected, err
    if args[0] == "q" and "--help" in args:
        return
    if any(command.startswith(prefix) for prefix in NO_FINDINGS):
        return
    assert _findings(args, root) > 0, f"{command!r} answered nothing on {root.name}"


# Keys whose example needs another key beside it, and the entity a join applies to.
COMPANIONS = {"pattern.selector": KEYS["pattern.context"].example,
              "pattern.context": KEYS["pattern.selector"].example}
ENTITY_FOR = {"defines": "class", "exports": "module", "subclass_of": "class"}


def help_queries() -> list[pytest.ParameterSet]:
    found = []
    for name, spec in KEYS.items():
        if not spec.supported:
            continue
        base = name.split(".", 1)[0]
        parts = [spec.example]
        if name in COMPANIONS:
            parts.append(COMPANIONS[name])
        elif base != name and base in KEYS:
            parts.append(KEYS[base].example)
        if spec.shape == "pattern" and not name.startswith("pattern"):
            parts.insert(0, "pattern='$X($$$)'")
        elif spec.shape != "pattern" and name != "entity":
            parts.insert(0, f"entity={ENTITY_FOR.get(name, 'function')}")
        found.append(pytest.param(" ".join(parts), id=name))
    return found


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize("query", help_queries())
def test_every_key_example_of_q_help_runs(query: str, repos) -> None:
    code, _, err = _cq(["q", query], repos[DEFAULT_REPO])
    assert code == 0, err


def test_the_docs_show_commands() -> None:
    assert len(doc_commands()) > 30
