"""Forwarding a command to a running `cq server`: the client side, light on purpose.

`forwarded(args)` answers a command through the server for its root and cache directory
when one is listening, and returns its exit status; None means "run in-process": no server
(one `stat` of the socket path), `--no-server` / `CQ_SERVER=off` / `server = false`, a
command that is never forwarded (`server`, `mcp`, help, version), a server of another build
(the handshake's versions differ), or a socket nobody listens on — a dead server's, which is
then removed. The server prints exactly what this process would have printed: it runs the
same command line with this process's working directory, environment, umask and argv.

Finding the socket reads only the steering flags (`STEERING`, the spellings of the flag
table's rows that choose the root, the config and the cache directory), the environment
and the root's directory: a root with a config file (`.cq.toml`, a `[tool.cq]` table, or
`--config`) is resolved by `cq.settings` as a run would. The exchange uses the builtin
`_socket` and `cq.handshake`'s msgpack frames: no msgspec, no settings, no `socket` module.
"""

from __future__ import annotations

import os
import sys

NEVER = frozenset({"server", "mcp", "--version", "-V", "--help", "-h"})
# The flags that choose the server, as the flag table (`cq.cli.flags`) spells them; a test
# checks the two agree. Value: takes one; the rest are switches.
STEERING = {"--root": "root", "--config": "config", "--cache-dir": "cache_dir",
            "--no-config": "no_config", "--server": "server", "--no-server": "server"}
VALUE_FLAGS = frozenset({"--root", "--config", "--cache-dir"})
ENV_CACHE_DIR = ("CQ_CACHE_DIR", "CQ_DISKCACHE_DIR")  # as the settings table spells them
OFF = frozenset({"0", "false", "no", "off", ""})
ENABLED = [True]  # False inside the server itself: its runs are the in-process ones


def forwarded(args: list[str]) -> int | None:
    if not ENABLED[0] or not args or NEVER.intersection(args):
        return None
    where = server_for(args)
    if where is None or not _ours(where):
        return None
    answer = exchange(where, ask_run(args))
    if answer is None:
        return None
    sys.stdout.write(str(answer["stdout"]))
    sys.stdout.flush()
    sys.stderr.write(str(answer["stderr"]))
    code = answer["code"]
    return code if isinstance(code, int) else 1


def _ours(path: str) -> bool:
    """Does the socket exist, and do it and its directory belong to this user alone? The
    command line and environment are sent to it: never to another user's process."""
    try:
        sock, folder = os.stat(path), os.stat(os.path.dirname(path))
    except OSError:
        return False
    uid = os.getuid()
    return sock.st_uid == uid and folder.st_uid == uid and not folder.st_mode & 0o077


def server_for(args: list[str]) -> str | None:
    """The socket path of the server for this command line, or None (not forwarded)."""
    given = steering(args)
    if given is None or given.get("server") is False:
        return None
    if os.environ.get("CQ_SERVER", "on").strip().lower() in OFF and "server" not in given:
        return None
    root = _root(given)
    if root is None:
        return None
    if given.get("config") or (not given.get("no_config") and _has_config(root)):
        return _configured(given)
    cache = str(given.get("cache_dir") or next((os.environ[v] for v in ENV_CACHE_DIR
                                                if v in os.environ), "") or _default_cache())
    from cq.handshake import socket_path

    return socket_path(os.path.abspath(cache), root)


def steering(args: list[str]) -> dict[str, object] | None:
    given: dict[str, object] = {}
    rest = iter(args)
    for arg in rest:
        name, eq, inline = arg.partition("=")
        field = STEERING.get(name)
        if field is None:
            continue
        if name in VALUE_FLAGS:
            value = inline if eq else next(rest, None)
            if not value:
                return None  # malformed: the in-process run says so
            given[field] = value
        else:
            given[field] = not name.startswith("--no-") or field == "no_config"
    return given


def _root(given: dict[str, object]) -> str | None:
    start = str(given.get("root") or os.environ.get("CQ_ROOT") or "")
    if start:
        real = os.path.realpath(start)
        return real if os.path.isdir(real) else None
    here = os.path.realpath(os.getcwd())
    candidate = here
    while True:
        if os.path.exists(os.path.join(candidate, ".git")):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return here
        candidate = parent


def _has_config(root: str) -> bool:
    if os.path.isfile(os.path.join(root, ".cq.toml")):
        return True
    from cq.reading import read_source  # stdlib only, like this module

    try:  # never a blocking open: a FIFO in place of the file must not hang the client
        return b"tool.cq" in read_source(os.path.join(root, "pyproject.toml"), 1 << 24)
    except OSError:
        return False


def _configured(given: dict[str, object]) -> str | None:
    """The socket path from the full settings (a config file may name the cache directory
    or turn forwarding off); None when they do not resolve: the in-process run says why."""
    from cq.handshake import socket_path
    from cq.settings import resolve_settings

    try:
        settings = resolve_settings(given, env=os.environ)
    except Exception:  # noqa: BLE001  # anything wrong is the in-process run's to report
        return None
    if not settings.server:
        return None
    return socket_path(os.path.abspath(settings.cache_dir), settings.root)


def _default_cache() -> str:
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return os.path.join(xdg, "cq")
    return os.path.join(os.environ.get("HOME") or os.path.expanduser("~"), ".cache", "cq")


def ask_run(args: list[str]) -> dict[str, object]:
    mask = os.umask(0)
    os.umask(mask)
    return {"type": "Ask", "kind": "run", "argv": list(sys.argv), "args": list(args),
            "cwd": os.getcwd(), "env": dict(os.environ), "umask": mask}


HANDSHAKE_S = 2.0  # how long a client waits for the server's greeting


def exchange(path: str, ask: dict[str, object],
             timeout: float | None = None) -> dict[str, object] | None:
    """The server's answer to `ask` (a map as `cq.wire.Answer` encodes), or None: nobody
    listens (the dead socket is removed), the versions differ, or the connection broke."""
    import _socket

    from cq.handshake import pack, wire_version

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    # A server busy with another client's run greets only when that run ends: past the
    # bound, this command runs in-process instead of waiting on it (same answer).
    sock.settimeout(HANDSHAKE_S if timeout is None else min(timeout, HANDSHAKE_S))
    try:
        try:
            sock.connect(path)
        except (ConnectionRefusedError, FileNotFoundError):
            _remove_dead(path)
            return None
        version = wire_version()
        sock.sendall(pack({"type": "Hello", "version": version}))
        welcome = _receive(sock)
        if welcome.get("type") != "Welcome" or welcome.get("version") != version:
            return None
        sock.settimeout(timeout)  # the answer takes as long as the run takes
        sock.sendall(pack(ask))
        answer = _receive(sock)
        return answer if answer.get("type") == "Answer" else None
    except (OSError, EOFError, ValueError):
        return None
    finally:
        sock.close()


def _receive(sock: object) -> dict[str, object]:
    from cq.handshake import frame_length, unpack

    found = unpack(_exactly(sock, frame_length(_exactly(sock, 4))))
    if not isinstance(found, dict):
        raise EOFError("not a message")
    return {str(k): v for k, v in found.items()}


def _exactly(sock: object, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))  # type: ignore[attr-defined]
        if not chunk:
            raise EOFError("connection closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _remove_dead(path: str) -> None:
    from contextlib import suppress

    with suppress(OSError):
        os.unlink(path)
