"""The query rows: cold lookups, full scans, cache hits, start-up, an edited file, calls.

Each row function takes a `Context` and returns table lines; it never raises for a failing
tool (the tool's cell says `n/a (...)`). Targets are DESIGN §8's performance budget.
"""

from __future__ import annotations

from benchlib.agree import cache_status, compare, count_category, count_sg_matches
from benchlib.context import Context
from benchlib.corpus import append_comment, file_to_touch
from benchlib.measure import OK_GREP, Measure, Spec, measure_side_by_side, ratio, run_spec
from benchlib.report import Line, check, fmt_ratio, timing_line
from benchlib.tools import (
    cq_cold,
    cq_on_cache,
    cq_version,
    rg_def,
    sg_all_defs,
    sg_calls,
    sg_def,
)

NO_RG = "skipped (rg not found)"


def cold_name(ctx: Context) -> list[Line]:
    """Cold `q "entity=function name=X"` vs `ast-grep run -p 'def X($$$): $$$'` vs rg."""
    t, root, name = ctx.tools, ctx.corpus, ctx.name
    specs = [Spec("cq", lambda: cq_cold(t, ["q", f"entity=function name={name}"], root,
                                        ctx.workdir)),
             Spec("ast-grep", lambda: sg_def(t, name, root), OK_GREP)]
    if t.rg:
        specs.append(Spec("rg", lambda: rg_def(t.rg or "rg", name, root), OK_GREP))
    measures = measure_side_by_side(specs, ctx.budget)
    value = ratio(measures["cq"], measures["ast-grep"])
    notes = [f"X={name}", _agreement_note(ctx, measures["ast-grep"]), _rg_note(measures)]
    return [timing_line("cold-name", ctx.label, measures, rg="" if t.rg else NO_RG,
                        ratio=fmt_ratio(value), target=check(value, 1.0, "< 1"),
                        note="; ".join(note for note in notes if note))]


def _agreement_note(ctx: Context, sg: Measure) -> str:
    """Run `cq q X` once (untimed) and compare its definitions with ast-grep's matches."""
    if not sg.last or sg.error:
        return ""
    spec = Spec("cq", lambda: cq_cold(ctx.tools, ["q", ctx.name], ctx.corpus, ctx.workdir))
    probe = Measure("cq")
    outcome = run_spec(spec, probe, ctx.budget)
    if outcome is None:
        return ""
    agreement = compare(ctx.label, ctx.name, outcome.stdout, sg.last.stdout, ctx.corpus)
    ctx.agreements.append(agreement)
    return agreement.note()


def _rg_note(measures: dict[str, Measure]) -> str:
    rg = measures.get("rg")
    if rg is None or rg.last is None or rg.error:
        return ""
    return f"rg {count_sg_matches(rg.last.stdout)} lines"


def cold_full(ctx: Context) -> list[Line]:
    """Cold `q "entity=function"` (a full scan) vs `ast-grep run -p 'def $F($$$): $$$'`."""
    t, root = ctx.tools, ctx.corpus
    specs = [Spec("cq", lambda: cq_cold(t, ["q", "entity=function"], root, ctx.workdir)),
             Spec("ast-grep", lambda: sg_all_defs(t, root), OK_GREP)]
    measures = measure_side_by_side(specs, ctx.budget)
    value = ratio(measures["cq"], measures["ast-grep"])
    return [timing_line("cold-full", ctx.label, measures, ratio=fmt_ratio(value),
                        target=check(value, 1.5, "< 1.5"))]


def warm(ctx: Context) -> list[Line]:
    """The second `q "entity=function name=X"` on one cache directory (a cache hit)."""
    args = ["q", f"entity=function name={ctx.name}"]
    measures = _warm_measures(ctx, args, "warm-cache")
    value = measures["cq"].median()
    status = cache_status(measures["cq"].last.stdout) if measures["cq"].ok else ""
    return [timing_line("warm", ctx.label, measures, target=check(value, 0.100, "< 0.1 s"),
                        note=f"X={ctx.name}; cache status: {status}" if status else "")]


def _warm_measures(ctx: Context, args: list[str], cache_name: str) -> dict[str, Measure]:
    """Fill a cache with one untimed run, then time runs that should all be cache hits."""
    cache = ctx.scratch(cache_name)
    spec = Spec("cq", lambda: cq_on_cache(ctx.tools, args, ctx.corpus, cache))
    first = Measure("cq")
    if run_spec(spec, first, ctx.budget) is None:
        return {"cq": first}
    return measure_side_by_side([spec], ctx.budget)


def version(ctx: Context) -> list[Line]:
    """`cq --version`: interpreter start-up plus cq's import-time cost."""
    spec = Spec("cq", lambda: cq_version(ctx.tools, ctx.workdir))
    return [timing_line("version", ctx.label, measure_side_by_side([spec], ctx.budget))]


def touched(ctx: Context) -> list[Line]:
    """Append a comment to one file of a copy, rerun; ratio vs a warm run on the same copy."""
    copy = ctx.copy()
    rel = file_to_touch(copy, ctx.files(), ctx.name)
    if rel is None:
        return [Line("touched", ctx.label, note="no Python file to edit")]
    cache = ctx.scratch("touched-cache")
    spec = Spec("cq", lambda: cq_on_cache(ctx.tools, ["q", f"entity=function name={ctx.name}"],
                                          copy, cache))
    edited, hit = Measure("cq"), Measure("cq")
    if run_spec(spec, edited, ctx.budget) and (not ctx.budget.warmup
                                                or run_spec(spec, hit, ctx.budget)):
        _time_edits(ctx, spec, edited, hit, rel)
    return [_touched_line(ctx, edited, hit, rel)]


def _time_edits(ctx: Context, spec: Spec, edited: Measure, hit: Measure, rel: str) -> None:
    """Each round: edit, time the run after the edit, then time a plain cache hit."""
    for index in range(ctx.budget.runs):
        append_comment(ctx.copy() / rel, f"cq benchmark edit {index}")
        for measure in (edited, hit):
            outcome = run_spec(spec, measure, ctx.budget)
            if outcome is None:
                return
            measure.times.append(outcome.seconds)


def _touched_line(ctx: Context, edited: Measure, hit: Measure, rel: str) -> Line:
    value = ratio(edited, hit)
    notes = [f"edited {rel}"]
    if hit.ok:
        notes.append(f"warm on the copy: med {hit.median():.3f} s")
    if edited.ok and edited.last:
        notes.append(f"cache status after edit: {cache_status(edited.last.stdout)}")
    line = timing_line("touched", ctx.label, {"cq": edited}, ratio=fmt_ratio(value, " × warm"),
                       target=check(value, 1.3, "< 1.3 × warm"), note="; ".join(notes))
    line.raw["measures"].append({**hit.to_json(), "tool": "cq (warm on the copy)"})
    return line


def calls(ctx: Context) -> list[Line]:
    """`cq calls X`, cold and warm, vs ast-grep's `X($$$)` or `$O.X($$$)` (one inline rule)."""
    t, root, name = ctx.tools, ctx.corpus, ctx.name
    sg = Spec("ast-grep", lambda: sg_calls(t, name, root), OK_GREP)
    if not t.has_calls:
        measures = measure_side_by_side([sg], ctx.budget)
        return [timing_line("calls", ctx.label, measures, variant="cold",
                            cq="skipped (no `cq calls` yet)", note=f"X={name}")]
    cq = Spec("cq", lambda: cq_cold(t, ["calls", name], root, ctx.workdir))
    cold = measure_side_by_side([cq, sg], ctx.budget)
    hot = _warm_measures(ctx, ["calls", name], "calls-cache")
    note = f"X={name}; {_calls_counts(cold)}"
    return [
        timing_line("calls", ctx.label, cold, variant="cold", note=note,
                    ratio=fmt_ratio(ratio(cold["cq"], cold["ast-grep"]))),
        timing_line("calls", ctx.label, hot, variant="warm",
                    ratio=fmt_ratio(ratio(hot["cq"], cold["ast-grep"]))),
    ]


def _calls_counts(measures: dict[str, Measure]) -> str:
    cq, sg = measures["cq"], measures["ast-grep"]
    if not (cq.ok and sg.ok and cq.last and sg.last):
        return ""
    sites = count_category(cq.last.stdout, "call_site")
    return f"cq {sites} call sites, sg {count_sg_matches(sg.last.stdout)} matches"
