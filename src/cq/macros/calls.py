"""`cq calls FUNC`: every call site of FUNC with its argument shape, in tiers.

FUNC is a name (`join`), `Class.method` or a dotted module path (`pkg.mod.func`); which sites
match and their tier is `cq.analysis.resolve`'s rule: `resolved` (the callee is proven to be
a target), `possible` (the receiver is not known) or `excluded` (the receiver is provably
something else: a literal or a builtin's result, an unrelated class, a module without the
name, a subclass whose override is called). Files are prefiltered by the name, so only files
holding it as a whole word are loaded (`get` in `getattr` does not count), with the parts
resolution reads (no raises or excepts); `files_scanned` counts the files containing the name.

The result:
- key findings: one `call_site` per resolved or possible site, anchored at the call's first
  line, with its shape (positional count, keywords, `*`/`**`), calling context, targets (or
  `external`, the name outside the repository it resolves to), `tier`, evidence and reason
  (what the tier rests on) and a three-line source snippet (the call line and one line
  either side); the message shows the call's arguments;
- section "Signatures": one `definition` finding per target, with its signature (a class's
  also shows the `__init__` a call binds);
- section "Tiers": the count of each tier, and of the excluded sites per family;
- sections "Resolved to", "Argument shapes", "Keyword usage" and "Calling contexts": counts
  over the listed sites. They summarise findings already listed, so they are notes (one line
  per row, most frequent first) rather than findings; the same counts are in the summary as
  `resolved_to`, `shapes`, `keywords` and `contexts` ({row: count}). "Resolved to" counts
  each site once per target it reaches; a possible site is counted under "name only
  (receiver not resolved)";
- summary: `matches` (resolved + possible), `resolved`, `possible`, `excluded`;
  `excluded_sites` lists every excluded site (file, line, col, callee, caller, evidence,
  reason, and `override` or `external`), `via_override` those that call a subclass override.
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
    headline=(("matches", "call site", "call sites"), ("resolved", "resolved", "resolved"),
              ("possible", "possible", "possible"), ("excluded", "excluded", "excluded"),
              ("files_with_calls", "file with calls", "files with calls"),
              ("forwarding", "forwarding */**", "forwarding */**")),
    counts=(("calls by tier", "tier"),),
    prepare=prepare,
)
