"""The `bigfile` row: every per-file analysis on one generated file of many definitions, and on
one very long line of nested calls, at two sizes; time must grow no faster than n log n.

The files are generated in the scratch directory (nobody's real code is this shape, which is
the point: one file is the unit every per-file analysis works on). Each command runs cold.
The growth exponent is log(t_big / t_small) / log(n_big / n_small): 1.0 is linear, and
n log n between these sizes is about 1.1; the target allows 1.15.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from benchlib.context import Context
from benchlib.measure import Measure, Spec, measure_side_by_side
from benchlib.proc import Invocation
from benchlib.report import Line, check, timing_line
from benchlib.tools import cq_argv, cq_env

DEF_SIZES = (16_000, 150_000)
LINE_SIZES = (5_000, 50_000)
SMOKE_DEF_SIZES = (200, 1_000)
SMOKE_LINE_SIZES = (100, 500)
MAX_EXPONENT = 1.15
DEF_COMMANDS = (
    ["q", "entity=function scope=closure"],
    ["calls", "g1"],
    ["impact", "f1", "--param", "a"],
    ["exceptions"],
    ["side-effects"],
    ["scopes", "m.py"],
    ["bytecode-surface", "m.py"],
)
LINE_COMMANDS = (["calls", "f"], ["q", "entity=callsite name=f"])


def bigfile(ctx: Context) -> list[Line]:
    """Run once, on the first corpus (the files are generated, not the corpus's)."""
    if (ctx.corpus / "django" / "__init__.py").exists():
        return []
    smoke = ctx.budget.runs == 1 and not ctx.budget.warmup
    def_sizes = SMOKE_DEF_SIZES if smoke else DEF_SIZES
    line_sizes = SMOKE_LINE_SIZES if smoke else LINE_SIZES
    lines: list[Line] = []
    roots = {n: _tree(ctx.scratch(f"bigfile-defs-{n}"), _defs(n)) for n in def_sizes}
    for args in DEF_COMMANDS:
        lines.extend(_growth(ctx, args, roots, "defs"))
    roots = {n: _tree(ctx.scratch(f"bigfile-line-{n}"), _nested_calls(n)) for n in line_sizes}
    for args in LINE_COMMANDS:
        lines.extend(_growth(ctx, args, roots, "nested calls on one line"))
    return lines


def _defs(n: int) -> str:
    return "".join(f"def f{i}(a):\n    try:\n        x = g{i % 100}(a)\n    except ValueError:\n"
                   f"        raise\n\n    def inner():\n        return a + x\n    return inner\n"
                   for i in range(n))


def _nested_calls(n: int) -> str:
    return "def f(a):\n    return a\n\n\ndef k(a):\n    return " + "f(" * n + "a" + ")" * n + "\n"


def _tree(root: Path, text: str) -> Path:
    (root / "m.py").write_text(text)
    return root


def _growth(ctx: Context, args: list[str], roots: dict[int, Path], what: str) -> list[Line]:
    measured: dict[int, Measure] = {}
    lines = []
    for n, root in roots.items():
        spec = Spec("cq", lambda root=root: _cold(ctx, args, root))
        measures = measure_side_by_side([spec], ctx.budget)
        measured[n] = measures["cq"]
        lines.append(timing_line("bigfile", ctx.label, measures,
                                 variant=f"{' '.join(args)} · {n:,} {what}"))
    exponent = _exponent(measured)
    lines[-1].ratio = "" if exponent is None else f"exponent {exponent:.2f}"
    lines[-1].target = check(exponent, MAX_EXPONENT, f"≤ n log n ({MAX_EXPONENT})")
    return lines


def _cold(ctx: Context, args: list[str], root: Path) -> Invocation:
    cache_dir = Path(tempfile.mkdtemp(prefix="cache-", dir=ctx.workdir))
    env = {**cq_env(cache_dir), "CQ_MAX_FILE_BYTES": str(1 << 30)}  # past the 5 MB default
    return Invocation(cq_argv(ctx.tools, args, root, cache_dir), env, cleanup_dir=cache_dir)


def _exponent(measured: dict[int, Measure]) -> float | None:
    (small, m_small), (big, m_big) = sorted(measured.items())
    t_small, t_big = m_small.median(), m_big.median()
    if not t_small or not t_big:
        return None
    return math.log(t_big / t_small) / math.log(big / small)
