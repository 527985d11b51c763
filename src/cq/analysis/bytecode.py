"""What compiled code touches — global names read and written, attribute names, constants and
opcode counts — from `compile()` and `dis`, never executing anything (`cq bytecode-surface`
and `expand=bytecode_surface`).

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

from cq.details import BytecodeDetails, GlobalsUse
from cq.facts import Def
from cq.parsing import ParseFailure
from cq.parsing import compile_module as compile_code

COMPREHENSIONS = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})
READ_OPS = frozenset({"LOAD_GLOBAL", "LOAD_NAME", "LOAD_FROM_DICT_OR_GLOBALS"})
FUNCTION_WRITES = frozenset({"STORE_GLOBAL", "DELETE_GLOBAL"})
MODULE_WRITES = FUNCTION_WRITES | {"STORE_NAME", "DELETE_NAME"}
CLASS_STORES = frozenset({"STORE_NAME", "DELETE_NAME"})
CO_NEWLOCALS = 0x2  # inspect.CO_NEWLOCALS: a function's own namespace (not module or class)
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


def code_kind(code: types.CodeType) -> str:
    """lambda, comprehension, function or class (a module's code reads as a class body)."""
    if code.co_name == "<lambda>":
        return "lambda"
    if code.co_name in COMPREHENSIONS:
        return "comprehension"
    return "function" if code.co_flags & CO_NEWLOCALS else "class"


def globals_use(code: types.CodeType, kind: str) -> GlobalsUse:
    """The globals a code object reads and writes. A function reads with LOAD_GLOBAL and
    writes with STORE_GLOBAL/DELETE_GLOBAL; module code reads and writes its globals by name;
    a class body reads globals by name too, but a name it stores is its own attribute."""
    writes = MODULE_WRITES if kind == "module" else FUNCTION_WRITES
    read: set[str] = set()
    written: set[str] = set()
    stored: set[str] = set()  # a class body's own names (its namespace, not the globals)
    for instruction in dis.get_instructions(code):
        name = str(instruction.argval)
        if instruction.opname in READ_OPS:
            read.add(name)
        elif instruction.opname in writes:
            written.add(name)
        elif instruction.opname in CLASS_STORES:
            stored.add(name)
    if kind == "class":
        read -= stored
    return GlobalsUse(read=tuple(sorted(read)), written=tuple(sorted(written)))


def surface(qualname: str, code: types.CodeType, kind: str | None = None) -> BytecodeDetails:
    """What `code` touches; `kind` is the code object's (derived unless given: "module"
    must be)."""
    kind = kind or code_kind(code)
    instructions = list(dis.get_instructions(code))
    attrs = sorted({str(i.argval) for i in instructions if i.opname in ATTR_OPS})
    consts = [const for const in code.co_consts if not isinstance(const, types.CodeType)]
    nested = [qualname_of(const) for const in code.co_consts if isinstance(const, types.CodeType)]
    return BytecodeDetails(
        qualname=qualname, kind=kind, nested=tuple(nested), globals=globals_use(code, kind),
        attributes=tuple(attrs),
        constants=tuple(_constant_text(const) for const in consts[:CONST_CAP]),
        opcodes=dict(sorted(Counter(i.opname for i in instructions).items())),
        evidence="bytecode")


def _constant_text(const: object) -> str:
    """A constant's repr, capped; sets print sorted, so equal code reads the same under any
    hash seed."""
    if isinstance(const, frozenset):
        text = "frozenset({" + ", ".join(sorted(repr(item) for item in const)) + "})"
    else:
        text = repr(const)
    return text[:CONST_WIDTH]
