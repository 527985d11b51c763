"""`--fail-on SEVERITY`: exit 3 when a finding at or above it remains after the result filters,
for `q`, every macro and `report`; from the flag, the environment or a config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cq.errors import EXIT_FINDINGS


@pytest.fixture
def repo(make_repo, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CQ_FAIL_ON", raising=False)
    return make_repo({"pkg/__init__.py": "",
                      "pkg/app.py": "def main(text):\n    return eval(text)\n\n"
                                    "def build(src):\n    return compile(src, 'f', 'exec')\n"})


@pytest.mark.parametrize(("args", "code"), [
    (("hazards", "--fail-on", "error"), EXIT_FINDINGS),
    (("hazards", "--fail-on", "warning"), EXIT_FINDINGS),
    (("hazards", "--fail-on", "error", "--severity", "warning"), 0),  # filtered away first
    (("hazards", "--fail-on", "error", "--exclude", "pkg/app.py"), 0),
    (("hazards", "--fail-on", "never"), 0),
    (("hazards",), 0),
    (("q", "entity=function name=main", "--fail-on", "info"), EXIT_FINDINGS),
    (("q", "entity=function name=main", "--fail-on", "warning"), 0),
    (("calls", "eval", "--fail-on", "info"), EXIT_FINDINGS),
    (("calls", "eval", "--fail-on", "warning"), 0),
    (("report", "safety-reliability", "--target", "module:pkg.app", "--fail-on", "error"),
     EXIT_FINDINGS),
    (("report", "safety-reliability", "--target", "module:pkg.app", "--fail-on", "error",
      "--severity", "info"), 0),
])
def test_exit_status(run_cli, repo: Path, args: tuple[str, ...], code: int) -> None:
    status, out, err = run_cli(repo, *args)
    assert status == code, err
    assert out  # the answer is printed either way
    if code == EXIT_FINDINGS:
        threshold = args[args.index("--fail-on") + 1]
        assert err.strip().splitlines()[-1].endswith(f"(--fail-on {threshold})")


def test_the_verdict_is_in_the_json_result(run_cli, repo: Path) -> None:
    import json

    status, out, _ = run_cli(repo, "hazards", "--fail-on", "warning", "--format", "json")
    assert status == EXIT_FINDINGS
    assert json.loads(out)["summary"]["fail_on"] == {"severity": "warning", "findings": 2}


def test_from_the_environment_and_the_config_file(run_cli, repo: Path, monkeypatch) -> None:
    (repo / ".cq.toml").write_text('fail-on = "error"\n')
    assert run_cli(repo, "hazards")[0] == EXIT_FINDINGS
    monkeypatch.setenv("CQ_FAIL_ON", "never")  # the environment beats the file
    assert run_cli(repo, "hazards")[0] == 0
    assert run_cli(repo, "hazards", "--fail-on", "warning")[0] == EXIT_FINDINGS


@pytest.mark.parametrize("value", ["fatal", "ERROR", ""])
def test_an_unknown_severity_exits_2(run_cli, repo: Path, value: str) -> None:
    status, _, err = run_cli(repo, "hazards", "--fail-on", value)
    assert status == 2
    assert len(err.strip().splitlines()) == 1


def test_the_sarif_log_carries_the_exit_status(run_cli, repo: Path) -> None:
    import json

    status, out, _ = run_cli(repo, "hazards", "--fail-on", "error", "--format", "sarif")
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert status == invocation["exitCode"] == EXIT_FINDINGS
    status, out, _ = run_cli(repo, "hazards", "--format", "sarif")
    assert status == json.loads(out)["runs"][0]["invocations"][0]["exitCode"] == 0
