"""`cq side-effects`: what runs when a module is imported (QUERY.md §4).

The analysis is `cq.analysis.import_time` (its docstring has the rules and the safe list).
Findings: every effect is one `side_effect` finding in the section of its kind (calls, global
mutations, ambient reads, decorators) — a warning, except decorators (info). The key findings
summarise: one `module` finding per module with effects, with its counts by kind, ranked:
modules with global mutations first, then ambient reads, then by number of effects.
"""

from __future__ import annotations

from cq.macros.spec import Args, Macro, MacroJob
from cq.settings import Settings


def prepare(args: Args, settings: Settings) -> MacroJob:
    plan = ("candidate files: import-time calls, decorators or stores in the facts, or an "
            "ambient name in the text",
            "walk their import-time code with ast (not function bodies, not `__main__` or "
            "TYPE_CHECKING blocks)")
    return MacroJob(params=None, plan=plan)


MACRO = Macro(
    name="side-effects",
    help="What runs at import time: calls, global mutations, ambient reads, decorators.\n\n"
         "Module-level and class-body code outside `if __name__ == \"__main__\":`, minus a "
         "safe list of pure constructors and helpers (logging.getLogger, re.compile, "
         "namedtuple, typing, ...). Decorators are reported as info.",
    options=(),
    counts=(("effects by kind", "kind"),),
    headline=(("effects", "import-time effect", "import-time effects"),
              ("files_with_matches", "module", "modules")),
    prepare=prepare,
)
