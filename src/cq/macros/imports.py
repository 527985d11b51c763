"""`cq imports [--cycles] [--module M]`: the import graph (QUERY.md §4).

Every import fact becomes one row per imported module (`import a, b` is two rows, `from m
import x, y` one), classified:
- internal: a relative import, or one whose top-level package is a module of the repository
  (names from `cq.modules`, src-layout aware) — with `--in`, of the scope — or, evidence
  "heuristic", a module next to the importer's package root (the first directory up without
  `__init__.py`, which a script's run or pytest puts on `sys.path`);
- stdlib: the top-level name is in `sys.stdlib_module_names` (and not shadowed by the repo);
- third_party: anything else.

An internal row is an edge to every repository module the import runs or reads: the
packages on the way and the module named (`import a.b.c` → `a`, `a.b`, `a.b.c`; `from a.b
import c, d` → `a`, `a.b`, and `a.b.c` when `c` is a submodule; a module not in the repository
→ its longest prefix that is one). A package above the importer is already running, so it is
an edge only when the import is for its namespace (`import pkg`, `from pkg import attr`):
without that rule an `__init__` importing its submodules would close a cycle with each of
them, with it a submodule reading an attribute of its half-initialised package is the cycle
it is. A module importing itself runs nothing: no edge, no cycle.

Rows are `lazy` when any enclosing scope is a function (a class body runs at import time),
`type_only` inside `if TYPE_CHECKING:` (read with `ast`, only in files that mention it) or in a
`.pyi` stub, and `main_only` inside a top-level `if __name__ == "__main__":` (found in the
text by indentation). Cycles (`cq.analysis.import_graph`): each strongly connected component of the
eager edges is an import-time cycle (a warning: importing one member can meet another half
initialised); each component of all edges that is not one of those needs a lazy or
type-only import to close (info), and names the import-time cycles inside it.

Findings: without `--cycles`, the internal imports are the key findings (with `--module`, the
imports of the module first) and stdlib and third-party imports are sections; with
`--cycles`, the cycles are the key findings, import-time ones first and bigger ones first,
and the section "Import lines forming each cycle" has one `import` finding per step of each
cycle's shortest ring, so the lines show in any format. Summary notes give the counts.
"""

from __future__ import annotations

import msgspec

from cq.errors import BadInputError
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.modules import module_name
from cq.settings import Settings


class ImportsJob(msgspec.Struct, frozen=True):
    cycles: bool
    module: str | None = None  # --module, as a dotted name


def prepare(args: Args, settings: Settings) -> MacroJob:
    wanted = _module_arg(args["module"])
    cycles = bool(args["cycles"])
    plan = ("every import fact → internal / stdlib / third-party",
            "cycles: components of the eager import edges (import-time), then those closed "
            "by a lazy, type-only or script-only import" if cycles
            else "internal imports as findings, stdlib and third-party as sections",
            f"only imports by or of {wanted}" if wanted else "every module")
    return MacroJob(params=ImportsJob(cycles, wanted), plan=plan)


def _module_arg(value: str | None) -> str | None:
    """The module `--module` names: a dotted name or a root-relative .py/.pyi path."""
    if value is None:
        return None
    text = value.strip()
    if text.endswith((".py", ".pyi")) or "/" in text:
        text = module_name(text.strip("/"))
    parts = text.split(".")
    if any(not part or part.isspace() or " " in part for part in parts):
        raise BadInputError(f"imports: --module needs a dotted module name, got {value!r}",
                            hint="e.g. --module pkg.models or --module src/pkg/models.py")
    return text


MACRO = Macro(
    name="imports",
    help="The import graph: internal, stdlib and third-party imports, and import cycles.\n\n"
         "Module names are src-layout aware; relative imports are resolved. --cycles reports "
         "each strongly connected component of the internal module graph with the import "
         "lines that form it; --module keeps the imports made by a module and those of it.",
    options=(
        Option("cycles", "Report import cycles (strongly connected components) instead of "
                         "the imports.", kind="bool", default=False),
        Option("module", "Only imports made by this module or of it (dotted name or path)."),
    ),
    counts=(("imports by kind", "classification"),),
    headline=(("imports", "import", "imports"), ("internal", "internal", "internal"),
              ("stdlib", "stdlib", "stdlib"), ("third_party", "third-party", "third-party"),
              ("cycles", "cycle", "cycles"),
              ("import_time_cycles", "at import time", "at import time")),
    prepare=prepare,
)
