"""JSON artifacts: the full result of a run saved as one file (DESIGN §5).

Owns the file name and the write. Names are `<macro>_<UTC yyyymmdd_HHMMSS>_<run_id>.json`:
for one macro they sort by time, to the second by the stamp and within a second by the
UUIDv7 run id (its fixed-width hex leads with the millisecond timestamp and is monotonic in
one process). The saved JSON lists its own Artifact entry, so a file found on disk names
itself. Whether to save and what to do when saving fails belongs to `cq.api`; here a failed
write raises `OSError`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import msgspec

from cq.result import Artifact, CqResult, result_json_bytes

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def artifact_filename(macro: str, run_id: str, started_ms: int) -> str:
    """`<macro>_<UTC yyyymmdd_HHMMSS>_<run_id>.json`, with only `[A-Za-z0-9_-]` in the parts."""
    stamp = dt.datetime.fromtimestamp(started_ms / 1000, tz=dt.UTC).strftime("%Y%m%d_%H%M%S")
    return f"{_safe(macro)}_{stamp}_{_safe(run_id)}.json"


def save_artifact(result: CqResult, directory: Path) -> CqResult:
    """Write the result (listing itself) atomically under `directory`; return it with the entry."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / artifact_filename(result.run.macro, result.run.run_id,
                                         result.run.started_ms)
    saved = _with_artifact(result, Artifact(path=str(path), format="json"))
    _write_atomic(path, result_json_bytes(saved), b"\n")
    return saved


def _with_artifact(result: CqResult, artifact: Artifact) -> CqResult:
    if artifact in result.artifacts:
        return result
    return msgspec.structs.replace(result, artifacts=(*result.artifacts, artifact))


def _write_atomic(path: Path, *data: bytes) -> None:
    """Write a temp file beside `path`, then `os.replace` it: readers never see half a file.

    No fsync: an artifact is a by-product a rerun recreates, and a sync per run would cost
    milliseconds on the warm path. The temp file is created like any file (umask applies).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            for part in data:  # written in turn: never joined into one more copy
                handle.write(part)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text) or "_"
