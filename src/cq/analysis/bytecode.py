"""What compiled code touches — global names read and written, attribute names, constants and
opcode counts — from `compile()` and `dis`, never executing anything (`cq bytecode-surface`
and `expand=bytecode_surface`).

The file is compiled once per run (`compile_file`). CPython 3.11's compiler takes time quadratic
in the number of nested functions of one module, so a file with many top-level defs and classes
(`CHUNK_FROM`) is compiled in parts: each top-level def or class on its own, after a preamble
that binds the module's imported names (3.11 compiles `mod.f()` differently when `mod` is an
import) and with the module's `from __future__` flags; the module's own code from a skeleton
whose top-level def and class bodies are only their `global` declarations (which change how the
module stores those names). Code objects, line numbers and qualified names are a whole
compile's; a test holds both ways against `dis` of the real thing.
Each def's code object is found by its qualified name
(`co_qualname` without the `<locals>` segments, the same dotted form as `Def.qualname`) and
its first line (`co_firstlineno` is the first decorator's line). Only the def's own code
object is described; nested defs, lambdas and comprehensions are listed by name (on 3.12+
list/set/dict comprehensions are inlined into it). Opcode names are those of the running
Python, which is part of the query's plan and so of its cache key.
"""

from __future__ import annotations
import __future__

import ast
import copy
import dis
import types
from collections import Counter
from collections.abc import Iterator
from typing import Any

import msgspec

from cq.details import BytecodeDetails, GlobalsUse
from cq.facts import Def
from cq.parsing import ParseFailure, compile_module, parse_module

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


class CompiledFile(msgspec.Struct, frozen=True):
    """The module's own code object and every code object nested in the file, depth first
    in source order."""

    module: types.CodeType
    nested: tuple[types.CodeType, ...]


def compile_source(text: str, path: str) -> CodeIndex | str:
    """Every code object of the file by (qualname, first line); the error text if it does
    not compile."""
    compiled = compile_file(text, path)
    if isinstance(compiled, ParseFailure):
        return compiled.text
    return {(qualname_of(code), code.co_firstlineno): code for code in compiled.nested}


CHUNK_FROM = 256  # top-level defs and classes from which a file is compiled in parts


def compile_file(text: str, path: str) -> CompiledFile | ParseFailure:
    """The file's code objects; a failure if it (or any part of it) does not compile."""
    tree = parse_module(text, path)
    if isinstance(tree, ParseFailure):
        return tree
    if sum(isinstance(s, _BODIED) for s in tree.body) < CHUNK_FROM:
        module = compile_module(tree, path)
        if isinstance(module, ParseFailure):
            return module
        return CompiledFile(module, tuple(code_objects(module)))
    return _compile_in_parts(tree, path)


def _compile_in_parts(tree: ast.Module, path: str) -> CompiledFile | ParseFailure:
    flags = _future_flags(tree)
    module = compile_module(_skeleton(tree), path, flags)
    if isinstance(module, ParseFailure):
        return module
    preamble = _import_preamble(tree)
    nested: list[types.CodeType] = []
    for statement in tree.body:
        if isinstance(statement, _BODIED):
            part = compile_module(ast.Module([*preamble, statement], []), path, flags)
            if isinstance(part, ParseFailure):
                return part
            nested.extend(code_objects(part))
    return CompiledFile(module, tuple(nested))


_BODIED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _module_level(tree: ast.Module) -> list[ast.AST]:
    """Nodes of the module's own scope (not inside a def, class or lambda)."""
    found: list[ast.AST] = []
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        found.append(node)
        if not isinstance(node, (*_BODIED, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return found


def _import_preamble(tree: ast.Module) -> list[ast.stmt]:
    """`import name` for every name a module-level import binds (line 1, no code of note)."""
    names: set[str] = set()
    for node in _module_level(tree):
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if isinstance(node, ast.Import | ast.ImportFrom) and not future:
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names
                         if alias.name != "*")
    return [_at_line_one(ast.Import([_at_line_one(ast.alias(name))])) for name in sorted(names)]


def _at_line_one(node: ast.AST) -> Any:
    node.lineno = node.end_lineno = 1  # type: ignore[attr-defined]
    node.col_offset = node.end_col_offset = 0  # type: ignore[attr-defined]
    return node

def _future_flags(tree: ast.Module) -> int:
    flags = 0
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            for alias in statement.names:
                feature = getattr(__future__, alias.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
    return flags


def _skeleton(tree: ast.Module) -> ast.Module:
    """The module with every top-level def and class body replaced by the `global`
    declarations found in it (a name declared global anywhere is stored as a global by the
    module itself too), then `pass`."""
    body = []
    for statement in tree.body:
        if isinstance(statement, _BODIED):
            declared = sorted({name for node in ast.walk(statement)
                               if isinstance(node, ast.Global) for name in node.names})
            kept: list[ast.stmt] = [ast.Global(declared)] if declared else []
            statement = copy.copy(statement)
            statement.body = [ast.copy_location(node, statement)
                              for node in (*kept, ast.Pass())]
        body.append(statement)
    return ast.Module(body, tree.type_ignores)


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
