"""Module names from root-relative paths, src-layout aware.

`src/pkg/mod.py` → `pkg.mod`; `pkg/__init__.py` → `pkg`. Names are for display and
matching, not for importing.
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
