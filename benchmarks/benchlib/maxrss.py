"""Run a command and record its peak RSS: `python maxrss.py OUT CMD [ARG ...]`.

Writes "<pid> <ru_maxrss KiB>" of CMD to OUT and exits with CMD's exit code.

Why a separate small process: on Linux a child's `ru_maxrss` starts from the resident size of
the address space it replaced at exec, and after fork (or vfork) that is the parent's. Spawned
straight from the benchmark runner, which holds tens of MB of captured output, every command
would report at least the runner's own peak. Spawned from this tiny process, the floor is a
few MB. Like `/usr/bin/time`, without depending on it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    out, command = argv[0], argv[1:]
    proc = subprocess.Popen(command)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    Path(out).write_text(f"{proc.pid} {usage.ru_maxrss}\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
