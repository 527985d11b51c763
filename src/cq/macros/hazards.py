"""`cq hazards`: risky constructs from the hazard registry (`cq.hazards`).

`--category` and `--severity` select registry rows (validated against the registry); the
answer is every hit of the selected rows in scope.
"""

from __future__ import annotations

from cq.discover import Discovery
from cq.index.source import FactSource
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.runner import Outcome
from cq.settings import Settings


def prepare(args: Args, settings: Settings) -> MacroJob:
    from cq.hazards.registry import registry_digest
    from cq.hazards.report import parse_selection

    selection = parse_selection(args["category"], args["severity"])
    digest = registry_digest()

    def compute(source: FactSource, discovery: Discovery) -> Outcome:
        from cq.hazards.compile import load_rules
        from cq.hazards.report import run_hazards

        report = run_hazards(source, load_rules(settings), selection, settings.jobs)
        return Outcome(key_findings=report.key_findings, sections=report.sections,
                       summary=report.summary)

    plan = (f"hazard registry {digest}",
            "select " + (" ".join(selection.flags()) or "every rule"))
    return MacroJob(compute=compute, plan=plan, canonical=digest)


MACRO = Macro(
    name="hazards",
    help="Risky constructs from the hazard registry (eval, shell=True, unsafe loads, ...).",
    options=(
        Option("category", "Only these categories, comma-separated: security, correctness, "
                           "design, performance."),
        Option("severity", "Only these severities, comma-separated: error, warning, info."),
    ),
    prepare=prepare,
)
