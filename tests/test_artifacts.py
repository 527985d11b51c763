"""Artifacts: file names that sort by time, atomic writes, a saved file that lists itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import build_finding
from cq.artifacts import (
    artifact_filename,
    find_artifact,
    list_artifacts,
    prune_artifacts,
    save_artifact,
)
from cq.errors import BadInputError
from cq.ids import uuid7_str, uuid7_time
from cq.result import Artifact, CqResult, RunMeta, result_from_json

RUN_ID = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"
STARTED = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC


def make_result(macro: str = "q", run_id: str = RUN_ID, started_ms: int = STARTED,
                artifacts: tuple[Artifact, ...] = ()) -> CqResult:
    run = RunMeta(macro=macro, argv=("q",), root="/repo", started_ms=started_ms,
                  elapsed_ms=1.0, toolchain={"cq": "0.1.0"}, run_id=run_id)
    return CqResult(run=run, summary={"matches": 1}, artifacts=artifacts,
                    key_findings=(build_finding("definition", "function f"),))


@pytest.mark.parametrize(("macro", "run_id", "started_ms", "name"), [
    ("q", RUN_ID, STARTED, f"q_20231114_221320_{RUN_ID}.json"),
    ("sig-impact", RUN_ID, STARTED, f"sig-impact_20231114_221320_{RUN_ID}.json"),
    ("side_effects", "r1", 0, "side_effects_19700101_000000_r1.json"),
    ("report refactor/impact", "r1", 999, "report_refactor_impact_19700101_000000_r1.json"),
    ("../../etc", "../x", 0, "______etc_19700101_000000____x.json"),
    ("", "r1", 1_000, "__19700101_000001_r1.json"),
    ("héllo", "r1", 0, "h_llo_19700101_000000_r1.json"),
])
def test_artifact_filename(macro: str, run_id: str, started_ms: int, name: str) -> None:
    assert artifact_filename(macro, run_id, started_ms) == name


def test_names_sort_by_time() -> None:
    """Successive uuid7 run ids sort in creation order, so artifact names do too.

    The UTC stamp orders runs of different seconds. Within one second the stamps are equal
    and the run id decides: a UUIDv7's fixed-width lowercase hex starts with its millisecond
    timestamp, and ids from one process are strictly increasing (a counter within the same
    millisecond), so string order is creation order.
    """
    run_ids = [uuid7_str() for _ in range(200)]
    names = [artifact_filename("q", rid, uuid7_time(rid)) for rid in run_ids]
    assert sorted(names) == names
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(("earlier_ms", "later_ms"), [
    (STARTED, STARTED + 1_000),          # different seconds, the stamp decides
    (STARTED, STARTED + 86_400_000),     # next day
    (STARTED + 999, STARTED + 1_000),    # across a second boundary
])
def test_stamp_orders_seconds(earlier_ms: int, later_ms: int) -> None:
    # Run ids chosen in the "wrong" order: the time stamp still decides first.
    earlier = artifact_filename("q", "ffff", earlier_ms)
    later = artifact_filename("q", "0000", later_ms)
    assert earlier < later


def test_save_writes_result_that_lists_itself(tmp_path: Path) -> None:
    saved = save_artifact(make_result(), tmp_path)
    path = tmp_path / f"q_20231114_221320_{RUN_ID}.json"
    assert saved.artifacts == (Artifact(path=str(path), format="json"),)
    assert result_from_json(path.read_bytes()) == saved
    assert path.read_text().endswith("}\n")


def test_save_keeps_earlier_artifacts(tmp_path: Path) -> None:
    earlier = Artifact(path="/elsewhere/out.md", format="md")
    saved = save_artifact(make_result(artifacts=(earlier,)), tmp_path)
    assert saved.artifacts[0] == earlier
    assert len(saved.artifacts) == 2


def test_save_twice_does_not_duplicate(tmp_path: Path) -> None:
    once = save_artifact(make_result(), tmp_path)
    twice = save_artifact(once, tmp_path)
    assert twice == once
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("sub", ["a", "a/b/c"])
def test_save_creates_directory(tmp_path: Path, sub: str) -> None:
    save_artifact(make_result(), tmp_path / sub)
    assert len(list((tmp_path / sub).iterdir())) == 1


def test_save_leaves_no_temp_files(tmp_path: Path) -> None:
    for i in range(3):
        save_artifact(make_result(run_id=f"r{i}"), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"q_20231114_221320_r{i}.json" for i in range(3)]


def test_save_replaces_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The final name only ever appears through os.replace of a complete temp file."""
    calls: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        calls.append((Path(src).name, Path(dst).name))
        assert result_from_json(Path(src).read_bytes()).run.run_id == RUN_ID
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    save_artifact(make_result(), tmp_path)
    assert len(calls) == 1
    src, dst = calls[0]
    assert src.startswith(f".{dst}.") and src.endswith(".tmp")


def test_failed_replace_raises_and_cleans_up(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        save_artifact(make_result(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_directory_is_a_file_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "artifacts"
    blocker.write_text("not a directory")
    with pytest.raises(OSError):
        save_artifact(make_result(), blocker)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions")
def test_read_only_directory_raises(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        with pytest.raises(OSError):
            save_artifact(make_result(), directory)
    finally:
        directory.chmod(0o700)


def test_existing_artifact_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / artifact_filename("q", RUN_ID, STARTED)
    path.write_text("x" * 100_000)
    saved = save_artifact(make_result(), tmp_path)
    assert result_from_json(path.read_bytes()) == saved


def test_unwritable_directory_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permission denied on the temp file reaches the caller as OSError (even when root)."""
    def deny(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(PermissionError):
        save_artifact(make_result(), tmp_path)
    assert list(tmp_path.iterdir()) == []


# -- the directory kept tidy: .gitignore, retention, listing -------------------------------


def test_creating_dot_cq_writes_a_gitignore_once(tmp_path: Path) -> None:
    directory = tmp_path / ".cq" / "artifacts"
    save_artifact(make_result(run_id="r1"), directory)
    ignore = tmp_path / ".cq" / ".gitignore"
    assert ignore.read_text() == "*\n"
    ignore.write_text("# mine\n")  # a user's edit is never overwritten
    save_artifact(make_result(run_id="r2"), directory)
    assert ignore.read_text() == "# mine\n"


def test_an_existing_directory_gets_no_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".cq" / "artifacts").mkdir(parents=True)
    save_artifact(make_result(), tmp_path / ".cq" / "artifacts")
    assert not (tmp_path / ".cq" / ".gitignore").exists()


def test_a_custom_directory_gets_no_gitignore(tmp_path: Path) -> None:
    save_artifact(make_result(), tmp_path / "out")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def _save_many(directory: Path, count: int, keep: int) -> list[str]:
    ids = [uuid7_str() for _ in range(count)]
    for i, run_id in enumerate(ids):
        save_artifact(make_result(run_id=run_id, started_ms=STARTED + i * 1000), directory, keep)
    return ids


@pytest.mark.parametrize(("count", "keep", "kept"), [(5, 3, 3), (3, 3, 3), (4, 0, 4), (2, 1, 1)])
def test_each_save_prunes_to_the_newest(tmp_path: Path, count: int, keep: int,
                                        kept: int) -> None:
    ids = _save_many(tmp_path, count, keep)
    assert [a.run_id for a in list_artifacts(tmp_path)] == ids[::-1][:kept]


def test_pruning_leaves_other_files_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "q_bad.json").write_text("{}")
    ids = _save_many(tmp_path, 3, 1)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["notes.txt", f"q_20231114_221322_{ids[-1]}.json", "q_bad.json"]


def test_list_is_newest_first_with_time_command_and_size(tmp_path: Path) -> None:
    save_artifact(make_result(macro="calls", run_id="r1"), tmp_path)
    save_artifact(make_result(macro="sig-impact", run_id="r2", started_ms=STARTED + 1000),
                  tmp_path)
    listed = list_artifacts(tmp_path)
    assert [(a.macro, a.run_id, a.time) for a in listed] == [
        ("sig-impact", "r2", "2023-11-14 22:13:21"), ("calls", "r1", "2023-11-14 22:13:20")]
    assert all(a.size == Path(a.path).stat().st_size for a in listed)
    assert list_artifacts(tmp_path / "missing") == []


def test_prune_returns_what_it_removed(tmp_path: Path) -> None:
    ids = _save_many(tmp_path, 4, 0)
    assert [a.run_id for a in prune_artifacts(tmp_path, 1)] == ids[::-1][1:]
    assert prune_artifacts(tmp_path, 0) == []


def test_find_by_prefix(tmp_path: Path) -> None:
    save_artifact(make_result(run_id="abc1"), tmp_path)
    save_artifact(make_result(run_id="abd2"), tmp_path)
    assert find_artifact(tmp_path, "ABC").run_id == "abc1"
    for prefix, fragment in (("ab", "2 artifacts"), ("x", "no artifact"), (" ", "needs")):
        with pytest.raises(BadInputError, match=fragment):
            find_artifact(tmp_path, prefix)


def test_saved_json_is_one_line(tmp_path: Path) -> None:
    save_artifact(make_result(), tmp_path)
    (path,) = tmp_path.iterdir()
    assert path.read_text().count("\n") == 1
