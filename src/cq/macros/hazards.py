"""`cq hazards`: risky constructs from the hazard registry (`cq.hazards`).

`--category` and `--severity` select registry rows (validated against the registry); the
answer is every hit of the selected rows in scope (`cq.macros.compute.hazards`).
"""

from __future__ import annotations

from cq.hazards.registry import registry_digest
from cq.hazards.selection import parse_selection
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.settings import Settings


def prepare(args: Args, settings: Settings) -> MacroJob:
    selection = parse_selection(args["category"], args["severity"])
    digest = registry_digest()
    plan = (f"hazard registry {digest}",
            "select " + (" ".join(selection.flags()) or "every rule"))
    return MacroJob(params=selection, plan=plan, canonical=digest)


MACRO = Macro(
    name="hazards",
    help="Risky constructs from the hazard registry (eval, shell=True, unsafe loads, ...).",
    options=(
        Option("category", "Only these categories, comma-separated: security, correctness, "
                           "design, performance."),
        Option("severity", "Only these severities, comma-separated: error, warning, info."),
    ),
    counts=(("hazards by rule", "id"),),
    prepare=prepare,
)
