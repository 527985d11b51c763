"""Builders shared by the cache tests: a FileRef stand-in, facts and results."""

from __future__ import annotations

from pathlib import Path

import msgspec

from conftest import build_finding
from cq.facts import Def, FileFacts, Span
from cq.result import Anchor, CqResult, Finding, RunMeta, Section


class Ref(msgspec.Struct, frozen=True):
    """Stands in for discover's FileRef (the cache accepts any object with these fields)."""

    path: str
    size: int = 10
    mtime_ns: int = 1_000_000_000
    ctime_ns: int = 1_000_000_000
    inode: int = 42


def make_facts(path: str, name: str = "main") -> FileFacts:
    span = Span(1, 0, 2, 10)
    return FileFacts(path=path, module=path.removesuffix(".py").replace("/", "."), lines=2,
                     defs=(Def("function", name, name, span),))


def run_meta(run_id: str = "0190-run") -> RunMeta:
    return RunMeta(macro="q", argv=("q", "entity=function"), root="/repo", started_ms=1,
                   elapsed_ms=2.5, toolchain={"python": "3.11"}, run_id=run_id)


def finding(file: str, line: int = 1, category: str = "definition") -> Finding:
    return build_finding(category, f"{file}:{line}", Anchor(file=file, line=line))


def make_result(*files: str, evidence: tuple[str, ...] = (), section: tuple[str, ...] = (),
                summary: dict[str, object] | None = None) -> CqResult:
    sections = (Section(title="callers", kind="callers",
                        findings=tuple(finding(f) for f in section)),) if section else ()
    return CqResult(run=run_meta(), summary=dict(summary or {"matches": len(files)}),
                    key_findings=tuple(finding(f) for f in files), sections=sections,
                    evidence=tuple(finding(f, category="caller") for f in evidence))


class Bomb:
    """Unpickling this creates `marker`: proof that a pickle was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.touch, (self.marker,))
