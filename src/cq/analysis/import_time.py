"""What a module does when it is imported: calls, global mutations, ambient reads, decorators.

`find_effects(source)` picks candidate files from the facts (an import-time call, decorator or
store through an attribute or subscript, or the text of an ambient name such as `environ`),
then walks each candidate's import-time code with `ast`: module-level statements, class
bodies, decorators, default values and base classes — never function bodies, never the body of
`if __name__ == "__main__":` or `if TYPE_CHECKING:`. Names are resolved through the module's
own imports (`from os import environ as env; env["X"]` reads `os.environ`).

Each import-time call is classified, first rule that applies:
1. `global_mutation`: a callee of `MUTATION_CALLS` (`os.chdir`, `warnings.filterwarnings`,
   ...), or a mutating method (`MUTATING_METHODS`) called on something imported that is not
   itself an imported module (`sys.path.append`, `os.environ.setdefault`);
2. `ambient_read`: a callee of `AMBIENT_CALLS` (`os.getenv`, `open`, `Path.cwd`, ...), or any
   method of an ambient object (`os.environ.get`, `sys.argv.index`);
3. nothing, when the callee is on the safe list (`SAFE_CALLS`, `SAFE_PREFIXES`: constructors,
   pure helpers, `typing`, `logging.getLogger`, `re.compile`, `namedtuple`, ...) or it is a
   mutating method of one of the module's own names (`__all__.extend(...)`: the module
   building itself);
4. `call` otherwise. A method called on a computed value (`f().g()`, `"x".join()`) is a call
   only when its name configures something (`CONFIGURING_PREFIXES`: `getLogger(...).addHandler`);
   the calls inside it are classified on their own.
Besides calls: reading an ambient name (`AMBIENT_NAMES`: `os.environ[...]`, `sys.argv`) is an
`ambient_read`; assigning or deleting through an imported name (`os.environ["X"] = ...`,
`sys.modules[k] = m`, `json.encoder.c_make_encoder = None`) is a `global_mutation`; every
decorator not on `SAFE_DECORATORS` is a `decorator`.

The tables are in `cq.analysis.import_time_rules`. A file is parsed as its import-time
skeleton (`cq.analysis.skeleton`: function bodies blanked, positions kept), else whole. The
candidate test reads facts, which have no `del` statements: a module whose only import-time
work is `del sys.modules[...]` is not walked. Files `ast` cannot parse fall back to the facts
(import-time calls and stores, minus top-level `__main__` and TYPE_CHECKING blocks found by
indentation; no alias knowledge) with evidence "heuristic"; everything else has evidence
"ast".
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

import msgspec

from cq.analysis.import_graph import ast_lines, guard_blocks, in_function
from cq.analysis.import_time_rules import (
    AMBIENT_CALLS,
    AMBIENT_NAMES,
    CONFIGURING_PREFIXES,
    MUTATING_METHODS,
    MUTATION_CALLS,
    is_safe_call,
    is_safe_decorator,
)
from cq.analysis.skeleton import import_time_skeleton
from cq.coding import decode_source
from cq.facts import FileFacts, Span
from cq.modules import resolve_relative
from cq.parsing import ParseFailure, guarded, parse_module

if TYPE_CHECKING:
    from cq.index.source import FactSource

CALL, MUTATION, AMBIENT, DECORATOR = "call", "global_mutation", "ambient_read", "decorator"

_REFLECTIVE_MUTATORS = frozenset({"setattr", "delattr"})  # mutations when aimed at an import
_AMBIENT_LITERALS = ("environ", "argv", "stdin")
_TEXT_MAX = 120


class Effect(msgspec.Struct, frozen=True):
    """One thing a module does at import time. `callee` is the call or decorator as written
    (None for stores and reads), `qualified` the same resolved through the imports, `scope`
    the class whose body runs it (None at module level)."""

    path: str
    module: str
    kind: str
    span: Span
    text: str
    callee: str | None
    qualified: str | None
    scope: str | None
    evidence: str


class EffectsReport(msgspec.Struct, frozen=True):
    effects: tuple[Effect, ...]
    files_checked: int  # candidates read with ast
    files_unparsed: tuple[str, ...]  # candidates ast could not parse (facts fallback)


# -- candidates -----------------------------------------------------------------------------

def find_effects(source: FactSource) -> EffectsReport:
    effects: list[Effect] = []
    unparsed: list[str] = []
    checked = 0
    for facts in source.all_facts():
        if facts.skipped or not _is_candidate(source, facts):
            continue
        checked += 1
        data = source.session.text(facts.path)
        text = decode_source(data)[0] if data is not None else None
        found = _walk_file(facts, text) if text is not None else None
        if found is None:
            unparsed.append(facts.path)
            found = list(_from_facts(facts, text))
        effects.extend(found)
    effects.sort(key=lambda e: (e.path, e.span.line, e.span.col, e.kind))
    return EffectsReport(tuple(effects), checked, tuple(unparsed))


def _is_candidate(source: FactSource, facts: FileFacts) -> bool:
    defs = {d.qualname: d for d in facts.defs}
    if any(not in_function(c.enclosing, defs) for c in facts.calls):
        return True
    if any(d.decorators and not in_function(d.enclosing, defs) for d in facts.defs):
        return True
    if any(_is_store(a.target) or a.augmented for a in facts.assigns):
        return True
    return any(source.session.contains(facts.path, literal) for literal in _AMBIENT_LITERALS)


def _is_store(target: str) -> bool:
    return "." in target or "[" in target


# -- the ast walk ---------------------------------------------------------------------------

def _walk_file(facts: FileFacts, text: str) -> list[Effect] | None:
    """The effects of one file, walking the tree of its import-time skeleton (function
    bodies blanked: most of a file's parse), or of the whole text if that does not parse or
    the facts are partial (their spans, which cut the skeleton, may be off)."""
    whole = "partial" in facts.flags
    tree = (None if whole else _parse(import_time_skeleton(facts, text))) or _parse(text)
    if tree is None:
        return None
    found = guarded(_effects, facts, text, tree)  # a walk too deep for the stack: facts instead
    return None if isinstance(found, ParseFailure) else found


def _effects(facts: FileFacts, text: str, tree: ast.Module) -> list[Effect]:
    walker = _Walker(facts, text)
    walker.statements(tree.body, None)
    return walker.effects


def _parse(text: str) -> ast.Module | None:
    tree = parse_module(text)
    return None if isinstance(tree, ParseFailure) else tree


class _Walker:
    """Visits import-time code of one module, collecting `Effect`s."""

    def __init__(self, facts: FileFacts, text: str) -> None:
        self.facts = facts
        self.lines = ast_lines(text)
        self.aliases: dict[str, tuple[str, bool]] = {}  # local name -> (qualified, is module)
        self.effects: list[Effect] = []

    # statements

    def statements(self, body: list[ast.stmt], scope: str | None) -> None:
        for node in body:
            self.statement(node, scope)

    def statement(self, node: ast.stmt, scope: str | None) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            self.bind(node)
        elif isinstance(node, ast.If):
            self.branch(node, scope)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.decorators(node.decorator_list, scope)
            self.expressions([*node.args.defaults, *node.args.kw_defaults], scope)
        elif isinstance(node, ast.ClassDef):
            self.decorators(node.decorator_list, scope)
            self.expressions([*node.bases, *(k.value for k in node.keywords)], scope)
            self.statements(node.body, f"{scope}.{node.name}" if scope else node.name)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            self.store(node, scope)
        else:
            self.compound(node, scope)

    def compound(self, node: ast.stmt, scope: str | None) -> None:
        """Any other statement: its expressions, then its nested blocks."""
        for field in ("value", "test", "iter", "subject"):
            child = getattr(node, field, None)
            if isinstance(child, ast.expr):
                self.expression(child, scope)
        for item in getattr(node, "items", ()):
            self.expression(item.context_expr, scope)
        for field in ("body", "orelse", "finalbody"):
            self.statements(getattr(node, field, []), scope)
        for block in [*getattr(node, "handlers", ()), *getattr(node, "cases", ())]:
            self.statements(block.body, scope)

    def branch(self, node: ast.If, scope: str | None) -> None:
        if not _never_at_import(node.test):
            self.expression(node.test, scope)
            self.statements(node.body, scope)
        self.statements(node.orelse, scope)

    def bind(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name if alias.asname else alias.name.split(".")[0]
                self.aliases[alias.asname or name] = (name, True)
            return
        base = resolve_relative(self.facts.module, self.facts.path.endswith(
            ("__init__.py", "__init__.pyi")), node.level, node.module or "") or ""
        for alias in node.names:
            if alias.name != "*":
                self.aliases[alias.asname or alias.name] = (f"{base}.{alias.name}", False)

    def store(self, node: ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete,
              scope: str | None) -> None:
        value = getattr(node, "value", None)
        if value is not None:
            self.expression(value, scope)
        targets: list[ast.expr] = (list(node.targets) if isinstance(node, ast.Assign | ast.Delete)
                                   else [node.target])
        for target in _flat_targets(targets):
            if self.mutates(target, node):
                self.add(MUTATION, node, scope, None)
                return

    def mutates(self, target: ast.expr, node: ast.stmt) -> bool:
        """A store through an imported name, or `+=` on an imported name."""
        root = _root_name(target)
        if root is None or root not in self.aliases:
            return False
        return not isinstance(target, ast.Name) or isinstance(node, ast.AugAssign)

    # decorators and expressions

    def decorators(self, decorators: list[ast.expr], scope: str | None) -> None:
        for node in decorators:
            call = node if isinstance(node, ast.Call) else None
            callee = _dotted(call.func if call else node)
            qualified = self.qualify(callee) if callee else None
            if not is_safe_decorator(callee, qualified):
                self.add(DECORATOR, node, scope, callee, qualified)
            if call is not None:
                self.expressions([*call.args, *(k.value for k in call.keywords)], scope)

    def expressions(self, nodes: list[ast.expr | None], scope: str | None) -> None:
        for node in nodes:
            if node is not None:
                self.expression(node, scope)

    def expression(self, root: ast.expr, scope: str | None) -> None:
        stack: list[ast.AST] = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Lambda):
                continue  # runs when called
            if isinstance(node, ast.Call):
                stack.extend([*node.args, *(k.value for k in node.keywords)])
                if self.call(node, scope):
                    stack.append(node.func)
                continue
            if self.ambient(node, scope):
                continue
            stack.extend(ast.iter_child_nodes(node))

    def ambient(self, node: ast.AST, scope: str | None) -> bool:
        """Report a read of an ambient name (with its subscript); True when reported."""
        target = node.value if isinstance(node, ast.Subscript) else node
        if not isinstance(node, ast.expr) or not isinstance(target, ast.Name | ast.Attribute):
            return False
        name = _dotted(target)
        if name is None or self.qualify(name) not in AMBIENT_NAMES:
            return False
        self.add(AMBIENT, node, scope, None, self.qualify(name))
        if isinstance(node, ast.Subscript):
            self.expression(node.slice, scope)
        return True

    def call(self, node: ast.Call, scope: str | None) -> bool:
        """Classify and report one call; True when its callee expression is still to be
        walked (a computed callee, `f().g`)."""
        callee = _dotted(node.func)
        if callee is None:
            method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if method.startswith(CONFIGURING_PREFIXES):
                self.add(CALL, node, scope, None)
            return True
        qualified = self.qualify(callee)
        kind = self.classify(callee, qualified, node)
        if kind is not None:
            self.add(kind, node, scope, callee, qualified)
        return False

    def classify(self, callee: str, qualified: str, node: ast.Call) -> str | None:
        receiver, _, method = qualified.rpartition(".")
        if qualified in MUTATION_CALLS or self.reflective_mutation(callee, node):
            return MUTATION
        if method in MUTATING_METHODS and receiver:
            owner = self.owner(callee)
            if owner == "object":
                return MUTATION
            if owner == "local":
                return None  # the module building its own state
        if qualified in AMBIENT_CALLS or callee in AMBIENT_CALLS or receiver in AMBIENT_NAMES:
            return AMBIENT
        if is_safe_call(callee, qualified):
            return None
        return CALL

    def reflective_mutation(self, callee: str, node: ast.Call) -> bool:
        if callee not in _REFLECTIVE_MUTATORS or not node.args:
            return False
        root = _root_name(node.args[0])
        return root is not None and root in self.aliases

    def owner(self, callee: str) -> str:
        """Who owns the receiver of a method call: "object" (something imported other than a
        module itself: `sys.path`, `from os import environ`), "module" (an imported module:
        `mod.update` is a module function) or "local" (the module's own names)."""
        parts = callee.split(".")
        bound = self.aliases.get(parts[0])
        if bound is None:
            return "local"
        return "object" if len(parts) > 2 or not bound[1] else "module"

    def qualify(self, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        bound = self.aliases.get(head)
        if bound is None:
            return dotted
        return f"{bound[0]}.{rest}" if rest else bound[0]

    def add(self, kind: str, node: ast.expr | ast.stmt, scope: str | None, callee: str | None,
            qualified: str | None = None) -> None:
        self.effects.append(Effect(
            path=self.facts.path, module=self.facts.module, kind=kind, span=self.span(node),
            text=self.segment(node), callee=callee, qualified=qualified, scope=scope,
            evidence="ast"))

    def span(self, node: ast.expr | ast.stmt) -> Span:
        line, end = node.lineno, node.end_lineno or node.lineno
        col = self.char_col(line, node.col_offset)
        end_col = self.char_col(end, node.end_col_offset or 0)
        return Span(line, col, end, end_col)

    def char_col(self, line: int, byte_col: int) -> int:
        """ast columns count UTF-8 bytes; facts count characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def segment(self, node: ast.expr | ast.stmt) -> str:
        span = self.span(node)
        lines = self.lines[span.line - 1: span.end_line]
        if not lines:
            return ""
        if len(lines) == 1:
            lines = [lines[0][span.col: span.end_col]]
        else:
            lines = [lines[0][span.col:], *lines[1:-1], lines[-1][: span.end_col]]
        text = " ".join(" ".join(lines).split())
        return text if len(text) <= _TEXT_MAX else text[: _TEXT_MAX - 1] + "…"


# -- helpers --------------------------------------------------------------------------------

def _never_at_import(test: ast.expr) -> bool:
    """`if __name__ == "__main__":` and `if TYPE_CHECKING:` bodies do not run on import."""
    if isinstance(test, ast.Name | ast.Attribute):
        return (_dotted(test) or "").rpartition(".")[2] == "TYPE_CHECKING"
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = {s.id for s in sides if isinstance(s, ast.Name)}
    values = {s.value for s in sides if isinstance(s, ast.Constant)}
    return names == {"__name__"} and values == {"__main__"}


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of names and attributes, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _flat_targets(targets: list[ast.expr]) -> Iterator[ast.expr]:
    for target in targets:
        if isinstance(target, ast.Tuple | ast.List):
            yield from _flat_targets(list(target.elts))
        else:
            yield target


# -- the fallback: facts only ---------------------------------------------------------------

def _from_facts(facts: FileFacts, text: str | None) -> Iterator[Effect]:
    """Import-time calls and stores of a file `ast` cannot parse, from its facts, minus
    those inside a top-level `__main__` or TYPE_CHECKING block found in the text."""
    defs = {d.qualname: d for d in facts.defs}
    imported = {(n.alias or n.name).split(".")[0] for i in facts.imports for n in i.names}
    blocks = [(lo, hi) for lo, hi, _ in guard_blocks(text or "")]

    def runs(line: int) -> bool:
        return not any(lo <= line <= hi for lo, hi in blocks)

    for call in facts.calls:
        if (in_function(call.enclosing, defs) or is_safe_call(call.callee, call.callee)
                or not runs(call.span.line)):
            continue
        kind = (MUTATION if call.callee in MUTATION_CALLS else
                AMBIENT if call.callee in AMBIENT_CALLS else CALL)
        yield Effect(facts.path, facts.module, kind, call.span, f"{call.callee}({call.preview})",
                     call.callee, call.callee, call.enclosing, "heuristic")
    for assign in facts.assigns:
        root = assign.target.split(".")[0].split("[")[0]
        if assign.scope == "module" and root in imported and runs(assign.span.line) and (
                _is_store(assign.target) or assign.augmented):
            yield Effect(facts.path, facts.module, MUTATION, assign.span,
                         f"{assign.target} = {assign.value}", None, None, None, "heuristic")
