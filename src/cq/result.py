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
filters removed),
`cache` and `cache_stats` (owned by the cache layer).
"""

from __future__ import annotations

from typing import Any

import msgspec

SCHEMA_VERSION = "1"


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


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One fact a command reports. `category` is from `cq.findings.CATEGORIES`."""

    category: str
    message: str
    anchor: Anchor | None = None
    severity: str = "info"
    details: dict[str, Any] = msgspec.field(default_factory=dict)
    score: Score | None = None


class Section(msgspec.Struct, frozen=True, kw_only=True):
    """A titled group of findings; `kind` is a stable machine name (e.g. `callers`)."""

    title: str
    kind: str
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()


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


_ENCODER = msgspec.json.Encoder(order="sorted")


def result_to_json(result: CqResult, indent: int = 2) -> str:
    """Deterministic JSON: keys sorted at every level, so equal results give equal text."""
    raw = _ENCODER.encode(result)
    return msgspec.json.format(raw, indent=indent).decode() if indent else raw.decode()


def result_from_json(text: str | bytes) -> CqResult:
    return msgspec.json.decode(text, type=CqResult)


def result_json_schema() -> dict[str, Any]:
    """The JSON Schema of `CqResult` (what `cq schema` prints)."""
    return msgspec.json.schema(CqResult)
