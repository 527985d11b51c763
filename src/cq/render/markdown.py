"""Markdown: the default view, sized for a context window (DESIGN §1.4, §5, §10).

This module owns the layout only. It shows findings in the order the producer gave them
(macros rank them: most severe, then highest impact, then by position) and never reorders;
it reads nothing but the result, so equal results give equal text. Every piece of user text
(query, notes, messages, details) is collapsed to one line, so each finding is exactly one
line and a line that starts with `… and ` always comes from this module. Layout, blocks
separated by a blank line:

    ## cq <macro>: <summary.query>
    <headline · matches · files with matches · files in scope · files scanned>   (those present)
    **<counts label>:** value N · value N · … +K more        (summary.counts, one line each)
    - <summary.notes, one bullet each>
    Cache: <status> (<reason>, age N s) · N files indexed, N rescanned
    _Filtered (<filter flags>): N removed._                  (only when a filter removed some)
    ### Key findings
    - `file:line` [severity · impact B · conf B] message — sig `…`; captures `$X=…`
    … and N more (`--limit M`)                               (`limit=M` for `cq q`)
    ### <section title> (<count>)          (then Evidence, the same way)
    _run <run_id> · <elapsed> ms · cq <version> · artifact `<path relative to the root>`_

Each list shows `summary.limit` findings when the run was given `--limit`/`limit=` (0: all),
else `top_n`; the line that says what was cut names the `--limit` that shows all of that list,
counting what the filters already cut (`summary.omitted`, `summary.matches`).
The text has no trailing newline; the CLI's single writer adds it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

from cq.details import Details
from cq.result import CqResult, Finding, Section

MESSAGE_WIDTH = 120
DETAIL_WIDTH = 80

# Summary counts shown on the counts line: (key, singular label, plural label).
COUNT_LABELS: tuple[tuple[str, str, str], ...] = (
    ("matches", "match", "matches"),
    ("files_with_matches", "file with matches", "files with matches"),
    ("files_in_scope", "file in scope", "files in scope"),
    ("files_scanned", "file scanned", "files scanned"),
)

# `summary.cache_stats` groups on the Cache line: (key, singular, plural) per group.
CACHE_STAT_GROUPS: tuple[tuple[tuple[str, str, str], ...], ...] = (
    (("files_indexed", "file indexed", "files indexed"),
     ("files_rescanned", "rescanned", "rescanned")),
    (("hits", "hit", "hits"), ("misses", "miss", "misses")),
    (("entries", "entry", "entries"), ("size_bytes", "", "")),
)


COUNTS_SHOWN = 12  # values per counts line; the rest is "+K more"


class _Lists:
    """How long each list is shown, and how many of its findings were cut before rendering
    (by `--limit`), so a cut line can name the flag that shows the whole list."""

    def __init__(self, result: CqResult, top_n: int) -> None:
        summary = result.summary
        limit = summary.get("limit")
        self.top_n = limit if _is_number(limit) and not isinstance(limit, float) else top_n
        self.flag = "limit=" if result.run.macro == "q" else "--limit "
        self.scored = result.run.macro != "q"
        omitted = summary.get("omitted")
        self.omitted = [int(n) for n in omitted if _is_number(n)] if isinstance(
            omitted, list) else []
        matches: Any = summary.get("matches")
        if summary.get("truncated") and _is_number(matches) and not self.omitted:
            self.omitted = [max(0, int(matches) - len(result.key_findings))]

    def cut(self, position: int) -> int:
        return self.omitted[position] if 0 <= position < len(self.omitted) else 0

    def lines(self, findings: Sequence[Finding], position: int) -> list[str]:
        shown = findings[: self.top_n] if self.top_n else findings
        lines = [_finding_line(finding, self.scored) for finding in shown]
        total = len(findings) + self.cut(position)
        if total > len(shown):
            lines.append(f"… and {total - len(shown):,} more ({_code(f'{self.flag}{total}')})")
        return lines


def render_markdown(result: CqResult, *, top_n: int = 10) -> str:
    """The result as compact Markdown: counts, then the top `top_n` of each list (or as many
    as the run's `--limit` asked for)."""
    lists = _Lists(result, top_n)
    blocks = [
        _header_block(result),
        _counts_block(result.summary.get("counts")),
        _bullets(_notes(result.summary.get("notes"))),
        _cache_line(result.summary),
        _filtered_line(result.summary),
        _key_findings_block(result, lists),
        *(_section_block(section, lists, i + 1) for i, section in enumerate(result.sections)),
        _evidence_block(result.evidence, lists),
        _footer_line(result),
    ]
    return "\n\n".join(block for block in blocks if block)


def _counts_block(counts: Any) -> str:
    """One line per count group: `**hazards by rule:** eval 3 · exec 1`."""
    if not isinstance(counts, dict):
        return ""
    lines = []
    for label, tally in counts.items():
        if not isinstance(tally, dict) or not tally:
            continue
        items = list(tally.items())
        parts = [f"{_one_line(str(k))} {v:,}" if _is_number(v) else _one_line(str(k))
                 for k, v in items[:COUNTS_SHOWN]]
        more = f" · +{len(items) - COUNTS_SHOWN:,} more" if len(items) > COUNTS_SHOWN else ""
        lines.append(f"**{_one_line(str(label))}:** " + " · ".join(parts) + more)
    return "\n".join(lines)


# -- header, notes, cache ---------------------------------------------------------------------


def _header_block(result: CqResult) -> str:
    query = result.summary.get("query")
    title = f"## cq {_one_line(result.run.macro)}"
    if query is not None:
        title += f": {_one_line(str(query))}"
    counts = _counts_line(result.summary)
    return f"{title}\n{counts}" if counts else title


def _counts_line(summary: dict[str, Any]) -> str:
    """The macro's own headline (`summary.headline`, e.g. "2 would break · 1 ambiguous")
    first, then the shared counts."""
    headline = _one_line(str(summary["headline"])) if summary.get("headline") else ""
    # A headline says what the answer counts; a bare "N matches" beside it would only blur it.
    parts = [headline] if headline else []
    parts += [_counted(summary[key], one, many) for key, one, many in COUNT_LABELS
              if key in summary and not (headline and key == "matches")]
    return " · ".join(parts)


def _notes(notes: Any) -> list[str]:
    if not isinstance(notes, list | tuple):
        return []
    return [_one_line(str(note)) for note in notes]


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _cache_line(summary: dict[str, Any]) -> str:
    cache = summary.get("cache")
    if not isinstance(cache, dict):
        return ""
    parts = [_cache_status(cache), *_cache_stats(summary.get("cache_stats"))[:1]]
    return "Cache: " + " · ".join(parts)


def _cache_status(cache: dict[str, Any]) -> str:
    status = _one_line(str(cache.get("status", "unknown")))
    extra = []
    if cache.get("reason"):
        extra.append(_one_line(str(cache["reason"])))
    if _is_number(cache.get("age_s")):
        extra.append(f"age {round(cache['age_s']):,} s")
    return f"{status} ({', '.join(extra)})" if extra else status


def _cache_stats(stats: Any) -> list[str]:
    if not isinstance(stats, dict):
        return []
    groups = []
    for group in CACHE_STAT_GROUPS:
        parts = [_stat(stats[key], one, many) for key, one, many in group if key in stats]
        if parts:
            groups.append(", ".join(parts))
    return groups


def _stat(value: Any, one: str, many: str) -> str:
    if not one and _is_number(value):
        return _size(value)
    return _counted(value, one, many)


# -- findings ---------------------------------------------------------------------------------


def _filtered_line(summary: dict[str, Any]) -> str:
    filtered = summary.get("filtered")
    if not isinstance(filtered, dict):
        return ""
    removed = filtered.get("removed", 0)
    if not removed:  # what --limit cut is said where it was cut
        return ""
    flags = " ".join(str(f) for f in filtered.get("filters", []))
    return f"_Filtered ({_one_line(flags)}): {removed:,} removed._"


def _key_findings_block(result: CqResult, lists: _Lists) -> str:
    if not result.key_findings:
        empty = not result.sections and not result.evidence
        return "_No findings._" if empty else ""
    return "\n".join(["### Key findings", *lists.lines(result.key_findings, 0)])


def _section_block(section: Section, lists: _Lists, position: int) -> str:
    """A section's title (with its finding count, before any cut, when it lists findings),
    its notes and its findings, each list cut at the list length."""
    total = len(section.findings) + lists.cut(position)
    count = f" ({total:,})" if section.findings or not section.notes else ""
    lines = [f"### {_one_line(section.title)}{count}"]
    top_n = lists.top_n or len(section.notes)
    lines += [f"> {_one_line(note)}" for note in section.notes[:top_n]]
    if len(section.notes) > top_n:
        lines.append(f"> … and {len(section.notes) - top_n:,} more")
    lines += lists.lines(section.findings, position)
    return "\n".join(lines)


def _evidence_block(evidence: Sequence[Finding], lists: _Lists) -> str:
    if not evidence:
        return ""
    return "\n".join([f"### Evidence ({len(evidence):,})", *lists.lines(evidence, -1)])


def _finding_line(finding: Finding, scored: bool = True) -> str:
    """`- \\`file:line\\` [severity] message — details`, always one line; the score's
    buckets only when `scored` (a `q` answer's scores are for its filters, not its lines)."""
    parts = ["-"]
    if finding.anchor is not None:
        parts.append(_code(f"{_one_line(finding.anchor.file)}:{finding.anchor.line}"))
    tags = [_one_line(finding.severity)] if finding.severity != "info" else []
    if finding.score is not None and scored:
        tags += [f"impact {finding.score.impact_bucket}",
                 f"conf {finding.score.confidence_bucket}"]
    if tags:
        parts.append(f"[{' · '.join(tags)}]")
    message = _one_line(finding.message, MESSAGE_WIDTH)
    parts.append(message)
    details = _details_suffix(finding.details, message)
    return " ".join(part for part in parts if part) + details


def _details_suffix(details: Details, message: str) -> str:
    """The fields the details struct says Markdown shows (`SHOWN`), unless the message
    already says them."""
    parts = []
    for field, label, as_code in details.SHOWN:
        text = _one_line(_detail_text(getattr(details, field)), DETAIL_WIDTH)
        if text and text not in message:
            parts.append(f"{label} {_code(text)}" if as_code else f"{label}: {text}")
    return " — " + "; ".join(parts) if parts else ""


def _detail_text(value: Any) -> str:
    """A detail value as flat text; dict keys sorted so equal details read the same."""
    if value is None:
        return ""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return ", ".join(f"{key}={_scalar(val)}" for key, val in items)
    if isinstance(value, list | tuple):
        return ", ".join(_scalar(item) for item in value)
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    return str(value)


# -- artifacts and footer ---------------------------------------------------------------------


def _footer_line(result: CqResult) -> str:
    """Run id, time, version and the artifacts (relative to the root), on one line."""
    run = result.run
    parts = [f"run {_one_line(run.run_id)}", f"{_ms(run.elapsed_ms)} ms"]
    version = run.toolchain.get("cq")
    if version:
        parts.append(f"cq {_one_line(version)}")
    parts += [f"artifact {_code(_one_line(_relative(a.path, run.root)))}"
              for a in result.artifacts]
    return "_" + " · ".join(parts) + "_"


def _relative(path: str, root: str) -> str:
    """`path` relative to `root` when it lies inside it (POSIX separators), else as given."""
    if not root or not os.path.isabs(path):
        return path
    try:
        relative = os.path.relpath(path, root)
    except ValueError:  # another drive
        return path
    return path if relative.startswith("..") else relative.replace(os.sep, "/")


# -- formatting helpers -----------------------------------------------------------------------


def _one_line(text: str, width: int | None = None) -> str:
    """Collapse whitespace (newlines included) and cut at `width` with an ellipsis."""
    flat = " ".join(text.split())
    if width is not None and len(flat) > width:
        return flat[: width - 1] + "…"
    return flat


def _code(text: str) -> str:
    """An inline code span that survives backticks in the text."""
    if "`" in text:
        return f"`` {text} ``"
    return f"`{text}`"


def _counted(value: Any, one: str, many: str) -> str:
    if not _is_number(value):
        return f"{_one_line(str(value))} {many}"
    return f"{value:,} {one if value == 1 else many}"


def _is_number(value: Any) -> bool:
    """A finite int or float (bools, NaN and infinities are not counts)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _ms(elapsed_ms: float) -> str:
    return f"{elapsed_ms:.1f}" if elapsed_ms < 10 else f"{elapsed_ms:,.0f}"


def _size(size_bytes: float) -> str:
    if abs(size_bytes) < 1024:
        return f"{size_bytes:,.0f} B"
    value = size_bytes / 1024
    for unit in ("KB", "MB"):
        if abs(value) < 1024:
            return f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GB"
