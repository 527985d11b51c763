"""Corpora: the default name to look up, Python file lists, copies and subsets.

A corpus given on the command line is only ever read. Rows that edit files (`touched`) or
need a smaller tree (`growth`) work on copies under the run's temporary directory.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

DEFAULT_NAMES = {"django": "get", "cpython": "join"}


def default_name(corpus: Path) -> str:
    """`get` for a Django-like tree, `join` for everything else (CPython's stdlib)."""
    if (corpus / "django" / "__init__.py").exists() or corpus.name.lower() == "django":
        return DEFAULT_NAMES["django"]
    return DEFAULT_NAMES["cpython"]


def python_files(corpus: Path) -> list[str]:
    """Root-relative POSIX paths of `*.py` files outside hidden directories, sorted."""
    found = []
    for path in corpus.rglob("*.py"):
        rel = path.relative_to(corpus)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            found.append(rel.as_posix())
    return sorted(found)


def copy_tree(corpus: Path, dest: Path) -> Path:
    """`cp -r corpus dest` (keeps the tree byte for byte, symlinks as symlinks)."""
    subprocess.run(["cp", "-r", str(corpus), str(dest)], check=True)
    return dest


def make_subset(corpus: Path, files: list[str], dest: Path) -> Path:
    """Copy `files` (root-relative) into `dest`, keeping their relative paths."""
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / rel, target)
    return dest


def file_to_touch(corpus: Path, files: list[str], name: str) -> str | None:
    """The first file (sorted) that defines `name`, else the first Python file."""
    needle = f"def {name}(".encode()
    for rel in files:
        try:
            if needle in (corpus / rel).read_bytes():
                return rel
        except OSError:
            continue
    return files[0] if files else None


def append_comment(path: Path, text: str) -> None:
    with path.open("ab") as handle:
        handle.write(f"\n# {text}\n".encode())
