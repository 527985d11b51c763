"""`cq hazards` on a cache miss: every hit of the selected registry rows in scope."""

from __future__ import annotations

from cq.discover import Discovery
from cq.hazards.compile import load_rules
from cq.hazards.report import run_hazards
from cq.hazards.selection import HazardSelection
from cq.index.source import FactSource
from cq.runner import Outcome
from cq.settings import Settings


def compute(selection: HazardSelection, source: FactSource, discovery: Discovery,
            settings: Settings) -> Outcome:
    rules, notices = load_rules(settings)
    report = run_hazards(source, rules, selection, settings.jobs, settings.test_paths)
    return Outcome(key_findings=report.key_findings, sections=report.sections,
                   summary=report.summary, notices=notices)
