"""Calls through import aliases: a row written with the documented dotted name
(`hashlib.md5($$$)`) also runs, in a file that imports it under another name, with the name the
file uses (`import hashlib as h` → `h.md5($$$)`, `from pickle import loads as lp` → `lp($$$)`).

The file's imports come from its ast-grep tree (`import_aliases`); a row's patterns that start
with a dotted name bound by one of them gain the aliased spelling (`aliased_config`). Only
bindings that differ from the dotted name itself matter (`import hashlib` needs nothing), so
most files run the rows unchanged; the variants of one row under one set of bindings are built
once per process. The prefilter stays sound: an import statement spells out the module and the
imported name, so a file that calls `lp(x)` still contains the words `pickle` and `loads`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cq.hazards.row import called, callee_names

if TYPE_CHECKING:
    from ast_grep_py import SgNode

Aliases = Mapping[str, str]  # local name -> the dotted name it stands for
_HEAD = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_IMPORTS: Any = {"rule": {"any": [{"kind": "import_statement"},
                                  {"kind": "import_from_statement"}]}}


def import_aliases(root: SgNode) -> dict[str, str]:
    """Names the file's imports bind to another dotted name (relative imports are local code
    and left out)."""
    found: dict[str, str] = {}
    for node in root.find_all(_IMPORTS):
        found.update(_bindings(node))
    return found


def _bindings(node: SgNode) -> dict[str, str]:
    module = node.field("module_name")
    if module is not None and module.kind() != "dotted_name":
        return {}
    prefix = f"{module.text()}." if module is not None else ""
    found: dict[str, str] = {}
    for child in node.children():
        if child.kind() == "aliased_import":
            name, alias = child.field("name"), child.field("alias")
            if name is not None and alias is not None:
                found[alias.text()] = prefix + name.text()
        elif child.kind() == "dotted_name" and prefix and child != module:
            found[child.text()] = prefix + child.text()
    return {local: dotted for local, dotted in found.items() if local != dotted}


def heads(config: Mapping[str, Any]) -> frozenset[str]:
    """The dotted names the config's patterns start with (`hashlib.md5` of
    `hashlib.md5($$$)`) and its `called(...)` rules name."""
    found: set[str] = set()
    _walk_patterns(config, lambda text: _add_head(found, text))
    found.update(name for names in _walk_callees(config) for name in names if "." in name)
    return frozenset(found)


def _walk_callees(value: Any) -> list[tuple[str, ...]]:
    names = callee_names(value)
    if names is not None:
        return [names]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) \
        else ()
    return [found for item in items for found in _walk_callees(item)]


def _add_head(found: set[str], text: str) -> str:
    head = _HEAD.match(text)
    if head is not None and "." in head.group():
        found.add(head.group())
    return text


def relevant(aliases: Aliases, names: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """The bindings that rename a prefix of one of `names`, sorted (a cache key)."""
    return tuple(sorted((local, dotted) for local, dotted in aliases.items()
                        if any(name == dotted or name.startswith(dotted + ".")
                               for name in names)))


def aliased_config(config: Mapping[str, Any],
                   bindings: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The config whose patterns also match under `bindings` (each pattern becomes an `any`
    of its spellings)."""
    return _aliased(_freeze(config), bindings)


@lru_cache(maxsize=1024)
def _aliased(frozen: str, bindings: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    import json

    config = json.loads(frozen)
    return _rewrite(config, bindings)


def _freeze(config: Mapping[str, Any]) -> str:
    import json

    return json.dumps(config, sort_keys=True)


def _rewrite(value: Any, bindings: tuple[tuple[str, str], ...]) -> Any:
    names = callee_names(value)
    if names is not None:
        spelled = [*names, *(spelling for name in names
                             for spelling in _spellings(name, bindings))]
        return called(*dict.fromkeys(spelled))
    if isinstance(value, list):
        return [_rewrite(item, bindings) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _rewrite(item, bindings) for key, item in value.items() if key != "pattern"}
    pattern = value.get("pattern")
    if isinstance(pattern, str):
        spellings = [pattern, *_spellings(pattern, bindings)]
        if len(spellings) == 1:
            out["pattern"] = pattern
        else:
            out.setdefault("all", []).append({"any": [{"pattern": p} for p in spellings]})
    return out


def _spellings(pattern: str, bindings: tuple[tuple[str, str], ...]) -> list[str]:
    head = _HEAD.match(pattern)
    if head is None:
        return []
    name, rest = head.group(), pattern[head.end():]
    return [local + name[len(dotted):] + rest for local, dotted in bindings
            if name == dotted or name.startswith(dotted + ".")]


def _walk_patterns(value: Any, visit: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _walk_patterns(item, visit)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "pattern" and isinstance(item, str):
                visit(item)
            else:
                _walk_patterns(item, visit)
