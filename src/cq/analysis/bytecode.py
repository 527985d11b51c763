"""`expand=bytecode_surface`: what a def's compiled code touches — global names, attribute
names, constants and opcode counts — from `compile()` and `dis`, never executing anything.

The file is compiled once per run; each def's code object is found by its qualified name
(`co_qualname` without the `<locals>` segments, the same dotted form as `Def.qualname`) and
its first line (`co_firstlineno` is the first decorator's line). Only the def's own code
object is described; nested defs, lambdas and comprehensions are listed by name (on 3.12+
list/set/dict comprehensions are inlined into it). Opcode names are those of the running
Python, which is part of the query's plan and so of its cache key.
"""

from __future__ import annotations

import dis
import types
from collections import Counter
from collections.abc import Iterator
from typing import Any

from cq.facts import Def
from cq.parsing import ParseFailure
from cq.parsing import compile_module as compile_code

GLOBAL_OPS = frozenset({"LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL", "LOAD_NAME",
                        "STORE_NAME", "DELETE_NAME"})
ATTR_OPS = frozenset({"LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR", "LOAD_METHOD",
                      "LOAD_SUPER_ATTR"})
CONST_CAP = 20  # constants listed per code object
CONST_WIDTH = 60

CodeIndex = dict[tuple[str, int], types.CodeType]


def compile_source(text: str, path: str) -> CodeIndex | str:
    """Every code object of the file by (qualname, first line); the error text if it does
    not compile."""
    module = compile_module(text, path)
    if isinstance(module, str):
        return module
    return {(qualname_of(code), code.co_firstlineno): code for code in code_objects(module)}


def compile_module(text: str, path: str) -> types.CodeType | str:
    """The module's code object; the error text if it does not compile."""
    code = compile_code(text, path)
    return code.text if isinstance(code, ParseFailure) else code


def code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    """Every code object nested in `code`, depth first in source order."""
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield const
            yield from code_objects(const)


def qualname_of(code: types.CodeType) -> str:
    return code.co_qualname.replace(".<locals>", "")


def code_of(index: CodeIndex, definition: Def) -> types.CodeType | None:
    line = definition.decorated_line or definition.span.line
    return index.get((definition.qualname, line))


def surface(code: types.CodeType) -> dict[str, Any]:
    instructions = list(dis.get_instructions(code))
    globals_ = sorted({str(i.argval) for i in instructions if i.opname in GLOBAL_OPS})
    attrs = sorted({str(i.argval) for i in instructions if i.opname in ATTR_OPS})
    consts = [const for const in code.co_consts if not isinstance(const, types.CodeType)]
    nested = [qualname_of(const) for const in code.co_consts if isinstance(const, types.CodeType)]
    return {"globals": globals_, "attributes": attrs,
            "constants": [repr(const)[:CONST_WIDTH] for const in consts[:CONST_CAP]],
            "opcodes": dict(sorted(Counter(i.opname for i in instructions).items())),
            "nested": nested}
