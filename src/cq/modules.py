"""Module names from root-relative paths (src-layout aware), and the dotted full names built
on them.

`src/pkg/mod.py` → `pkg.mod`; `pkg/__init__.py` → `pkg`. A def's full name is its module and
its qualified name (`pkg.mod.Outer.method`). Names are for display and matching, not for
importing.
"""

from __future__ import annotations

_SOURCE_DIRS = ("src",)  # top-level directories that hold packages, not modules


def module_name(path: str) -> str:
    """The dotted module name of a root-relative POSIX path to a .py/.pyi file."""
    parts = path.split("/")
    if len(parts) > 1 and parts[0] in _SOURCE_DIRS:
        parts = parts[1:]
    last = parts[-1]
    for suffix in (".pyi", ".py"):
        if last.endswith(suffix):
            last = last[: -len(suffix)]
            break
    parts[-1] = last
    if last == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def full_name(module: str, qualname: str) -> str:
    """`pkg.mod` + `Outer.method` → `pkg.mod.Outer.method` (a top-level script: the qualname)."""
    return f"{module}.{qualname}" if module else qualname


def dotted_suffix(qualified: str, value: str) -> bool:
    """Are `value`'s dotted segments the last segments of `qualified`?"""
    return qualified == value or qualified.endswith("." + value)


def resolve_relative(module: str, is_package: bool, level: int, target: str) -> str | None:
    """The absolute module a relative import names, or None when it climbs above the root.

    `module` is the importing file's module name; `is_package` says it is an `__init__`."""
    if level == 0:
        return target or None
    parts = module.split(".") if module else []
    base = parts if is_package else parts[:-1]
    if level - 1 > len(base):
        return None
    base = base[: len(base) - (level - 1)]
    joined = ".".join([*base, target] if target else base)
    return joined or None
