"""Mermaid `classDiagram` of the classes in a result: their methods and their bases.

Reads `definition` (and `decorator`) findings: a class is a node with the methods its
details list (an entity query's class carries them), a method belongs to the
class its qualname names (`Outer.Inner.m` → `Outer.Inner` in the same module; the class is
drawn even when only its methods were found), a base is one of the class's `bases`, a
member's parameters its `params`. A base resolves to a class of
the result by its last dotted segment — the one whose full name ends with the base as
written, else the one in the same module, else the only one — or stays a node of its own.

Ids are `c0, c1, …` with the full name as a quoted label; members are `+name(params)` with
parameter names only (`self`/`cls` dropped, long lists shortened) and Python's underscore
conventions as visibility (`_x` protected `#`, `__x` private `-`). `top_n` is ignored.
"""

from __future__ import annotations

import re

from cq.details import DefinitionDetails
from cq.findings import details_of
from cq.modules import full_name
from cq.render.graph import short_label
from cq.render.mermaid import INDENT, mermaid_comment, mermaid_text
from cq.result import CqResult, all_findings

PARAMS_WIDTH = 40
_DEF_CATEGORIES = frozenset({"definition", "decorator"})


class _Diagram:
    """Classes by full name, in order of first appearance, with members and base texts."""

    def __init__(self) -> None:
        self.members: dict[str, list[str]] = {}
        self.bases: dict[str, list[str]] = {}
        self.modules: dict[str, str] = {}

    def add_class(self, key: str, module: str) -> None:
        self.members.setdefault(key, [])
        self.bases.setdefault(key, [])
        self.modules.setdefault(key, module)


def render_mermaid_class(result: CqResult, *, top_n: int = 10) -> str:
    """Classes, methods and inheritance arrows of the result's definitions."""
    del top_n  # a class diagram shows every class it has
    diagram = _collect(result)
    if not diagram.members:
        # a class diagram needs one statement to parse: the comment rides on a direction
        return "\n".join(["classDiagram", mermaid_comment("no classes in this result"),
                          f"{INDENT}direction TB"])
    return "\n".join(["classDiagram", *_diagram_lines(diagram)])


# -- collecting ---------------------------------------------------------------------------------


def _collect(result: CqResult) -> _Diagram:
    diagram = _Diagram()
    for finding in all_findings(result):
        if finding.category in _DEF_CATEGORIES:
            _add_definition(diagram, details_of(finding, DefinitionDetails))
    return diagram


def _add_definition(diagram: _Diagram, details: DefinitionDetails) -> None:
    qualname, module = details.qualname, details.module
    if details.kind == "class":
        key = full_name(module, qualname)
        diagram.add_class(key, module)
        bases = [base for base in details.bases if base and not base.startswith("*")]
        diagram.bases[key] = bases or diagram.bases[key]
        for name, *params in (m for m in details.methods if m):
            _add_member(diagram, key, _member_text(name, params))
    elif details.kind == "method" and "." in qualname:
        key = full_name(module, qualname.rsplit(".", 1)[0])
        diagram.add_class(key, module)
        _add_member(diagram, key, _member_text(qualname.rsplit(".", 1)[1], details.params))


def _add_member(diagram: _Diagram, key: str, member: str) -> None:
    if member not in diagram.members[key]:
        diagram.members[key].append(member)


def _member_text(name: str, params: tuple[str, ...] | list[str]) -> str:
    """`+name(params)`; a name that is not an identifier is made one, as member text ends
    only at the line's end and braces or quotes would end the class."""
    safe = re.sub(r"\W+", "_", name) or "_"
    names = [re.sub(r"[^\w*]+", "_", name) or "_" for name in params]
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    return f"{_visibility(safe)}{safe}({_shorten_names(names)})"


def _visibility(name: str) -> str:
    if name.startswith("__") and not name.endswith("__"):
        return "-"
    return "#" if name.startswith("_") and not name.startswith("__") else "+"


def _shorten_names(names: list[str]) -> str:
    """The names joined by commas; past PARAMS_WIDTH, whole names then `…`."""
    text = ", ".join(names)
    if len(text) <= PARAMS_WIDTH:
        return text
    kept: list[str] = []
    for name in names:
        if len(", ".join([*kept, name, "…"])) > PARAMS_WIDTH:
            break
        kept.append(name)
    return ", ".join([*kept, "…"])


# -- resolving bases and writing ----------------------------------------------------------------


def _resolve_base(diagram: _Diagram, child: str, base: str) -> str:
    """The class key a base text names, else the text itself (a node of its own)."""
    written = base.split("[", 1)[0].strip()
    simple = written.rsplit(".", 1)[-1]
    candidates = [key for key in diagram.members if key.rsplit(".", 1)[-1] == simple
                  and key != child]
    exact = [key for key in candidates if key == written or key.endswith("." + written)]
    local = [key for key in candidates
             if diagram.modules[key] == diagram.modules[child] and key.endswith("." + written)]
    for group in (exact, local, candidates):
        if len(group) == 1:
            return group[0]
    return base


def _diagram_lines(diagram: _Diagram) -> list[str]:
    ids = {key: f"c{position}" for position, key in enumerate(diagram.members)}
    lines: list[str] = []
    for key, members in diagram.members.items():
        lines.append(f'{INDENT}class {ids[key]}["{mermaid_text(short_label(key))}"]')
        lines += [f"{INDENT}{ids[key]} : {member}" for member in members]
    arrows: list[str] = []
    for key, bases in diagram.bases.items():
        for base in bases:
            target = _resolve_base(diagram, key, base)
            if target not in ids:
                ids[target] = f"c{len(ids)}"
                lines.append(f'{INDENT}class {ids[target]}["{mermaid_text(short_label(base))}"]')
            arrows.append(f"{INDENT}{ids[target]} <|-- {ids[key]}")
    return lines + list(dict.fromkeys(arrows))
