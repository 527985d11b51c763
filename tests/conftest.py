"""Shared fixtures: `make_repo` builds a small repository in a temporary directory."""

from __future__ import annotations

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
