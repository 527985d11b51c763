"""`cq report`: every preset end to end on the committed sample repository
`tests/repos/callgraph`, steps tagged, skipped steps with their reasons."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from conftest import copy_sample, repo_settings
from cq.api import RunContext, report
from cq.cli.app import run
from cq.errors import BadInputError
from cq.macros import get_macro
from cq.report import PRESETS, STEPS, parse_target
from cq.result import CqResult, result_to_json


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("report"), "callgraph")


def _report(root: Path, preset: str, target: str, **kwargs) -> CqResult:
    return report(repo_settings(root), preset, target, ctx=RunContext(argv=("cq", "report")),
                  **kwargs)


def _status(result: CqResult) -> dict[str, str]:
    return {row["step"]: row["status"] for row in result.summary["steps"]}


FULL = {"param": "amount", "to": "transfer(src, dst, amount, /, *args, **kwargs)"}

CASES = [
    ("refactor-impact", "function:transfer", FULL,
     dict.fromkeys(PRESETS["refactor-impact"], "ran")),
    ("refactor-impact", "function:transfer", {},
     {"calls": "ran", "impact": "skipped", "sig-impact": "skipped", "imports": "ran",
      "exceptions": "ran", "side-effects": "ran"}),
    ("safety-reliability", "module:ledger.transfers", {},
     dict.fromkeys(PRESETS["safety-reliability"], "ran")),
    ("change-propagation", "function:convert", {"param": "amount"},
     dict.fromkeys(PRESETS["change-propagation"], "ran")),
    ("change-propagation", "module:ledger.money", {},
     {"impact": "skipped", "calls": "skipped", "bytecode-surface": "ran", "scopes": "ran"}),
    ("dependency-health", "module:ledger.money", {},
     dict.fromkeys(PRESETS["dependency-health"], "ran")),
    ("dependency-health", "file:src/ledger/money.py", {},
     dict.fromkeys(PRESETS["dependency-health"], "ran")),
]


@pytest.mark.parametrize(("preset", "target", "options", "expected"), CASES)
def test_every_preset_runs_end_to_end(repo: Path, preset, target, options, expected) -> None:
    result = _report(repo, preset, target, **options)
    assert _status(result) == expected
    ran = {step for step, status in expected.items() if status == "ran"}
    tagged = {f.details.step for s in result.sections for f in s.findings}
    assert tagged <= ran
    for section in result.sections:
        step = section.kind.split(".")[0]
        assert step in ran and section.title.startswith(f"{step}: ")
        assert all(f.details.step == step for f in section.findings)
    for row in result.summary["steps"]:
        assert (row["status"] == "ran") == ("reason" not in row)
        if row["status"] == "ran":  # every headline count is one the macro reports
            summary = result.summary["step_summaries"][row["step"]]
            assert {key for key, _, _ in get_macro(row["macro"]).headline} <= set(summary)


def test_skipped_steps_say_why(repo: Path) -> None:
    result = _report(repo, "refactor-impact", "function:transfer")
    reasons = {r["step"]: r.get("reason") for r in result.summary["steps"]}
    assert reasons["impact"] == "impact needs --param"
    assert reasons["sig-impact"] == "sig-impact needs --to"
    assert "impact skipped: impact needs --param" in result.summary["notes"]


def test_a_step_that_rejects_its_input_fails_alone(repo: Path) -> None:
    result = _report(repo, "refactor-impact", "function:transfer", param="no_such_param")
    rows = {r["step"]: r for r in result.summary["steps"]}
    assert rows["impact"]["status"] == "failed" and "no_such_param" in rows["impact"]["reason"]
    assert rows["calls"]["status"] == "ran"


def test_findings_carry_scores_and_a_second_report_hits_the_cache(repo: Path) -> None:
    first = _report(repo, "safety-reliability", "module:ledger.transfers")
    second = _report(repo, "safety-reliability", "module:ledger.transfers")
    assert {r["cache"] for r in second.summary["steps"]} == {"hit"}  # empty answers too
    assert first.sections == second.sections
    assert all(f.score is not None for s in first.sections for f in s.findings)
    assert first.run.run_id != second.run.run_id


def test_filters_apply_to_the_bundle(repo: Path) -> None:
    whole = _report(repo, "refactor-impact", "function:transfer", **FULL)
    narrowed = _report(repo, "refactor-impact", "function:transfer", **FULL,
                       filters={"include": "tests/", "limit": 1})
    assert all(len(s.findings) <= 1 for s in narrowed.sections)
    assert all(f.anchor is None or f.anchor.file.startswith("tests/")
               for s in narrowed.sections for f in s.findings)
    assert sum(len(s.findings) for s in narrowed.sections) < sum(
        len(s.findings) for s in whole.sections)


@pytest.mark.parametrize(("text", "message"), [
    ("transfer", "bad --target"), ("lambda:x", "bad --target"), ("function:", "bad --target"),
    ("function:a b", "bad --target name"), ("module:1x", "bad --target name"),
])
def test_bad_targets(text: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_target(text)


def test_every_preset_step_is_a_known_step() -> None:
    assert {step for steps in PRESETS.values() for step in steps} <= set(STEPS)


def test_cli_report_and_bad_input(repo: Path, capsys) -> None:
    base = ["--root", str(repo), "--no-save-artifact", "--cache-dir", str(repo.parent / "c")]
    code = run(["report", "dependency-health", "--target", "module:ledger.money",
                "--format", "json", *base])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["run"]["macro"] == "report"
    assert [r["step"] for r in payload["summary"]["steps"]] == list(
        PRESETS["dependency-health"])
    assert run(["report", "nope", "--target", "function:x", *base]) == 2
    assert "unknown report preset" in capsys.readouterr().err
    assert run(["report", "dependency-health", "--target", "x", *base]) == 2


@pytest.mark.parametrize(("preset", "options", "message"), [
    ("safety-reliability", {"param": "amount"}, "--param is not used by the safety-reliability"),
    ("dependency-health", {"to": "f(a)"}, "--to is not used by the dependency-health"),
    ("change-propagation", {"to": "f(a)"}, "--to is not used by the change-propagation"),
    ("refactor-impact", {"in_dir": "no/such/dir"}, "no/such/dir"),
    ("refactor-impact", {"in_dir": ""}, "--in needs a value"),
    ("refactor-impact", {"param": " "}, "--param needs a value"),
    ("refactor-impact", {"filters": {"limit": "1.9"}},
     "--limit must be a whole number in 0..1000000"),
])
def test_options_no_step_reads_or_a_bad_scope_are_refused(repo: Path, preset, options,
                                                          message) -> None:
    with pytest.raises(BadInputError, match=message):
        _report(repo, preset, "function:transfer", **options)


@pytest.mark.parametrize("target", ["file:src/ledger/transfers.py", "module:ledger.transfers"])
def test_a_file_or_module_target_scopes_the_file_level_steps(repo: Path, target: str) -> None:
    result = _report(repo, "safety-reliability", target)
    assert _status(result) == dict.fromkeys(PRESETS["safety-reliability"], "ran")
    files = {f.anchor.file for s in result.sections for f in s.findings if f.anchor}
    assert files == {"src/ledger/transfers.py"}
    assert all(r["query"].endswith("--in src/ledger/transfers.py")
               for r in result.summary["steps"])


def test_a_symbol_target_narrows_exceptions_to_it(repo: Path) -> None:
    result = _report(repo, "safety-reliability", "class:Account")
    rows = {r["step"]: r for r in result.summary["steps"]}
    assert rows["exceptions"]["query"] == "exceptions --function Account"


def test_a_missing_file_target_is_bad_input(repo: Path) -> None:
    with pytest.raises(BadInputError, match="no/such.py"):
        _report(repo, "safety-reliability", "file:no/such.py")


def test_the_calls_step_counts_its_tiers(tmp_path: Path) -> None:
    root = copy_sample(tmp_path, "receivers")
    result = _report(root, "refactor-impact", "function:Model.save")
    (row,) = [r for r in result.summary["steps"] if r["step"] == "calls"]
    assert row["headline"].startswith("5 call sites · 4 resolved · 1 possible · 2 excluded")
    assert any(note.startswith("calls: ") and "4 resolved · 1 possible" in note
               for note in result.summary["notes"])
    calls = result.summary["step_summaries"]["calls"]
    assert [r["line"] for r in calls["excluded_sites"]] == [60, 66]


def test_the_artifact_stores_each_finding_once_compactly(repo: Path, tmp_path: Path) -> None:
    settings = msgspec.structs.replace(repo_settings(repo), save_artifact=True,
                                       artifact_dir=str(tmp_path))
    result = report(settings, "refactor-impact", "function:transfer", **FULL)
    (path,) = tmp_path.iterdir()
    text = path.read_text()
    assert text.count("\n") == 1  # no indentation: it made a large artifact half again as big
    saved = json.loads(text)
    findings = [json.dumps(f, sort_keys=True) for s in saved["sections"] for f in s["findings"]]
    findings += [json.dumps(f, sort_keys=True) for f in saved["key_findings"]]
    assert findings and len(findings) == len(set(findings))
    assert len(findings) == sum(len(s.findings) for s in result.sections) + len(
        result.key_findings)
    assert len(text) < 1.01 * len(result_to_json(result, indent=0))


def test_a_symbol_target_scopes_imports_and_file_steps_to_its_module(repo: Path) -> None:
    result = _report(repo, "refactor-impact", "function:transfer")
    rows = {r["step"]: r for r in result.summary["steps"]}
    assert rows["imports"]["query"] == "imports --module ledger.transfers"
    assert rows["side-effects"]["query"] == "side-effects --in src/ledger/transfers.py"
    safety = _report(repo, "safety-reliability", "function:transfer")
    assert {r["step"]: r["query"] for r in safety.summary["steps"]}["hazards"] == (
        "hazards --in src/ledger/transfers.py")


def test_a_symbol_defined_nowhere_skips_the_steps_that_need_its_file(repo: Path) -> None:
    result = _report(repo, "refactor-impact", "function:no_such_function")
    rows = {r["step"]: r for r in result.summary["steps"]}
    assert rows["imports"]["status"] == "skipped" and rows["side-effects"]["status"] == "skipped"
    assert "no function no_such_function defined in scope" in rows["imports"]["reason"]


def test_report_times_each_step_and_v_prints_them(repo: Path, capsys) -> None:
    result = _report(repo, "refactor-impact", "function:transfer")
    assert set(result.run.stages_ms) == {"calls", "imports", "exceptions", "side-effects"}
    run(["report", "refactor-impact", "--target", "function:transfer", "-v", "--root", str(repo),
         "--no-save-artifact"])
    assert "cq: timings: calls " in capsys.readouterr().err
