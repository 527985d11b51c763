"""SARIF 2.1.0: every finding of a result as a static-analysis log for CI (code scanning).

One run per result. The tool driver is `cq` with its version; its rules are the finding
categories that occur (`cq.findings.CATEGORIES`: description and default level), and for
hazards one rule per hazard id, `hazard/<id>` (a sub-rule of the category). Each finding is a
result: `ruleId`, `level` from its severity (`info` is SARIF's `note`), the message, and a
location in the root-relative file (`uriBaseId` ROOT, the root in `originalUriBaseIds`) whose
region is 1-based in lines and columns (cq's columns are 0-based code points, its end column
exclusive, as SARIF's). `partialFingerprints["cqFindingHash/v1"]` digests the rule, file,
message and the finding's rank among equal ones in that file, not its line, so it stays the
same across runs and when code above it moves. `automationDetails.id` names the run
(`cq/<command>/<run_id>`), and the one invocation carries the argv, the times, the notices
and the exit status `--fail-on` decides (`summary.fail_on`).

Nothing is cut (`top_n` is ignored); the text is deterministic for a given result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

import msgspec

from cq.details import HazardDetails
from cq.digests import digest
from cq.errors import EXIT_FINDINGS
from cq.findings import CATEGORIES
from cq.result import Anchor, CqResult, Finding, failing_findings

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
FINGERPRINT = "cqFindingHash/v1"
ROOT_BASE = "ROOT"
_RUN_SUMMARY = ("query", "headline", "partial", "fail_on", "filtered")  # → run properties
LEVELS = {"error": "error", "warning": "warning", "info": "note"}  # cq severity → SARIF level


def render_sarif(result: CqResult, *, top_n: int = 10) -> str:
    """The result as a SARIF 2.1.0 log (JSON, indent 2)."""
    del top_n  # a log for machines carries everything
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [sarif_run(result)]}
    return msgspec.json.format(msgspec.json.encode(log), indent=2).decode()


def sarif_run(result: CqResult) -> dict[str, Any]:
    findings = list(_listed(result))
    rules = _rules(f for f, _ in findings)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    driver = {"name": "cq", "version": result.run.toolchain.get("cq", "unknown"),
              "rules": rules}
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        # No `guid`: the schema's GUID pattern admits UUID versions 1-5, and run ids are v7.
        "automationDetails": {"id": f"cq/{result.run.macro}/{result.run.run_id}"},
        "invocations": [_invocation(result)],
        "columnKind": "unicodeCodePoints",
        "results": _results(findings, index),
        "properties": _run_properties(result),
    }
    if result.run.root.startswith("/"):
        run["originalUriBaseIds"] = {ROOT_BASE: {"uri": _root_uri(result.run.root)}}
    return run


def _listed(result: CqResult) -> list[tuple[Finding, str]]:
    """Every finding with the list it comes from: key findings, a section's kind, evidence."""
    found = [(f, "key_findings") for f in result.key_findings]
    found += [(f, section.kind) for section in result.sections for f in section.findings]
    return found + [(f, "evidence") for f in result.evidence]


# --- rules -----------------------------------------------------------------------------------


def rule_id(finding: Finding) -> str:
    details = finding.details
    if isinstance(details, HazardDetails):
        return f"hazard/{details.id}"
    return finding.category


def _rules(findings: Any) -> list[dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for finding in findings:
        rid = rule_id(finding)
        if rid not in rules:
            rules[rid] = _rule(rid, finding)
    return [rules[rid] for rid in sorted(rules)]


def _rule(rid: str, finding: Finding) -> dict[str, Any]:
    category = CATEGORIES[finding.category]
    details = finding.details
    if isinstance(details, HazardDetails):  # a hazard's message is its rule's
        return {"id": rid, "name": details.id,
                "shortDescription": {"text": finding.message},
                "fullDescription": {"text": f"{category.description}: {finding.message}"},
                "defaultConfiguration": {"level": LEVELS.get(details.severity, "warning")},
                "properties": {"category": finding.category,
                               "hazard_category": details.category,
                               "confidence": details.confidence}}
    return {"id": rid, "name": rid,
            "shortDescription": {"text": category.description},
            "defaultConfiguration": {"level": LEVELS.get(category.severity, "note")},
            "properties": {"category": finding.category}}


# --- results ---------------------------------------------------------------------------------


def _results(findings: list[tuple[Finding, str]], index: dict[str, int]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str, str], int] = {}
    results = []
    for finding, listed in findings:
        rid = rule_id(finding)
        file = finding.anchor.file if finding.anchor else ""
        key = (rid, file, finding.message)
        rank = seen[key] = seen.get(key, -1) + 1
        results.append(_result(finding, listed, rid, index[rid], _fingerprint(key, rank)))
    return results


def _result(finding: Finding, listed: str, rid: str, rule_index: int,
            fingerprint: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": rid, "ruleIndex": rule_index,
        "level": LEVELS.get(finding.severity, "note"),
        "message": {"text": finding.message or finding.category},
    }
    if finding.anchor is not None:
        out["locations"] = [{"physicalLocation": _physical(finding.anchor)}]
    out["partialFingerprints"] = {FINGERPRINT: fingerprint}
    properties: dict[str, Any] = {"category": finding.category, "list": listed,
                                  "details": msgspec.to_builtins(finding.details)}
    if finding.score is not None:
        properties["score"] = msgspec.to_builtins(finding.score)
    out["properties"] = properties
    return out


def _physical(anchor: Anchor) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": max(anchor.line, 1), "startColumn": anchor.col + 1}
    if anchor.end_line is not None and anchor.end_line >= anchor.line:
        region["endLine"] = anchor.end_line
        if anchor.end_col is not None and (anchor.end_line > anchor.line
                                           or anchor.end_col >= anchor.col):
            region["endColumn"] = anchor.end_col + 1
    return {"artifactLocation": {"uri": quote(anchor.file), "uriBaseId": ROOT_BASE},
            "region": region}


def _fingerprint(key: tuple[str, str, str], rank: int) -> str:
    """Stable across runs: what is reported where, not the line it is on."""
    return digest(msgspec.json.encode([*key, rank]))


# --- the run ---------------------------------------------------------------------------------


def _invocation(result: CqResult) -> dict[str, Any]:
    run = result.run
    status = EXIT_FINDINGS if failing_findings(result) else 0
    invocation: dict[str, Any] = {"executionSuccessful": True, "exitCode": status,
                                  "arguments": list(run.argv[1:])}
    start, end = _utc(run.started_ms), _utc(run.started_ms + run.elapsed_ms)
    if start and end:
        invocation.update(startTimeUtc=start, endTimeUtc=end)
    if run.notices:
        invocation["toolExecutionNotifications"] = [
            {"level": "warning", "message": {"text": notice}} for notice in run.notices]
    return invocation


def _utc(ms: float) -> str | None:
    """An ISO 8601 UTC time to the millisecond; None outside what a datetime holds."""
    try:
        moment = datetime.fromtimestamp(round(ms) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _run_properties(result: CqResult) -> dict[str, Any]:
    summary = result.summary
    kept: dict[str, Any] = {key: summary[key] for key in _RUN_SUMMARY if key in summary}
    return {"command": result.run.macro, "run_id": result.run.run_id, **kept}


def _root_uri(root: str) -> str:
    uri = PurePosixPath(root).as_uri()
    return uri if uri.endswith("/") else uri + "/"
