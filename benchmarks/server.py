"""Timings of the resident engine (DESIGN §8, issue #13), as medians and ratios in one run.

    uv run python benchmarks/server.py /root/.cache/cq-corpora/cpython
    uv run python benchmarks/server.py STDLIB --runs 15 --sizes 1000,10000,50000

Rows (each a median of `--runs` timed runs after warm-ups, wall time spawn to exit as a user
feels it, or for MCP the client-measured round trip of one tool call):
- bare: `python -c pass` of the venv — the unit of every ratio;
- warm CLI in-process (`--no-server`) and through `cq server` on the corpus;
- warm MCP tool call (`q`) on the corpus;
- warm selective query (`name=f7`, one file defines it) through the server on generated
  repositories of each size (flat: the same time);
- first answer after an edit of that file through the server, against the warm answer.
Targets: server ≤ 3× bare, MCP < 1× bare, flat across sizes, edit ≤ 1.5× warm. A temporary
cache directory is used and removed; the corpus is only read (edits go to a copy of one file
in a generated repository).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
CQ = str(VENV_BIN / "cq")
QUERY = "entity=function name=join"
SELECTIVE = "entity=function name=f7"  # generated repositories: one file defines it


def median_of(runs: int, once: Callable[[], None], warmups: int = 2) -> float:
    for _ in range(warmups):
        once()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(*args: str, env: dict[str, str]) -> None:
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)


def cq_args(root: Path, cache: Path, *extra: str, query: str = QUERY) -> list[str]:
    return [CQ, "q", query, "--root", str(root), "--cache-dir", str(cache),
            "--no-save-artifact", *extra]


def selective(root: Path, cache: Path) -> list[str]:
    return cq_args(root, cache, query=SELECTIVE)


def server(action: str, root: Path, cache: Path, env: dict[str, str]) -> None:
    subprocess.run([CQ, "server", action, "--root", str(root), "--cache-dir", str(cache)],
                   env=env, check=False, capture_output=True)


def generate(where: Path, files: int) -> Path:
    """`files` small modules in directories of 100, each defining a few functions."""
    root = where / f"gen{files}"
    for i in range(files):
        folder = root / f"pkg{i // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"m{i}.py").write_text(
            f"import os\n\n\ndef f{i}(x):\n    return os.path.join(x, 'a')\n\n\n"
            f"def join(a, b):\n    return a + b\n\n\nclass C{i}:\n    def m(self):\n"
            f"        return f{i}(1)\n")
    (root / ".git").mkdir()
    return root


def mcp_round_trip(root: Path, cache: Path, env: dict[str, str], runs: int) -> float:
    import anyio
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=CQ, args=["mcp", "--root", str(root)],
                                   env={**env, "CQ_CACHE_DIR": str(cache),
                                        "CQ_SAVE_ARTIFACT": "0"})

    async def main() -> float:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            times = []
            for i in range(runs + 2):
                start = time.perf_counter()
                await s.call_tool("q", {"query": QUERY})
                if i >= 2:
                    times.append(time.perf_counter() - start)
            return statistics.median(times)

    return anyio.run(main)


def edit_ratio(root: Path, cache: Path, env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median warm answer and median first answer after appending to the one file that
    defines the name asked for (a selective query, DESIGN §8)."""
    target = next(root.rglob("m7.py"))
    warm = median_of(runs, lambda: run(*selective(root, cache), env=env))
    firsts = []
    for i in range(runs):
        with target.open("a") as handle:
            handle.write(f"# edit {i}\n")
        start = time.perf_counter()
        run(*selective(root, cache), env=env)
        firsts.append(time.perf_counter() - start)
        run(*selective(root, cache), env=env)
    return warm, statistics.median(firsts)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("stdlib", type=Path)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--sizes", default="1000,10000,50000")
    options = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(VENV_BIN.parent / "lib"),
                    str(Path(__file__).resolve().parents[1] / "src")],
                   capture_output=True, check=False)  # real installs have .pyc files
    env = {k: v for k, v in os.environ.items() if not k.startswith("CQ_")}
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bare = median_of(options.runs, lambda: run(sys.executable, "-c", "pass", env=env))
        rows.append(("bare interpreter start", bare, "1.00×"))
        corpus, cache = options.stdlib.resolve(), work / "cache"
        run(*cq_args(corpus, cache, "--no-server"), env=env)
        alone = median_of(options.runs, lambda: run(*cq_args(corpus, cache, "--no-server"),
                                                     env=env))
        rows.append(("warm CLI in-process (stdlib)", alone, f"{alone / bare:.2f}× (≤ 9×)"))
        server("start", corpus, cache, env)
        served = median_of(options.runs, lambda: run(*cq_args(corpus, cache), env=env))
        rows.append(("warm CLI through cq server (stdlib)", served,
                     f"{served / bare:.2f}× (≤ 3×)"))
        server("stop", corpus, cache, env)
        mcp = mcp_round_trip(corpus, cache, env, options.runs)
        rows.append(("warm MCP tool call (stdlib)", mcp, f"{mcp / bare:.2f}× (< 1×)"))
        sizes = [int(s) for s in options.sizes.split(",") if s]
        for size in sizes:
            root = generate(work, size)
            server("start", root, cache, env)
            run(*selective(root, cache), env=env)  # cold
            warm = median_of(options.runs, lambda r=root: run(*selective(r, cache), env=env))
            rows.append((f"warm through server, {size:,} files", warm, f"{warm / bare:.2f}×"))
            if size == sizes[0]:
                steady, first = edit_ratio(root, cache, env, options.runs)
                rows.append((f"first answer after an edit, {size:,} files", first,
                             f"{first / steady:.2f}× warm (≤ 1.5×)"))
            server("stop", root, cache, env)
            shutil.rmtree(root)
    print("| row | median | ratio |\n|---|---|---|")
    for name, seconds, ratio in rows:
        print(f"| {name} | {seconds * 1000:.1f} ms | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
