"""The macros: one spec module per analysis, each defining `MACRO` (a `cq.macros.spec.Macro`),
and its compute module of the same name under `cq.macros.compute`.

`MACRO_MODULES` is the registry: command name -> module name. The CLI builds one command per
row (both the fast path and the cyclopts app), `cq.api.macro` runs any row by name, and a test
checks that the three sets are the same. Modules are imported on demand, so running one macro
never imports the others, and a cache hit imports only the spec.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from cq.errors import BadInputError
from cq.spelling import suggest

if TYPE_CHECKING:
    from cq.macros.spec import Macro

MACRO_MODULES: dict[str, str] = {
    "hazards": "hazards",
    "calls": "calls",
    "impact": "impact",
    "scopes": "scopes",
    "bytecode-surface": "bytecode_surface",
    "exceptions": "exceptions",
    "imports": "imports",
    "side-effects": "side_effects",
    "sig-impact": "sig_impact",
}


def get_macro(name: str) -> Macro:
    module = MACRO_MODULES.get(name)
    if module is None:
        raise BadInputError(f"unknown macro {name!r}",
                            hint=suggest(name, MACRO_MODULES))
    macro: Macro = importlib.import_module(f"cq.macros.{module}").MACRO
    return macro


def compute_module(name: str) -> ModuleType:
    """The compute module of macro `name` (imported on a cache miss only)."""
    return importlib.import_module(f"cq.macros.compute.{MACRO_MODULES[name]}")

