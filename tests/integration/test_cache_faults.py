"""The cache never breaks the tool (DESIGN §1.2, §6 Faults/Fallback, §9).

A cache that cannot be written, a corrupt database, a full disk, a planted pickle and a
missing `diskcache` each still give the `--no-cache` answer, exit 0, and say why: one line on
stderr from the CLI, `result.run.notices` and `summary.cache` from the library.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import diskcache
import msgspec
import pytest

import cq.cache.boundary as boundary
from cq.cache.profile import CacheSettings
from cq.cache.query import RESULT_PREFIX, StoredResult
from cq.cache.reader import Reader
from cq.cache.store import open_store_at
from cq.result import CqResult

from .support import (
    CliRun,
    answer,
    ask,
    cli_args,
    fast_dir,
    generated_repo,
    kind_dir,
    run_cli,
    write_files,
    write_launcher,
)

QUERY = "entity=function name=~^handle expand=callers(depth=2)"
FILES = {
    "svc/__init__.py": "",
    "svc/core.py": """\
        def handle(event):
            return dispatch(event)

        def dispatch(event):
            return event
        """,
    "svc/entry.py": """\
        from svc.core import handle

        class Worker:
            def run(self, event):
                return handle(event)
        """,
}


@pytest.fixture
def work() -> Iterator[Path]:
    with fast_dir("cq-faults-") as path:
        yield path


@pytest.fixture
def repo(work: Path) -> Path:
    return write_files(work / "repo", FILES)


@pytest.fixture
def cache(work: Path) -> Path:
    return work / "cache"


@pytest.fixture
def cold(repo: Path, work: Path) -> dict[str, Any]:
    return answer(ask(repo, work / "no-cache", QUERY, no_cache=True))


def assert_degraded(result: CqResult, cold: dict[str, Any], *words: str) -> None:
    """Same answer as a cold run, cache disabled with a reason naming `words`, and a notice."""
    assert answer(result) == cold
    assert result.key_findings and result.sections[0].findings
    cache = result.summary["cache"]
    assert cache["status"] == "disabled", cache
    assert all(word in cache["reason"] for word in words), cache
    assert result.run.notices and all("\n" not in n for n in result.run.notices)
    assert any(all(word in n for word in words) for n in result.run.notices), result.run.notices


def assert_cli_degraded(run: CliRun, cold: dict[str, Any], *words: str) -> None:
    assert run.returncode == 0, run.stderr
    assert answer(run.json) == cold
    assert run.json["summary"]["cache"]["status"] == "disabled"
    assert "Traceback" not in run.stderr
    assert run.stderr_lines and any(all(w in line for w in words) for line in run.stderr_lines)


# -- a cache directory that cannot be created ---------------------------------------------------


def test_unwritable_cache_dir_runs_uncached(repo: Path, work: Path,
                                            cold: dict[str, Any]) -> None:
    blocker = work / "not-a-dir"
    blocker.write_text("a regular file where the cache directory should be\n")
    for _ in range(2):
        assert_degraded(ask(repo, blocker, QUERY), cold, "not-a-dir")
    assert blocker.read_text().startswith("a regular file")


def test_unwritable_cache_dir_via_the_cli(repo: Path, work: Path,
                                          cold: dict[str, Any]) -> None:
    blocker = work / "not-a-dir"
    blocker.write_text("")
    assert_cli_degraded(run_cli(cli_args(QUERY, repo, blocker)), cold, "cache", "not-a-dir")


def test_unwritable_cache_dir_is_one_line_on_stderr(repo: Path, work: Path) -> None:
    blocker = work / "not-a-dir"
    blocker.write_text("")
    run = run_cli(cli_args(QUERY, repo, blocker))
    assert run.returncode == 0
    assert len(run.stderr_lines) == 1, run.stderr_lines


# -- a cache directory other users can write (a shared CQ_CACHE_DIR) ----------------------------


def share(cache: Path, repo: Path) -> None:
    """Make every level of the cache writable by everyone, as a shared 1777 cache directory
    and the subtree another user planted in it would be."""
    for level in (cache, cache / "v1", kind_dir(cache, repo, "query").parent,
                  *(kind_dir(cache, repo, kind) for kind in ("index", "query"))):
        level.chmod(0o1777)


def forge(cache: Path, repo: Path) -> None:
    """Rewrite every stored answer to say nothing was found, as another user could."""
    store = open_store_at(kind_dir(cache, repo, "query"), "query", CacheSettings())
    for key in store.iterkeys(RESULT_PREFIX):
        stored = store.get(key, StoredResult)
        assert stored is not None
        empty = msgspec.structs.replace(stored.result, key_findings=(), sections=())
        store.set(key, msgspec.structs.replace(stored, result=empty))
    store.close()


def test_a_forged_answer_in_a_shared_cache_is_not_served(repo: Path, cache: Path,
                                                         cold: dict[str, Any]) -> None:
    ask(repo, cache, QUERY)
    forge(cache, repo)
    share(cache, repo)
    assert_degraded(ask(repo, cache, QUERY), cold, "untrusted", str(cache))
    run = run_cli(cli_args(QUERY, repo, cache))
    assert_cli_degraded(run, cold, "untrusted", str(cache), "chmod go-w")


def test_a_shared_cache_is_one_line_on_stderr(repo: Path, cache: Path) -> None:
    ask(repo, cache, QUERY)
    share(cache, repo)
    (cache / "v0").mkdir()  # an older layout planted there is not worth a second line
    run = run_cli(cli_args(QUERY, repo, cache))
    assert run.returncode == 0
    assert len(run.stderr_lines) == 1, run.stderr_lines


def test_an_untrusted_cache_dir_gets_nothing_created_in_it(repo: Path, cache: Path,
                                                           cold: dict[str, Any]) -> None:
    cache.mkdir()
    cache.chmod(0o1777)
    for _ in range(2):
        assert_degraded(ask(repo, cache, QUERY), cold, "untrusted")
    assert list(cache.iterdir()) == []


# -- a corrupt database ------------------------------------------------------------------------

def garbage(data: bytes) -> bytes:
    return os.urandom(len(data))


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


@pytest.mark.parametrize("kind", ["index", "query"])
@pytest.mark.parametrize("damage", [garbage, truncated], ids=["garbage", "truncated"])
def test_corrupt_database_is_moved_aside_and_rebuilt(
        repo: Path, cache: Path, cold: dict[str, Any], kind: str,
        damage: Callable[[bytes], bytes]) -> None:
    assert ask(repo, cache, QUERY).summary["cache"]["status"] == "miss"
    db = kind_dir(cache, repo, kind) / "cache.db"
    db.write_bytes(damage(db.read_bytes()))
    result = ask(repo, cache, QUERY)
    assert answer(result) == cold
    aside = kind_dir(cache, repo, kind).with_name(f"{kind}.corrupt-{result.run.run_id}")
    assert aside.is_dir() and (aside / "cache.db").is_file()
    assert [n for n in result.run.notices if "corrupt" in n and aside.name in n]
    assert result.summary["cache"]["status"] in ("hit", "miss")
    later = ask(repo, cache, QUERY)
    assert later.run.notices == () and answer(later) == cold
    assert later.summary["cache"]["status"] == "hit"
    assert (kind_dir(cache, repo, kind) / "cache.db").is_file()


def test_truncated_to_nothing_is_an_empty_cache(repo: Path, cache: Path,
                                                cold: dict[str, Any]) -> None:
    ask(repo, cache, QUERY)
    for kind in ("index", "query"):
        (kind_dir(cache, repo, kind) / "cache.db").write_bytes(b"")
    result = ask(repo, cache, QUERY)
    assert answer(result) == cold and result.summary["cache"]["status"] == "miss"
    assert ask(repo, cache, QUERY).summary["cache"]["status"] == "hit"


SCHEMA_DAMAGE = {
    "settings-dropped": "DROP TABLE Settings",
    "cache-other-columns": "ALTER TABLE Cache RENAME COLUMN tag TO label",
    "text-counter": "UPDATE Settings SET value = 'many' WHERE key = 'count'",
    "text-min-file-size": "UPDATE Settings SET value = 'big' WHERE key = 'disk_min_file_size'",
}


def damage_schema(directory: Path, statement: str) -> None:
    with contextlib.closing(sqlite3.connect(directory / "cache.db", isolation_level=None)) as con:
        con.execute(statement)


def assert_moved_aside(result: CqResult, directory: Path) -> None:
    aside = directory.with_name(f"{directory.name}.corrupt-{result.run.run_id}")
    assert aside.is_dir() and (aside / "cache.db").is_file()
    assert [n for n in result.run.notices if "corrupt" in n and aside.name in n], \
        result.run.notices
    assert result.summary["cache"]["status"] in ("hit", "miss")


@pytest.mark.parametrize("kind", ["index", "query"])
@pytest.mark.parametrize("statement", list(SCHEMA_DAMAGE.values()), ids=list(SCHEMA_DAMAGE))
def test_schema_damage_met_by_a_read_is_moved_aside_and_rebuilt(
        repo: Path, cache: Path, cold: dict[str, Any], kind: str, statement: str) -> None:
    ask(repo, cache, QUERY)
    directory = kind_dir(cache, repo, kind)
    damage_schema(directory, statement)
    write_files(repo, {"svc/extra.py": "X = 1\n"})  # so the run writes too
    cold = answer(ask(repo, cache, QUERY, no_cache=True))
    result = ask(repo, cache, QUERY)
    assert answer(result) == cold
    assert_moved_aside(result, directory)
    later = ask(repo, cache, QUERY)
    assert later.run.notices == () and answer(later) == cold
    assert later.summary["cache"]["status"] == "hit"


@pytest.mark.parametrize("statement", list(SCHEMA_DAMAGE.values()), ids=list(SCHEMA_DAMAGE))
def test_schema_damage_met_by_a_write_is_moved_aside_and_rebuilt(work: Path, cache: Path,
                                                                 statement: str) -> None:
    big = generated_repo(work / "big")  # enough files that a cold run takes the scan lock
    text = "entity=function name=func_7"
    cold = answer(ask(big, work / "no-cache", text, no_cache=True))
    ask(big, cache, text)
    directory = kind_dir(cache, big, "coordination")
    damage_schema(directory, statement)
    for kind in ("index", "query"):  # cold again: the scan lock is the store's first use
        shutil.rmtree(kind_dir(cache, big, kind))
    result = ask(big, cache, text)
    assert answer(result) == cold
    assert_moved_aside(result, directory)


def test_a_hit_whose_store_fails_after_the_read_is_not_called_a_hit(
        repo: Path, cache: Path, cold: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    ask(repo, cache, QUERY)

    def failing(*args: Any) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Reader, "volume", failing)
    assert_degraded(ask(repo, cache, QUERY), cold, "disk I/O error")


# -- a locked database -----------------------------------------------------------------------


LOCK_BOUND_S = 8.0  # the default sqlite timeout (2 s) plus a margin for a cold start


def test_locked_index_runs_uncached_without_waiting_long(repo: Path, cache: Path) -> None:
    assert ask(repo, cache, QUERY).summary["cache"]["status"] == "miss"
    write_files(repo, {"svc/extra.py": "def handle_more():\n    return 1\n"})
    cold = answer(ask(repo, cache, QUERY, no_cache=True))
    db = kind_dir(cache, repo, "index") / "cache.db"
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")  # another process in a long write
        try:
            run = run_cli(cli_args(QUERY, repo, cache), timeout=LOCK_BOUND_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"a locked index blocked the run for over {LOCK_BOUND_S} s")
        finally:
            holder.execute("ROLLBACK")
    assert_cli_degraded(run, cold, "locked")


# -- a full disk -------------------------------------------------------------------------------

DISK_FULL = "database or disk is full"


def failing_commit(real: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Every batch write fails when it commits (the transaction is rolled back)."""

    @contextlib.contextmanager
    def transaction(cache: Any) -> Iterator[None]:
        with real(cache):
            yield
            raise sqlite3.OperationalError(DISK_FULL)

    return transaction


class FullDiskCache:
    """A DiskCache whose writes fail as on a full disk; everything else passes through."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def __getattr__(self, name: str) -> Any:
        if name in ("set", "add", "delete", "touch", "incr", "push"):
            def full(*args: Any, **kwargs: Any) -> Any:
                raise sqlite3.OperationalError(DISK_FULL)

            return full
        return getattr(self._cache, name)


def patch_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boundary, "_transaction", failing_commit(boundary._transaction))


def patch_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    real = boundary.open_cache
    monkeypatch.setattr(boundary, "open_cache", lambda *a, **k: FullDiskCache(real(*a, **k)))


@pytest.mark.parametrize("inject", [patch_commit, patch_writes], ids=["commit", "write"])
@pytest.mark.parametrize("warm", [False, True], ids=["cold-cache", "after-edit"])
def test_disk_full_runs_uncached(repo: Path, cache: Path, cold: dict[str, Any],
                                 monkeypatch: pytest.MonkeyPatch,
                                 inject: Callable[[pytest.MonkeyPatch], None],
                                 warm: bool) -> None:
    if warm:  # a populated cache, then an edit that does not change the answer
        ask(repo, cache, QUERY)
        write_files(repo, {"svc/extra.py": "X = 1\n"})
        cold = answer(ask(repo, cache, QUERY, no_cache=True))
    with monkeypatch.context() as patched:
        inject(patched)
        assert_degraded(ask(repo, cache, QUERY), cold, DISK_FULL)
    healed = ask(repo, cache, QUERY)
    assert answer(healed) == cold and healed.run.notices == ()
    assert healed.summary["cache"]["status"] == "miss"
    assert ask(repo, cache, QUERY).summary["cache"]["status"] == "hit"


# -- a planted pickle ------------------------------------------------------------------------


class Planted:
    """Unpickling this creates `marker`: proof that someone unpickled it."""

    def __init__(self, marker: Path, padding: int = 0) -> None:
        self.marker, self.padding = marker, padding

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w")) if not self.padding else (
            tuple, ([Planted(self.marker), b"x" * self.padding],))


def plant(directory: Path, marker: Path, keys: list[str]) -> None:
    """Overwrite `keys` (and add one more) with pickles, through stock DiskCache (it pickles)."""
    with diskcache.Cache(str(directory)) as stock:
        for n, key in enumerate([*keys, "planted:extra"]):
            stock.set(key, Planted(marker, padding=100_000 if n % 2 else 0))
        stock.set(("tuple", "key"), Planted(marker))  # a pickled key as well


@pytest.mark.parametrize("padding", [0, 100_000])
def test_the_planted_payload_fires_when_unpickled(work: Path, padding: int) -> None:
    marker = work / "fired"
    pickle.loads(pickle.dumps(Planted(marker, padding)))
    assert marker.exists()


def stored_keys(directory: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(directory / "cache.db")) as con:
        return [k for (k,) in con.execute("SELECT key FROM Cache") if isinstance(k, str)]


@pytest.mark.parametrize("kind", ["query", "index"])
def test_planted_pickle_is_never_executed(repo: Path, cache: Path, work: Path,
                                          cold: dict[str, Any], kind: str) -> None:
    ask(repo, cache, QUERY)
    directory = kind_dir(cache, repo, kind)
    marker = work / "pwned"
    keys = stored_keys(directory)
    assert keys
    plant(directory, marker, keys)
    result = ask(repo, cache, QUERY)
    assert not marker.exists(), "a planted pickle was unpickled"
    assert answer(result) == cold
    assert [n for n in result.run.notices if f"{kind} cache" in n and "unreadable" in n]
    # Planted index rows only cost the digests (files are re-read); the query entry is intact.
    assert result.summary["cache"]["status"] == ("miss" if kind == "query" else "hit")
    again = ask(repo, cache, QUERY)
    assert answer(again) == cold and again.summary["cache"]["status"] == "hit"
    assert not marker.exists()


# -- a run killed while it writes ---------------------------------------------------------------

KILL_MID_WRITE = """
import os
import signal
import subprocess

import cq.cache.store as store_module

_real_set_bytes = store_module.Store.set_bytes
_kind, _after = os.environ["CQTEST_KILL_KIND"], int(os.environ["CQTEST_KILL_AFTER"])
_written = []


def _set_bytes(self, *args, **kwargs):
    done = _real_set_bytes(self, *args, **kwargs)
    if self.kind == _kind:
        _written.append(done)
        if len(_written) >= _after:  # inside the batch's transaction, before its commit
            os.kill(os.getpid(), signal.SIGKILL)
    return done


store_module.Store.set_bytes = _set_bytes
"""


@pytest.mark.parametrize(("kind", "after"), [("index", 3), ("query", 1)])
def test_a_run_killed_mid_write_leaves_a_usable_cache(repo: Path, cache: Path, work: Path,
                                                      cold: dict[str, Any], kind: str,
                                                      after: int) -> None:
    launcher = write_launcher(work / "kill_mid_write.py", KILL_MID_WRITE)
    killed = run_cli(cli_args(QUERY, repo, cache), launcher=launcher,
                     extra_env={"CQTEST_KILL_KIND": kind, "CQTEST_KILL_AFTER": str(after)})
    assert killed.returncode == -signal.SIGKILL
    result = ask(repo, cache, QUERY)
    assert answer(result) == cold and result.run.notices == ()
    assert result.summary["cache"]["status"] == "miss"  # nothing half-written was kept
    again = ask(repo, cache, QUERY)
    assert answer(again) == cold and again.summary["cache"]["status"] == "hit"


# -- diskcache missing -----------------------------------------------------------------------


def test_diskcache_not_importable(repo: Path, cache: Path, work: Path,
                                  cold: dict[str, Any]) -> None:
    launcher = write_launcher(work / "no_diskcache.py", """
        import sys
        sys.modules["diskcache"] = None  # import diskcache -> ImportError
    """)
    run = run_cli(cli_args(QUERY, repo, cache), launcher=launcher)
    assert_cli_degraded(run, cold, "diskcache", "not importable")
    assert "disabled" in run.json["summary"]["cache"]["reason"] or \
        "not importable" in run.json["summary"]["cache"]["reason"]
    assert not cache.exists()


def test_diskcache_not_importable_is_one_line_on_stderr(repo: Path, cache: Path,
                                                        work: Path) -> None:
    launcher = write_launcher(work / "no_diskcache.py", """
        import sys
        sys.modules["diskcache"] = None
    """)
    run = run_cli(cli_args(QUERY, repo, cache), launcher=launcher)
    assert run.returncode == 0
    assert len(run.stderr_lines) == 1, run.stderr_lines


# -- admin commands on a cache they cannot use: exit 4, one line, nothing on stdout -------------

READ_ONLY = """
import sqlite3

_real_connect = sqlite3.connect


def _read_only(database, *args, uri=False, **kwargs):
    if not uri:  # as on a read-only file system: root ignores file modes
        database, uri = f"file:{database}?mode=ro", True
    return _real_connect(database, *args, uri=uri, **kwargs)


sqlite3.connect = _read_only
"""

CHANGING = {
    "cache-clear": ["cache", "--clear"],
    "cache-evict": ["cache", "--evict-tag", "file:svc/core.py"],
    "maintenance": ["cache", "--maintenance"],
    "maintenance-check": ["cache", "--maintenance", "--check"],
    "index-clear": ["index", "--clear"],
    "index-rebuild": ["index", "--rebuild"],
}
ADMIN = {**CHANGING, "cache-stats": ["cache", "--stats"], "index-stats": ["index", "--stats"],
         "migrate": ["cache", "--migrate"]}


def admin_args(command: list[str], repo: Path, cache: Path) -> list[str]:
    return [*command, "--root", str(repo), "--cache-dir", str(cache), "--no-config"]


def assert_cache_error(run: CliRun, *words: str) -> None:
    assert run.returncode == 4, (run.returncode, run.stderr)
    assert run.stdout == "" and len(run.stderr_lines) == 1, run.stderr_lines
    assert run.stderr.startswith("cq: error: ") and "Traceback" not in run.stderr
    assert all(word in run.stderr for word in words), run.stderr


@pytest.mark.parametrize("command", list(CHANGING.values()), ids=list(CHANGING))
def test_admin_commands_on_a_read_only_cache_exit_4(repo: Path, cache: Path, work: Path,
                                                    command: list[str]) -> None:
    ask(repo, cache, QUERY)
    launcher = write_launcher(work / "read_only.py", READ_ONLY)
    assert_cache_error(run_cli(admin_args(command, repo, cache), launcher=launcher),
                       "readonly", str(cache))
    assert ask(repo, cache, QUERY).summary["cache"]["status"] == "hit"  # nothing removed


@pytest.mark.parametrize("command", list(ADMIN.values()), ids=list(ADMIN))
def test_admin_commands_on_an_untrusted_cache_exit_4(repo: Path, cache: Path,
                                                     command: list[str]) -> None:
    ask(repo, cache, QUERY)
    share(cache, repo)
    assert_cache_error(run_cli(admin_args(command, repo, cache)), "untrusted", "chmod go-w")
