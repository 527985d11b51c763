"""One `cq server` process: answers the CLI's forwarded commands until stopped or idle.

Each `Ask(kind="run")` runs the client's command line through `cq.cli.app.run` in this
process, with the client's working directory, environment, umask and `sys.argv`, and its
stdout and stderr captured: the answer is what the client would have printed. Requests are
answered one at a time (the run changes process-wide state); the `Engine` installed as the
runner's resident memo makes a warm run list and stat nothing. The process exits when
`server_idle` seconds pass without a request, on `Ask(kind="stop")`, on SIGTERM, or when a
client of another build finds that the installed code is no longer this process's, and
removes its socket if it is still the one it bound.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from typing import Any

from cq.cli import forward
from cq.engine.core import Engine
from cq.runner import close_deferred, defer_closing
from cq.wire import (
    Answer,
    Ask,
    Hello,
    Welcome,
    receive,
    send,
    socket_dir,
    socket_path,
    wire_version,
)

ACCEPT_TICK_S = 60.0  # the idle deadline is checked at least this often
CONNECTION_TIMEOUT_S = 10.0  # a client that sends nothing for this long is dropped


class Server:
    def __init__(self, root: str, cache_dir: str, idle_s: float, memory_bytes: int) -> None:
        self.root, self.cache_dir, self.idle_s = root, cache_dir, idle_s
        self.path = socket_path(cache_dir, root)
        self.engine = Engine(memory_bytes=memory_bytes)
        self.version = wire_version()
        self.last = time.monotonic()
        self.stopping = False
        self.sock: socket.socket | None = None
        self._inode = 0

    def bind(self) -> None:
        """Listen on a temporary name, then rename it into place: a socket at `path` that
        refuses connections can only be a dead server's."""
        os.makedirs(socket_dir(self.cache_dir), mode=0o700, exist_ok=True)
        os.chmod(socket_dir(self.cache_dir), 0o700)
        temporary = f"{self.path}.{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(temporary)
        finally:
            os.umask(old)
        os.chmod(temporary, 0o600)
        sock.listen(16)
        os.replace(temporary, self.path)
        self._inode = os.stat(self.path).st_ino
        self.sock = sock

    def serve(self) -> None:
        assert self.sock is not None
        self.engine.install()
        forward.ENABLED[0] = False
        defer_closing(True)
        try:
            while not self.stopping:
                idle = time.monotonic() - self.last
                if idle >= self.idle_s:
                    break
                self.sock.settimeout(min(ACCEPT_TICK_S, self.idle_s - idle))
                try:
                    conn, _ = self.sock.accept()
                except TimeoutError:
                    continue
                with conn:
                    self._answer(conn)
        finally:
            self.close()
            defer_closing(False)
            forward.ENABLED[0] = True

    def _answer(self, conn: socket.socket) -> None:
        conn.settimeout(CONNECTION_TIMEOUT_S)
        if not _same_user(conn):
            return
        try:
            hello = receive(conn)
            send(conn, Welcome(version=self.version))
            if not isinstance(hello, Hello) or hello.version != self.version:
                self._outdated()
                return
            ask = receive(conn)
            if not isinstance(ask, Ask):
                return
            conn.settimeout(None)  # the answer takes as long as the run takes
            send(conn, self._reply(ask))
        except (OSError, EOFError):
            return  # the client went away: nothing to answer
        finally:
            close_deferred()  # the answer is out: now the stores' closing and counters
            self.last = time.monotonic()

    def _outdated(self) -> None:
        """A client of another build asked: when this process's build is no longer the one
        installed, it is of no use to anyone and exits (the next `cq server start` starts
        the new build's)."""
        if wire_version() != self.version:
            self.stopping = True

    def _reply(self, ask: Ask) -> Answer:
        if ask.kind == "status":
            return Answer(status=self.status())
        if ask.kind == "stop":
            self.stopping = True
            return Answer(status=self.status())
        self.engine.served()
        return run_captured(ask, self.engine)

    def status(self) -> dict[str, Any]:
        return {"root": self.root, "socket": self.path, "cache_dir": self.cache_dir,
                "idle_exit_s": self.idle_s, **self.engine.status()}

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_ino == self._inode:  # never another server's socket
                os.unlink(self.path)
        self.engine.close()


def _same_user(conn: socket.socket) -> bool:
    """The peer runs as this user (the socket's mode says so already; Linux can prove it)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return True
    import struct

    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", creds)
    return uid == os.getuid()


def run_captured(ask: Ask, engine: Engine) -> Answer:
    """The client's command line, run here as the client would have run it."""
    from cq.cli.app import run

    out, err = io.StringIO(), io.StringIO()
    with _as_client(ask), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = run(list(ask.args))
        except SystemExit as exc:  # a command that exits ends its run, never the server
            code = exc.code if isinstance(exc.code, int) else 1
        if _verbose(ask) and engine.last_mode:
            print(f"cq: server: {engine.last_mode}", file=sys.stderr)
    return Answer(code=code, stdout=out.getvalue(), stderr=err.getvalue())


def _verbose(ask: Ask) -> bool:
    flagged = "-v" in ask.args or "--verbose" in ask.args
    return flagged or ask.env.get("CQ_VERBOSE", "").lower() in ("1", "true", "yes", "on")


@contextlib.contextmanager
def _as_client(ask: Ask) -> Iterator[None]:
    saved = (os.getcwd(), dict(os.environ), sys.argv, os.umask(ask.umask))
    try:
        os.chdir(ask.cwd)
        os.environ.clear()
        os.environ.update(ask.env)
        sys.argv = list(ask.argv)
        yield
    finally:
        os.chdir(saved[0])
        os.environ.clear()
        os.environ.update(saved[1])
        sys.argv = saved[2]
        os.umask(saved[3])


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through `serve`, which removes the socket


def main(root: str, cache_dir: str, idle_s: float, memory_bytes: int) -> int:
    server = Server(root, cache_dir, idle_s, memory_bytes)
    server.bind()
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # the terminal that started it may go
    server.serve()
    return 0
