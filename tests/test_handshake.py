"""The client's msgpack subset agrees with msgspec's encoding of `cq.wire`'s messages, and
the client's view of flags and environment agrees with the flag and settings tables."""

from __future__ import annotations

import msgspec
import pytest

from cq import handshake, wire
from cq.cli import forward
from cq.cli.flags import FLAG_BY_NAME
from cq.digests import digest
from cq.settings import SETTING_BY_NAME


def test_a_client_ask_decodes_as_the_servers_struct() -> None:
    ask = {"type": "Ask", "kind": "run", "argv": ["cq", "q", "é" * 300], "args": ["q"],
           "cwd": "/x", "env": {f"K{i}": "v" * i for i in range(70)}, "umask": 0o022}
    decoded = msgspec.msgpack.decode(handshake.pack(ask)[4:], type=wire.Message)
    assert isinstance(decoded, wire.Ask)
    assert decoded.argv == ("cq", "q", "é" * 300) and decoded.env["K69"] == "v" * 69


@pytest.mark.parametrize("value", [0, 1, 127, 128, 255, 65536, -1, -32, -33, -(1 << 40),
                                   1 << 40, 0.5, "", "x" * 40, "y" * 70000, None, True,
                                   [1, [2, 3]] * 10, {"a": {"b": [1]}}])
def test_msgspec_values_decode_with_the_subset(value: object) -> None:
    encoded = msgspec.msgpack.encode(value)
    assert handshake.unpack(encoded) == value
    if not isinstance(value, float):
        assert msgspec.msgpack.decode(handshake.pack(value)[4:]) == value


def test_a_server_answer_decodes_with_the_subset() -> None:
    answer = wire.Answer(code=2, stdout="out\n" * 1000, stderr="err",
                         status={"pid": 1, "uptime_s": 1.5, "roots": [{"root": "/r"}]})
    decoded = handshake.unpack(msgspec.msgpack.encode(answer))
    assert decoded == {"type": "Answer", "code": 2, "stdout": "out\n" * 1000,
                       "stderr": "err", "status": {"pid": 1, "uptime_s": 1.5,
                                                   "roots": [{"root": "/r"}]}}


def test_the_client_reads_the_flags_the_table_defines() -> None:
    for name, field in forward.STEERING.items():
        assert FLAG_BY_NAME[name].field == field
        assert (FLAG_BY_NAME[name].kind == "value") == (name in forward.VALUE_FLAGS)
    assert SETTING_BY_NAME["cache_dir"].env == forward.ENV_CACHE_DIR
    assert SETTING_BY_NAME["server"].env == ("CQ_SERVER",)


def test_the_socket_is_named_by_the_roots_digest() -> None:
    assert handshake.socket_path("/c", "/r") == f"/c/server/{digest(b'/r', 8)}.sock"
