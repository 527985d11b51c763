"""The CLI: exit codes, one-line errors, formats, artifacts, --version."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import cq.cli.app
from cq import __version__
from cq.cli.app import main, run


@pytest.fixture
def repo(make_repo, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo({"pkg/__init__.py": "", "pkg/app.py": "def main():\n    return helper()\n"
                      "\ndef helper():\n    return 1\n"})
    monkeypatch.setenv("HOME", str(root.parent))
    for var in ("CQ_FORMAT", "CQ_ARTIFACT_DIR", "CQ_SAVE_ARTIFACT", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    return root


def invoke(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_fast_path(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"cq {__version__}"


def test_json_output_and_artifact(repo: Path, capsys) -> None:
    code, out, err = invoke(capsys, "q", "entity=function name=main", "--root", str(repo),
                        "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert [f["anchor"]["line"] for f in data["key_findings"]] == [1]
    (artifact,) = data["artifacts"]
    path = Path(artifact["path"])
    assert path.parent == repo / ".cq" / "artifacts"
    assert path.name.startswith("q_") and path.name.endswith(f"_{data['run']['run_id']}.json")
    assert json.loads(path.read_text())["run"]["run_id"] == data["run"]["run_id"]


def test_two_runs_two_increasing_ids(repo: Path, capsys) -> None:
    ids = []
    for _ in range(2):
        code, out, _ = invoke(capsys, "q", "entity=function", "--root", str(repo),
                              "--format", "json")
        assert code == 0
        ids.append(json.loads(out)["run"]["run_id"])
    assert ids[0] < ids[1]
    names = sorted(p.name for p in (repo / ".cq" / "artifacts").iterdir())
    assert [name.rsplit("_", 1)[1][:-5] for name in names] == ids


def test_no_save_artifact(repo: Path, capsys) -> None:
    code, out, _ = invoke(capsys, "q", "entity=function", "--root", str(repo), "--no-save-artifact",
                      "--format", "json")
    assert code == 0
    assert json.loads(out)["artifacts"] == []
    assert not (repo / ".cq").exists()


def test_artifact_dir_option(repo: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "arts"
    code, _, _ = invoke(capsys, "q", "entity=function", "--root", str(repo), "--artifact-dir",
                    str(target))
    assert code == 0
    assert len(list(target.glob("q_*.json"))) == 1


@pytest.mark.parametrize("fmt", ["md", "both", "summary"])
def test_text_formats(repo: Path, capsys, fmt: str) -> None:
    code, out, _ = invoke(capsys, "q", "entity=function", "--root", str(repo), "--format", fmt,
                      "--no-save-artifact")
    assert code == 0
    if fmt == "summary":
        assert len(out.strip().splitlines()) == 1
    else:
        assert "pkg/app.py:1" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["q", "entity=function colour=red"], "unknown key 'colour'"),
        (["q", "entity=function name=~("], "invalid regex"),
        (["q", "entity=function in=../elsewhere"], "out of the root"),
        (["q", "entity=function in=nope"], "does not exist"),
        (["q", "entity=function expand=everything"], "unknown expander"),
    ],
)
def test_bad_input_exits_2_with_one_line(repo: Path, capsys, args, fragment) -> None:
    code, out, err = invoke(capsys, *args, "--root", str(repo))
    assert code == 2
    assert out == ""
    assert fragment in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_root_that_is_a_file_exits_2(repo: Path, capsys) -> None:
    code, _, err = invoke(capsys, "q", "entity=function", "--root", str(repo / "pkg" / "app.py"))
    assert code == 2
    assert "not a directory" in err


def test_unknown_option_value_exits_2(repo: Path, capsys) -> None:
    code, _, _ = invoke(capsys, "q", "entity=function", "--root", str(repo), "--format", "yaml")
    assert code == 2


@pytest.mark.parametrize(("args", "near", "listed"), [
    (("hazrds",), '"hazards"', "Available commands"),
    (("q", "x", "--format", "jsn"), '"json"', "Choose from"),
    (("q", "entity=fucntion"), "entity=function", "entity=function|class"),
    (("hazards", "--severity", "eror"), "--severity error", "valid:"),
])
def test_a_misspelling_gets_the_nearest_spelling_not_the_list(repo: Path, capsys, args, near,
                                                              listed) -> None:
    code, _, err = invoke(capsys, *args, "--root", str(repo))
    assert code == 2 and near in err and listed not in err and len(err.splitlines()) == 1


def test_internal_error_is_one_line_without_verbose(repo: Path, capsys, monkeypatch) -> None:
    import cq.api

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(cq.runner, "discover_files", boom)
    code, _, err = invoke(capsys, "q", "entity=function", "--root", str(repo))
    assert code == 1
    assert "kaboom" in err and "Traceback" not in err
    code, _, err = invoke(capsys, "q", "entity=function", "--root", str(repo), "-v")
    assert code == 1 and "Traceback" in err


def test_explicit_flag_beats_environment(repo: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CQ_FORMAT", "json")
    code, out, _ = invoke(capsys, "q", "entity=function", "--root", str(repo), "--format", "md",
                      "--no-save-artifact")
    assert code == 0 and out.startswith("## cq q")


def test_no_python_files_is_success(make_repo, capsys, monkeypatch) -> None:
    root = make_repo({"README.md": "hello\n"})
    monkeypatch.setenv("HOME", str(root.parent))
    code, out, _ = invoke(capsys, "q", "entity=function", "--root", str(root), "--no-save-artifact",
                      "--format", "json")
    assert code == 0
    assert json.loads(out)["key_findings"] == []


def test_schema_command(capsys) -> None:
    code, out, _ = invoke(capsys, "schema")
    assert code == 0
    assert "CqResult" in json.loads(out)["$defs"]


def test_q_help_lists_every_key_with_an_example(capsys) -> None:
    from cq.query.keys import KEYS

    code, out, _ = invoke(capsys, "q", "--help")
    assert code == 0
    for spec in KEYS.values():
        assert spec.name in out


def test_python_dash_m_and_console_script(repo: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "cq", "q", "entity=function name=helper",
                           "--root", str(repo), "--format", "summary", "--no-save-artifact"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "1 definition" in proc.stdout


@pytest.mark.parametrize("args", [["bogus"], ["q", "x", "y"], ["cache", "--colour"]])
def test_usage_errors_are_one_line(repo: Path, capsys, args) -> None:
    code, out, err = invoke(capsys, *args, "--root", str(repo))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("cq: error:")


def test_version_imports_no_cache_module() -> None:
    import subprocess
    import sys

    code = ("import sys; from cq.cli.app import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "loaded = sorted(m for m in sys.modules if m.startswith(('cq.cache', 'sqlite3')))\n"
            "assert not loaded, loaded")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_cache_errors_exit_4_with_one_line(repo: Path, tmp_path: Path, capsys) -> None:
    cache = tmp_path / "shared-cache"
    cache.mkdir()
    cache.chmod(0o1777)
    code, out, err = invoke(capsys, "cache", "--clear", "--root", str(repo), "--cache-dir",
                            str(cache))
    assert code == 4 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("cq: error: ") and f"chmod go-w {cache}" in err


def test_msgspec_is_imported_without_typing_extensions_which_stays_importable() -> None:
    import subprocess
    import sys

    code = ("import sys; from cq.cli.app import import_msgspec_lean; import_msgspec_lean(); "
            "assert 'typing_extensions' not in sys.modules; "
            "import msgspec; from cq.result import CqResult, result_json_schema; "
            "assert result_json_schema()['$ref']; "
            "import typing_extensions; assert typing_extensions.Literal")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("query", [
    "entity=function limit=100000000000000000000000",
    "entity=function expand=callers(depth=9223372036854775808)",
    "pattern='$X' nthChild=99999999999999999999n+1",
    "entity=function decorator_count_min=" + "9" * 5000,
])
def test_huge_numbers_in_a_query_exit_2_with_one_line(repo: Path, capsys, query: str) -> None:
    code, out, err = invoke(capsys, "q", query, "--root", str(repo))
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "must be a whole number in" in err


@pytest.mark.parametrize(("signum", "code", "said"), [
    pytest.param(signal.SIGINT, 130, "cq: interrupted", id="SIGINT"),
    pytest.param(signal.SIGTERM, 143, "cq: terminated", id="SIGTERM"),
    pytest.param(signal.SIGHUP, 129, "cq: hangup", id="SIGHUP"),
])
def test_a_stopping_signal_unwinds_like_ctrl_c(capsys, monkeypatch, signum: int, code: int,
                                               said: str) -> None:
    unwound: list[bool] = []
    escaped: list[int] = []

    def dispatch(args: list[str]) -> int:
        try:
            signal.raise_signal(signum)
            return 0
        finally:
            unwound.append(True)  # locks are released in such finally blocks

    def fallback(received: int, frame: object) -> None:
        escaped.append(received)  # run() did not handle it (and pytest survives)

    monkeypatch.setattr(cq.cli.app, "_dispatch", dispatch)
    stopping = (signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, fallback) for s in stopping}
    # Ctrl-C as in a terminal, even when the suite was started with SIGINT ignored
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert run(["q", "x"]) == code
        assert [signal.getsignal(s) for s in stopping] == [fallback, fallback]  # restored
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    assert unwound == [True] and escaped == []
    assert capsys.readouterr().err.splitlines() == [said]


@pytest.mark.parametrize("args", [
    pytest.param(["--version"], id="version"),
    pytest.param(["q", "entity=function name=main", "--format", "md"], id="markdown"),
    pytest.param(["q", "entity=function", "--format", "json"], id="json"),
    pytest.param(["calls", "helper", "--format", "both"], id="macro-both"),
    pytest.param(["schema"], id="schema"),
    pytest.param(["q", "--help"], id="help"),
])
def test_a_closed_stdout_ends_the_run_quietly(repo: Path, args: list[str]) -> None:
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # before the child starts: every write it makes fails
    flags = ["--root", str(repo), "--no-save-artifact", "--no-cache"] \
        if args[0] in ("q", "calls") else []
    try:
        proc = subprocess.run([sys.executable, "-m", "cq", *args, *flags], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert proc.returncode in (0, 141), proc.stderr
    assert proc.stderr == ""
