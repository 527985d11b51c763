"""The CLI across runs (DESIGN §5, §6): hits, misses after edits, --no-cache, private dirs.

Each step is one `python -m cq q ... --format json` process over the same cache directory;
every answer is checked against a `--no-cache` run of the same tree.
"""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

import pytest

from .support import CliRun, answer, ask, cli_args, finding_files, run_cli, write_files

QUERY = "entity=function name=~^handle"
FILES = {
    "app/__init__.py": "",
    "app/views.py": """\
        def handle_get(request):
            return render(request)

        def render(request):
            return request
        """,
    "app/api.py": """\
        from app.views import handle_get

        def handle_post(request):
            return handle_get(request)
        """,
    "app/util.py": """\
        def helper():
            return 1
        """,
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_files(tmp_path / "repo", FILES)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def cq(repo: Path, cache_dir: Path, *extra: str, text: str = QUERY) -> CliRun:
    run = run_cli(cli_args(text, repo, cache_dir, *extra))
    assert run.returncode == 0, run.stderr
    return run


def cold_answer(repo: Path, tmp_path: Path, text: str = QUERY) -> dict[str, object]:
    return answer(cq(repo, tmp_path / "unused-cache", "--no-cache", text=text).json)


def status(run: CliRun) -> str:
    value: str = run.json["summary"]["cache"]["status"]
    return value


def test_second_run_is_a_hit_with_a_new_later_run_id(repo: Path, cache_dir: Path) -> None:
    first, second = cq(repo, cache_dir), cq(repo, cache_dir)
    assert (status(first), status(second)) == ("miss", "hit")
    first_id, second_id = (uuid.UUID(r.json["run"]["run_id"]) for r in (first, second))
    assert second_id != first_id and second_id.int > first_id.int
    assert second_id.version == 7
    assert answer(second.json) == answer(first.json)
    assert finding_files(second.json) == {"app/views.py", "app/api.py"}
    assert second.json["summary"]["cache"]["key"] == first.json["summary"]["cache"]["key"]
    assert second.json["summary"]["cache"]["age_s"] >= 0
    assert second.json["summary"]["cache_stats"]["files_rescanned"] == 0
    assert second.json["summary"]["cache_stats"]["files_indexed"] == len(FILES)
    assert second.json["run"]["stages_ms"].keys().isdisjoint({"compute", "store"})
    assert second.stderr_lines == []


def test_rewriting_a_file_with_the_same_bytes_is_still_a_hit(repo: Path,
                                                             cache_dir: Path) -> None:
    cq(repo, cache_dir)
    views = repo / "app/views.py"
    views.write_bytes(views.read_bytes())  # new stamp, same content digest
    assert status(cq(repo, cache_dir)) == "hit"


def test_an_edited_file_is_a_miss_with_the_new_answer(repo: Path, cache_dir: Path,
                                                      tmp_path: Path) -> None:
    cq(repo, cache_dir)
    views = repo / "app/views.py"
    views.write_text(views.read_text().replace("def render", "def handle_render"))
    edited = cq(repo, cache_dir)
    assert status(edited) == "miss"
    assert edited.json["summary"]["cache_stats"]["files_rescanned"] == 1  # only the edited one
    assert answer(edited.json) == cold_answer(repo, tmp_path)
    names = {f["details"]["name"] for f in edited.json["key_findings"]}
    assert names == {"handle_get", "handle_post", "handle_render"}
    assert status(cq(repo, cache_dir)) == "hit"


def test_a_deleted_file_takes_its_findings_with_it(repo: Path, cache_dir: Path,
                                                   tmp_path: Path) -> None:
    assert "app/api.py" in finding_files(cq(repo, cache_dir).json)
    (repo / "app/api.py").unlink()
    after = cq(repo, cache_dir)
    assert status(after) == "miss"
    assert finding_files(after.json) == {"app/views.py"}
    assert answer(after.json) == cold_answer(repo, tmp_path)


def test_an_added_file_with_a_match_shows_up(repo: Path, cache_dir: Path,
                                             tmp_path: Path) -> None:
    cq(repo, cache_dir)
    write_files(repo, {"app/extra.py": "def handle_delete(request):\n    return None\n"})
    after = cq(repo, cache_dir)
    assert status(after) == "miss"
    assert "app/extra.py" in finding_files(after.json)
    assert answer(after.json) == cold_answer(repo, tmp_path)


def test_no_cache_is_disabled_with_a_reason_and_writes_nothing(repo: Path,
                                                               tmp_path: Path) -> None:
    cache_dir = tmp_path / "never-written"
    run = cq(repo, cache_dir, "--no-cache")
    cache = run.json["summary"]["cache"]
    assert cache["status"] == "disabled" and cache["reason"]
    assert not cache_dir.exists()
    cache_dir.mkdir()
    cq(repo, cache_dir, "--no-cache")
    assert list(cache_dir.iterdir()) == []


def _umask_000() -> None:
    os.umask(0)


def test_cache_directories_are_private(repo: Path, cache_dir: Path) -> None:
    # A result over 32 KiB is stored in a value file, in DiskCache's own sub-directories.
    many = "".join(f"def handle_{i}(request):\n    return {i}\n\n" for i in range(400))
    write_files(repo, {"app/many.py": many})
    run = run_cli(cli_args(QUERY, repo, cache_dir), preexec_fn=_umask_000)
    assert run.returncode == 0, run.stderr
    assert status(run) == "miss" and len(run.json["key_findings"]) == 402
    directories = [cache_dir, *(p for p in cache_dir.rglob("*") if p.is_dir())]
    value_dirs = [p for p in directories if p.name not in ("index", "query", "coordination")
                  and p.parent.name in ("index", "query")]
    assert value_dirs, "expected DiskCache value-file directories"
    modes = {p.relative_to(cache_dir.parent).as_posix(): oct(stat.S_IMODE(p.stat().st_mode))
             for p in directories}
    assert set(modes.values()) == {oct(0o700)}, modes


# -- settings that change the answer ------------------------------------------------------------

BIG = "def big_one():\n    pass\n" + "# padding\n" * 200  # about 2 KB


@pytest.mark.parametrize(("before", "after"), [(10_000_000, 1_000), (1_000, 10_000_000)],
                         ids=["lowered", "raised"])
def test_a_changed_size_limit_is_not_answered_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: int, after: int) -> None:
    import cq.cache.index

    # Trust stamps at once, as for any file older than the racy window (2 s).
    monkeypatch.setattr(cq.cache.index, "RACY_WINDOW_NS", 0)
    root = write_files(tmp_path / "repo", {"small.py": "def small_one():\n    pass\n",
                                           "big.py": BIG})
    cache_dir = tmp_path / "cache"
    asked_before = "entity=function"
    ask(root, cache_dir, asked_before, max_file_bytes=before)
    for text in (asked_before, "entity=function name=~_one$"):  # a hit, then a new query
        cold = ask(root, cache_dir, text, no_cache=True, max_file_bytes=after)
        warm = ask(root, cache_dir, text, max_file_bytes=after)
        assert finding_files(warm) == finding_files(cold), text
        assert answer(warm) == answer(cold), text


def test_an_answer_with_a_failed_file_is_not_cached(tmp_path, monkeypatch) -> None:
    """A matcher failure (a dead worker) marks files "unmatched": shown, never cached."""
    from cq.api import run_query
    from cq.query import pattern_pool
    from cq.settings import resolve_settings

    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.py").write_text("eval(x)\n")
    (root / "b.py").write_text("eval(y)\n")
    settings = resolve_settings({"root": str(root), "cache_dir": str(tmp_path / "c"),
                                 "save_artifact": False}, env={})
    real = pattern_pool.match_source

    def flaky(path, *args, **kwargs):
        if path == "b.py":
            raise RuntimeError("worker died")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pattern_pool, "match_source", flaky)
    first = run_query(settings, "pattern='eval($X)'")
    assert first.summary.get("files_unmatched") == 1
    monkeypatch.setattr(pattern_pool, "match_source", real)
    second = run_query(settings, "pattern='eval($X)'")
    assert second.summary["cache"]["status"] == "miss"
    assert len(second.key_findings) == 2
