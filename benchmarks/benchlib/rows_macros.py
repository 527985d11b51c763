"""The `macros` row: every analysis macro cold and warm, on arguments fitting the corpus.

There is no ast-grep equivalent for most macros (taint, binding, import cycles), so these
lines time cq alone: cold on a fresh cache directory, warm as repeated runs on a filled one.
Arguments are a table per corpus kind (Django, CPython's stdlib), chosen so each macro has
real work: a function many modules call, a parameter that flows, a file with closures.
"""

from __future__ import annotations

from benchlib.agree import cache_status
from benchlib.context import Context
from benchlib.measure import Spec, measure_side_by_side
from benchlib.report import Line, check, timing_line
from benchlib.rows import _warm_measures
from benchlib.tools import cq_cold

MACRO_ARGS: dict[str, list[list[str]]] = {
    "django": [
        ["calls", "get_object_or_404"],
        ["impact", "get_object_or_404", "--param", "klass"],
        ["sig-impact", "get_object_or_404", "--to", "get_object_or_404(klass, /, *args, **kwargs)"],
        ["imports", "--cycles"],
        ["exceptions", "--in", "django/db"],
        ["side-effects"],
        ["scopes", "django/utils/functional.py"],
        ["bytecode-surface", "django/utils/functional.py"],
        ["hazards"],
    ],
    "cpython": [
        ["calls", "copyfile"],
        ["impact", "copytree", "--param", "src"],
        ["sig-impact", "copyfile", "--to", "copyfile(src, dst, /, *, follow_symlinks=True)"],
        ["imports", "--cycles"],
        ["exceptions", "--in", "json"],
        ["side-effects"],
        ["scopes", "functools.py"],
        ["bytecode-surface", "functools.py"],
        ["hazards"],
    ],
}


def corpus_kind(ctx: Context) -> str:
    return "django" if (ctx.corpus / "django" / "__init__.py").exists() else "cpython"


def macros(ctx: Context) -> list[Line]:
    """Cold and warm wall time of each macro (the warm target: < 150 ms, as for calls)."""
    lines: list[Line] = []
    for args in MACRO_ARGS[corpus_kind(ctx)]:
        lines.extend(_macro_lines(ctx, args))
    return lines


def _macro_lines(ctx: Context, args: list[str]) -> list[Line]:
    label = " ".join(args)
    cold = measure_side_by_side([Spec("cq", lambda: cq_cold(ctx.tools, args, ctx.corpus,
                                                            ctx.workdir))], ctx.budget)
    hot = _warm_measures(ctx, args, f"macro-{args[0]}-cache")
    status = cache_status(hot["cq"].last.stdout) if hot["cq"].ok and hot["cq"].last else ""
    return [
        timing_line("macros", ctx.label, cold, variant=f"{args[0]}, cold", note=label),
        timing_line("macros", ctx.label, hot, variant=f"{args[0]}, warm",
                    target=check(hot["cq"].median(), 0.150, "< 0.15 s"),
                    note=f"cache status: {status}" if status else ""),
    ]
