"""User regexes run on RE2: linear time, Python's syntax where RE2 can express it, a one-line
BadInputError where it cannot."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cq.errors import BadInputError
from cq.userregex import to_re2, user_regex

LONG_A = "a" * 5000 + "b"


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    pytest.param(r"(a+)+$", LONG_A, False, id="nested-quantifier-long-miss"),
    pytest.param(r"(a+)+$", LONG_A + "a", True, id="nested-quantifier-long-hit"),
    pytest.param(r"^(a|aa)+$", "a" * 5000 + "!", False, id="overlapping-alternation"),
    pytest.param(r"^_", "_private", True, id="anchor"),
    pytest.param(r"init\Z", "__init__", False, id="backslash-Z-is-end"),
    pytest.param(r"init__\Z", "__init__", True, id="backslash-Z-at-end"),
    pytest.param(r"^a{,2}$", "aa", True, id="brace-without-minimum"),
    pytest.param(r"^a{,2}$", "aaa", False, id="brace-without-minimum-miss"),
    pytest.param(r"^\w+$", "café_1", True, id="unicode-word"),
    pytest.param(r"^\d$", "٣", True, id="unicode-digit"),
    pytest.param(r"^[\w.]+$", "ñame.x", True, id="unicode-word-in-class"),
    pytest.param(r"^\W", "é", False, id="unicode-non-word"),
    pytest.param(r"\s", "a\u00a0b", True, id="unicode-space"),
    pytest.param(r"^\S+$", "a\u3000b", False, id="unicode-non-space"),
    pytest.param(r"^[\D]+$", "abc", True, id="non-digit-in-class"),
    pytest.param(r"caf\u00e9", "café", True, id="unicode-escape"),
    pytest.param(r"\N{LATIN SMALL LETTER E WITH ACUTE}", "é", True, id="named-escape"),
    pytest.param(r"\U0001F600", "x\U0001F600", True, id="long-unicode-escape"),
    pytest.param(r"[\b]", "\b", True, id="backspace-in-class"),
    pytest.param(r"(?i)^GET_", "get_value", True, id="inline-flag"),
    pytest.param(r"^(?P<head>get)_", "get_x", True, id="named-group"),
    pytest.param(r"\.py$", "pkg/m\udcff.py", True, id="path-with-undecodable-byte"),
])
def test_search(pattern: str, text: str, expected: bool) -> None:
    assert user_regex(pattern, "name=").search(text) is expected


@pytest.mark.parametrize(("pattern", "reason"), [
    pytest.param(r"(?=a)", "(?=", id="look-ahead"),
    pytest.param(r"(?!a)", "(?!", id="negative-look-ahead"),
    pytest.param(r"(?<=a)b", "(?<", id="look-behind"),
    pytest.param(r"(?<!a)b", "(?<", id="negative-look-behind"),
    pytest.param(r"(a)\1", r"\1", id="backreference"),
    pytest.param(r"(?P<n>a)(?P=n)", "(?P", id="named-backreference"),
    pytest.param(r"(?>a+)", "(?>", id="atomic-group"),
    pytest.param(r"a*+", "*+", id="possessive"),
    pytest.param(r"a{1001}", "{1001}", id="repetition-too-large"),
    pytest.param(r"(", "missing )", id="syntax"),
    pytest.param(r"[^\W\d]", r"\W inside [...]", id="negated-word-in-class"),
    pytest.param(r"[\S]", r"\S inside [...]", id="negated-space-in-class"),
])
def test_refused_with_one_line(pattern: str, reason: str, capfd: pytest.CaptureFixture[str]
                               ) -> None:
    with pytest.raises(BadInputError) as info:
        user_regex(pattern, "name=")
    line = info.value.one_line()
    assert info.value.exit_code == 2 and "\n" not in line
    assert f"invalid regex {pattern!r} in name=" in line and reason in line
    assert info.value.hint and "linear time" in info.value.hint
    assert capfd.readouterr() == ("", "")  # RE2's own error log stays off


def test_python_regex_semantics_are_translated_not_reinterpreted() -> None:
    assert to_re2(r"\d\w\Z") == r"\p{Nd}[\p{L}\p{N}_]\z"
    assert to_re2(r"[\\Z]{,3}") == r"[\\Z]{0,3}"  # an escaped backslash is not an escape of Z
    assert to_re2(r"[]{,3}]") == r"[]{,3}]"  # `]` first in a class is a literal


def test_compiled_once_per_pattern() -> None:
    assert user_regex("^x", "name=") is user_regex("^x", "--include")


# Regexes built from pieces both engines read alike: literals, classes, shorthand classes,
# groups, alternation and repetition. Groups repeat a bounded number of times: nested
# unbounded repetition would make Python's `re` (the reference) backtrack for minutes.
_CHARS = "ab_é1٣"
_ATOMS = st.sampled_from(["a", "b", "_", "é", "1", ".", r"\w", r"\W", r"\d", r"\D", r"\s",
                          "[ab]", "[^a]", "[a-c]", r"[\w]", r"[\d_]", r"[^\d]", r"\u00e9"])
_REPEAT = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,2}", "{,2}", "*?", "+?"])
_BOUNDED = st.sampled_from(["", "", "?", "{2}", "{1,2}", "{,2}"])


def _pieces(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    group = st.tuples(st.sampled_from(["(", "(?:"]), inner, _BOUNDED).map(
        lambda t: f"{t[0]}{t[1]}){t[2]}")
    atom = st.tuples(_ATOMS, _REPEAT).map("".join)
    return st.one_of(atom, group)


_REGEX = st.recursive(
    st.tuples(_ATOMS, _REPEAT).map("".join),
    lambda inner: st.one_of(
        st.lists(_pieces(inner), min_size=1, max_size=4).map("".join),
        st.lists(_pieces(inner), min_size=2, max_size=3).map("|".join)),
    max_leaves=8)
_ANCHORED = st.tuples(st.sampled_from(["", "^", r"\A"]), _REGEX,
                      st.sampled_from(["", "$", r"\Z"])).map("".join)


@settings(max_examples=300, deadline=None)
@given(pattern=_ANCHORED, names=st.lists(st.text(_CHARS, max_size=8), min_size=1, max_size=5))
def test_agrees_with_python_re(pattern: str, names: list[str]) -> None:
    compiled = user_regex(pattern, "name=")
    for name in names:
        assert compiled.search(name) is (re.search(pattern, name) is not None), (pattern, name)
