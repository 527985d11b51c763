"""`cq imports` held against grimp, an import-graph builder cq does not use.

grimp records one edge per import to the module it names (`import a.b.c` → `a.b.c`; `from
a.b import c` → `a.b.c` when `c` is a submodule, else `a.b`). cq also records the packages an
import runs on the way (`a`, `a.b`), so the check is: every grimp edge is a cq edge (recall
1.0), and every cq edge grimp lacks leads to a package above a module grimp has the same
importer import (each extra edge is explained).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import all_findings, copy_sample, run_macro, write_tree

grimp = pytest.importorskip("grimp")

Edges = set[tuple[str, str]]

# Forms whose edges differ between "the module named" and "the modules run".
TRICKY = {
    "pkg/__init__.py": "from pkg.core import run\nVALUE = 1\n",
    "pkg/core.py": "from pkg import util, VALUE\nimport pkg.sub.deep\n\ndef run(): ...\n",
    "pkg/util.py": "from . import sub\nfrom .sub import deep, helper\nimport pkg.util\n",
    "pkg/sub/__init__.py": "from pkg.sub.deep import helper\n",
    "pkg/sub/deep.py": "def helper(): ...\n\ndef later():\n    from pkg import core\n",
    "pkg/sub/leaf.py": "from ..util import *\nfrom pkg.sub import deep as d\n",
}


def grimp_edges(src: Path, package: str) -> Edges:
    sys.path.insert(0, str(src))
    try:
        graph = grimp.build_graph(package, cache_dir=None)
    finally:
        sys.path.remove(str(src))
    return {(m, t) for m in graph.modules for t in graph.find_modules_directly_imported_by(m)
            if m != t}


def cq_edges(root: Path, package: str) -> Edges:
    """cq's edges between modules of `package` (grimp graphs one package)."""
    result = run_macro(root, "imports", {}, no_cache=True)
    inside = (package, package + ".")
    return {(f.details.importer, target) for f in all_findings(result)
            for target in f.details.targets if f.details.importer.startswith(inside)}


def explained(edge: tuple[str, str], reference: Edges) -> bool:
    source, target = edge
    return any(s == source and t.startswith(target + ".") for s, t in reference)


def check(root: Path, src: Path, package: str) -> None:
    ours, theirs = cq_edges(root, package), grimp_edges(src, package)
    assert theirs, "the referee found no edges"
    assert theirs - ours == set()  # recall 1.0
    assert {e for e in ours - theirs if not explained(e, theirs)} == set()


@pytest.mark.parametrize(("sample", "package"), [
    ("cycles", "loops"), ("inventory", "inventory"), ("sample_app", "stockroom"),
    ("callgraph", "ledger"), ("errors", "shop")])
def test_sample_repositories_agree_with_grimp(tmp_path: Path, sample: str,
                                              package: str) -> None:
    root = copy_sample(tmp_path, sample)
    check(root, root / "src", package)


def test_the_tricky_forms_agree_with_grimp(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TRICKY)
    check(root, root, "pkg")
    assert ("pkg.core", "pkg") in cq_edges(root, "pkg")  # reads VALUE from the running package
