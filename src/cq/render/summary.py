"""Summary: exactly one line per run, for logs, shells and progress displays.

Example: `q: 12 definitions in 9 files · cache: miss · 0.42 s · run 0190…`. The count is
`summary.matches` when present (else the number of key findings); the noun is the key findings'
category when they share one; sections add `· N more in M sections`. Everything shown comes
from the result; the full picture is one `--format md` or `--format json` away.
"""

from __future__ import annotations

from typing import Any

from cq.result import CqResult


def render_summary(result: CqResult, *, top_n: int = 10) -> str:
    """One line: answer, cache status, wall time in seconds and the run id."""
    del top_n  # a summary lists no findings
    parts = [f"{_flat(result.run.macro)}: {_answer(result)}"]
    parts += _sections_part(result)
    parts += _cache_part(result.summary.get("cache"))
    parts.append(f"{result.run.elapsed_ms / 1000:.2f} s")
    parts.append(f"run {_flat(result.run.run_id)}")
    return " · ".join(parts)


def _answer(result: CqResult) -> str:
    count = _int_or(result.summary.get("matches"), len(result.key_findings))
    categories = {f.category for f in result.key_findings}
    noun = _noun(categories.pop() if len(categories) == 1 else "finding", count)
    text = f"{count:,} {noun}"
    files = result.summary.get("files_with_matches")
    if _is_int(files):
        text += f" in {files:,} {'file' if files == 1 else 'files'}"
    if result.summary.get("truncated"):
        text += f" ({len(result.key_findings):,} kept by limit=)"
    return text


def _sections_part(result: CqResult) -> list[str]:
    if not result.sections:
        return []
    total = sum(len(s.findings) for s in result.sections)
    count = len(result.sections)
    return [f"{total:,} more in {count} {'section' if count == 1 else 'sections'}"]


def _cache_part(cache: Any) -> list[str]:
    if not isinstance(cache, dict) or "status" not in cache:
        return []
    return [f"cache: {_flat(str(cache['status']))}"]


def _noun(category: str, count: int) -> str:
    """`call_site` → `call site` / `call sites`; `pattern_match` → `pattern matches`."""
    word = category.replace("_", " ")
    if count == 1:
        return word
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_or(value: Any, default: int) -> int:
    return value if _is_int(value) else default


def _flat(text: str) -> str:
    """Collapse whitespace so user text (a macro name, a run id) cannot break the one line."""
    return " ".join(text.split())
