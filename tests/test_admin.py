"""`cq cache` and `cq index` through the library: stats, clear, evict, rebuild, maintenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import open_read_only, unopenable
from cq.admin import CacheAction, IndexAction, cache_command, index_command
from cq.api import run_query
from cq.errors import BadInputError, CacheError
from cq.settings import resolve_settings


@pytest.fixture
def settings(make_repo, tmp_path: Path):
    root = make_repo({"a.py": "def f():\n    g()\n", "b.py": "def g():\n    pass\n"})
    return resolve_settings({"root": str(root), "cache_dir": str(tmp_path / "cache"),
                             "save_artifact": False}, env={})


def test_stats_after_a_run(settings) -> None:
    run_query(settings, "entity=function name=f")
    stats = cache_command(settings, CacheAction()).summary["stats"]
    assert stats["query"]["entries"] == 1
    assert stats["index"]["entries"] == 2  # both files fingerprinted
    assert stats["query"]["size_bytes"] > 0


def test_evict_file_tag_forces_a_miss(settings) -> None:
    run_query(settings, "entity=function name=f")
    evicted = cache_command(settings, CacheAction(evict_tag="file:a.py")).summary["evicted"]
    assert evicted["query"] == 1
    assert run_query(settings, "entity=function name=f").summary["cache"]["status"] == "miss"


def test_clear_removes_everything(settings) -> None:
    run_query(settings, "entity=function name=f")
    cache_command(settings, CacheAction(clear=True))
    stats = cache_command(settings, CacheAction(stats=True)).summary["stats"]
    assert stats["query"]["entries"] == 0 and stats["index"]["entries"] == 0


def test_index_rebuild_scans_every_file(settings) -> None:
    rebuilt = index_command(settings, IndexAction(rebuild=True)).summary["rebuilt"]
    assert rebuilt["files"] == 2 and rebuilt["scanned"] == 2
    after = run_query(settings, "entity=function")
    assert after.summary["cache_stats"]["files_rescanned"] == 0


def test_maintenance_check(settings) -> None:
    run_query(settings, "entity=function name=f")
    report = cache_command(settings, CacheAction(maintenance=True, check=True)).summary
    assert set(report["maintenance"]) == {"index", "query", "coordination"}


@pytest.mark.parametrize("action", [CacheAction(check=True), CacheAction(prune=True)])
def test_dependent_flags_need_their_action(settings, action) -> None:
    with pytest.raises(BadInputError):
        cache_command(settings, action)


def test_rebuild_refused_without_cache(settings) -> None:
    from msgspec.structs import replace

    with pytest.raises(BadInputError):
        index_command(replace(settings, no_cache=True), IndexAction(rebuild=True))


def test_a_run_mentions_an_older_layout_once(settings) -> None:
    old = Path(settings.cache_dir) / "v0"
    old.mkdir(parents=True)
    notices = run_query(settings, "entity=function name=f").run.notices
    assert sum("older cache layout" in n for n in notices) == 1


def _plant_corrupt_copies(settings) -> Path:
    run_query(settings, "entity=function name=f")
    (repo_dir,) = Path(settings.cache_dir).glob("v1/*")
    for name in ("index.corrupt-RUN1", "query.corrupt-RUN2"):
        (repo_dir / name).mkdir()
        (repo_dir / name / "cache.db").write_text("source text lives here")
    return repo_dir


def _copies(repo_dir: Path) -> list[str]:
    return sorted(p.name for p in repo_dir.glob("*.corrupt-*"))


@pytest.mark.parametrize(("command", "left"), [
    (lambda s: cache_command(s, CacheAction(clear=True)), []),
    (lambda s: cache_command(s, CacheAction(maintenance=True)), []),
    (lambda s: index_command(s, IndexAction(clear=True)), ["query.corrupt-RUN2"]),
    (lambda s: cache_command(s, CacheAction(maintenance=True, check=True)),
     ["index.corrupt-RUN1", "query.corrupt-RUN2"]),
], ids=["cache-clear", "maintenance", "index-clear", "maintenance-check"])
def test_corrupt_copies_are_removed_by_clear_and_maintenance(settings, command, left) -> None:
    repo_dir = _plant_corrupt_copies(settings)
    result = command(settings)
    assert _copies(repo_dir) == left
    assert any("corrupt copies" in note for note in result.summary["notes"])


def test_corrupt_copies_are_left_alone_without_a_cache(settings) -> None:
    from msgspec.structs import replace

    repo_dir = _plant_corrupt_copies(settings)
    off = replace(settings, no_cache=True)
    cache_command(off, CacheAction(clear=True))
    cache_command(off, CacheAction(maintenance=True))
    index_command(off, IndexAction(clear=True))
    assert _copies(repo_dir) == ["index.corrupt-RUN1", "query.corrupt-RUN2"]


def test_rebuild_into_an_unwritable_cache_is_an_error(settings,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    open_read_only(monkeypatch)
    with pytest.raises(CacheError, match="rebuild the index") as raised:
        index_command(settings, IndexAction(rebuild=True))
    assert raised.value.exit_code == 4


def test_index_stats_ignore_the_other_kinds(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    run_query(settings, "entity=function name=f")
    unopenable(monkeypatch, ("query", "coordination"))
    stats = index_command(settings, IndexAction(stats=True)).summary["stats"]
    assert stats["index"]["entries"] == 2
    with pytest.raises(CacheError):
        cache_command(settings, CacheAction(stats=True))


def test_migrate_without_a_cache_is_bad_input(settings) -> None:
    from msgspec.structs import replace

    with pytest.raises(BadInputError, match="--no-cache"):
        cache_command(replace(settings, no_cache=True), CacheAction(migrate=True))
