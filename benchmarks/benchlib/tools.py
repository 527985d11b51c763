"""The tools under test and the command lines the rows run.

cq is measured as users run it: the venv's console script (`<sys.prefix>/bin/cq`), not
`python -m cq`. ast-grep is the venv's binary from the dev dependency group; ripgrep is
whatever `rg` is on PATH, and optional. cq's features are detected from its `--help` text,
so the harness works against a cq that is still being built.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchlib.proc import Invocation

CQ_OUTPUT = ["--no-save-artifact", "--format", "json"]


@dataclass(frozen=True)
class Tools:
    cq: str
    ast_grep: str
    rg: str | None
    cache_dir_flag: bool  # does `cq q` accept --cache-dir?
    has_calls: bool  # does `cq calls` exist?
    versions: dict[str, str]


def find_tools() -> Tools:
    bindir = Path(sys.prefix) / "bin"
    cq, ast_grep = bindir / "cq", bindir / "ast-grep"
    for path in (cq, ast_grep):
        if not path.exists():
            raise SystemExit(f"run.py: {path} not found; run it with `uv run python ...`")
    rg = shutil.which("rg")
    q_help = _output([str(cq), "q", "--help"])
    top_help = _output([str(cq), "--help"])
    return Tools(
        cq=str(cq), ast_grep=str(ast_grep), rg=rg,
        cache_dir_flag="--cache-dir" in q_help + top_help,
        has_calls=_succeeds([str(cq), "calls", "--help"]),
        versions={"cq": _first_line([str(cq), "--version"]),
                  "ast-grep": _first_line([str(ast_grep), "--version"]),
                  "rg": _first_line([rg, "--version"]) if rg else "rg not found",
                  "python": f"Python {sys.version.split()[0]}",
                  "cpus": f"{os.cpu_count()} CPUs"},
    )


def _output(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout + done.stderr


def _succeeds(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _first_line(argv: list[str]) -> str:
    text = _output(argv).strip()
    return text.splitlines()[0] if text else "unknown"


# -- cq ---------------------------------------------------------------------------------------


def cq_env(cache_dir: Path) -> dict[str, str]:
    return {**os.environ, "CQ_CACHE_DIR": str(cache_dir)}


def cq_argv(tools: Tools, args: list[str], root: Path, cache_dir: Path) -> list[str]:
    """`cq <args> --root R --no-save-artifact --format json [--cache-dir D]`."""
    argv = [tools.cq, *args, "--root", str(root), *CQ_OUTPUT]
    if tools.cache_dir_flag:
        argv += ["--cache-dir", str(cache_dir)]
    return argv


def cq_on_cache(tools: Tools, args: list[str], root: Path, cache_dir: Path) -> Invocation:
    """A cq run on a given (kept) cache directory."""
    return Invocation(cq_argv(tools, args, root, cache_dir), cq_env(cache_dir))


def cq_cold(tools: Tools, args: list[str], root: Path, workdir: Path) -> Invocation:
    """A cq run on a fresh, empty cache directory that is removed after the run."""
    cache_dir = Path(tempfile.mkdtemp(prefix="cache-", dir=workdir))
    return Invocation(cq_argv(tools, args, root, cache_dir), cq_env(cache_dir),
                      cleanup_dir=cache_dir)


def cq_version(tools: Tools, workdir: Path) -> Invocation:
    return Invocation([tools.cq, "--version"], cq_env(workdir / "version-cache"))


# -- ast-grep and ripgrep ------------------------------------------------------------------------


def sg_def(tools: Tools, name: str, root: Path) -> Invocation:
    pattern = f"def {name}($$$): $$$"
    return Invocation([tools.ast_grep, "run", "-p", pattern, "--lang", "python",
                       "--json=stream", str(root)])


def sg_all_defs(tools: Tools, root: Path) -> Invocation:
    return Invocation([tools.ast_grep, "run", "-p", "def $F($$$): $$$", "--lang", "python",
                       str(root)])


def sg_calls(tools: Tools, name: str, root: Path) -> Invocation:
    rule = (f"id: calls-{name}\nlanguage: python\nrule:\n  any:\n"
            f"    - pattern: {name}($$$)\n    - pattern: $O.{name}($$$)\n")
    return Invocation([tools.ast_grep, "scan", "--inline-rules", rule, "--json=stream",
                       str(root)])


def rg_def(rg: str, name: str, root: Path) -> Invocation:
    return Invocation([rg, "-n", "--type", "py", f"def {name}\\(", str(root)])
