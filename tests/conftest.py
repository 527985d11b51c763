"""Shared fixtures and helpers: `make_repo` builds a small repository in a temporary directory;
`copy_sample` copies a committed sample from tests/repos/; `repo_settings`, `run_macro` and
`run_q` run cq on such a repository through the library, the `run_cli` fixture through the
CLI; `golden` compares normalised outputs with tests/golden/ (`pytest --update-golden`
rewrites them); `process_alive`, `survivors` and `kill_pool_parent` watch worker processes;
`finishes` fails a test whose call blocks on a FIFO instead of hanging the suite."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

if TYPE_CHECKING:
    from cq.index.source import FactSource
    from cq.result import CqResult, Finding
    from cq.settings import Settings

# cq itself is imported inside the helpers below, so that loading this file imports none of it.

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


# -- sample repositories and runs on them -----------------------------------------------------


def copy_sample(where: Path, name: str) -> Path:
    """A writable copy of the committed sample repository tests/repos/NAME, at WHERE/NAME."""
    target = where / name
    shutil.copytree(REPOS / name, target)
    return target


def repo_settings(root: Path, **options: Any) -> Settings:
    """Settings for a run on a test repository: no artifact, HOME (and with it the default
    cache) beside the repository; `options` as the CLI's (`no_cache=True`, `cache_dir=...`)."""
    from cq.settings import resolve_settings

    return resolve_settings({"root": str(root), "save_artifact": False, **options},
                            env={"HOME": str(root.parent)})


def run_macro(root: Path, name: str, args: dict[str, Any], **options: Any) -> CqResult:
    """`cq NAME ARGS...` on a test repository through the library, with `repo_settings`."""
    from cq.api import RunContext, macro

    return macro(repo_settings(root, **options), name, args, RunContext(argv=("cq", name)))


def run_q(root: Path, text: str, **options: Any) -> CqResult:
    """`cq q TEXT` on a test repository through the library, with `repo_settings`."""
    from cq.api import RunContext, run_query

    return run_query(repo_settings(root, **options), text, RunContext(argv=("cq", "q", text)))


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """`run_cli(root, *args)`: `cq ARGS --root ROOT --no-save-artifact --no-cache` in-process
    (no `--no-save-artifact` for `cache` and `index`, which save none and refuse it), with
    HOME beside ROOT; gives the exit code, stdout and stderr."""
    from cq.cli.app import run

    def call(root: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.setenv("HOME", str(root.parent))
        saving = [] if args[0] in ("cache", "index") else ["--no-save-artifact"]
        code = run([*args, "--root", str(root), *saving, "--no-cache"])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def all_findings(result: CqResult) -> list[Finding]:
    """The key findings, then every section's findings, in order."""
    return [*result.key_findings, *(f for s in result.sections for f in s.findings)]


def answer_bytes(result: CqResult) -> bytes:
    """What a cached answer must repeat exactly: the summary less its cache facts, the key
    findings and the sections."""
    import msgspec

    summary = {k: v for k, v in result.summary.items() if not k.startswith("cache")}
    return msgspec.json.encode([summary, result.key_findings, result.sections])


def fact_source(root: Path, cache_dir: Path) -> FactSource:
    """The facts of every file under ROOT, indexed in CACHE_DIR and scanned on demand."""
    from cq.cache.profile import profile_from_settings
    from cq.cache.store import open_store
    from cq.discover import discover_files
    from cq.index.session import IndexSession
    from cq.index.source import FactSource
    from cq.scan import scan_paths
    from cq.settings import resolve_settings

    settings = resolve_settings({"root": str(root), "cache_dir": str(cache_dir)}, env={})
    session = IndexSession(root, open_store(profile_from_settings(settings), "index"),
                           settings.max_file_bytes)
    files = discover_files(root).files
    session.fingerprint(files)
    return FactSource(files, session,
                      lambda paths, kinds: scan_paths(root, paths, jobs=1,
                                                      max_file_bytes=1 << 20, kinds=kinds))


# -- caches that cannot be used (root ignores file modes: sqlite is told instead) ------------


def open_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sqlite database opens read-only, as on a read-only file system (root ignores
    file modes, so the mode cannot make it so): sqlite's own "readonly" errors follow."""
    real = sqlite3.connect

    def connect(database: Any, *args: Any, uri: bool = False, **kwargs: Any) -> Any:
        if not uri:
            database, uri = f"file:{database}?mode=ro", True
        return real(database, *args, uri=uri, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)


CACHE_KINDS = ("index", "query", "coordination")


def unopenable(monkeypatch: pytest.MonkeyPatch, kinds: tuple[str, ...] = CACHE_KINDS) -> None:
    """The databases of `kinds` cannot be opened at all."""
    real = sqlite3.connect

    def connect(database: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(str(database)).parent.name in kinds:
            raise sqlite3.OperationalError("unable to open database file")
        return real(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)


# -- processes --------------------------------------------------------------------------------


def process_alive(pid: int) -> bool:
    """Is PID a running process? Read from /proc, independently of cq; a zombie (dead, not yet
    reaped) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def survivors(pids: Iterable[int], deadline_s: float = 20) -> set[int]:
    """Those of PIDS still alive once all have gone or the deadline has passed (a killed
    process takes a moment to go)."""
    deadline = time.monotonic() + deadline_s
    alive = {pid for pid in pids if process_alive(pid)}
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = {pid for pid in alive if process_alive(pid)}
    return alive


def logged_pids(log: Path, count: int, proc: subprocess.Popen[Any],
                deadline_s: float = 30) -> set[int]:
    """Wait until COUNT distinct pids are logged in LOG (one per line) while PROC runs."""
    deadline = time.monotonic() + deadline_s
    while True:
        pids = {int(line) for line in (log.read_text().split() if log.exists() else ())}
        if len(pids) >= count:
            return pids
        assert proc.poll() is None, f"exited early with {proc.returncode}"
        assert time.monotonic() < deadline, f"only {len(pids)} of {count} workers started"
        time.sleep(0.01)


def kill_pool_parent(script: Path, log: Path, *args: str, workers: int = 2) -> set[int]:
    """Run SCRIPT, a process whose pool workers log their pids to LOG; once WORKERS of them
    are busy, SIGKILL it. Gives the workers that survived it (and then kills them)."""
    proc = subprocess.Popen([sys.executable, str(script), str(log), *args])
    try:
        pids = logged_pids(log, workers, proc)
    finally:
        proc.kill()
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    alive = survivors(pids)
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    return alive


# -- calls that must not block ----------------------------------------------------------------

T = TypeVar("T")


def finishes(call: Callable[[], T], *fifos: Path, timeout_s: float = 20) -> T:
    """CALL's result, failing the test when it has not returned within TIMEOUT_S. A call
    blocked opening or reading one of FIFOS is then released (a writer opens and closes the
    FIFO), so a failure is a failed test, not a hung suite."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the test's thread below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        for fifo in fifos:
            _release(fifo)
        thread.join(timeout_s)
        pytest.fail(f"blocked for over {timeout_s} s (on a FIFO?)")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def _release(fifo: Path) -> None:
    """Open FIFO's write end and close it: a reader blocked in open() or read() goes on."""
    with suppress(OSError):  # no reader waiting (ENXIO), or the FIFO is gone
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


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


# -- findings built by hand ---------------------------------------------------------------------


def build_details(category: str, details: dict[str, Any] | None = None) -> Any:
    """The category's details struct from a plain mapping (lists become tuples); required
    fields the mapping leaves out get a neutral placeholder ("" / 0 / False)."""
    import msgspec

    from cq.findings import CATEGORIES

    kind = CATEGORIES[category].details_type
    placeholders = {f.name: _placeholder(f.type) for f in msgspec.structs.fields(kind)
                    if f.required}
    return msgspec.convert({**placeholders, **(details or {})}, kind)


def _placeholder(kind: Any) -> Any:
    return {str: "", int: 0, bool: False}.get(kind, ())


def build_finding(category: str = "definition", message: str = "", anchor: Any = None,
                  details: dict[str, Any] | None = None, **fields: Any) -> Finding:
    """A finding of `category` with details from a mapping (`build_details`)."""
    from cq.result import FINDING_TYPES

    made: Finding = FINDING_TYPES[category](message=message, anchor=anchor,
                                            details=build_details(category, details), **fields)
    return made


def plain(value: Any) -> Any:
    """A struct (details, a finding) as the JSON values it encodes to: dicts and lists, with
    unset optional fields left out, as `--format json` shows them."""
    import msgspec

    return msgspec.json.decode(msgspec.json.encode(value))
