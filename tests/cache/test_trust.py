"""cq.cache.trust and the stores that use it: a directory others can write is never used."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cq.cache import trust
from cq.cache.profile import CacheProfile, kind_dir
from cq.cache.store import STATUS_DISABLED, STATUS_OK, Store, open_store

AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory away needs root")
FOREIGN_UID = 54321


def _levels(profile: CacheProfile) -> list[Path]:
    return trust.levels(profile.cache_dir, kind_dir(profile, "query"))


def _seed(profile: CacheProfile) -> None:
    store = open_store(profile, "query")
    assert store.set("answer", "true")
    store.close()


def _group_writable(path: Path) -> None:
    path.chmod(0o770)


def _world_writable(path: Path) -> None:
    path.chmod(0o1777)


def _other_owned(path: Path) -> None:
    os.chown(path, FOREIGN_UID, -1)


def _read(store: Store) -> object:
    return store.get("answer", str)


def _write(store: Store) -> object:
    return store.set("answer", "forged")


def test_levels_run_from_the_root_down_to_the_store(profile: CacheProfile) -> None:
    found = _levels(profile)
    assert found[0] == profile.cache_dir and found[-1] == kind_dir(profile, "query")
    assert [p.name for p in found[1:]] == ["v1", found[2].name, "query"]
    assert trust.levels(None, Path("/x/y")) == [Path("/x/y")]


@pytest.mark.parametrize(("top", "directory", "expected"), [
    ("/", "/a/b", ["/", "/a", "/a/b"]),
    ("/x/", "/x/y", ["/x", "/x/y"]),
    ("/x", "/x", ["/x"]),
    ("/x", "/xy/z", ["/xy/z"]),  # a sibling sharing a prefix is not below it
])
def test_levels_edge_cases(top: str, directory: str, expected: list[str]) -> None:
    assert trust.levels(Path(top), Path(directory)) == [Path(p) for p in expected]


@pytest.mark.parametrize("level", range(4), ids=["root", "v1", "repo-key", "kind"])
@pytest.mark.parametrize("spoil", [
    _group_writable, _world_writable, pytest.param(_other_owned, marks=AS_ROOT),
])
@pytest.mark.parametrize("first", [_read, _write], ids=["read-first", "write-first"])
def test_an_untrusted_level_is_never_used(profile: CacheProfile, level: int,
                                          spoil: Callable[[Path], None],
                                          first: Callable[[Store], object]) -> None:
    _seed(profile)
    target = _levels(profile)[level]
    spoil(target)
    store = open_store(profile, "query")
    first(store)
    assert _read(store) is None and _write(store) is False
    assert store.status == STATUS_DISABLED and str(target) in (store.reason or "")
    store.close()
    _levels(profile)[level].chmod(0o700)
    if spoil is not _other_owned:
        assert _read(open_store(profile, "query")) == "true"  # untouched: nothing was written


def test_other_owner_simulated_by_the_uid_seam(profile: CacheProfile,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(profile)
    monkeypatch.setattr(trust, "current_uid", lambda: FOREIGN_UID)
    store = open_store(profile, "query")
    assert _read(store) is None and store.status == STATUS_DISABLED
    assert "owned by another user" in (store.reason or "")
    assert "use a cache directory you own" in (store.reason or "")


def test_an_untrusted_root_gets_no_directories(profile: CacheProfile) -> None:
    profile.cache_dir.mkdir(mode=0o777)
    profile.cache_dir.chmod(0o1777)
    for kind in ("index", "query", "coordination"):
        store = open_store(profile, kind)
        assert store.set("k", 1) is False and store.get("k", int) is None
    assert list(profile.cache_dir.iterdir()) == []


def test_the_notice_names_the_directory_and_the_fix(profile: CacheProfile) -> None:
    profile.cache_dir.mkdir()
    profile.cache_dir.chmod(0o777)
    store = open_store(profile, "index")
    store.get("k", int)
    (notice,) = store.notices
    assert str(profile.cache_dir) in notice and f"chmod go-w {profile.cache_dir}" in notice
    assert "use a cache directory you own" in notice and "\n" not in notice


def test_taking_back_only_the_root_is_not_enough(profile: CacheProfile) -> None:
    _seed(profile)
    for level in _levels(profile):
        level.chmod(0o777)  # a shared cache: another user planted the subtree
    profile.cache_dir.chmod(0o700)  # the user takes back the top only
    store = open_store(profile, "query")
    assert _read(store) is None and store.status == STATUS_DISABLED
    assert str(_levels(profile)[1]) in (store.reason or "")


def test_a_trusted_store_checks_once(profile: CacheProfile,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(profile)
    calls: list[Path] = []
    real = trust.distrust

    def counted(top: Path | None, directory: Path) -> str | None:
        calls.append(directory)
        return real(top, directory)

    monkeypatch.setattr("cq.cache.boundary.distrust", counted)
    store = open_store(profile, "query")
    for _ in range(3):
        assert _read(store) == "true"
    assert store.set("more", "x") and _read(store) == "true"
    assert store.status == STATUS_OK and len(calls) == 1


def test_a_symlink_is_judged_by_its_target(profile: CacheProfile, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    profile.cache_dir.symlink_to(shared)
    store = open_store(profile, "index")
    assert store.set("k", 1) is False and list(shared.iterdir()) == []
