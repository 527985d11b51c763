"""The result schema: CqResult and its parts (DESIGN §5).

Every command returns one `CqResult`. Its structs are frozen msgspec structs so a result
round-trips through JSON (artifacts, `--format json`) and msgpack (the query cache) unchanged.
This module owns the shapes and the JSON encoding; what goes into them belongs to the query
engine and macros, how they look on screen to `cq.render`.

Layout of a result:
- `key_findings`: the answer itself (the definitions an entity query found, the matches of a
  pattern, ...), each finding once;
- `sections`: further groups of findings (an expander's callers, a macro's per-kind lists);
- `evidence`: supporting findings not already listed above;
- `summary`: counts and notes as plain JSON values (see `Summary keys` below).

Summary keys used across commands: `query` (the canonical request text), `matches` (number of
key findings before `limit=`), `files_in_scope`, `files_scanned`, `files_with_matches`,
`truncated` (True when `limit=` cut the answer), `notes` (list of one-line remarks),
`headline` (a macro's one-line answer in counts, shown first), `filtered` (what the result
filters removed), `fail_on` (`{severity, findings}`: the `--fail-on` verdict on what they kept),
`cache` and `cache_stats` (owned by the cache layer).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import msgspec

from cq.details import (
    BytecodeDetails,
    CallEdgeDetails,
    CallSiteDetails,
    CatchDetails,
    DefinitionDetails,
    Details,
    FileIssueDetails,
    HazardDetails,
    ImportCycleDetails,
    ImportDetails,
    ModuleDetails,
    PatternMatchDetails,
    RaiseDetails,
    ScopeDetails,
    SideEffectDetails,
    SigSiteDetails,
    TaintSiteDetails,
)

SCHEMA_VERSION = "3"  # 2: typed details, one shape per finding category; 3: call tiers


class Anchor(msgspec.Struct, frozen=True, kw_only=True):
    """Where a finding points: a root-relative POSIX path, 1-based line, 0-based column."""

    file: str
    line: int
    col: int = 0
    end_line: int | None = None
    end_col: int | None = None


class Score(msgspec.Struct, frozen=True, kw_only=True):
    impact: float
    impact_bucket: str
    confidence: float
    confidence_bucket: str


class FindingBase(msgspec.Struct, frozen=True, kw_only=True, tag_field="category"):
    """One fact a command reports. Each category (`cq.findings.CATEGORIES`) is a subclass
    whose `details` is that category's struct (`cq.details`); JSON names the category in
    the `category` field, which selects the shape."""

    message: str
    anchor: Anchor | None = None
    severity: str = "info"
    details: Details = Details()
    score: Score | None = None

    @property
    def category(self) -> str:
        return str(type(self).__struct_config__.tag)


class DefinitionFinding(FindingBase, frozen=True, kw_only=True, tag="definition"):
    details: DefinitionDetails


class DecoratorFinding(FindingBase, frozen=True, kw_only=True, tag="decorator"):
    details: DefinitionDetails


class ModuleFinding(FindingBase, frozen=True, kw_only=True, tag="module"):
    details: ModuleDetails


class CallSiteFinding(FindingBase, frozen=True, kw_only=True, tag="call_site"):
    details: CallSiteDetails


class ImportFinding(FindingBase, frozen=True, kw_only=True, tag="import"):
    details: ImportDetails


class CallerFinding(FindingBase, frozen=True, kw_only=True, tag="caller"):
    details: CallEdgeDetails


class CalleeFinding(FindingBase, frozen=True, kw_only=True, tag="callee"):
    details: CallEdgeDetails


class PatternMatchFinding(FindingBase, frozen=True, kw_only=True, tag="pattern_match"):
    details: PatternMatchDetails


class HazardFinding(FindingBase, frozen=True, kw_only=True, tag="hazard"):
    details: HazardDetails


class TaintSiteFinding(FindingBase, frozen=True, kw_only=True, tag="taint_site"):
    details: TaintSiteDetails


class SigSiteFinding(FindingBase, frozen=True, kw_only=True, tag="sig_site"):
    details: SigSiteDetails


class RaiseFinding(FindingBase, frozen=True, kw_only=True, tag="raise"):
    details: RaiseDetails


class CatchFinding(FindingBase, frozen=True, kw_only=True, tag="catch"):
    details: CatchDetails


class SideEffectFinding(FindingBase, frozen=True, kw_only=True, tag="side_effect"):
    details: SideEffectDetails


class ScopeFinding(FindingBase, frozen=True, kw_only=True, tag="scope"):
    details: ScopeDetails


class BytecodeFinding(FindingBase, frozen=True, kw_only=True, tag="bytecode_surface"):
    details: BytecodeDetails


class ImportCycleFinding(FindingBase, frozen=True, kw_only=True, tag="import_cycle"):
    details: ImportCycleDetails


class FileIssueFinding(FindingBase, frozen=True, kw_only=True, tag="file_issue"):
    details: FileIssueDetails


# A finding of any category: what results hold and commands return.
Finding = (DefinitionFinding | DecoratorFinding | ModuleFinding | CallSiteFinding
              | ImportFinding | CallerFinding | CalleeFinding | PatternMatchFinding
              | HazardFinding | TaintSiteFinding | SigSiteFinding | RaiseFinding
              | CatchFinding | SideEffectFinding | ScopeFinding | BytecodeFinding
              | ImportCycleFinding | FileIssueFinding)
FINDING_TYPES: dict[str, type[FindingBase]] = {
    str(cls.__struct_config__.tag): cls for cls in Finding.__args__}


class Section(msgspec.Struct, frozen=True, kw_only=True):
    """A titled group of findings; `kind` is a stable machine name (e.g. `callers`)."""

    title: str
    kind: str
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()


class CfgBlock(msgspec.Struct, frozen=True):
    """A basic block; `kind` is entry, block or exit; `lines` are (line, source text)."""

    kind: str
    lines: tuple[tuple[int, str], ...]


class CfgEdge(msgspec.Struct, frozen=True):
    source: int  # block positions
    target: int
    label: str


class ControlFlow(msgspec.Struct, frozen=True, kw_only=True):
    """The control-flow graph of the answer's first function (`--format mermaid-cfg`), or
    `reason` why there is none to draw."""

    file: str | None = None
    line: int | None = None
    qualname: str | None = None
    blocks: tuple[CfgBlock, ...] = ()
    edges: tuple[CfgEdge, ...] = ()
    reason: str | None = None


class Artifact(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    format: str = "json"


class RunMeta(msgspec.Struct, frozen=True, kw_only=True):
    """Metadata of one invocation; minted fresh for every run, cached answer or not.
    `stages_ms` times each pipeline stage; `notices` are one-line remarks for stderr (a
    disabled cache, an old cache layout)."""

    macro: str
    argv: tuple[str, ...]
    root: str
    started_ms: int
    elapsed_ms: float
    toolchain: dict[str, str]
    schema_version: str = SCHEMA_VERSION
    run_id: str
    stages_ms: dict[str, float] = msgspec.field(default_factory=dict)
    notices: tuple[str, ...] = ()


class CqResult(msgspec.Struct, frozen=True, kw_only=True):
    run: RunMeta
    summary: dict[str, Any] = msgspec.field(default_factory=dict)
    key_findings: tuple[Finding, ...] = ()
    sections: tuple[Section, ...] = ()
    evidence: tuple[Finding, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    cfg: ControlFlow | None = None  # computed for --format mermaid-cfg only, never cached


def all_findings(result: CqResult) -> Iterator[Finding]:
    """Key findings, then each section's findings, then evidence."""
    yield from result.key_findings
    for section in result.sections:
        yield from section.findings
    yield from result.evidence


def failing_findings(result: CqResult) -> int:
    """How many findings `--fail-on` counted at or above its severity (`summary.fail_on`,
    recorded by `cq.resultfilter.judge_fail_on`); 0 when no threshold was given."""
    verdict = result.summary.get("fail_on")
    return int(verdict.get("findings", 0)) if isinstance(verdict, dict) else 0


def finding_order(finding: Finding) -> tuple[str, int, int, int, int, str, str]:
    """The order findings are listed in: by file and position (an enclosing span before the
    spans inside it), then category and message; unanchored findings first."""
    anchor = finding.anchor
    if anchor is None:
        return ("", 0, 0, 0, 0, finding.category, finding.message)
    return (anchor.file, anchor.line, anchor.col, -(anchor.end_line or 0),
            -(anchor.end_col or 0), finding.category, finding.message)


_ENCODER = msgspec.json.Encoder(order="sorted")


def result_to_json(result: CqResult, indent: int = 2) -> str:
    """Deterministic JSON: keys sorted at every level, so equal results give equal text."""
    return result_json_bytes(result, indent).decode()


def result_json_bytes(result: CqResult, indent: int = 2) -> bytes:
    """`result_to_json` as UTF-8 bytes, made without a text copy (a large result's JSON is
    tens of megabytes: each copy shows in the run's peak memory)."""
    raw = _ENCODER.encode(result)
    return msgspec.json.format(raw, indent=indent) if indent else raw


def result_json_chunks(result: CqResult, indent: int = 2) -> Iterator[bytes]:
    """`result_json_bytes` in pieces whose concatenation is the same bytes: the result
    without its findings is encoded once, and the findings of each list are encoded a batch
    at a time into the holes it leaves. A writer of a large answer (stdout, an artifact)
    holds one batch at a time instead of the whole text and its formatted copy."""
    holes: list[tuple[Finding, ...]] = []
    nonce = os.urandom(8).hex()  # unguessable: no string in the result can fake a hole

    def hole(findings: tuple[Finding, ...]) -> tuple[Any, ...]:
        if not findings:
            return ()  # encoded as `[]`, exactly as the full encoding writes it
        holes.append(findings)
        return (f"cq-hole-{nonce}-{len(holes) - 1}",)

    skeleton = msgspec.structs.replace(
        result, key_findings=hole(result.key_findings), evidence=hole(result.evidence),
        sections=tuple(msgspec.structs.replace(section, findings=hole(section.findings))
                       for section in result.sections))
    text = result_json_bytes(skeleton, indent)
    done = 0
    for match in re.finditer(rb'"cq-hole-' + nonce.encode() + rb'-(\d+)"', text):
        start, outer = match.start(), b""
        if indent:  # the hole's line is rewritten whole, its indentation included
            start = text.rindex(b"\n", 0, start) + 1
            outer = b" " * (match.start() - start - indent)
        yield text[done:start]
        yield from _finding_chunks(holes[int(match.group(1))], indent, outer)
        done = match.end()
    yield text[done:]


FINDINGS_PER_CHUNK = 256


def _finding_chunks(findings: tuple[Finding, ...], indent: int,
                    outer: bytes) -> Iterator[bytes]:
    """The findings as the members of an array whose own line is indented by `outer`: each
    batch is encoded (and formatted) as an array of its own, brackets cut off."""
    for start in range(0, len(findings), FINDINGS_PER_CHUNK):
        raw = _ENCODER.encode(findings[start:start + FINDINGS_PER_CHUNK])
        if indent:
            body = msgspec.json.format(raw, indent=indent)[2:-2]  # `[\n` ... `\n]`
            body = outer + body.replace(b"\n", b"\n" + outer) if outer else body
        else:
            body = raw[1:-1]
        yield body if start == 0 else (b",\n" if indent else b",") + body


def result_from_json(text: str | bytes) -> CqResult:
    return msgspec.json.decode(text, type=CqResult)


def result_json_schema() -> dict[str, Any]:
    """The JSON Schema of `CqResult` (what `cq schema` prints): a finding is `oneOf` the
    category shapes, selected by its `category`."""
    return _one_of(msgspec.json.schema(CqResult))


def _one_of(node: Any) -> Any:
    """msgspec writes a tagged union as `anyOf` with a discriminator; exactly one shape
    matches a finding, which JSON Schema says with `oneOf`."""
    if isinstance(node, dict):
        fixed = {key: _one_of(value) for key, value in node.items()}
        if "discriminator" in fixed and "anyOf" in fixed:
            fixed["oneOf"] = fixed.pop("anyOf")
        return fixed
    if isinstance(node, list):
        return [_one_of(item) for item in node]
    return node
