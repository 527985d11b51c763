"""Progress on stderr: a rich bar when stderr is a terminal (a pty here), plain lines under
`--progress` on a pipe, nothing otherwise or under `--quiet`; stdout never changes, and rich
is imported only when a bar is drawn."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

FILES = 40  # more than cq.progress.MIN_FILES

_SCRIPT = """
import sys
from cq.cli.app import run
code = run(sys.argv[1:])
sys.stdout.write(f"\\nEXIT {code} RICH {'rich' in sys.modules}\\n")
"""


@pytest.fixture
def repo(make_repo) -> Path:
    return make_repo({f"pkg/m{i}.py": f"def f{i}():\n    return {i}\n" for i in range(FILES)})


def _args(repo: Path, *extra: str) -> list[str]:
    return ["q", "entity=function", "--root", str(repo), "--cache-dir",
            str(repo.parent / "cache"), "--no-save-artifact", "--format", "summary", *extra]


def _env(repo: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CQ_")}
    return {**env, "HOME": str(repo.parent), "COLUMNS": "80", "TERM": "xterm"}


def _on_a_terminal(repo: Path, *args: str) -> tuple[str, str]:
    """Run with stderr on a pty; stdout and what the terminal received."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-c", _SCRIPT, *args], stdout=subprocess.PIPE,
                            stderr=slave, env=_env(repo))
    os.close(slave)
    received = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            received += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read().decode() if proc.stdout else ""
    proc.wait()
    os.close(master)
    return out, received.decode(errors="replace")


def _on_a_pipe(repo: Path, *args: str) -> tuple[str, str]:
    done = subprocess.run([sys.executable, "-c", _SCRIPT, *args], capture_output=True,
                          text=True, env=_env(repo))
    return done.stdout, done.stderr


def _answer(out: str) -> str:
    """stdout without the run id and timings the summary line carries."""
    line = out.splitlines()[0]
    return line.split(" · ")[0]


def test_a_terminal_gets_a_bar_and_stdout_is_unchanged(repo: Path) -> None:
    out, terminal = _on_a_terminal(repo, *_args(repo, "--no-cache"))
    assert "EXIT 0 RICH True" in out
    assert "scanning" in terminal
    piped, err = _on_a_pipe(repo, *_args(repo, "--no-cache"))
    assert "RICH False" in piped and err == ""
    assert _answer(out) == _answer(piped)


def test_a_warm_hit_on_a_terminal_imports_no_rich(repo: Path) -> None:
    _on_a_pipe(repo, *_args(repo))
    out, terminal = _on_a_terminal(repo, *_args(repo))
    assert "EXIT 0 RICH False" in out
    assert terminal == ""


@pytest.mark.parametrize("flag", ["--quiet", "--no-progress"])
def test_quiet_or_no_progress_draw_no_bar_on_a_terminal(repo: Path, flag: str) -> None:
    out, terminal = _on_a_terminal(repo, *_args(repo, "--no-cache", flag))
    assert "EXIT 0 RICH False" in out
    assert terminal == ""


def test_progress_on_a_pipe_is_plain_lines(repo: Path) -> None:
    out, err = _on_a_pipe(repo, *_args(repo, "--no-cache", "--progress"))
    assert "RICH False" in out
    lines = err.splitlines()
    assert lines[0] == f"cq: scanning {FILES} files"
    assert lines[-1] == f"cq: scanning {FILES}/{FILES} files done"
    assert all("\x1b" not in line for line in lines)


def test_progress_lines_name_the_report_steps(make_repo) -> None:
    root = make_repo({"app.py": "def f(x):\n    return x\n\ndef g():\n    return f(1)\n"})
    out, err = _on_a_pipe(root, "report", "refactor-impact", "--target", "function:f",
                          "--root", str(root), "--no-cache", "--no-save-artifact", "--progress",
                          "--format", "summary")
    assert "EXIT 0" in out
    steps = [line for line in err.splitlines() if "report step" in line]
    assert steps[0] == "cq: report step 1 of 6: calls"
    assert steps[-1] == "cq: report step 6 of 6: side-effects"


def test_quiet_silences_notices_but_not_errors(make_repo) -> None:
    root = make_repo({"app.py": "def f():\n    pass\n", "pyproject.toml": "[broken\n"})
    out, err = _on_a_pipe(root, *_args(root))
    assert "ignoring" in err
    out, err = _on_a_pipe(root, *_args(root, "--quiet"))
    assert "EXIT 0" in out and err == ""
    out, err = _on_a_pipe(root, *_args(root, "--quiet", "--timeout", "-1"))
    assert "EXIT 2" in out and err.startswith("cq: error:")
