"""The only stdout writers: `emit` (text) and `emit_chunks` (a large answer, piece by piece)."""

from __future__ import annotations

import io
import sys

import pytest

from cq.cli.commands import emit, emit_chunks
from cq.errors import OutputClosed


class _Binary(io.TextIOWrapper):
    """A text stdout over bytes, as the real one is."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8")

    def value(self) -> bytes:
        self.flush()
        return self.buffer.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("chunks", "printed"), [
    ([b'{"a": ', b"1}"], b'{"a": 1}\n'),
    ([b"line\n"], b"line\n"),
    ([b"text\n", b""], b"text\n"),
    ([], b"\n"),
    (["ünï ✓".encode()], "ünï ✓\n".encode()),
])
def test_pieces_are_written_in_order_ending_in_one_newline(
        chunks: list[bytes], printed: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    binary, text = _Binary(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", binary)
    emit_chunks(iter(chunks))
    monkeypatch.setattr(sys, "stdout", text)  # a server capturing a request's output
    emit_chunks(iter(chunks))
    assert binary.value() == printed
    assert text.getvalue() == printed.decode()


def test_text_written_before_comes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _Binary()
    monkeypatch.setattr(sys, "stdout", out)
    emit("first")
    emit_chunks(iter([b"second"]))
    assert out.value() == b"first\nsecond\n"


def test_a_piece_is_written_before_the_next_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _Binary()
    monkeypatch.setattr(sys, "stdout", out)
    seen: list[int] = []

    def pieces():
        for _ in range(3):
            seen.append(len(out.buffer.getvalue()))  # type: ignore[attr-defined]
            yield b"x" * 10_000

    emit_chunks(pieces())
    assert seen == [0, 10_000, 20_000]


def test_a_closed_reader_is_output_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    class Closed(io.BytesIO):
        def write(self, data: object) -> int:
            raise BrokenPipeError

    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(Closed(), encoding="utf-8"))
    with pytest.raises(OutputClosed):
        emit_chunks(iter([b"x"]))
