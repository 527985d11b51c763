"""A cached run of any command: discover → fingerprint → query cache → compute → store.

Every command (`q` and, later, each macro) describes its request as a `Request` and its work
as a `compute(source, discovery)` function; `run_cached` does the rest the same way for all:
mints the run id, resolves the scope, asks the query cache (validated by the scope digest),
computes on a miss — single-flight across processes when the run must scan many files, so
concurrent cold runs scan the tree once — and writes the index and the result back.

A run that has to wait for another run's scan lock says so once, through `RunContext.notify`
(the CLI prints it on stderr at once; the library stays silent unless given a callback). A
dead holder's lock is broken without a wait (`cq.cache.coordination`).

A `Request.reusable` answer (a selection made file by file) is stored with a `Reuse`
record; after an edit the stale answer is handed to `compute` as `previous`, so only the
changed files are read again (`cq.cache.query` has the record, `cq.query.execute` the use).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from cq import __version__
from cq.cache.profile import old_layout_notice, profile_from_settings
from cq.cache.query import (
    CachedResult,
    Previous,
    QueryCache,
    Reuse,
    request_key,
    scope_digest,
)
from cq.cache.store import Store, open_store
from cq.cache.tags import cited_files, entry_tags
from cq.codeprint import code_fingerprint
from cq.deadline import Deadline, TimeBudgetExceeded, alarm
from cq.details import FileIssueDetails
from cq.discover import Discovery, Scope, discover_files
from cq.facts import FACTS_SCHEMA_VERSION, FileFacts
from cq.findings import file_issue
from cq.ids import uuid7_str
from cq.index.session import IndexSession
from cq.index.source import FactSource
from cq.result import SCHEMA_VERSION, ControlFlow, CqResult, Finding, RunMeta, Section, all_findings
from cq.scan import EXTRACTOR_VERSION
from cq.settings import Settings

if TYPE_CHECKING:
    from cq.cache.coordination import Owner

# A cold run that must read at least this many files takes the root's scan lock, so that
# concurrent cold runs scan once and the others reuse the winner's entries.
SINGLE_FLIGHT_FROM = 64
LOCK_EXPIRE_S = 300.0
LOCK_WAIT_S = 300.0
SCHEMA_TAG = f"{SCHEMA_VERSION}.{FACTS_SCHEMA_VERSION}"
CFG_FORMAT = "mermaid-cfg"  # the format whose run computes a control-flow graph
_DISABLED = " cache disabled, running uncached: "


class Request(msgspec.Struct, frozen=True, kw_only=True):
    macro: str
    text: str  # what the user asked, shown in the summary
    canonical: str  # stable text of everything that decides the answer
    plan: tuple[str, ...]
    scope: Scope
    explain: bool = False
    draw_cfg: bool = False  # attach the first function's control flow (never cached)
    # The answer may be a selection made file by file: after an edit, the stale answer is
    # handed to the computation (`previous`), which may recompute the changed files only.
    reusable: bool = False


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    key_findings: tuple[Finding, ...] = ()
    sections: tuple[Section, ...] = ()
    summary: dict[str, Any] = msgspec.field(default_factory=dict)
    # One-line remarks of stores the computation opened itself (a dropped memo); a store
    # disabled there says nothing new: the run's own stores share its directory and say it.
    notices: tuple[str, ...] = ()
    # Set by a computation whose answer a later run may reuse file by file: the flagged
    # files it counted (flags only). None: the answer is not stored for reuse.
    reuse_flagged: tuple[FileFacts, ...] | None = None


class Compute(Protocol):
    """A command's computation. `previous` is the stale answer of the same request with what
    reusing it needs (`cq.cache.query.Previous`), given only for a `Request.reusable`."""

    def __call__(self, source: FactSource, discovery: Discovery,
                 previous: Previous | None = None) -> Outcome: ...


class RunContext(msgspec.Struct, frozen=True, kw_only=True):
    """What the caller knows about the invocation but the settings do not. `notify` takes a
    one-line remark meant for the user now, while the run goes on (not after, as
    `RunMeta.notices`): the CLI prints it on stderr."""

    argv: tuple[str, ...] = ()
    progress: bool = False
    notify: Callable[[str], None] | None = None
    # A resident process's memo of discoveries and fingerprints (`cq.engine`), or None: the
    # run lists and stats the tree itself.
    tree: TreeMemo | None = None


class Recalled(Protocol):
    """A memo's discovery and fingerprints, with what a run would otherwise rebuild from
    them (`by_path`, `hits`, the scope digest `scope`; empty when not known yet)."""

    discovery: Discovery
    digests: dict[str, str]
    by_path: dict[str, Any]
    hits: frozenset[str]
    scope: str


class TreeMemo(Protocol):
    """What a resident engine keeps between runs: a discovery and its fingerprints, valid
    while its file watcher has seen no change under the root since they were taken."""

    def recall(self, key: str) -> Recalled | None: ...

    def begin(self) -> object: ...

    def keep(self, key: str, token: object, discovery: Discovery,
             digests: dict[str, str], scope: str) -> None: ...


_RESIDENT: list[Callable[[Settings], TreeMemo | None]] = []


def set_resident(provider: Callable[[Settings], TreeMemo | None] | None) -> None:
    """Install (or with None remove) the resident engine's memo for runs whose context
    names none: the CLI's commands run unchanged inside `cq server`."""
    _RESIDENT[:] = [provider] if provider is not None else []


def _tree_memo(settings: Settings, ctx: RunContext) -> TreeMemo | None:
    if ctx.tree is not None:
        return ctx.tree
    return _RESIDENT[0](settings) if _RESIDENT else None


class _Run:
    """The mutable bookkeeping of one run: timings, notices, stores."""

    def __init__(self, settings: Settings, ctx: RunContext, request: Request) -> None:
        self.settings, self.ctx, self.request = settings, ctx, request
        self.started_ns = time.time_ns()
        self.deadline = Deadline(settings.timeout)
        self.run_id = uuid7_str()
        self.root = Path(settings.root)
        self.stages: dict[str, float] = {}
        self.remarks: list[str] = []  # this run's own notices (a file changed under it)
        self._mark = time.perf_counter()
        profile = profile_from_settings(settings)
        self.index_store = open_store(profile, "index", self.run_id)
        self.query = QueryCache(open_store(profile, "query", self.run_id))
        self.coord = open_store(profile, "coordination", self.run_id)

    def stage(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = round((now - self._mark) * 1000, 1)
        self._mark = now

    @property
    def stores(self) -> tuple[Store, ...]:
        return (self.index_store, self.query.store, self.coord)

    def notices(self) -> tuple[str, ...]:
        """One line per cause: stores disabled for the same run share one notice."""
        disabled = [s for s in self.stores if s.status != "ok" and s.notices]
        found = [n for s in self.stores for n in s.notices if _DISABLED not in n]
        if disabled:
            kinds = ", ".join(s.kind for s in disabled)
            found.insert(0, f"cq: cache disabled ({kinds}), running uncached: "
                            f"{disabled[0].reason}")
        if not self.settings.no_cache:
            old = old_layout_notice(Path(self.settings.cache_dir))
            found.extend([old] if old else [])
        return tuple(dict.fromkeys([*self.settings.notices, *found, *self.remarks]))

    def close(self) -> None:
        # Only the query store's hit/miss counters are worth a write per run: they are the
        # answer-level statistics `cq cache --stats` reports.
        for store in self.stores:
            store.close(flush_counters=store is self.query.store)

    def meta(self) -> RunMeta:
        return RunMeta(macro=self.request.macro, argv=self.ctx.argv, root=self.settings.root,
                       started_ms=self.started_ns // 1_000_000,
                       elapsed_ms=round((time.time_ns() - self.started_ns) / 1e6, 1),
                       toolchain=toolchain(), run_id=self.run_id, stages_ms=dict(self.stages),
                       notices=self.notices())


def toolchain() -> dict[str, str]:
    import sys

    return {"cq": __version__, "python": sys.version.split()[0],
            "extractor": EXTRACTOR_VERSION, "schema": SCHEMA_TAG}


def run_cached(settings: Settings, ctx: RunContext, request: Request,
               compute: Compute) -> CqResult:
    run = _Run(settings, ctx, request)
    try:
        return _execute(run, compute)
    finally:
        if _DEFERRED is not None:
            _DEFERRED.append(run.close)
        else:
            run.close()


# Closing a run's stores (and writing the query store's hit/miss counters) costs more than a
# warm answer; a resident server does it after it has sent the answer (`defer_closing`).
_DEFERRED: list[Callable[[], None]] | None = None


def defer_closing(enabled: bool) -> None:
    """From now on keep each finished run's closing for `close_deferred` (or, with False,
    close at the end of each run again)."""
    global _DEFERRED
    close_deferred()
    _DEFERRED = [] if enabled else None


def close_deferred() -> None:
    """Close the stores of the runs finished since the last call, in order."""
    while _DEFERRED:
        _DEFERRED.pop(0)()


def _execute(run: _Run, compute: Compute) -> CqResult:
    discovery, session, digest = _discover_and_fingerprint(run)
    key = _key(run)
    hit = _lookup(run, key, digest)
    run.stage("query_cache")
    big = len(session.read) + len(session.pending) >= SINGLE_FLIGHT_FROM
    if hit is None and big and run.coord.status == "ok":
        result = _compute_single_flight(run, discovery, session, key, digest, compute)
    elif hit is not None:
        result = _from_cache(run, hit, session)
    else:
        result = _compute(run, discovery, session, key, digest, compute)
    if not run.request.draw_cfg:
        return result
    return msgspec.structs.replace(result, cfg=_drawn(run, discovery, session, result))


def _lookup(run: _Run, key: str, digest: str | None) -> CachedResult | None:
    """The stored answer for this scope digest; with files not fingerprinted yet (a cold
    run, `IndexSession.pending`), a miss: an answer for content the index has never seen
    exists only after the index was cleared, and computing it again is always correct."""
    if digest is None:
        run.query.misses += 1
        return None
    return run.query.get(key, digest, keep_stale=run.request.reusable)


def _drawn(run: _Run, discovery: Discovery, session: IndexSession,
           result: CqResult) -> ControlFlow:
    """The first function's control flow, read through this run's session."""
    from cq.analysis.control_flow import control_flow  # the parser: only this format's runs

    return control_flow(FactSource(discovery.files, session, _scanner(run)), result)


def _discover_and_fingerprint(run: _Run) -> tuple[Discovery, IndexSession, str | None]:
    """The files in scope and their digests: from the resident engine's memo when it is
    current (the files it saw change fingerprinted now), else listed and stat-ed now; then
    kept for the next run (an edit during this run is reported by the watcher's next flush,
    which patches or drops the memo). A current memo costs the same on any tree size. The
    scope digest is None while files the index has never seen wait for their first read
    (`IndexSession.pending`)."""
    memo = _tree_memo(run.settings, run.ctx) if run.index_store.status == "ok" else None
    key = _memo_key(run)
    token = memo.begin() if memo is not None else None
    known = memo.recall(key) if memo is not None else None
    session = _session(run)
    if known is not None:
        discovery = known.discovery
        run.stage("discover")
        session.adopt(discovery.files, known.digests, known.by_path, known.hits)
    else:
        discovery = discover_files(run.root, run.request.scope, explain=run.request.explain)
        run.stage("discover")
        session.fingerprint(discovery.files)
    run.stage("fingerprint")
    if known is not None and known.scope and len(known.digests) == len(discovery.files):
        return discovery, session, known.scope
    if session.pending:
        return discovery, session, None
    digest = _scope_digest(run, discovery, session.digests)
    if memo is not None:
        memo.keep(key, token, discovery, dict(session.digests), digest)
    return discovery, session, digest


def _memo_key(run: _Run) -> str:
    scope = run.request.scope
    return "\n".join((run.settings.cache_dir, extractor_tag(run.settings),
                      repr((scope.in_paths, scope.exclude, scope.globs)),
                      str(run.request.explain)))


def _session(run: _Run) -> IndexSession:
    return IndexSession(run.root, run.index_store, run.settings.max_file_bytes,
                        extractor_tag(run.settings), defer_misses=True)


def _scope_digest(run: _Run, discovery: Discovery, digests: dict[str, str]) -> str:
    pairs = list(digests.items())
    if run.request.explain:  # the answer lists excluded files: they are part of its input
        pairs.extend((f"excluded:{item.path}", item.reason) for item in discovery.excluded)
    return scope_digest(pairs)


def _key(run: _Run) -> str:
    request = run.request
    plan = "\n".join(request.plan)
    # Which files are tests changes hazard answers (assert in tests), so it keys every answer.
    tests = ",".join(run.settings.test_paths)
    return request_key(f"{request.macro}\n{request.canonical}\ntests:{tests}", plan,
                       __version__, extractor_tag(run.settings), SCHEMA_TAG)


def extractor_tag(settings: Settings) -> str:
    """The extractor version, the code that produced the entries, and the settings that
    change what a scan yields."""
    return f"{EXTRACTOR_VERSION}/{code_fingerprint()}/max{settings.max_file_bytes}"


def _compute_single_flight(run: _Run, discovery: Discovery, session: IndexSession, key: str,
                           digest: str | None, compute: Compute) -> CqResult:
    name = f"scan:{run.settings.root}"
    remaining = run.deadline.remaining()
    wait = LOCK_WAIT_S if remaining is None else min(LOCK_WAIT_S, remaining)
    with single_flight(run.coord, name, LOCK_EXPIRE_S, wait, on_wait=_waiting(run)):
        run.stage("wait_lock")
        # Another process may have finished just before we asked for the lock, or while we
        # waited: either way its answer or its index entries are there to reuse (they may
        # fingerprint every file this run had not read yet).
        session.refresh()
        if digest is None and not session.pending:
            digest = _scope_digest(run, discovery, session.digests)
        hit = run.query.get(key, digest, keep_stale=run.request.reusable) \
            if digest is not None else None
        if hit is not None:
            return _from_cache(run, hit, session)
        return _compute(run, discovery, session, key, digest, compute)


def _compute(run: _Run, discovery: Discovery, session: IndexSession, key: str,
             digest: str | None, compute: Compute) -> CqResult:
    settings = run.settings
    source = FactSource(discovery.files, session, _scanner(run), run.deadline)
    previous = run.query.previous(key) if run.request.reusable and digest is not None \
        else None
    outcome = _computed(run, source, discovery, compute, previous)
    run.remarks.extend(n for n in outcome.notices if _DISABLED not in n)
    run.stage("compute")
    result = CqResult(run=run.meta(), summary={"query": run.request.text, **outcome.summary},
                      key_findings=outcome.key_findings, sections=outcome.sections)
    complete = not run.deadline.reached and not _failed_somewhere(result)
    if digest is None and complete:  # what the computation never read is fingerprinted now
        session.settle()  # (not past the deadline: an answer cut short is not stored)
        digest = _scope_digest(run, discovery, session.digests)
    session.record(source.scanned)
    changed = session.changed_files(source.scanned)
    if changed:
        run.remarks.append(f"cq: a file changed during the run ({changed[0]}"
                           + (f" and {len(changed) - 1} more" if len(changed) > 1 else "")
                           + "): the answer is shown but not cached")
    if complete and not changed and digest is not None:
        tags = entry_tags(key, EXTRACTOR_VERSION, SCHEMA_TAG,
                          run.request.scope.in_paths, cited_files(result))
        run.query.set(key, digest, result, tags, ttl=settings.cache_query_ttl,
                      reuse=_reuse(outcome, discovery, session, digest))
    run.stage("store")
    stats = _cache_stats(run, session, source.files_scanned)
    status = _cache_status(run, "miss")  # after the stats: reading them may disable a store
    return _with_run(run, result, status, stats)


def _reuse(outcome: Outcome, discovery: Discovery, session: IndexSession,
           digest: str) -> Reuse | None:
    """The record that lets a later run reuse this answer file by file, when the computation
    offered it and the answer is whole (nothing partial, every file's digest known)."""
    if outcome.reuse_flagged is None or "partial" in outcome.summary:
        return None
    digests = session.digests
    if any(ref.path not in digests for ref in discovery.files):
        return None
    return Reuse(scope_digest=digest, digests={ref.path: digests[ref.path]
                                               for ref in discovery.files},
                 flagged=outcome.reuse_flagged)


def _computed(run: _Run, source: FactSource, discovery: Discovery, compute: Compute,
              previous: Previous | None = None) -> Outcome:
    """The computation's outcome, within the run's time budget: what it found when the fact
    source stopped reading at the deadline, or nothing when the alarm had to end it; either
    way marked partial, with the reason."""
    try:
        with alarm(run.deadline):
            outcome = compute(source, discovery, previous) if previous is not None \
                else compute(source, discovery)
    except TimeBudgetExceeded:
        run.deadline.reached = True
        outcome = Outcome(summary={"notes": ["the computation was stopped before any "
                                             "finding was complete"]})
    outcome = with_unanalysed(outcome, source.unanalysed)
    if not run.deadline.reached:
        return outcome
    reason = (f"the time budget of {run.settings.timeout:g} s ran out"
              + (f" ({source.unread:,} files not read)" if source.unread else ""))
    partial = [*outcome.summary.get("partial", ()), reason]
    return msgspec.structs.replace(outcome, summary={**outcome.summary, "partial": partial,
                                                     "timed_out": True})


def with_unanalysed(outcome: Outcome, unanalysed: dict[str, str]) -> Outcome:
    """The outcome, saying which files a stdlib analysis could not read: each is a
    `file_issue` in the "file_issues" section (once per file), and the summary's `partial`
    reasons say the answer is partial."""
    if not unanalysed:
        return outcome
    sections = list(outcome.sections)
    index = next((i for i, s in enumerate(sections) if s.kind == "file_issues"), None)
    listed = set() if index is None else {f.anchor.file for f in sections[index].findings
                                          if f.anchor is not None}
    issues = tuple(file_issue(path, why, "analysis")
                   for path, why in sorted(unanalysed.items()) if path not in listed)
    if index is None:
        sections.append(Section(title="Files not analysed", kind="file_issues", findings=issues))
    else:
        section = sections[index]
        sections[index] = msgspec.structs.replace(section, findings=(*section.findings, *issues))
    count = len(unanalysed)
    reason = f"{count} file{'s' if count != 1 else ''} could not be analysed"
    summary = {**outcome.summary, "files_not_analysed": count,
               "partial": [*outcome.summary.get("partial", ()), reason]}
    return msgspec.structs.replace(outcome, sections=tuple(sections), summary=summary)


def partial_notice(result: CqResult) -> str | None:
    """One stderr line when the answer is partial (a hit says it as often as a miss)."""
    reasons = result.summary.get("partial")
    if not reasons:
        return None
    first = next((f.details for s in result.sections if s.kind == "file_issues"
                  for f in s.findings if isinstance(f.details, FileIssueDetails)
                  and f.details.stage == "analysis"), None)
    example = f" ({first.path}: {first.problem})" if first else ""
    return f"cq: partial answer: {'; '.join(reasons)}{example}"


def _failed_somewhere(result: CqResult) -> bool:
    """Did matching fail for some file (a dead worker, a crash in the matcher)? Such an
    answer may be incomplete for a passing reason, so it is shown but not cached."""
    if result.summary.get("files_unmatched"):
        return True
    return any(isinstance(f.details, FileIssueDetails) and "unmatched" in f.details.problem
               for f in all_findings(result))


def _scanner(run: _Run) -> Callable[[Sequence[str], Sequence[str]], Iterable[Any]]:
    def scan(paths: Sequence[str], kinds: Sequence[str]) -> Iterable[Any]:
        return scan_paths(run.root, paths, jobs=run.settings.jobs, kinds=kinds,
                          max_file_bytes=run.settings.max_file_bytes, progress=run.ctx.progress)

    return scan


def scan_paths(root: Path, paths: Sequence[str], **options: Any) -> Iterable[Any]:
    """The scanner (a stream of outcomes), imported on first use: a warm run answered from
    the query cache never loads ast-grep-py or the process pool."""
    from cq.scan.pool import scan_stream

    return scan_stream(root, paths, **options)


def single_flight(store: Store, name: str, expire_s: float, wait_timeout_s: float,
                  on_wait: Callable[[Owner | None], None] | None = None) -> Any:
    """The root's scan lock, imported on first use (cold runs only: it imports socket)."""
    from cq.cache.coordination import single_flight as flight

    return flight(store, name, expire_s, wait_timeout_s, on_wait=on_wait)


def _waiting(run: _Run) -> Callable[[Owner | None], None] | None:
    """What to do when the scan lock is held by a live run: tell the user who it is."""
    notify = run.ctx.notify
    if notify is None:
        return None

    def say(holder: Owner | None) -> None:
        from cq.cache.coordination import describe

        who = f" ({describe(holder)})" if holder is not None else ""
        notify(f"cq: waiting for another cq run{who} that is scanning this repository")

    return say


def _from_cache(run: _Run, hit: CachedResult, session: IndexSession) -> CqResult:
    result = hit.result
    session.record(())  # digests read this run (missing or racy headers), so hits stay cheap
    stats = _cache_stats(run, session, 0)  # first: reading them may disable a store
    status = _cache_status(run, "hit")
    if status["status"] == "hit":
        status["age_s"] = round(hit.age_s, 1)
    return _with_run(run, result, status, stats)


def _cache_status(run: _Run, status: str) -> dict[str, Any]:
    stores = (run.query.store,) if status == "hit" else run.stores[:2]
    for store in stores:
        if store.status != "ok":
            return {"status": "disabled", "reason": store.reason, "key": ""}
    return {"status": status, "key": _key(run)[:16]}


def _cache_stats(run: _Run, session: IndexSession, rescanned: int) -> dict[str, Any]:
    """Index hits/misses of this run (per file), query entries and bytes on disk."""
    if run.index_store.status != "ok":
        return {"hits": 0, "misses": 0, "entries": 0, "size_bytes": 0, "files_indexed": 0,
                "files_rescanned": rescanned}
    query_stats = run.query.stats()
    return {"hits": session.index.hits, "misses": session.index.misses,
            "entries": query_stats.entries,
            "size_bytes": query_stats.size_bytes + run.index_store.volume(),
            "files_indexed": len(session.digests), "files_rescanned": rescanned}


def _with_run(run: _Run, result: CqResult, status: dict[str, Any],
              stats: dict[str, Any]) -> CqResult:
    summary = {**result.summary, "query": run.request.text, "cache": status,
               "cache_stats": stats}
    meta = run.meta()
    notice = partial_notice(result)
    if notice is not None:
        meta = msgspec.structs.replace(meta, notices=(*meta.notices, notice))
    return msgspec.structs.replace(result, summary=summary, run=meta)
