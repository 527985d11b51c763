"""Import discipline of the resident engine: `cq --version` and an in-process warm hit load
neither the MCP SDK, the watcher, the engine nor the server (the forwarding client looks for
a socket file, where `cq.wire` says it would be, and stops there when there is none)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RESIDENT = ("mcp", "mcp_types", "watchfiles", "anyio", "cq.engine", "cq.serve",
            "cq.mcp_server", "cq.cli.resident")
CHECK = ("heavy = sorted(m for m in sys.modules if m.split('.')[0] in {top} "
         "or m.startswith({prefixed}))\nassert not heavy, heavy\n")


def _check(*also: str) -> str:
    tops = {m for m in (*RESIDENT, *also) if "." not in m}
    prefixed = tuple(m for m in (*RESIDENT, *also) if "." in m)
    return CHECK.format(top=sorted(tops), prefixed=prefixed)


def _python(code: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "CQ_SERVER": "on"}
    env.pop("CQ_CACHE_DIR", None)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def test_version_loads_nothing_resident(tmp_path: Path) -> None:
    code = ("import sys\nfrom cq.cli.app import main\ntry:\n    main(['--version'])\n"
            "except SystemExit:\n    pass\n" + _check("cq.wire", "cq.cli.forward", "socket"))
    done = _python(code, tmp_path, tmp_path)
    assert done.returncode == 0, done.stderr


def test_an_in_process_warm_hit_loads_nothing_resident(make_repo) -> None:
    root = make_repo({"app.py": "def main():\n    pass\n"})
    code = ("import sys\nfrom cq.cli.app import run\n"
            "assert run(['q', 'entity=function', '--no-save-artifact']) == 0\n")
    assert _python(code, root, root.parent).returncode == 0  # cold: fills the caches
    done = _python(code + _check(), root, root.parent)
    assert done.returncode == 0, done.stderr
    assert "Cache: hit" in done.stdout


def test_a_fifo_named_pyproject_toml_is_not_waited_on(tmp_path: Path) -> None:
    from conftest import finishes
    from cq.cli.forward import _has_config

    os.mkfifo(tmp_path / "pyproject.toml")
    assert finishes(lambda: _has_config(str(tmp_path)), tmp_path / "pyproject.toml",
                    timeout_s=5) is False
