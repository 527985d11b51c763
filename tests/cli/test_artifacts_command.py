"""`cq artifacts`: list (newest first), show by run-id prefix, prune; the repository stays
clean (`.cq/.gitignore`) and each run keeps at most `artifacts-keep` artifacts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cq.cli.app import run


@pytest.fixture
def repo(make_repo, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo({"pkg/app.py": "def main():\n    return 1\n"})
    monkeypatch.setenv("HOME", str(root.parent))
    for var in ("CQ_FORMAT", "CQ_ARTIFACT_DIR", "CQ_SAVE_ARTIFACT", "XDG_CACHE_HOME",
                "CQ_ARTIFACTS_KEEP"):
        monkeypatch.delenv(var, raising=False)
    return root


def invoke(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _runs(capsys, repo: Path, count: int, *extra: str) -> list[str]:
    ids = []
    for _ in range(count):
        code, out, err = invoke(capsys, "q", "main", "--root", str(repo), "--format", "json",
                                *extra)
        assert code == 0, err
        ids.append(json.loads(out)["run"]["run_id"])
    return ids


def test_git_status_stays_clean(repo: Path, capsys) -> None:
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    _runs(capsys, repo, 1)
    status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain"],
                            capture_output=True, text=True, check=True).stdout
    assert ".cq" not in status
    assert (repo / ".cq" / ".gitignore").read_text() == "*\n"


@pytest.mark.parametrize(("flag", "env", "kept"), [
    (("--artifacts-keep", "2"), {}, 2), ((), {"CQ_ARTIFACTS_KEEP": "1"}, 1),
    (("--artifacts-keep", "0"), {}, 4)])
def test_runs_keep_the_newest(repo: Path, capsys, monkeypatch, flag, env, kept) -> None:
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    ids = _runs(capsys, repo, 4, *flag)
    names = sorted(p.name for p in (repo / ".cq" / "artifacts").iterdir())
    assert [name.rsplit("_", 1)[1].removesuffix(".json") for name in names] == ids[-kept:]


@pytest.mark.parametrize("value", ["-1", "100001", "x"])
def test_artifacts_keep_out_of_range_exits_2(repo: Path, capsys, value: str) -> None:
    code, _, err = invoke(capsys, "q", "main", "--root", str(repo), "--artifacts-keep", value)
    assert code == 2 and err.count("\n") == 1


def test_list_is_newest_first(repo: Path, capsys) -> None:
    ids = _runs(capsys, repo, 3)
    code, out, _ = invoke(capsys, "artifacts", "--root", str(repo), "--format", "json")
    assert code == 0
    rows = json.loads(out)["summary"]["artifacts"]
    assert [row["run_id"] for row in rows] == ids[::-1]
    assert {row["command"] for row in rows} == {"q"}
    assert all(row["size_bytes"] > 0 and row["time"] for row in rows)
    code, out, _ = invoke(capsys, "artifacts", "--root", str(repo))
    assert out.index(ids[2]) < out.index(ids[0])


def test_show_prints_the_saved_json(repo: Path, capsys) -> None:
    (run_id,) = _runs(capsys, repo, 1)
    code, out, err = invoke(capsys, "artifacts", "show", run_id[:23], "--root", str(repo))
    assert code == 0, err
    assert json.loads(out)["run"]["run_id"] == run_id


@pytest.mark.parametrize(("prefix", "fragment"), [("zz", "no artifact"), ("0", "artifacts have")])
def test_show_refuses_none_or_several(repo: Path, capsys, prefix: str, fragment: str) -> None:
    _runs(capsys, repo, 2)
    code, out, err = invoke(capsys, "artifacts", "show", prefix, "--root", str(repo))
    assert (code, out) == (2, "")
    assert fragment in err and err.count("\n") == 1


def test_prune_keeps_the_newest(repo: Path, capsys) -> None:
    ids = _runs(capsys, repo, 4)
    code, out, _ = invoke(capsys, "artifacts", "prune", "--keep", "1", "--root", str(repo),
                          "--format", "json")
    assert code == 0
    data = json.loads(out)["summary"]
    assert [row["run_id"] for row in data["pruned"]] == ids[-2::-1]
    assert [row["run_id"] for row in data["artifacts"]] == ids[-1:]


@pytest.mark.parametrize("args", [("prune", "--keep", "-3"), ("prune", "--keep", "1.5"),
                                  ("--format", "mermaid"), ("show", "x", "--format", "json"),
                                  ("--timeout", "3")])
def test_artifacts_refuses_what_it_does_not_use(repo: Path, capsys, args) -> None:
    code, out, err = invoke(capsys, "artifacts", *args, "--root", str(repo))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1


@pytest.mark.parametrize("args", [("cache", "--format", "mermaid"), ("index", "--format", "dot"),
                                  ("cache", "--save-artifact"), ("index", "--fail-on", "info")])
def test_admin_commands_refuse_options_they_ignore(repo: Path, capsys, args) -> None:
    code, out, err = invoke(capsys, *args, "--root", str(repo))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", [["cache"], ["index"], ["artifacts"]])
def test_a_graph_format_from_the_environment_lists_as_markdown(repo: Path, capsys, monkeypatch,
                                                               command) -> None:
    monkeypatch.setenv("CQ_FORMAT", "mermaid")
    code, out, err = invoke(capsys, *command, "--root", str(repo))
    assert code == 0, err
    assert out.startswith(f"## cq {command[0]}")
