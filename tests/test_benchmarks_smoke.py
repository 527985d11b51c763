"""The benchmark harness runs end to end: `benchmarks/run.py --smoke` on a tiny corpus.

No timing is asserted; cq rows may read `n/a (...)` while features are missing, and rg rows
are skipped where ripgrep is not installed. What must hold: exit 0, a table with every row.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
ROWS = ("cold-name", "cold-full", "warm", "version", "touched", "calls", "macros", "rss",
        "growth", "copies cold", "copies edited", "bigfile")

CORPUS = {
    "app.py": """\
        def join(parts):
            return "/".join(parts)

        class Path:
            def join(self, other):
                return join([self, other])
        """,
    "pkg/__init__.py": "",
    "pkg/util.py": """\
        async def join():
            pass

        def get(mapping, key):
            return mapping.get(key)
        """,
}


def test_smoke_run_prints_every_row(make_repo, tmp_path: Path) -> None:
    corpus = make_repo(CORPUS)
    out = tmp_path / "latest.json"
    done = subprocess.run(
        [sys.executable, str(RUN), str(corpus), "--smoke", "--runs", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    table = [line for line in done.stdout.splitlines() if line.startswith("| repo |")]
    for row in ROWS:
        assert any(f"| {row}" in line for line in table), (row, done.stdout)
    assert "compileall" in done.stdout
    saved = json.loads(out.read_text())
    assert {line["row"] for line in saved["lines"]} == set(ROWS)


def test_tiers_script_counts_each_tier(tmp_path: Path) -> None:
    from conftest import copy_sample

    root = copy_sample(tmp_path, "receivers")
    script = RUN.parent / "tiers.py"
    out = tmp_path / "tiers.json"
    proc = subprocess.run([sys.executable, str(script), str(root), "--target", "Model.save",
                           "--json", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(out.read_text())["rows"]
    assert (row["sites"], row["resolved"], row["possible"], row["excluded"]) == (5, 4, 1, 2)
    assert "| `Model.save` | 5 | 4 | 1 | 2 |" in proc.stdout
