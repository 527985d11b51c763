"""JSON artifacts: the full result of a run saved as one file (DESIGN §5).

Owns the file name and the write. Names are `<macro>_<UTC yyyymmdd_HHMMSS>_<run_id>.json`:
for one macro they sort by time, to the second by the stamp and within a second by the
UUIDv7 run id (its fixed-width hex leads with the millisecond timestamp and is monotonic in
one process). The saved JSON lists its own Artifact entry, so a file found on disk names
itself, and is written compact (one line; `cq artifacts show` indents it): indentation alone
made a large report's artifact half again as big. Whether to save and what to do when saving
fails belongs to `cq.api`; here a failed write raises `OSError`.

Also owns what keeps the directory tidy: creating the default directory `<root>/.cq/artifacts`
writes `<root>/.cq/.gitignore` (`*`), so `git status` stays clean, and each save prunes the
directory to the newest `keep` artifacts (0: keep all). Only files named like artifacts are
listed, read or removed; anything else in the directory is left alone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Iterable
from pathlib import Path

import msgspec

from cq.errors import BadInputError
from cq.result import Artifact, CqResult, result_json_chunks

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_NAME = re.compile(r"^(?P<macro>[A-Za-z0-9_-]+)_(?P<stamp>\d{8}_\d{6})_(?P<run>[A-Za-z0-9_-]+)"
                   r"\.json$")
GITIGNORE = "*\n"
KEEP_DEFAULT = 100


class ArtifactFile(msgspec.Struct, frozen=True):
    """One saved artifact as its name and the directory describe it."""

    path: str
    macro: str
    stamp: str  # UTC yyyymmdd_HHMMSS
    run_id: str
    size: int

    @property
    def time(self) -> str:
        """The UTC stamp as `yyyy-mm-dd HH:MM:SS`."""
        day, clock = self.stamp.split("_")
        return (f"{day[:4]}-{day[4:6]}-{day[6:]} "
                f"{clock[:2]}:{clock[2:4]}:{clock[4:]}")


def artifact_filename(macro: str, run_id: str, started_ms: int) -> str:
    """`<macro>_<UTC yyyymmdd_HHMMSS>_<run_id>.json`, with only `[A-Za-z0-9_-]` in the parts."""
    stamp = dt.datetime.fromtimestamp(started_ms / 1000, tz=dt.UTC).strftime("%Y%m%d_%H%M%S")
    return f"{_safe(macro)}_{stamp}_{_safe(run_id)}.json"


def save_artifact(result: CqResult, directory: Path, keep: int = KEEP_DEFAULT) -> CqResult:
    """Write the result (listing itself) atomically under `directory`, then prune the
    directory to the newest `keep` artifacts (0: all); return the result with its entry."""
    _make_directory(directory)
    path = directory / artifact_filename(result.run.macro, result.run.run_id,
                                         result.run.started_ms)
    saved = _with_artifact(result, Artifact(path=str(path), format="json"))
    _write_atomic(path, itertools.chain(result_json_chunks(saved, indent=0), [b"\n"]))
    prune_artifacts(directory, keep)
    return saved


def _make_directory(directory: Path) -> None:
    """Create `directory`; when that creates a `.cq` directory, it gets a `.gitignore`
    ignoring everything in it. An existing directory is left as it is, so a user's own
    `.gitignore` there is never rewritten."""
    if directory.is_dir():
        return
    created = [d for d in (directory, *directory.parents) if d.name == ".cq" and not d.exists()]
    directory.mkdir(parents=True, exist_ok=True)
    for cq_dir in created[:1]:
        _write_new(cq_dir / ".gitignore", GITIGNORE.encode())


def _write_new(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _named(directory: Path) -> list[tuple[str, str, os.DirEntry[str], re.Match[str]]]:
    """The directory's artifact files by (stamp, run id), newest first; no stat calls."""
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return []
    found = []
    for entry in entries:
        match = _NAME.match(entry.name)
        if match is not None and entry.is_file(follow_symlinks=False):
            found.append((match["stamp"], match["run"], entry, match))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return found


def list_artifacts(directory: Path) -> list[ArtifactFile]:
    """The artifacts in `directory`, newest first (by stamp, then run id)."""
    listed = []
    for stamp, run_id, entry, match in _named(directory):
        try:
            size = entry.stat(follow_symlinks=False).st_size
        except FileNotFoundError:  # pruned by a concurrent run
            continue
        listed.append(ArtifactFile(path=entry.path, macro=match["macro"], stamp=stamp,
                                   run_id=run_id, size=size))
    return listed


def prune_artifacts(directory: Path, keep: int) -> list[ArtifactFile]:
    """Remove all but the newest `keep` artifacts (0: remove none); return the removed.
    Runs after every save, so the common case (nothing to remove) costs one listing."""
    if keep <= 0:
        return []
    named = _named(directory)
    if len(named) <= keep:
        return []
    removed = list_artifacts(directory)[keep:]
    for artifact in removed:
        Path(artifact.path).unlink(missing_ok=True)  # a concurrent run may have pruned it
    return removed


def find_artifact(directory: Path, prefix: str) -> ArtifactFile:
    """The one artifact whose run id starts with `prefix`; none or several is bad input."""
    wanted = prefix.strip().lower()
    if not wanted:
        raise BadInputError("artifacts show needs a run id or a prefix of one")
    matches = [a for a in list_artifacts(directory) if a.run_id.lower().startswith(wanted)]
    if not matches:
        raise BadInputError(f"no artifact with a run id starting {prefix!r} in {directory}",
                            hint="cq artifacts lists them")
    if len(matches) > 1:
        raise BadInputError(f"{len(matches)} artifacts have a run id starting {prefix!r}",
                            hint="give more of the run id")
    return matches[0]


def _with_artifact(result: CqResult, artifact: Artifact) -> CqResult:
    if artifact in result.artifacts:
        return result
    return msgspec.structs.replace(result, artifacts=(*result.artifacts, artifact))


def _write_atomic(path: Path, data: Iterable[bytes]) -> None:
    """Write a temp file beside `path`, then `os.replace` it: readers never see half a file.

    No fsync: an artifact is a by-product a rerun recreates, and a sync per run would cost
    milliseconds on the warm path. The temp file is created like any file (umask applies).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            for part in data:  # written as made: a large answer is never held whole
                handle.write(part)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text) or "_"
