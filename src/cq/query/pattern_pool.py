"""Running one ast-grep rule config over many files, in worker processes when it pays.

A worker gets the job (config, metavariables, whether match text is wanted) as msgpack bytes
and a chunk of (path, bytes) pairs, decodes each file like the scanner does
(`cq.coding.decode_source`), parses it once, runs the config and sends back msgpack bytes: no
pickle comes back and no ast-grep object crosses the boundary. A file that fails costs its own
matches (it comes back with an error), never the run. Results are in input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import msgspec
from ast_grep_py import Config as SgConfig
from ast_grep_py import SgNode, SgRoot

from cq.coding import decode_source
from cq.facts import Span
from cq.filepool import run_in_pool, workers_for
from cq.nodespan import NodeSpans

TEXT_CAP = 2000  # characters of a match kept in details.text
CAPTURE_CAP = 500  # characters of one captured node



class RuleMatch(msgspec.Struct, frozen=True, array_like=True):
    span: Span
    kind: str
    text: str = ""  # capped at TEXT_CAP characters
    truncated: bool = False
    captures: dict[str, str | list[str]] = msgspec.field(default_factory=dict)


class FileMatches(msgspec.Struct, frozen=True):
    path: str
    matches: tuple[RuleMatch, ...] = ()
    flags: tuple[str, ...] = ()
    error: str | None = None


class MatchJob(msgspec.Struct, frozen=True):
    config: dict[str, Any]
    metavars: dict[str, str] = msgspec.field(default_factory=dict)  # NAME → `$NAME` as written
    with_text: bool = True


_DECODER = msgspec.msgpack.Decoder(list[FileMatches])
_JOB_DECODER = msgspec.msgpack.Decoder(MatchJob)


def match_files(items: Sequence[tuple[str, bytes]], job: MatchJob,
                jobs: int = 0) -> list[FileMatches]:
    """Matches of `job` in each (path, bytes), in input order; `jobs` as in scan_paths."""
    workers = workers_for(jobs, items)
    if workers <= 1:
        return [match_bytes(path, data, job) for path, data in items]
    return _match_in_pool(items, job, workers)


def match_bytes(path: str, data: bytes, job: MatchJob) -> FileMatches:
    text, flags = decode_source(data)
    try:
        return match_source(path, text, job, flags)
    except Exception as exc:  # an ast-grep failure on one file costs that file only
        return FileMatches(path, flags=(*flags, "unmatched"),
                           error=f"match failed: {type(exc).__name__}: {exc}")


def match_source(path: str, text: str, job: MatchJob,
                 flags: tuple[str, ...] = ()) -> FileMatches:
    root = SgRoot(text, "python").root()
    spans = NodeSpans(text)
    matches = tuple(_match(node, job, spans)
                    for node in root.find_all(cast(SgConfig, job.config)))
    if root.find(kind="ERROR") is not None:
        flags = (*flags, "partial")
    return FileMatches(path, matches, flags)


def _match(node: SgNode, job: MatchJob, spans: NodeSpans) -> RuleMatch:
    span, _, _ = spans.span(node)
    if not job.with_text:
        return RuleMatch(span, node.kind())
    text, cut = spans.text(node, TEXT_CAP)
    return RuleMatch(span, node.kind(), text, cut, captures(node, job.metavars, spans))


def captures(node: SgNode, metavars: dict[str, str],
             spans: NodeSpans) -> dict[str, str | list[str]]:
    """`$X` → its text; `$$$X` → the texts of its named nodes (separators left out)."""
    found: dict[str, str | list[str]] = {}
    for name, written in metavars.items():
        if written.startswith("$$$"):
            nodes = node.get_multiple_matches(name)
            found[written] = [spans.text(n, CAPTURE_CAP)[0] for n in nodes if n.is_named()]
            continue
        single = node.get_match(name)
        if single is not None:
            found[written] = spans.text(single, CAPTURE_CAP)[0]
    return found


# --- the pool --------------------------------------------------------------------------


def match_chunk(job: bytes, items: Sequence[tuple[str, bytes]]) -> bytes:
    """Worker entry point: a chunk's matches as msgpack bytes."""
    decoded = _JOB_DECODER.decode(job)
    return msgspec.msgpack.encode([match_bytes(path, data, decoded) for path, data in items])


def _match_in_pool(items: Sequence[tuple[str, bytes]], job: MatchJob,
                   workers: int) -> list[FileMatches]:
    return run_in_pool(items, msgspec.msgpack.encode(job), workers, match_chunk,
                       _DECODER.decode, _failed)


def _failed(path: str, error: str) -> FileMatches:
    return FileMatches(path, flags=("unmatched",), error=f"match {error}")


