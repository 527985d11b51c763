"""Forwarding a command to a running `cq server`: the client side, light on purpose.

`forwarded(args)` answers a command through the server for its root and cache directory
when one is listening, and returns its exit status; None means "run in-process": no server
(one `stat` of the socket path), `--no-server` / `CQ_SERVER=off` / `server = false`, a
command that is never forwarded (`server`, `mcp`, help, version), a server of another build
(the handshake's versions differ), or a socket nobody listens on — a dead server's, which is
then removed. The server prints exactly what this process would have printed: it runs the
same command line with this process's working directory, environment, umask and argv.
Only `socket` and the wire's structs are imported, and only when a socket file exists.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from cq.cli.flags import FLAG_BY_NAME

NEVER = frozenset({"server", "mcp", "--version", "-V", "--help", "-h"})
_STEERING = ("root", "config", "no_config", "cache_dir", "server")
ENABLED = [True]  # False inside the server itself: its runs are the in-process ones


def forwarded(args: list[str]) -> int | None:
    if not ENABLED[0] or not args or NEVER.intersection(args):
        return None
    settings = _settings(args)
    if settings is None or not settings.server:
        return None
    from cq.wire import socket_path

    path = socket_path(settings.cache_dir, settings.root)
    if not os.path.exists(path):
        return None
    answer = exchange(path, ask_run(args))
    if answer is None:
        return None
    sys.stdout.write(answer.stdout)
    sys.stdout.flush()
    sys.stderr.write(answer.stderr)
    code: int = answer.code
    return code


def _settings(args: list[str]) -> Any:
    """The settings that pick the server: the steering flags of the command line, the
    environment and the config file; None when they do not resolve (the in-process run
    then says why)."""
    from cq.settings import resolve_settings

    given: dict[str, Any] = {}
    rest = iter(args)
    for arg in rest:
        name, eq, inline = arg.partition("=")
        flag = FLAG_BY_NAME.get(name)
        if flag is None or flag.field not in _STEERING:
            continue
        if flag.kind == "value":
            given[flag.field] = inline if eq else next(rest, "")
        else:
            given[flag.field] = not name.startswith("--no-") or flag.kind == "flag"
    try:
        return resolve_settings(given, env=os.environ)
    except Exception:  # noqa: BLE001  # anything wrong is the in-process run's to report
        return None


def ask_run(args: list[str]) -> Any:
    from cq.wire import Ask

    mask = os.umask(0)
    os.umask(mask)
    return Ask(kind="run", argv=tuple(sys.argv), args=tuple(args), cwd=os.getcwd(),
               env=dict(os.environ), umask=mask)


def exchange(path: str, ask: Any, timeout: float | None = None) -> Any:
    """The server's `Answer` to `ask`, or None: nobody listens (the dead socket is removed),
    the versions differ, or the connection broke before an answer."""
    import socket

    from cq.wire import Hello, Welcome, receive, send, wire_version

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(path)
        except (ConnectionRefusedError, FileNotFoundError):
            _remove_dead(path)
            return None
        version = wire_version()
        send(sock, Hello(version=version))
        welcome = receive(sock)
        if not isinstance(welcome, Welcome) or welcome.version != version:
            return None
        send(sock, ask)
        return receive(sock)
    except (OSError, EOFError):
        return None
    finally:
        sock.close()


def _remove_dead(path: str) -> None:
    import contextlib

    with contextlib.suppress(OSError):
        os.unlink(path)
