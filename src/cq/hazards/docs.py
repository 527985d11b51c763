"""`docs/hazards.md`: the hazard catalogue rendered from the registry rows (id, CWE, severity,
confidence, bandit ids, message, fix, and the row's own example and counter-example), so the
page cannot drift from what cq matches (`tests/hazards/test_docs.py` checks it).
"""

from __future__ import annotations

import re

from cq.hazards.registry import CATEGORIES, RULES
from cq.hazards.row import HazardRule

_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_INTRO = """\
# Hazards

Generated from the hazard registry (`src/cq/hazards/registry.py`, `security.py`) by
`pytest tests/hazards/test_docs.py --update-golden`; do not edit by hand.

`cq hazards` reports every row below (`--category`, `--severity` select rows). A call is
matched under the names the file's imports give it (`import hashlib as h; h.md5(x)`,
`from pickle import loads as lp; lp(x)`). A finding is suppressed by `# nosec` (bandit's
spelling; `# nosec B301` or `# nosec pickle-load` names the rows) or `# cq: ignore[row-id]` on
one of its lines or on the first line of its statement: suppressed findings are counted
(`summary.suppressed`) and listed in their own section, never dropped. Rows marked "not in
tests" do not report in test files (the `test-paths` setting).
"""


def render_hazards() -> str:
    parts = [_INTRO, _index()]
    for category in CATEGORIES:
        rows = [row for row in RULES if row.category == category]
        if rows:
            parts.append(f"## {category.capitalize()}\n")
            parts.extend(_row(row) for row in rows)
    return "\n".join(parts).rstrip("\n") + "\n"


def _index() -> str:
    lines = ["| id | category | CWE | severity | confidence | bandit |",
             "|---|---|---|---|---|---|"]
    lines.extend(f"| [`{row.id}`](#{row.id}) | {row.category} | {_cwe(row)} | {row.severity} | "
                 f"{row.confidence} | {', '.join(row.bandit) or '—'} |" for row in RULES)
    return "\n".join(lines) + "\n"


def _cwe(row: HazardRule) -> str:
    if row.cwe is None:
        return "—"
    return f"[CWE-{row.cwe}](https://cwe.mitre.org/data/definitions/{row.cwe}.html)"


def _row(row: HazardRule) -> str:
    facts = [f"{_cwe(row)}", f"severity {row.severity}", f"confidence {row.confidence}"]
    if row.bandit:
        facts.append(f"bandit {', '.join(row.bandit)}")
    if row.skip_tests:
        facts.append("not in tests")
    return "\n".join([
        f"### {row.id}\n", f"{row.message}. ({'; '.join(facts)})\n", f"**Fix:** {row.fix}\n",
        "Found:\n", _code(row.example), "Not found:\n", _code(row.counter)])


def _code(text: str) -> str:
    # The trojan-source example's control characters are shown as escapes, not applied.
    shown = _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text.rstrip())
    return f"```python\n{shown}\n```\n"
