"""The commands of the resident engine, imported only by them: `cq mcp` (the MCP server on
stdio) and `cq server start|stop|status` (a background `python -m cq.serve` per root and cache
directory, reached through `cq.cli.forward`)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import msgspec

from cq.cli.commands import emit, remark
from cq.errors import BadInputError, CqError
from cq.wire import socket_dir, socket_path


def serve_mcp(root: str | None) -> int:
    from cq.mcp_server import serve_stdio

    return serve_stdio(str(Path(root).resolve()) if root else None)


ACTIONS = ("start", "stop", "status")
START_WAIT_S = 20.0


def server_command(action: str, options: dict[str, Any]) -> int:
    """`cq server start|stop|status` for the root and cache directory of `options`."""
    from cq.settings import resolve_settings

    if action not in ACTIONS:
        raise BadInputError(f"unknown server action {action!r}",
                            hint=f"valid: {', '.join(ACTIONS)}")
    settings = resolve_settings(options, env=os.environ)
    settings = msgspec.structs.replace(settings, cache_dir=os.path.abspath(settings.cache_dir))
    path = socket_path(settings.cache_dir, settings.root)
    running = _ask(path, "status")
    if action == "status":
        return _show_status(running, settings.root)
    if action == "stop":
        return _stop(path, running, settings.root)
    if running is not None:
        remark(f"cq: server already running for {settings.root} (pid {running['pid']})")
        return 0
    return _start(settings, path)


def _ask(path: str, kind: str) -> dict[str, Any] | None:
    from cq.cli.forward import exchange

    if not os.path.exists(path):
        return None
    answer = exchange(path, {"type": "Ask", "kind": kind}, timeout=10.0)
    status = None if answer is None else answer.get("status")
    return status if isinstance(status, dict) else None


def _start(settings: Any, path: str) -> int:
    """Start the server in its own session, its stderr in a log beside the socket, and wait
    until it answers."""
    import subprocess

    os.makedirs(socket_dir(settings.cache_dir), mode=0o700, exist_ok=True)
    log = os.path.join(socket_dir(settings.cache_dir), os.path.basename(path) + ".log")
    with open(log, "ab") as err:
        subprocess.Popen([sys.executable, "-m", "cq.serve", settings.root, settings.cache_dir,
                          str(settings.server_idle), str(settings.engine_memory)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                         start_new_session=True, cwd="/")
    deadline = time.monotonic() + START_WAIT_S
    while time.monotonic() < deadline:
        status = _ask(path, "status")
        if status is not None:
            remark(f"cq: server started for {settings.root} (pid {status['pid']})")
            return 0
        time.sleep(0.02)
    raise CqError(f"cq server did not start within {START_WAIT_S:g} s (see {log})")


def _stop(path: str, running: dict[str, Any] | None, root: str) -> int:
    if running is None:
        remark(f"cq: server not running for {root}")
        return 0
    _ask(path, "stop")
    deadline = time.monotonic() + START_WAIT_S
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    remark(f"cq: server stopped (pid {running['pid']})")
    return 0


def _show_status(status: dict[str, Any] | None, root: str) -> int:
    if status is None:
        emit(f"cq: server not running for {root}")
        return 0
    roots = status.get("roots") or [{}]
    lines = [f"root: {status['root']}", f"pid: {status['pid']}",
             f"uptime: {status['uptime_s']:,.1f} s",
             f"memory: {status['memory_bytes'] / 1e6:,.1f} MB",
             f"files watched: {sum(r.get('files_watched', 0) for r in roots):,}",
             f"freshness: {roots[0].get('mode', 'no request yet')}",
             f"requests served: {status['requests']:,}",
             f"facts in memory: {status.get('facts_files', 0):,} files, "
             f"{status.get('facts_bytes', 0) / 1e6:,.1f} MB",
             f"idle exit: {status['idle_exit_s']:g} s", f"socket: {status['socket']}"]
    emit("\n".join(lines))
    return 0
