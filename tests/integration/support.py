"""Shared helpers of the cache integration tests: repositories, settings, runs, answers.

Runs go through the library (`cq.api.run_query`) where a process boundary is not the point,
and through the CLI (`python -m cq`, or a small launcher script) where it is. Answers are
compared without the run-specific parts: `run`, and the summary keys the cache layer owns.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec

from cq.api import run_query
from cq.cache.profile import repo_key
from cq.result import CqResult
from cq.settings import Settings, resolve_settings

RUN_KEYS = ("cache", "cache_stats", "query")
SHM = Path("/dev/shm")


@contextmanager
def fast_dir(prefix: str) -> Iterator[Path]:
    """A temporary directory on tmpfs when there is one: DiskCache commits fsync, which costs
    tens of ms per run on a real disk and nothing on tmpfs. Semantics are the same."""
    base = SHM if SHM.is_dir() and os.access(SHM, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix=prefix, dir=base) as name:
        yield Path(name)


def write_files(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def generated_repo(root: Path, n_files: int = 80) -> Path:
    files = {f"pkg/mod_{i:03d}.py": (f"import os\n\n\ndef func_{i}(x):\n    return helper_{i}(x)\n"
                                     f"\n\ndef helper_{i}(y):\n    return os.path.join(y)\n")
             for i in range(n_files)}
    return write_files(root, {"pkg/__init__.py": "", **files})


def settings(root: Path, cache_dir: Path, no_cache: bool = False, **options: Any) -> Settings:
    return resolve_settings({"root": str(root), "cache_dir": str(cache_dir),
                             "save_artifact": False, "no_cache": no_cache, "no_config": True,
                             **options}, env={})


def ask(root: Path, cache_dir: Path, text: str, no_cache: bool = False,
        **options: Any) -> CqResult:
    return run_query(settings(root, cache_dir, no_cache, **options), text)


def as_json(result: CqResult | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON form (lists, not tuples), as `--format json` prints it."""
    if not isinstance(result, CqResult):
        return dict(result)
    data: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(result))
    return data


def answer(result: CqResult | Mapping[str, Any]) -> dict[str, Any]:
    """What must not depend on the cache: findings, sections, evidence, summary (less the
    run-specific keys). Accepts a CqResult or its JSON form."""
    data = as_json(result)
    summary = {k: v for k, v in data["summary"].items() if k not in RUN_KEYS}
    return {"key_findings": data["key_findings"], "sections": data["sections"],
            "evidence": data["evidence"], "summary": summary}


def finding_files(result: CqResult | Mapping[str, Any]) -> set[str]:
    data = as_json(result)
    return {f["anchor"]["file"] for f in data["key_findings"] if f.get("anchor")}


def kind_dir(cache_dir: Path, root: Path, kind: str) -> Path:
    return cache_dir / "v1" / repo_key(root) / kind


# -- the CLI in a subprocess -------------------------------------------------------------------

class CliRun:
    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def cli_args(text: str, root: Path, cache_dir: Path, *extra: str) -> list[str]:
    return ["q", text, "--root", str(root), "--cache-dir", str(cache_dir),
            "--no-save-artifact", "--no-config", "--format", "json", *extra]


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CQ_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_cli(args: Sequence[str], launcher: Path | None = None, timeout: float = 60,
            extra_env: Mapping[str, str] | None = None, **popen: Any) -> CliRun:
    """`python -m cq ARGS` (or `python LAUNCHER ARGS`) with no CQ_* variables inherited."""
    head = [sys.executable, str(launcher)] if launcher else [sys.executable, "-m", "cq"]
    proc = subprocess.run([*head, *args], capture_output=True, text=True, timeout=timeout,
                          env={**child_env(), **(extra_env or {})}, **popen)
    return CliRun(proc)


def write_launcher(path: Path, body: str) -> Path:
    """A script that runs `body` (dedented) and then the CLI with its own argv. Ctrl-C raises
    KeyboardInterrupt in it as in a run started from a terminal, even when the suite itself
    was started with SIGINT ignored (a background job), which Python would inherit."""
    prelude = "import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
    path.write_text(prelude + textwrap.dedent(body) + "\nfrom cq.cli.app import main\nmain()\n")
    return path


# Appends the paths each `cq.runner.scan_paths` call scans to the file named by
# CQTEST_SCAN_LOG, one write per call (O_APPEND keeps concurrent writers apart).
SCAN_LOG_PATCH = """
import os
import cq.runner

_real_scan_paths = cq.runner.scan_paths

def _logged_scan_paths(root, paths, **kwargs):
    line = "".join(f"{os.getpid()} {p}\\n" for p in paths)
    fd = os.open(os.environ["CQTEST_SCAN_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
    return _real_scan_paths(root, paths, **kwargs)

cq.runner.scan_paths = _logged_scan_paths
"""


def read_scan_log(path: Path) -> list[tuple[int, str]]:
    if not path.exists():
        return []
    rows = (line.split(" ", 1) for line in path.read_text().splitlines() if line)
    return [(int(pid), rel) for pid, rel in rows]
