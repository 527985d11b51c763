"""Relational and composite keys on entity queries: keep a definition only if its node
matches the query's rule.

Definitions come from facts; their files are re-parsed (only those containing every literal
word the rule needs) and the one rule config — the def's node kind AND `inside=`/`has=`/...
AND `all=`/`any=`/`not=` — is run over each. A definition is kept when a matched node starts
where it does: `Def.span` starts at the `def`/`class` keyword, as does the
`function_definition`/`class_definition` node (for a decorated def, the inner node).
"""

from __future__ import annotations

import json

from cq.index.source import FactSource
from cq.query.pattern import Candidates
from cq.query.pattern_pool import MatchJob, match_files
from cq.query.plan import Plan
from cq.result import Finding


def filter_by_rule(findings: list[Finding], plan: Plan, source: FactSource,
                   jobs: int = 0) -> list[Finding]:
    """The findings whose definition node matches `plan.rule`, in their order."""
    if plan.rule is None or not findings:
        return findings
    paths = sorted({f.anchor.file for f in findings if f.anchor})
    candidates = Candidates(source, plan.requires, paths)
    job = MatchJob(json.loads(plan.rule), with_text=False)
    starts = {(found.path, match.span.line, match.span.col)
              for found in match_files(candidates.items, job, jobs)
              for match in found.matches}
    return [f for f in findings
            if f.anchor is not None and (f.anchor.file, f.anchor.line, f.anchor.col) in starts]
