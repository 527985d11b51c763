"""What the `cq server` client needs before it may talk, with nothing but the stdlib's
builtins: the build's version, the socket's location, and msgpack frames.

The client side of forwarding runs in every CLI process, so it must cost less than the work
it saves: no msgspec, no `typing`, `pathlib` or `socket` (the builtin `_socket` is enough).
`cq.wire` defines the same messages as msgspec structs for the server; tests check that the
two encodings agree. A frame is a 4-byte big-endian length and one msgpack map (msgspec's
encoding of a tagged struct: the tag under "type").

`wire_version()` names the build: cq's version, a digest of cq's own source files (path,
size, mtime) and of the site-packages directories on `sys.path` (an install or upgrade
changes them), and the Python version. Two processes of different builds never talk.
"""

from __future__ import annotations

import os
import sys

_MAX_FRAME = 1 << 30


def wire_version() -> str:
    from _blake2 import blake2b

    from cq import __version__

    digest = blake2b(digest_size=8)
    package = os.path.dirname(__file__)
    for folder, _, names in sorted(os.walk(package)):
        for name in sorted(names):
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    for entry in sys.path:
        if entry.endswith("site-packages") and os.path.isdir(entry):
            digest.update(f"{entry}:{os.stat(entry).st_mtime_ns}\n".encode())
    py = sys.version_info
    return f"{__version__}+{digest.hexdigest()}+py{py[0]}.{py[1]}"


def socket_path(cache_dir: str, root: str) -> str:
    """`<cache-dir>/server/<hash of the root>.sock` (the hash as `cq.digests.digest`)."""
    from _blake2 import blake2b

    name = blake2b(root.encode(), digest_size=8).hexdigest()
    return os.path.join(cache_dir, "server", name + ".sock")


# ------------------------------------------------------------------- msgpack, the subset


def pack(value: object) -> bytes:
    """msgpack of None, bool, int, str, list/tuple and str-keyed dict values."""
    out: list[bytes] = []
    _pack(value, out)
    body = b"".join(out)
    return len(body).to_bytes(4, "big") + body


def _pack(value: object, out: list[bytes]) -> None:
    if value is None:
        out.append(b"\xc0")
    elif value is True or value is False:
        out.append(b"\xc3" if value else b"\xc2")
    elif isinstance(value, int):
        out.append(_int(value))
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogateescape")
        out.append(_head(len(data), 0xA0, 31, b"\xd9", b"\xda", b"\xdb") + data)
    elif isinstance(value, list | tuple):
        out.append(_head(len(value), 0x90, 15, None, b"\xdc", b"\xdd"))
        for item in value:
            _pack(item, out)
    elif isinstance(value, dict):
        out.append(_head(len(value), 0x80, 15, None, b"\xde", b"\xdf"))
        for key, item in value.items():
            _pack(key, out)
            _pack(item, out)
    else:
        raise TypeError(f"cannot pack {type(value).__name__}")


def _head(size: int, fix: int, fix_max: int, one: bytes | None, two: bytes,
          four: bytes) -> bytes:
    if size <= fix_max:
        return bytes([fix | size])
    if one is not None and size < 256:
        return one + bytes([size])
    return two + size.to_bytes(2, "big") if size < 65536 else four + size.to_bytes(4, "big")


def _int(value: int) -> bytes:
    if 0 <= value < 128:
        return bytes([value])
    if -32 <= value < 0:
        return (value & 0xFF).to_bytes(1, "big")
    if value >= 0:
        return b"\xcf" + value.to_bytes(8, "big")
    return b"\xd3" + value.to_bytes(8, "big", signed=True)


class Reader:
    """Decodes one msgpack value from `data` (the subset msgspec writes for cq's messages:
    nil, booleans, integers, floats, strings, arrays, maps)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, size: int) -> bytes:
        chunk = self.data[self.at:self.at + size]
        if len(chunk) != size:
            raise EOFError("truncated frame")
        self.at += size
        return chunk

    def number(self, size: int, signed: bool = False) -> int:
        return int.from_bytes(self.take(size), "big", signed=signed)

    def value(self) -> object:  # noqa: C901  # one branch per msgpack type, as the format is
        head = self.number(1)
        if head < 0x80:
            return head
        if head >= 0xE0:
            return head - 0x100
        if 0xA0 <= head <= 0xBF:
            return self.take(head & 0x1F).decode("utf-8", "surrogateescape")
        if 0x90 <= head <= 0x9F:
            return [self.value() for _ in range(head & 0x0F)]
        if 0x80 <= head <= 0x8F:
            return self.map(head & 0x0F)
        simple = {0xC0: None, 0xC2: False, 0xC3: True}
        if head in simple:
            return simple[head]
        sized = _SIZED.get(head)
        if sized is None:
            raise EOFError(f"unexpected msgpack byte 0x{head:02x}")
        kind, size = sized
        if kind == "str":
            return self.take(self.number(size)).decode("utf-8", "surrogateescape")
        if kind == "array":
            return [self.value() for _ in range(self.number(size))]
        if kind == "map":
            return self.map(self.number(size))
        if kind == "float":
            import struct

            return struct.unpack(">f" if size == 4 else ">d", self.take(size))[0]
        return self.number(size, signed=kind == "int")

    def map(self, count: int) -> dict[object, object]:
        return {self.value(): self.value() for _ in range(count)}


_SIZED = {0xD9: ("str", 1), 0xDA: ("str", 2), 0xDB: ("str", 4), 0xDC: ("array", 2),
          0xDD: ("array", 4), 0xDE: ("map", 2), 0xDF: ("map", 4), 0xCA: ("float", 4),
          0xCB: ("float", 8), 0xCC: ("uint", 1), 0xCD: ("uint", 2), 0xCE: ("uint", 4),
          0xCF: ("uint", 8), 0xD0: ("int", 1), 0xD1: ("int", 2), 0xD2: ("int", 4),
          0xD3: ("int", 8)}


def unpack(data: bytes) -> object:
    return Reader(data).value()


def frame_length(head: bytes) -> int:
    size = int.from_bytes(head, "big")
    if size > _MAX_FRAME:
        raise EOFError(f"frame of {size} bytes")
    return size
