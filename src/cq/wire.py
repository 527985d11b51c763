"""The wire between the CLI and `cq server`: its messages, as the server reads and writes them.

A message is one frame: a 4-byte big-endian length, then msgpack (msgspec; never pickle) of
one of the tagged structs below. A connection is a handshake then one exchange: the client
sends `Hello` with its `wire_version()`; the server answers `Welcome` with its own and
closes the connection unless they are equal (then the client runs in-process); otherwise the
client sends one `Ask` and reads one `Answer`. The version is cq's version, the digest of
the installed code (`cq.codeprint`) and the Python version, so two builds never talk.

The socket is `<cache-dir>/server/<hash of the root>.sock`, in a directory only the user can
enter (0700) and itself 0600; the server binds it under a temporary name and renames it into
place once it listens, so a socket that refuses a connection belongs to a dead server.
"""

from __future__ import annotations

import os
import struct
from typing import Any

import msgspec

from cq.handshake import socket_path, wire_version

__all__ = ["Answer", "Ask", "Hello", "Message", "Welcome", "receive", "send", "socket_dir",
           "socket_path", "wire_version"]

MAX_FRAME = 1 << 30
_LENGTH = struct.Struct(">I")


class Hello(msgspec.Struct, frozen=True, tag=True):
    version: str


class Welcome(msgspec.Struct, frozen=True, tag=True):
    version: str


class Ask(msgspec.Struct, frozen=True, tag=True):
    kind: str  # run | status | stop
    argv: tuple[str, ...] = ()  # sys.argv of the client (RunMeta.argv)
    args: tuple[str, ...] = ()  # the command line after the program name
    cwd: str = ""
    env: dict[str, str] = msgspec.field(default_factory=dict)
    umask: int = 0o022


class Answer(msgspec.Struct, frozen=True, tag=True):
    code: int = 0
    stdout: str = ""
    stderr: str = ""
    status: dict[str, Any] = msgspec.field(default_factory=dict)


Message = Hello | Welcome | Ask | Answer
_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(Message)


def socket_dir(cache_dir: str) -> str:
    return os.path.dirname(socket_path(cache_dir, "/"))


def send(sock: Any, message: Message) -> None:
    data = _ENCODER.encode(message)
    sock.sendall(_LENGTH.pack(len(data)) + data)


def receive(sock: Any) -> Message:
    """One frame; EOFError when the peer closed or sent a frame too large to be ours."""
    (length,) = _LENGTH.unpack(_exactly(sock, _LENGTH.size))
    if length > MAX_FRAME:
        raise EOFError(f"frame of {length} bytes")
    try:
        return _DECODER.decode(_exactly(sock, length))
    except msgspec.DecodeError as exc:
        raise EOFError(f"undecodable frame: {exc}") from None


def _exactly(sock: Any, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("connection closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
