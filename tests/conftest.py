"""Shared fixtures: `make_repo` builds a small repository in a temporary directory; `golden`
compares normalised outputs with tests/golden/ (`pytest --update-golden` rewrites them)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPOS = Path(__file__).parent / "repos"


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content))
    return root


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Build a repository from {relative path: source}; sources are dedented."""

    def build(files: dict[str, str | bytes]) -> Path:
        return write_tree(tmp_path / "repo", files)

    return build


# -- golden files -----------------------------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden"

# Run-dependent text replaced before comparing: run ids (any UUID), timings, artifact stamps.
_NORMALISERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<RUN_ID>"),
    (re.compile(r'"(elapsed_ms|started_ms|age_s)": [0-9.eE+-]+'), r'"\1": 0'),
    (re.compile(r"\b\d[\d,]*(?:\.\d+)? (ms|s)\b"), r"<T> \1"),
    (re.compile(r"_\d{8}_\d{6}_"), "_<STAMP>_"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/* from the current outputs instead of comparing")


def normalise_output(text: str, root: Path | None = None) -> str:
    """Replace what differs between runs (run ids, times, the repo's absolute path)."""
    if root is not None:
        text = text.replace(str(root), "<ROOT>")
    for pattern, replacement in _NORMALISERS:
        text = pattern.sub(replacement, text)
    return text if text.endswith("\n") else text + "\n"


class Golden:
    """`check(name, text)` compares normalised text with tests/golden/<name>, or rewrites it."""

    def __init__(self, update: bool) -> None:
        self.update = update

    def check(self, name: str, text: str, *, root: Path | None = None) -> None:
        path = GOLDEN / name
        actual = normalise_output(text, root)
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"golden file {name} is missing; run `pytest --update-golden`")
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"{name} differs from golden (`pytest --update-golden`)"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(bool(request.config.getoption("--update-golden")))
