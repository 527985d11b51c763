"""Scores: impact and confidence of every finding of an analysis command (DESIGN §5).

Impact weighs how much a finding matters: its severity, how many sites and files the whole
answer spans, how deep in a call chain it sits, and whether it is a breakage or an ambiguity.
Confidence weighs the evidence behind it: a call resolved through imports or the class
hierarchy is surer than a match by simple name. Both are numbers in [0, 1] with a
`low|med|high` bucket; the weights are data (the tables below), not code.

A finding states its evidence in `details.evidence` (a key of EVIDENCE) or, for hazards,
its registry confidence in `details.confidence`; otherwise its category's default applies.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import msgspec

from cq.details import CallEdgeDetails, HazardDetails, SigSiteDetails, TaintSiteDetails
from cq.result import Finding, Score, Section

SEVERITY_WEIGHT = {"error": 0.5, "warning": 0.3, "info": 0.1}
SITES_WEIGHT, SITES_FULL = 0.25, 100  # the answer's finding count; full weight at 100
FILES_WEIGHT, FILES_FULL = 0.15, 30  # files the answer touches; full weight at 30
BREAK_WEIGHT = {"would_break": 0.3, "ambiguous": 0.15}
DEPTH_PENALTY = 0.05  # per level beyond the first

EVIDENCE: dict[str, float] = {
    "resolved": 0.95,  # through an import, a local def or Class.method
    "ast": 0.9, "symtable": 0.95, "bytecode": 0.95, "syntax": 0.9,  # read off the code itself
    "self": 0.85,  # self/cls method through the class and its bases
    "inferred": 0.85,  # through the receiver's type, inferred from the code around the call
    "pattern": 0.8,  # an ast-grep rule
    "name": 0.6,  # matched by simple name only
    "heuristic": 0.5,
    "dynamic": 0.3,  # *args/**kwargs or other runtime-only shapes
}
BUCKET_CONFIDENCE = {"high": 0.9, "med": 0.6, "low": 0.3}
CATEGORY_EVIDENCE = {"call_site": "name", "caller": "name", "callee": "name",
                     "hazard": "pattern", "import_cycle": "syntax", "import": "syntax",
                     "raise": "syntax", "catch": "syntax", "side_effect": "heuristic",
                     "scope": "symtable", "bytecode_surface": "bytecode", "taint_site": "ast",
                     "sig_site": "ast", "definition": "syntax", "module": "syntax",
                     "file_issue": "syntax"}


def bucket(value: float) -> str:
    return "low" if value < 0.34 else "med" if value < 0.67 else "high"


class Context(msgspec.Struct, frozen=True, dict=True):  # dict: for the cached breadth
    """What the whole answer spans: counted once, shared by every finding's impact."""

    sites: int
    files: int

    @functools.cached_property
    def breadth(self) -> float:
        sites = min(1.0, math.log10(1 + self.sites) / math.log10(1 + SITES_FULL))
        files = min(1.0, math.log10(1 + self.files) / math.log10(1 + FILES_FULL))
        return SITES_WEIGHT * sites + FILES_WEIGHT * files


def context_of(findings: Iterable[Finding]) -> Context:
    items = [f for f in findings if f.category != "file_issue"]
    return Context(sites=len(items), files=len({f.anchor.file for f in items if f.anchor}))


def impact_of(finding: Finding, context: Context) -> float:
    details = finding.details
    value = SEVERITY_WEIGHT.get(finding.severity, 0.1) + context.breadth
    if isinstance(details, SigSiteDetails):
        value += BREAK_WEIGHT.get(details.bucket, 0.0)
    depth = details.depth if isinstance(details, TaintSiteDetails | CallEdgeDetails) else None
    if depth is not None and depth > 1:
        value -= DEPTH_PENALTY * (depth - 1)
    return round(min(1.0, max(0.0, value)), 3)


def confidence_of(finding: Finding) -> float:
    details = finding.details
    if details.evidence in EVIDENCE:
        return EVIDENCE[details.evidence]
    if isinstance(details, HazardDetails) and details.confidence in BUCKET_CONFIDENCE:
        return BUCKET_CONFIDENCE[details.confidence]
    return EVIDENCE[CATEGORY_EVIDENCE.get(finding.category, "heuristic")]


def score_finding(finding: Finding, context: Context) -> Finding:
    return _Scorer(context).score(finding)


class _Scorer:
    """Scores against one context. An answer's findings take few distinct scores, so each
    (impact, confidence) pair is one shared `Score`, and the context's breadth is computed
    once: scoring ten thousand definitions was a sixth of an edited run."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.scores: dict[tuple[float, float], Score] = {}
        self.by_kind: dict[tuple[type, str, type, str | None], Score] = {}

    def score(self, finding: Finding) -> Finding:
        details = finding.details
        if type(details) in _READ_FURTHER:
            return msgspec.structs.replace(finding, score=self._computed(finding))
        # Otherwise the score follows from the category, severity, details kind and evidence.
        kind = (type(finding), finding.severity, type(details), details.evidence)
        score = self.by_kind.get(kind)
        if score is None:
            score = self.by_kind[kind] = self._computed(finding)
        return msgspec.structs.replace(finding, score=score)

    def _computed(self, finding: Finding) -> Score:
        impact, confidence = impact_of(finding, self.context), confidence_of(finding)
        score = self.scores.get((impact, confidence))
        if score is None:
            score = self.scores[impact, confidence] = Score(
                impact=impact, impact_bucket=bucket(impact), confidence=confidence,
                confidence_bucket=bucket(confidence))
        return score


# Details whose fields other than `evidence` change a score (see impact_of, confidence_of).
_READ_FURTHER = frozenset({SigSiteDetails, TaintSiteDetails, CallEdgeDetails, HazardDetails})


def score_all(key: tuple[Finding, ...], sections: tuple[Section, ...]
              ) -> tuple[tuple[Finding, ...], tuple[Section, ...]]:
    """Score the key findings and every section's findings against one shared context."""
    scorer = _Scorer(context_of([*key, *(f for s in sections for f in s.findings)]))
    scored = tuple(map(scorer.score, key))
    return scored, tuple(msgspec.structs.replace(
        s, findings=tuple(map(scorer.score, s.findings))) for s in sections)
