"""cq.analysis.sourcefile: lines as Python numbers them."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cq.analysis.sourcefile import lines_of

texts = st.lists(st.sampled_from(["a", "def f():", " ", "\n", "\r", "\r\n", "\x0c", "\x0b",
                                  "\u2028", "é"]), max_size=30).map("".join)


@given(texts)
def test_only_cr_lf_and_crlf_end_a_line(text: str) -> None:
    assert lines_of(text) == re.split(r"\r\n|\r|\n", text)
    assert len(lines_of(text)) == text.count("\n") + text.count("\r") \
        - text.count("\r\n") + 1
