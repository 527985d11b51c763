"""The copies row: cq's cold cost and memory on 1, 2 and 4 copies of the corpus in one root.

Each size is a root holding that many copies of the corpus side by side (`copy1/`, ...),
built under the run's scratch directory. Per size, in interleaved rounds: a cold
`q "entity=function"` (fresh cache), ast-grep's `def $F($$$): $$$`, and the parse-only floor
(`benchmarks/parse_floor.py`: tree-sitter parses every file on all cores, nothing else), each
with its peak RSS (the largest process of the command's tree); then, on a kept cache, the same
query after one file is edited, and a warm hit. Medians of the rounds; ratios of medians.
"""

from __future__ import annotations

import shutil
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

from benchlib.context import Context
from benchlib.corpus import append_comment, copy_tree
from benchlib.measure import OK_GREP, Budget, Measure, Spec, run_spec
from benchlib.proc import Invocation
from benchlib.report import Line, check, fmt_ratio
from benchlib.tools import cq_cold, cq_on_cache, sg_all_defs

MB = 1024  # ru_maxrss is in KiB
FLOOR = Path(__file__).resolve().parent.parent / "parse_floor.py"
QUERY = ["q", "entity=function"]
EDITED = "json/decoder.py"  # in CPython's stdlib; else the first file of the corpus


class Sampled:
    """Times and peak RSS of one tool's runs in one row."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.measure = Measure(spec.tool)
        self.rss_kb: list[int] = []

    def run(self, budget: Budget) -> bool:
        outcome = run_spec(self.spec, self.measure, budget, sample_rss=True)
        if outcome is None:
            return False
        self.measure.times.append(outcome.seconds)
        self.rss_kb.append(outcome.maxrss_kb)
        return True

    def median(self) -> float | None:
        return self.measure.median()

    def rss(self) -> float | None:
        return statistics.median(self.rss_kb) / MB if self.rss_kb else None

    def cell(self) -> str:
        rss = self.rss()
        return self.measure.cell() + (f"; {rss:.0f} MB" if rss is not None else "")


def copies(ctx: Context) -> list[Line]:
    lines: list[Line] = []
    for count in ctx.copy_counts:
        root = _copies_root(ctx, count)
        try:
            lines.extend(_size_lines(ctx, root, count))
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return lines


def _copies_root(ctx: Context, count: int) -> Path:
    root = ctx.workdir / f"copies-{count}"
    root.mkdir(parents=True, exist_ok=True)
    for number in range(1, count + 1):
        copy_tree(ctx.corpus, root / f"copy{number}")
    return root


def _size_lines(ctx: Context, root: Path, count: int) -> list[Line]:
    t, files = ctx.tools, len(ctx.files()) * count
    cold = [Sampled(Spec("cq", lambda: cq_cold(t, QUERY, root, ctx.workdir))),
            Sampled(Spec("ast-grep", lambda: sg_all_defs(t, root), OK_GREP)),
            Sampled(Spec("floor", lambda: Invocation([sys.executable, str(FLOOR), str(root)])))]
    _rounds(ctx.budget, [tool.run for tool in cold])
    cq, sg, floor = cold
    variant = f"{count}× = {files:,} files"
    cq_rss = cq.rss()
    line = Line("copies cold", ctx.label, variant=variant, cq=cq.cell(), sg=sg.cell(),
                ratio=fmt_ratio(_ratio(cq, sg), " vs ast-grep")
                + f"; {fmt_ratio(_ratio(cq, floor), ' vs floor')}",
                target=f"{check(_ratio(cq, sg), 1.0001, '≤ 1.0×')}; "
                       f"{check(cq_rss, 300, 'RSS ≤ 300 MB')}",
                note=f"parse-only floor {floor.cell()}; ast-grep {fmt_ratio(_ratio(sg, floor))}"
                     " × floor")
    line.raw = {"files": files, "copies": count, **_raw(cold)}
    return [line, _edited_line(ctx, root, count, variant, cq)]


def _edited_line(ctx: Context, root: Path, count: int, variant: str, cold: Sampled) -> Line:
    cache = ctx.scratch(f"copies-cache-{count}")
    on_cache = Spec("cq", lambda: cq_on_cache(ctx.tools, QUERY, root, cache))
    edited, hit = Sampled(on_cache), Sampled(on_cache)
    target = root / "copy1" / EDITED
    if not target.exists():
        target = root / "copy1" / ctx.files()[0]
    warm = Measure("cq")
    if run_spec(on_cache, warm, ctx.budget) is not None:
        rounds = iter(range(ctx.budget.runs))
        _rounds(ctx.budget, [lambda b: _edit_and_run(target, next(rounds, 0), edited, b),
                             hit.run])
    shutil.rmtree(cache, ignore_errors=True)
    to_cold = _ratio(edited, cold)
    line = Line("copies edited", ctx.label, variant=variant, cq=edited.cell(),
                ratio=fmt_ratio(to_cold, " × cold"),
                target=f"{check(to_cold, 0.1001, '≤ 0.1× cold')}; "
                       f"{check(edited.rss(), 300, 'RSS ≤ 300 MB')}",
                note=f"one file edited ({target.relative_to(root)}), same unscoped query; "
                     f"warm hit {hit.cell()}")
    line.raw = {"copies": count, **_raw([edited]), "warm": _raw([hit])}
    return line


def _edit_and_run(target: Path, index: int, tool: Sampled, budget: Budget) -> bool:
    append_comment(target, f"cq benchmark edit {index}")
    return tool.run(budget)


def _rounds(budget: Budget, runs: list[Callable[[Budget], bool]]) -> None:
    """Interleaved rounds; a tool that fails is not run again."""
    live = list(runs)
    for _ in range(budget.runs):
        for run in list(live):
            if not run(budget):
                live.remove(run)


def _ratio(top: Sampled, bottom: Sampled) -> float | None:
    high, low = top.median(), bottom.median()
    return None if high is None or not low else high / low


def _raw(tools: list[Sampled]) -> dict[str, object]:
    return {tool.spec.tool: {**tool.measure.to_json(), "maxrss_kb": tool.rss_kb}
            for tool in tools}
