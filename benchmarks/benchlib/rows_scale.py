"""The scale rows: peak memory of a cold full scan, and how cold time grows with file count."""

from __future__ import annotations

import shutil
from pathlib import Path

from benchlib.context import Context
from benchlib.corpus import make_subset
from benchlib.measure import OK_GREP, Measure, Spec, measure_side_by_side, ratio, run_spec
from benchlib.proc import Outcome
from benchlib.report import Line, check, fmt_ratio, timing_line
from benchlib.tools import cq_cold, sg_all_defs

MB = 1024  # ru_maxrss and VmHWM are in KiB


def rss(ctx: Context) -> list[Line]:
    """Peak RSS of one cold `q "entity=function"`: the whole tree, the main process, workers."""
    t = ctx.tools
    cq = Measure("cq")
    cq_run = run_spec(Spec("cq", lambda: cq_cold(t, ["q", "entity=function"], ctx.corpus,
                                                ctx.workdir)), cq, ctx.budget, sample_rss=True)
    sg = Measure("ast-grep")
    sg_run = run_spec(Spec("ast-grep", lambda: sg_all_defs(t, ctx.corpus), OK_GREP), sg,
                      ctx.budget, sample_rss=True)
    peak = cq_run.maxrss_kb / MB if cq_run else None
    line = Line("rss", ctx.label, cq=_cq_rss_cell(cq_run) if cq_run else cq.error or "",
                sg=f"{sg_run.maxrss_kb / MB:.0f} MB" if sg_run else sg.error or "",
                target=check(peak, 300, "< 300 MB"),
                note="peak = largest process (wait4 via maxrss.py); main/worker = sampled VmHWM")
    line.raw = {"cq": _rss_raw(cq_run), "ast-grep": _rss_raw(sg_run)}
    return [line]


def _cq_rss_cell(run: Outcome) -> str:
    main = run.peaks_kb.get(run.main_pid, 0)
    workers = [kb for pid, kb in run.peaks_kb.items() if pid != run.main_pid]
    worker = f"largest of {len(workers)} workers {max(workers) / MB:.0f}" if workers else (
        "no workers seen")
    return f"peak {run.maxrss_kb / MB:.0f} MB (main {main / MB:.0f}, {worker})"


def _rss_raw(run: Outcome | None) -> dict[str, object] | None:
    if run is None:
        return None
    return {"maxrss_kb": run.maxrss_kb, "seconds": run.seconds, "main_pid": run.main_pid,
            "sampled_vm_hwm_kb": {str(pid): kb for pid, kb in run.peaks_kb.items()}}


def growth(ctx: Context) -> list[Line]:
    """Cold full scans of the first 100, 300, 1000 files (sorted) and of the whole corpus."""
    files = ctx.files()
    sizes = [size for size in ctx.growth_sizes if size < len(files)]
    lines: list[Line] = []
    points: list[tuple[int, float]] = []
    for size in [*sizes, len(files)]:
        whole = size == len(files)
        root = ctx.corpus if whole else make_subset(ctx.corpus, files[:size],
                                                    ctx.workdir / f"subset-{size}")
        try:
            line, median = _growth_line(ctx, root, size, whole)
        finally:
            if not whole:
                shutil.rmtree(root, ignore_errors=True)
        lines.append(line)
        if median is not None:
            points.append((size, median))
    lines[-1].note += f"; {_slope_note(points)}"
    return lines


def _growth_line(ctx: Context, root: Path, size: int, whole: bool) -> tuple[Line, float | None]:
    t = ctx.tools
    specs = [Spec("cq", lambda: cq_cold(t, ["q", "entity=function"], root, ctx.workdir)),
             Spec("ast-grep", lambda: sg_all_defs(t, root), OK_GREP)]
    measures = measure_side_by_side(specs, ctx.budget)
    median = measures["cq"].median()
    per_file = f"cq {median / size * 1000:.2f} ms/file" if median is not None else "cq n/a"
    count = f"{size} file{'s' if size != 1 else ''}"
    variant = f"all {count}" if whole else count
    line = timing_line("growth", ctx.label, measures, variant=variant, note=per_file,
                       ratio=fmt_ratio(ratio(measures["cq"], measures["ast-grep"])))
    line.raw["files"] = size
    return line, median


def _slope_note(points: list[tuple[int, float]]) -> str:
    """Least-squares fit of cq's median seconds against file count."""
    if len(points) < 2:
        return "slope: needs two sizes"
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    return f"slope {slope * 1000:.2f} ms/file, intercept {intercept:.3f} s"
