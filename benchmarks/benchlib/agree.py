"""Do cq and ast-grep find the same definitions? Compare sets of (file, line).

cq's side is `cq q NAME` (functions, methods and classes named NAME) with classes dropped;
ast-grep's side is `def NAME($$$): $$$`, which matches functions and methods alike. Some
differences are expected (`async def`, forms the ast-grep pattern does not match, file
types one tool reads and the other skips); the report gives counts and the first few.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

Site = tuple[str, int]
SHOWN = 5


@dataclass(frozen=True)
class Agreement:
    corpus: str
    name: str
    cq_count: int
    sg_count: int
    only_cq: list[Site] = field(default_factory=list)
    only_sg: list[Site] = field(default_factory=list)
    error: str | None = None

    def note(self) -> str:
        if self.error:
            return f"agreement: {self.error}"
        if not self.only_cq and not self.only_sg:
            return f"agree: {self.cq_count} defs"
        return (f"cq {self.cq_count} vs sg {self.sg_count} defs: "
                f"{len(self.only_cq)} only cq, {len(self.only_sg)} only sg")

    def lines(self) -> list[str]:
        out = [f"- {self.corpus}, `{self.name}`: {self.note()}"]
        out += [f"  - only cq: {file}:{line}" for file, line in self.only_cq[:SHOWN]]
        out += [f"  - only ast-grep: {file}:{line}" for file, line in self.only_sg[:SHOWN]]
        return out

    def to_json(self) -> dict[str, object]:
        return {"corpus": self.corpus, "name": self.name, "cq": self.cq_count,
                "ast_grep": self.sg_count, "only_cq": self.only_cq,
                "only_ast_grep": self.only_sg, "error": self.error}


def cq_definition_sites(stdout: str) -> set[Site]:
    """(file, line) of every non-class definition among cq's key findings."""
    result = json.loads(stdout)
    sites: set[Site] = set()
    for finding in result.get("key_findings", []):
        anchor = finding.get("anchor") or {}
        if finding.get("details", {}).get("kind") == "class" or "file" not in anchor:
            continue
        sites.add((anchor["file"], int(anchor["line"])))
    return sites


def sg_sites(stdout: str, root: Path) -> set[Site]:
    """(root-relative file, 1-based line) of each match in ast-grep's `--json=stream`."""
    sites: set[Site] = set()
    for line in stdout.splitlines():
        if line.strip():
            match = json.loads(line)
            rel = Path(os.path.relpath(match["file"], root)).as_posix()
            sites.add((rel, match["range"]["start"]["line"] + 1))
    return sites


def compare(corpus: str, name: str, cq_stdout: str, sg_stdout: str, root: Path) -> Agreement:
    try:
        cq, sg = cq_definition_sites(cq_stdout), sg_sites(sg_stdout, root)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return Agreement(corpus, name, 0, 0, error=f"unreadable output ({exc})")
    return Agreement(corpus, name, len(cq), len(sg), sorted(cq - sg), sorted(sg - cq))


def count_sg_matches(stdout: str) -> int:
    return sum(1 for line in stdout.splitlines() if line.strip())


def count_category(stdout: str, category: str) -> int | None:
    """How many findings of `category` a cq JSON result holds anywhere (None: unreadable)."""
    try:
        result = json.loads(stdout)
    except ValueError:
        return None
    groups = [result.get("key_findings", []), result.get("evidence", [])]
    groups += [section.get("findings", []) for section in result.get("sections", [])]
    return sum(1 for group in groups for item in group if item.get("category") == category)


def cache_status(stdout: str) -> str:
    """`summary.cache.status` of a cq JSON result, or a word saying why there is none."""
    try:
        cache = json.loads(stdout).get("summary", {}).get("cache")
    except ValueError:
        return "unreadable"
    if isinstance(cache, dict) and cache.get("status"):
        return str(cache["status"])
    return "not reported"
