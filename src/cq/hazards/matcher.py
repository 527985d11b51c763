"""Running the compiled hazard rules over files: the text prefilter, one parse per file, the
rules whose words the file contains, in worker processes when there is much to read.

A file is a candidate when, for some rule, it contains every word of one of the rule's
alternatives (the literal memo answers the substring test across runs); in the worker each
rule runs only when its words stand alone in the file's decoded text. Workers get the rule
set and (path, bytes) chunks and send back msgpack: no ast-grep object and no pickle cross the
boundary, and a file that fails costs its own hits (it comes back flagged), never the run.
A rule runs with the names the file's imports give its calls (`cq.hazards.aliases`), a match
must pass the row's named check (`cq.hazards.checks`), and a hit under a suppression comment
comes back flagged (`cq.hazards.suppress`). Test files (`cq.hazards.testpaths`) drop the hits
of rows with `skip_tests`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

import msgspec
from ast_grep_py import Config, SgRoot

from cq.coding import decode_source
from cq.details import HazardDetails
from cq.facts import Span
from cq.filepool import run_in_pool, workers_for
from cq.findings import make_finding
from cq.hazards.aliases import aliased_config, heads, import_aliases, relevant
from cq.hazards.checks import CHECKS
from cq.hazards.compile import SUBSTRING, CompiledRule
from cq.hazards.registry import RULES_BY_ID
from cq.hazards.suppress import Directives, directives, is_suppressed, statement_line
from cq.hazards.testpaths import is_test_path
from cq.index.source import FactSource
from cq.nodespan import NodeSpans
from cq.result import Anchor, Finding
from cq.settings import DEFAULT_TEST_PATHS

TEXT_CAP = 300  # characters of a match kept in details.text


class HazardHit(msgspec.Struct, frozen=True, array_like=True):
    rule: str
    span: Span
    text: str
    suppressed: bool = False  # under a `# nosec` / `# cq: ignore` comment


class FileHazards(msgspec.Struct, frozen=True):
    path: str
    hits: tuple[HazardHit, ...] = ()
    flags: tuple[str, ...] = ()
    error: str | None = None


_RULES_DECODER = msgspec.msgpack.Decoder(list[CompiledRule])
_RESULT_DECODER = msgspec.msgpack.Decoder(list[FileHazards])


# --- candidates ------------------------------------------------------------------------


def _may_match(source: FactSource, path: str, rules: Sequence[CompiledRule]) -> bool:
    contains = source.session.contains
    return any(all(contains(path, word.removeprefix(SUBSTRING)) for word in alt)
               for rule in rules for alt in rule.words)


def candidates(source: FactSource, rules: Sequence[CompiledRule],
               paths: Sequence[str] | None = None) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(path, bytes) of the files some rule may match in, and the paths that were unreadable."""
    wanted = [ref.path for ref in source.files] if paths is None else paths
    items: list[tuple[str, bytes]] = []
    unread: list[str] = []
    # A rule without words takes every file: testing the others' words would only cost time.
    every = any(() in rule.words for rule in rules)
    for path in wanted:
        if rules and (every or _may_match(source, path, rules)):
            data = source.session.text(path)
            if data is None:
                unread.append(path)
            else:
                items.append((path, data))
    return items, unread


# --- matching one file -------------------------------------------------------------------


_TOKEN = re.compile(r"[A-Za-z0-9_]+")


def file_words(text: str) -> frozenset[str]:
    """Every maximal run of ASCII word characters of the decoded text: a rule's word stands
    alone in the file exactly when it is one of them (`eval` is not in `evaluate` nor in
    `my_eval`)."""
    return frozenset(_TOKEN.findall(text))


def _applicable(text: str, rules: Sequence[CompiledRule]) -> list[CompiledRule]:
    """The rules one of whose word alternatives the file contains, each word standing alone
    (a `SUBSTRING` word anywhere in the decoded text, in any case: a superset, one pass)."""
    words = file_words(text)
    lowered: str | None = None
    chosen = []
    for rule, alts in zip(rules, _prepared(rules), strict=True):
        for tokens, parts in alts:
            if not tokens <= words:
                continue
            if parts:
                lowered = text.lower() if lowered is None else lowered
                if not all(part in lowered for part in parts):
                    continue
            chosen.append(rule)
            break
    return chosen


Prepared = list[list[tuple[frozenset[str], tuple[str, ...]]]]
_PREPARED: list[tuple[Sequence[CompiledRule], Prepared]] = []


def _prepared(rules: Sequence[CompiledRule]) -> Prepared:
    """Each rule's alternatives as (whole words, lower-cased substrings), made once per rule
    set (a worker matches every file of a chunk with the same one)."""
    if _PREPARED and _PREPARED[0][0] is rules:
        return _PREPARED[0][1]
    prepared = [list(dict.fromkeys(
        (frozenset(w for w in alt if not w.startswith(SUBSTRING)),
         tuple(w[1:].lower() for w in alt if w.startswith(SUBSTRING)))
        for alt in rule.words)) for rule in rules]
    _PREPARED[:] = [(rules, prepared)]
    return prepared


def match_file(path: str, data: bytes, rules: Sequence[CompiledRule]) -> FileHazards:
    text, flags = decode_source(data)
    try:
        return _match_text(path, text, _applicable(text, rules), flags, data)
    except Exception as exc:  # an ast-grep failure on one file costs that file only
        return FileHazards(path, flags=(*flags, "unmatched"),
                           error=f"match failed: {type(exc).__name__}: {exc}")


def _match_text(path: str, text: str, rules: list[CompiledRule],
                flags: tuple[str, ...], data: bytes) -> FileHazards:
    if not rules:
        return FileHazards(path, flags=flags)
    root = SgRoot(text, "python").root()
    configs = _configs(root, rules)
    found = directives(data, root)
    spans = NodeSpans(text)
    hits = [_hit(rule, node, found, spans) for rule, config in zip(rules, configs, strict=True)
            for node in root.find_all(cast(Config, config))
            if rule.check is None or CHECKS[rule.check](node)]
    if root.find(kind="ERROR") is not None:
        flags = (*flags, "partial")
    hits.sort(key=lambda hit: (hit.span.line, hit.span.col, hit.rule))
    return FileHazards(path, tuple(hits), flags)


_HEADS: dict[str, frozenset[str]] = {}


def _configs(root: Any, rules: list[CompiledRule]) -> list[dict[str, Any]]:
    """Each rule's config, with the spellings the file's import aliases give its calls."""
    aliases: dict[str, str] | None = None
    configs = []
    for rule in rules:
        names = _HEADS.get(rule.id)
        if names is None:
            names = _HEADS[rule.id] = heads(rule.config)
        if names and aliases is None:
            aliases = import_aliases(root)
        bindings = relevant(aliases, names) if names and aliases else ()
        configs.append(aliased_config(rule.config, bindings) if bindings else rule.config)
    return configs


def _hit(rule: CompiledRule, node: Any, found: Directives, spans: NodeSpans) -> HazardHit:
    span, _, _ = spans.span(node)
    suppressed = bool(found) and is_suppressed(
        found, (*range(span.line, span.end_line + 1), statement_line(node)), rule.suppress_ids)
    return HazardHit(rule.id, span, spans.text(node, TEXT_CAP)[0], suppressed)


# --- many files ----------------------------------------------------------------------------


def match_chunk(rules: bytes, items: Sequence[tuple[str, bytes]]) -> bytes:
    """Worker entry point: a chunk's hits as msgpack bytes."""
    decoded = _RULES_DECODER.decode(rules)
    return msgspec.msgpack.encode([match_file(path, data, decoded) for path, data in items])


def match_files(items: Sequence[tuple[str, bytes]], rules: Sequence[CompiledRule],
                jobs: int = 0) -> list[FileHazards]:
    """Hits of `rules` in each (path, bytes), in input order (`jobs` as for scans)."""
    workers = workers_for(jobs, items)
    if workers <= 1:
        return [match_file(path, data, rules) for path, data in items]
    return _match_in_pool(items, rules, workers)


def _match_in_pool(items: Sequence[tuple[str, bytes]], rules: Sequence[CompiledRule],
                   workers: int) -> list[FileHazards]:
    return run_in_pool(items, msgspec.msgpack.encode(list(rules)), workers, match_chunk,
                       _RESULT_DECODER.decode, _failed)


def _failed(path: str, error: str) -> FileHazards:
    return FileHazards(path, flags=("unmatched",), error=f"hazard {error}")


# --- findings --------------------------------------------------------------------------------


def kept_hits(found: FileHazards, test_paths: Sequence[str] = DEFAULT_TEST_PATHS,
              *, suppressed: bool = False) -> list[HazardHit]:
    """The file's hits minus those of `skip_tests` rows in a test file; the unsuppressed ones,
    or with `suppressed` the suppressed ones."""
    in_tests = is_test_path(found.path, test_paths)
    return [hit for hit in found.hits if hit.suppressed is suppressed
            and not (in_tests and RULES_BY_ID[hit.rule].skip_tests)]


def hazard_finding(path: str, hit: HazardHit) -> Finding:
    row = RULES_BY_ID[hit.rule]
    span = hit.span
    anchor = Anchor(file=path, line=span.line, col=span.col, end_line=span.end_line,
                    end_col=span.end_col)
    details = HazardDetails(id=row.id, category=row.category, severity=row.severity,
                            confidence=row.confidence, text=hit.text,
                            cwe=f"CWE-{row.cwe}" if row.cwe else None, fix=row.fix or None,
                            suppressed=hit.suppressed)
    return make_finding("hazard", anchor, details, message=row.message, severity=row.severity)
