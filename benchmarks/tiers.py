"""How `cq calls` sorts call sites into tiers on a real corpus, and what it costs.

Usage:
    uv run python benchmarks/tiers.py CORPUS [--target SPEC ...] [--time SPEC] [--json OUT]

For each target it runs `cq calls SPEC --format json --no-cache` and prints one row: the
sites listed, how many are resolved, possible and excluded, and the evidence behind them.
A cq without tiers (before receiver inference) is read the same way: its sites count as
resolved when their evidence is `resolved`/`self` and as possible when it is `name`, and
nothing is excluded. To measure another checkout, put its `src` first on PYTHONPATH.

`--time SPEC` also times `cq calls SPEC` cold (an empty cache directory) and warm (the same
command again), each the best of `--repeat` runs, in seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

DJANGO_TARGETS = ("QuerySet.filter", "Engine.get_default", "Model.save", "reverse",
                  "force_str")


def run_calls(corpus: Path, spec: str, *, cache_dir: Path | None = None) -> dict[str, Any]:
    command = [sys.executable, "-m", "cq", "calls", spec, "--root", str(corpus),
               "--format", "json", "--no-save-artifact"]
    command += ["--cache-dir", str(cache_dir)] if cache_dir else ["--no-cache"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def tier_row(spec: str, result: dict[str, Any]) -> dict[str, Any]:
    """The tiers of one answer (derived from the evidence for a cq without tiers)."""
    summary, sites = result["summary"], result["key_findings"]
    evidence = Counter(f["details"].get("evidence", "") for f in sites)
    if isinstance(summary.get("resolved"), int):
        tiers = {t: summary[t] for t in ("resolved", "possible", "excluded")}
        evidence.update(row["evidence"] + " (excluded)" for row in summary["excluded_sites"])
    else:
        tiers = {"resolved": evidence["resolved"] + evidence["self"],
                 "possible": evidence["name"], "excluded": 0}
    return {"target": spec, "sites": len(sites), **tiers,
            "evidence": dict(sorted(evidence.items()))}


def timed(corpus: Path, spec: str, repeat: int) -> dict[str, float]:
    """Best cold and warm wall times of `cq calls SPEC` over `repeat` rounds."""
    cold, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            for runs in (cold, warm):
                start = time.perf_counter()
                run_calls(corpus, spec, cache_dir=Path(cache))
                runs.append(time.perf_counter() - start)
    return {"cold_s": round(min(cold), 2), "warm_s": round(min(warm), 2)}


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| target | sites listed | resolved | possible | excluded | evidence |",
             "|---|---:|---:|---:|---:|---|"]
    for row in rows:
        evidence = ", ".join(f"{k or '-'} {n}" for k, n in row["evidence"].items())
        lines.append(f"| `{row['target']}` | {row['sites']} | {row['resolved']} | "
                     f"{row['possible']} | {row['excluded']} | {evidence} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--target", action="append", dest="targets")
    parser.add_argument("--time", action="append", default=[], dest="timed")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rows = [tier_row(spec, run_calls(args.corpus, spec))
            for spec in args.targets or DJANGO_TARGETS]
    print(table(rows))
    timings = {spec: timed(args.corpus, spec, args.repeat) for spec in args.timed}
    for spec, times in timings.items():
        print(f"calls {spec}: cold {times['cold_s']} s, warm {times['warm_s']} s")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "timings": timings}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
