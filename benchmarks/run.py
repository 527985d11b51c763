"""Time cq side by side with the ast-grep CLI and ripgrep on real corpora.

    uv run python benchmarks/run.py CORPUS_DIR [CORPUS_DIR ...] [--runs N] [--json OUT]
                                    [--rows ROW,ROW] [--name X] [--smoke]

Prints a Markdown table (min / median / max wall seconds per tool, ratio of medians, the
DESIGN §8 target) and writes every raw timing to JSON. Corpora are only read; rows that edit
or subset a corpus work on copies in a temporary directory. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import rows, rows_bigfile, rows_copies, rows_macros, rows_scale  # noqa: E402
from benchlib.context import Context  # noqa: E402
from benchlib.corpus import default_name  # noqa: E402
from benchlib.measure import Budget  # noqa: E402
from benchlib.report import Line, markdown_table, write_json  # noqa: E402
from benchlib.tools import Tools, find_tools  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_JSON = REPO / "benchmarks" / "results" / "latest.json"
ROWS: dict[str, Callable[[Context], list[Line]]] = {
    "cold-name": rows.cold_name,
    "cold-full": rows.cold_full,
    "warm": rows.warm,
    "version": rows.version,
    "touched": rows.touched,
    "calls": rows.calls,
    "macros": rows_macros.macros,
    "rss": rows_scale.rss,
    "growth": rows_scale.growth,
    "copies": rows_copies.copies,
    "bigfile": rows_bigfile.bigfile,
}
GROWTH_SIZES = (100, 300, 1000)
SMOKE_GROWTH_SIZES = (1, 2)
COPY_COUNTS = (1, 2, 4)  # the copies row: the corpus this many times in one root
SMOKE_COPY_COUNTS = (1,)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", type=Path, metavar="CORPUS_DIR")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool (default 5)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, metavar="OUT",
                        help=f"raw timings and the table (default {DEFAULT_JSON})")
    parser.add_argument("--rows", default=",".join(ROWS), metavar="ROWNAMES",
                        help=f"comma-separated subset of: {', '.join(ROWS)}")
    parser.add_argument("--name", help="name to look up (default: get for Django, else join)")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds before one command is killed (default 900)")
    parser.add_argument("--smoke", action="store_true",
                        help="every row once on a tiny corpus, no warm-up: checks the harness")
    args = parser.parse_args(argv)
    args.rows = [name.strip() for name in args.rows.split(",") if name.strip()]
    unknown = [name for name in args.rows if name not in ROWS]
    if unknown:
        parser.error(f"unknown row(s) {', '.join(unknown)}; rows: {', '.join(ROWS)}")
    missing = [str(path) for path in args.corpora if not path.is_dir()]
    if missing:
        parser.error(f"not a directory: {', '.join(missing)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.smoke:
        args.runs = 1
    return args


def precompile() -> str:
    """Write .pyc files for site-packages and src/, as a real install has them.

    This environment sets PYTHONDONTWRITEBYTECODE=1, so without this step every cq process
    would recompile every module it imports and the timings would measure the compiler.
    """
    targets = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
                      str(REPO / "src")})
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", *targets],
                          capture_output=True, text=True)
    took = time.perf_counter() - start
    flag = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    return (f"Bytecode: ran `python -m compileall -q` over {', '.join(targets)} first "
            f"(exit {done.returncode}, {took:.1f} s), and over src/ again before each row: "
            f"PYTHONDONTWRITEBYTECODE={flag!r} here, and real installs have .pyc files.")


def refresh_src_bytecode() -> None:
    """Recompile src/ modules edited since the last row (a shared checkout keeps changing)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")],
                   capture_output=True)


def run_corpus(corpus: Path, args: argparse.Namespace, tools: Tools,
               scratch: Path) -> tuple[list[Line], Context]:
    corpus = corpus.resolve()
    label = corpus.name
    workdir = scratch / label
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = Context(tools=tools, corpus=corpus, label=label,
                  name=args.name or default_name(corpus),
                  budget=Budget(runs=args.runs, warmup=not args.smoke, timeout=args.timeout),
                  workdir=workdir,
                  growth_sizes=SMOKE_GROWTH_SIZES if args.smoke else GROWTH_SIZES,
                  copy_counts=SMOKE_COPY_COUNTS if args.smoke else COPY_COUNTS)
    lines: list[Line] = []
    for name in args.rows:
        print(f"[{label}] {name} …", file=sys.stderr, flush=True)
        refresh_src_bytecode()
        lines.extend(run_row(name, ctx))
    return lines, ctx


def run_row(name: str, ctx: Context) -> list[Line]:
    """One row; a harness bug in one row is reported in the table, never fatal."""
    try:
        return ROWS[name](ctx)
    except Exception as exc:  # noqa: BLE001 - the rest of the run must go on
        return [Line(name, ctx.label, note=f"harness error: {type(exc).__name__}: {exc}")]


def header(tools: Tools, args: argparse.Namespace, bytecode: str) -> list[str]:
    cache = ("a fresh empty directory per run, via --cache-dir and CQ_CACHE_DIR"
             if tools.cache_dir_flag else
             "a fresh empty directory per run, via CQ_CACHE_DIR (cq q has no --cache-dir)")
    versions = ", ".join(tools.versions.values())
    mode = "smoke (1 run, no warm-up)" if args.smoke else f"{args.runs} runs after 1 warm-up"
    rg = "" if tools.rg else " rg not found: rg cells are skipped."
    return [
        "# cq benchmark", "",
        f"- {bytecode}",
        f"- Tools: {versions}.{rg}",
        f"- Mode: {mode}; wall seconds of the whole process, min / median / max; "
        "ratio = cq median / ast-grep median from the same run.",
        f"- Cold cq cache: {cache}. The OS page cache is not dropped.", "",
    ]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    bytecode = precompile()
    tools = find_tools()
    lines: list[Line] = []
    contexts: list[Context] = []
    with tempfile.TemporaryDirectory(prefix="cq-bench-") as scratch:
        for corpus in args.corpora:
            corpus_lines, ctx = run_corpus(corpus, args, tools, Path(scratch))
            lines.extend(corpus_lines)
            contexts.append(ctx)
    table = markdown_table(lines)
    agreements = [a for ctx in contexts for a in ctx.agreements]
    out = [*header(tools, args, bytecode), table]
    if agreements:
        out += ["", "## Agreement: cq `q X` (classes dropped) vs ast-grep `def X($$$): $$$`",
                "", *[text for a in agreements for text in a.lines()]]
    print("\n".join(out))
    meta = {"argv": argv, "runs": args.runs, "smoke": args.smoke, "bytecode": bytecode,
            "tools": tools.versions, "cache_dir_flag": tools.cache_dir_flag,
            "has_calls": tools.has_calls, "corpora": [str(c.corpus) for c in contexts]}
    write_json(args.json, meta, lines, table, [a.to_json() for a in agreements])
    print(f"\nRaw timings: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
