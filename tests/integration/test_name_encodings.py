"""Exact names are found whatever the file's encoding: a drawn identifier (non-ASCII, or
spelled in a way NFKC changes, as `ｗｗｗ` for `www`) is written as a def, a call and an import
in UTF-8, UTF-8 with a BOM, latin-1 with and without a cookie, cp1252 with a cookie and UTF-16
with a BOM; `q name=`, `calls` and `q entity=import name=` must find it in every file where
the stdlib `ast`, reading the text cq decodes, sees that name."""

from __future__ import annotations

import ast
import keyword
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import run_macro, run_q
from cq.coding import decode_source

SOURCE = "import {0}\n\n\ndef {0}(x):\n    return {0}(x)\n"
ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf8.py": lambda text: text.encode(),
    "utf8_bom.py": lambda text: "\ufeff".encode() + text.encode(),
    "latin1_cookie.py": lambda text: ("# -*- coding: latin-1 -*-\n" + text).encode("latin-1"),
    "latin1_bare.py": lambda text: ("# \xff\n" + text).encode("latin-1"),  # not UTF-8
    "cp1252_cookie.py": lambda text: ("# coding: cp1252\n" + text).encode("cp1252"),
    "utf16_bom.py": lambda text: text.encode("utf-16"),
}
# Letters of latin-1 (some NFKC changes: µ is μ, ª is a, º is o), of cp1252 only, and
# spellings NFKC changes that only the Unicode encodings hold (fullwidth, a ligature, a
# combining accent).
CHARS = "abcxyz_" + "éïñßøÿµªºÀÞ" + "œšž" + "ｗｘﬁ" + "\u0301"
NAMES = st.text(st.sampled_from(CHARS), min_size=1, max_size=6)


def _python_name(spelling: str) -> str | None:
    """The name Python reads for `spelling` in the test's source, or None if not a name."""
    try:
        tree = ast.parse(SOURCE.format(spelling))
    except SyntaxError:
        return None
    return next(n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))


def _files(spelling: str) -> dict[str, bytes]:
    """The source in every encoding that can hold the spelling, else a filler file."""
    files = {}
    for path, encode in ENCODINGS.items():
        try:
            files[path] = encode(SOURCE.format(spelling))
        except UnicodeEncodeError:
            files[path] = b"x = 1\n"
    return files


def _names_seen_by_ast(data: bytes) -> set[str]:
    tree = ast.parse(decode_source(data)[0])
    names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    names |= {n.func.id for n in ast.walk(tree)
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return names | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("encodings")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spelling=NAMES)
def test_exact_names_are_found_in_every_encoding(root: Path, spelling: str) -> None:
    name = _python_name(spelling)
    assume(name is not None and not keyword.iskeyword(name))
    assert name == unicodedata.normalize("NFKC", spelling)
    files = _files(spelling)
    for path, data in files.items():
        (root / path).write_bytes(data)
    expected = sorted(p for p, data in files.items() if name in _names_seen_by_ast(data))
    assert "utf8.py" in expected and "utf16_bom.py" in expected

    defs = run_q(root, f"entity=function name={name}", no_cache=True)
    assert sorted(f.anchor.file for f in defs.key_findings if f.anchor) == expected
    calls = run_macro(root, "calls", {"target": name}, no_cache=True)
    assert calls.summary["matches"] == len(expected)
    imports = run_q(root, f"entity=import name={name}", no_cache=True)
    assert sorted(f.anchor.file for f in imports.key_findings if f.anchor) == expected
