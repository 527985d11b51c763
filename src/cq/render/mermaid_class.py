"""Mermaid `classDiagram` of the classes in a result: their methods and their bases.

Reads `definition` (and `decorator`) findings: a class is a node, a method belongs to the
class its qualname names (`Outer.Inner.m` → `Outer.Inner` in the same module; the class is
drawn even when only its methods were found), a base is the class's `bases` detail (else the
bases written in its `class Foo(Base, mixins.Other)` signature). A base resolves to a class of
the result by its last dotted segment — the one whose full name ends with the base as
written, else the one in the same module, else the only one — or stays a node of its own.

Ids are `c0, c1, …` with the full name as a quoted label; members are `+name(params)` with
parameter names only (`self`/`cls` dropped, long lists shortened) and Python's underscore
conventions as visibility (`_x` protected `#`, `__x` private `-`). `top_n` is ignored.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from cq.modules import full_name
from cq.render.graph import all_findings, short_label
from cq.render.mermaid import INDENT, mermaid_comment, mermaid_text
from cq.result import CqResult

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
            _add_definition(diagram, finding.details)
    return diagram


def _add_definition(diagram: _Diagram, details: dict[str, Any]) -> None:
    qualname, kind = _text(details.get("qualname")), details.get("kind")
    module = _text(details.get("module"))
    if not qualname:
        return
    if kind == "class":
        key = full_name(module, qualname)
        diagram.add_class(key, module)
        diagram.bases[key] = _bases_of(details) or diagram.bases[key]
    elif kind == "method" and "." in qualname:
        key = full_name(module, qualname.rsplit(".", 1)[0])
        diagram.add_class(key, module)
        member = _member(details, qualname.rsplit(".", 1)[1])
        if member not in diagram.members[key]:
            diagram.members[key].append(member)


def _bases_of(details: dict[str, Any]) -> list[str]:
    bases = details.get("bases")
    if isinstance(bases, list):
        return [b for b in (_text(base) for base in bases) if b and not b.startswith("*")]
    node = _parse_def(_text(details.get("signature")), "class")
    if not isinstance(node, ast.ClassDef):
        return []
    return [ast.unparse(base) for base in node.bases if not isinstance(base, ast.Starred)]


def _member(details: dict[str, Any], name: str) -> str:
    """`+name(params)`; a name that is not an identifier is made one, as member text ends
    only at the line's end and braces or quotes would end the class."""
    safe = re.sub(r"\W+", "_", name) or "_"
    return f"{_visibility(safe)}{safe}({_params(_text(details.get('signature')))})"


def _visibility(name: str) -> str:
    if name.startswith("__") and not name.endswith("__"):
        return "-"
    return "#" if name.startswith("_") and not name.startswith("__") else "+"


def _params(signature: str) -> str:
    """Parameter names of a `def …(…)` signature, `self`/`cls` dropped, shortened."""
    node = _parse_def(signature, "def")
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return "…" if signature else ""
    args = node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    names += [f"*{args.vararg.arg}"] if args.vararg else []
    names += [a.arg for a in args.kwonlyargs]
    names += [f"**{args.kwarg.arg}"] if args.kwarg else []
    return _shorten_names(names)


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


def _parse_def(signature: str, keyword: str) -> ast.stmt | None:
    """A signature line (`def f(a) -> int`, `class C(B)`) as its ast node, or None."""
    if keyword not in signature:
        return None
    try:
        tree = ast.parse(f"{signature.strip()}:\n    pass")
    except (SyntaxError, ValueError, RecursionError):
        return None
    return tree.body[0] if len(tree.body) == 1 else None


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


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""

