"""Results for renderer tests: small builders, one representative result, hypothesis strategies."""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import strategies as st

from conftest import build_finding
from cq.details import HANDLER_KINDS
from cq.findings import CATEGORIES
from cq.result import Anchor, Artifact, CqResult, Finding, RunMeta, Score, Section
from cq.vocabulary import SEVERITIES

RUN_ID = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"


def run_meta(**overrides: Any) -> RunMeta:
    fields: dict[str, Any] = {
        "macro": "q", "argv": ("q", "entity=function name=main"), "root": "/repo",
        "started_ms": 1_700_000_000_000, "elapsed_ms": 420.4,
        "toolchain": {"cq": "0.1.0", "python": "3.11.7"}, "run_id": RUN_ID,
    }
    return RunMeta(**{**fields, **overrides})


def finding(file: str | None = "src/app.py", line: int = 1, message: str = "function main",
            **fields: Any) -> Finding:
    anchor = Anchor(file=file, line=line) if file is not None else None
    return build_finding(fields.pop("category", "definition"), message, anchor, **fields)


def findings(count: int, file: str = "src/app.py") -> tuple[Finding, ...]:
    return tuple(finding(file, line, f"function f{line}") for line in range(1, count + 1))


def result(run: RunMeta | None = None, **fields: Any) -> CqResult:
    return CqResult(run=run or run_meta(), **fields)


def replace(value: Any, **changes: Any) -> Any:
    return msgspec.structs.replace(value, **changes)


def sample_result() -> CqResult:
    """A representative entity query with an expander section, evidence and an artifact."""
    defs = (
        finding("src/app/cli.py", 12, "function main",
                details={"kind": "function", "name": "main", "qualname": "main",
                         "module": "app.cli", "signature": "(argv=None)"}),
        finding("src/app/cli.py", 40, "method Runner.main",
                details={"kind": "method", "name": "main", "qualname": "Runner.main",
                         "module": "app.cli", "signature": "(self)"}),
        finding("tools/run.py", 3, "function main",
                details={"kind": "function", "name": "main", "qualname": "tools.run.main",
                         "module": "", "signature": "(*args, **kwargs)"}),
    )
    callers = tuple(
        finding(f"tests/{name}.py", line, f"{name} calls main", category="caller",
                details={"caller": name, "callee": "main"})
        for name, line in (("test_cli", 8), ("test_e2e", 21), ("test_smoke", 5))
    )
    hazard = finding("src/app/cli.py", 14, "eval() of a value built at runtime",
                     category="hazard", severity="warning",
                     details={"id": "eval", "category": "security", "severity": "warning",
                              "confidence": "high", "text": "eval(expr)"})
    return result(
        summary={
            "query": "entity=function name=main expand=callers",
            "matches": 3, "files_with_matches": 2, "files_in_scope": 1790, "files_scanned": 3,
            "notes": ["name=main matched 3 definitions in 2 files"],
            "cache": {"status": "hit", "key": "q:abc123", "age_s": 12.3},
            "cache_stats": {"files_indexed": 1790, "files_rescanned": 3, "hits": 41,
                            "misses": 2, "entries": 57, "size_bytes": 1_234_567},
        },
        key_findings=defs,
        sections=(Section(title="Callers", kind="callers", findings=callers,
                          notes=("depth=1",)),),
        evidence=(hazard,),
        artifacts=(Artifact(path=f"/repo/.cq/artifacts/q_20231114_221320_{RUN_ID}.json"),),
    )


# -- hypothesis strategies --------------------------------------------------------------------

# Any printable text, newlines and backticks included; no lone surrogates (not encodable).
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
counts = st.integers(min_value=0, max_value=10**7)

json_scalars = st.none() | st.booleans() | st.integers(-10**9, 10**9) | finite | texts

anchors = st.builds(Anchor, file=texts, line=st.integers(1, 10**6), col=st.integers(0, 500),
                    end_line=st.none() | st.integers(1, 10**6),
                    end_col=st.none() | st.integers(0, 500))
scores = st.builds(Score, impact=finite, impact_bucket=st.sampled_from(["low", "med", "high"]),
                   confidence=finite, confidence_bucket=st.sampled_from(["low", "med", "high"]))
# Details of every category, their text fields drawn from `texts` (the fields Markdown shows
# among them), the rest left to their defaults.


def _details_st(category: str) -> st.SearchStrategy[dict[str, Any]]:
    """A catch's `kind` is one of the handler kinds; elsewhere `kind` is free text."""
    kinds = st.sampled_from(HANDLER_KINDS) if category == "catch" else texts
    return st.fixed_dictionaries({}, optional={
        "qualname": texts, "signature": texts, "reason": texts, "kind": kinds,
        "caller": texts, "callee": texts, "text": texts, "module": texts})


findings_st = st.sampled_from(sorted(CATEGORIES)).flatmap(lambda category: st.builds(
    build_finding,
    category=st.just(category),
    message=texts,
    anchor=st.none() | anchors,
    severity=st.sampled_from(SEVERITIES),
    details=_details_st(category),
    score=st.none() | scores,
))
finding_lists = st.lists(findings_st, max_size=14).map(tuple)
sections_st = st.builds(Section, title=texts, kind=texts, findings=finding_lists,
                        notes=st.lists(texts, max_size=2).map(tuple))

caches = st.fixed_dictionaries(
    {"status": st.sampled_from(["hit", "miss", "disabled", "error"])},
    optional={"reason": texts, "key": texts, "age_s": finite | counts},
)
cache_stats = st.fixed_dictionaries({}, optional={
    key: counts for key in ("hits", "misses", "entries", "size_bytes", "files_indexed",
                            "files_rescanned")
})
summaries = st.fixed_dictionaries({}, optional={
    "query": texts, "matches": counts, "files_with_matches": counts,
    "files_in_scope": counts, "files_scanned": counts, "truncated": st.booleans(),
    "notes": st.lists(texts, max_size=3), "cache": caches, "cache_stats": cache_stats,
    "other": json_scalars,
})
run_metas = st.builds(
    RunMeta, macro=texts, argv=st.lists(texts, max_size=3).map(tuple), root=texts,
    started_ms=st.integers(0, 2**48 - 1), elapsed_ms=finite.map(abs),
    toolchain=st.dictionaries(st.sampled_from(["cq", "python", "ast-grep"]), texts),
    run_id=texts,
)
results_st = st.builds(
    CqResult, run=run_metas, summary=summaries, key_findings=finding_lists,
    sections=st.lists(sections_st, max_size=3).map(tuple),
    evidence=finding_lists,
    artifacts=st.lists(st.builds(Artifact, path=texts), max_size=2).map(tuple),
)
