"""`cq calls FUNC`: every call site of FUNC with its argument shape.

FUNC is a name (`join`), `Class.method` or a dotted module path (`pkg.mod.func`); which sites
match is `cq.analysis.resolve`'s rule (a bare name: every call whose callee's last segment is
the name; a dotted FUNC: the sites that may reach its definitions). Files are prefiltered by
the name, so only files containing it are loaded.

The result:
- key findings: one `call_site` per site, anchored at the call's first line, with its
  shape (positional count, keywords, `*`/`**`), calling context, targets (or `external`,
  the name outside the repository it resolves to), evidence and a three-line source snippet
  (the call line and one line either side); the message shows the call's arguments;
- section "Signatures": one `definition` finding per target, with its signature (a class's
  also shows the `__init__` a call binds);
- sections "Resolved to", "Argument shapes", "Keyword usage" and "Calling contexts": counts
  over the sites. They summarise findings already listed, so they are notes (one line per
  row, most frequent first) rather than findings; the same counts are in the summary as
  `resolved_to`, `shapes`, `keywords` and `contexts` ({row: count}). "Resolved to" counts
  each site once per target it reaches; a site resolved through no receiver is counted
  under "name only (receiver not resolved)".
"""

from __future__ import annotations

from cq.funcspec import check_spec
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.settings import Settings


def prepare(args: Args, settings: Settings) -> MacroJob:
    spec = check_spec(args["target"])
    plan = (f"prefilter files by the name {spec.rsplit('.', 1)[-1]!r}",
            f"resolve the definitions and call sites of {spec}")
    return MacroJob(params=spec, plan=plan)


MACRO = Macro(
    name="calls",
    help="Every call site of a function, with argument shapes and calling contexts.\n\n"
         "TARGET is a name (every call whose callee ends with it), Class.method or "
         "module.func (the sites that may reach those definitions: resolved through "
         "imports, aliases and the class hierarchy, or through an unknown receiver).",
    options=(Option("target", "the function: name, Class.method or module.func",
                    required=True, positional=True),),
    headline=(("matches", "call site", "call sites"),
              ("files_with_calls", "file with calls", "files with calls"),
              ("forwarding", "forwarding */**", "forwarding */**")),
    prepare=prepare,
)
