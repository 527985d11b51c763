"""The resident engine is never stale: after random edits (changed, added, deleted and moved
files, new directories, ignore files), a run through the engine's watcher and memo gives the
answer of an in-process run with no engine; and a run with no change lists nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import answer_bytes, repo_settings
from cq.api import run_query
from cq.engine.core import Engine
from cq.runner import RunContext

NAMES = ("alpha", "beta", "gamma")
PATHS = ("a.py", "b.py", "pkg/c.py", "pkg/sub/d.py", "new/e.py")
QUERY = "entity=function"

edit = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(PATHS), st.sampled_from(NAMES)),
    st.tuples(st.just("delete"), st.sampled_from(PATHS), st.just("")),
    st.tuples(st.just("move"), st.sampled_from(PATHS), st.sampled_from(PATHS)),
    st.tuples(st.just("ignore"), st.sampled_from(("pkg/", "a.py", "")), st.just("")),
    st.tuples(st.just("rmdir"), st.sampled_from(("pkg", "new")), st.just("")),
    st.tuples(st.just("same"), st.just(""), st.just("")),
)


def _apply(root: Path, kind: str, path: str, arg: str) -> None:
    target = root / path
    if kind == "write":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"def {arg}():\n    pass\n")
    elif kind == "delete":
        target.unlink(missing_ok=True)
    elif kind == "move" and target.is_file() and path != arg:
        (root / arg).parent.mkdir(parents=True, exist_ok=True)
        target.replace(root / arg)
    elif kind == "ignore":
        (root / ".gitignore").write_text(path + "\n")
    elif kind == "rmdir":
        shutil.rmtree(target, ignore_errors=True)


def _through(engine: Engine, root: Path, cache: Path) -> bytes:
    settings_ = repo_settings(root, cache_dir=str(cache))
    return answer_bytes(run_query(settings_, QUERY, RunContext(tree=engine.tree_for(settings_))))


def _answers(engine: Engine, root: Path, cache: Path) -> tuple[bytes, bytes]:
    """Through the engine (listing the tree), through it again (from its memo: nothing
    changed), and in-process with no engine; the memo's answer must be the first's."""
    through = _through(engine, root, cache)
    tree = engine.trees[str(root.resolve())]
    recalled = tree.recalled
    assert _through(engine, root, cache) == through
    assert tree.recalled == recalled + 1
    alone = run_query(repo_settings(root, cache_dir=str(cache)), QUERY, RunContext())
    return through, answer_bytes(alone)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(edit, min_size=1, max_size=8))
def test_random_edits_are_always_seen(edits: list[tuple[str, str, str]]) -> None:
    with tempfile.TemporaryDirectory() as where:
        root, cache = Path(where) / "repo", Path(where) / "cache"
        root.mkdir()
        (root / "a.py").write_text("def alpha():\n    pass\n")
        engine = Engine()
        try:
            for kind, path, arg in edits:
                _apply(root, kind, path, arg)
                through, alone = _answers(engine, root, cache)
                assert through == alone, (kind, path, arg)
        finally:
            engine.close()


def test_a_run_with_no_change_lists_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.py").write_text("def alpha():\n    pass\n")
    engine = Engine()
    try:
        _answers(engine, root, tmp_path / "cache")
        tree = engine.trees[str(root.resolve())]
        assert tree.mode == "watching" and tree.recalled >= 1
    finally:
        engine.close()


def test_without_a_watcher_every_run_checks_stamps(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.py").write_text("def alpha():\n    pass\n")
    engine = Engine(watch=False)
    for _ in range(2):
        _through(engine, root, tmp_path / "cache")
    tree = engine.trees[str(root.resolve())]
    assert tree.recalled == 0 and tree.mode.startswith("stat checks")


def test_an_edit_in_place_restats_only_that_file(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.py").write_text("def alpha():\n    pass\n")
    (root / "b.py").write_text("def beta():\n    pass\n")
    engine = Engine()
    try:
        _answers(engine, root, tmp_path / "cache")
        (root / "a.py").write_text("def alpha_two():\n    pass\n")
        through, alone = _answers(engine, root, tmp_path / "cache")
        tree = engine.trees[str(root.resolve())]
        assert through == alone and b"alpha_two" in through
        assert tree.patched == 1
    finally:
        engine.close()
