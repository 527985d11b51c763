"""An answer key for the scanner from the stdlib `ast`, and a corpus check built on it.

`ast` is a second, independent parser: where it accepts a file, the scanner's defs must be
exactly its FunctionDef/AsyncFunctionDef/ClassDef nodes (kind by parent scope, name, `def`
line) and its calls exactly its Call nodes (line, simple name). The tests use the functions
here on small sources and on `tests/repos/sample_app`; run this file as a script to compare
a whole corpus (it is not a test: tests never depend on a corpus):

    uv run python tests/scan/scan_oracle.py ~/.cache/cq-corpora/cpython
"""

from __future__ import annotations

import ast
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

from cq.facts import FileFacts
from cq.scan import scan_bytes

EXPR = "<expr>"  # the simple name of a call whose callee is neither a name nor an attribute
DefKey = tuple[str, str, int]
CallKey = tuple[int, str]


def parse(data: bytes | str) -> ast.AST | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences in old test data
        try:
            return ast.parse(data)
        except (SyntaxError, ValueError):
            return None


def ast_defs(tree: ast.AST) -> set[DefKey]:
    """(kind, name, line) of every def and class; a def directly in a class is a method."""
    found: set[DefKey] = set()
    stack: list[tuple[ast.AST, str]] = [(tree, "module")]
    while stack:
        node, parent = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                found.add(("class", child.name, child.lineno))
                stack.append((child, "class"))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                kind = "method" if parent == "class" else "function"
                found.add((kind, child.name, child.lineno))
                stack.append((child, "function"))
            else:
                stack.append((child, parent))
    return found


def ast_calls(tree: ast.AST) -> Counter[CallKey]:
    """(line, simple name) of every call, counted."""
    found: Counter[CallKey] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (func.id if isinstance(func, ast.Name)
                    else func.attr if isinstance(func, ast.Attribute) else EXPR)
            found[(node.lineno, name)] += 1
    return found


def cq_defs(facts: FileFacts) -> set[DefKey]:
    return {(d.kind, d.name, d.span.line) for d in facts.defs}


def cq_calls(facts: FileFacts) -> Counter[CallKey]:
    return Counter((c.span.line, c.name if c.name.isidentifier() else EXPR)
                   for c in facts.calls)


def differences(tree: ast.AST, facts: FileFacts) -> list[str]:
    """Human-readable differences between the answer key and the scanner's facts."""
    want_defs, got_defs = ast_defs(tree), cq_defs(facts)
    want_calls, got_calls = ast_calls(tree), cq_calls(facts)
    out = [f"def missing {key}" for key in sorted(want_defs - got_defs)]
    out += [f"def extra {key}" for key in sorted(got_defs - want_defs)]
    out += [f"call missing {key}" for key in sorted((want_calls - got_calls).elements())]
    out += [f"call extra {key}" for key in sorted((got_calls - want_calls).elements())]
    if len(facts.defs) != len(got_defs):
        out.append(f"duplicate defs: {len(facts.defs)} facts, {len(got_defs)} distinct")
    return out


# -- detailed comparison: every field ast can answer independently ------------------------

_PARAM_GROUPS = (("posonlyargs", "positional_only"), ("args", "positional_or_keyword"),
                 ("kwonlyargs", "keyword_only"))


def _first_line(text: str | None) -> str | None:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), None)


def _ast_params(args: ast.arguments) -> tuple[tuple[str, str, bool], ...]:
    positional = [*args.posonlyargs, *args.args]
    with_default = {id(a) for a in positional[len(positional) - len(args.defaults):]}
    with_default |= {id(a) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                     if d is not None}
    rows = [(a.arg, kind, id(a) in with_default)
            for group, kind in _PARAM_GROUPS[:2] for a in getattr(args, group)]
    if args.vararg:
        rows.append((args.vararg.arg, "var_positional", False))
    rows += [(a.arg, "keyword_only", id(a) in with_default) for a in args.kwonlyargs]
    if args.kwarg:
        rows.append((args.kwarg.arg, "var_keyword", False))
    return tuple(rows)


def ast_def_details(tree: ast.AST) -> Counter[tuple]:
    """(line, name, qualname, async, params, decorator count and line, docstring line)."""
    found: Counter[tuple] = Counter()
    stack: list[tuple[ast.AST, str | None]] = [(tree, None)]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                stack.append((child, prefix))
                continue
            qualname = f"{prefix}.{child.name}" if prefix else child.name
            decorators = child.decorator_list
            params = (() if isinstance(child, ast.ClassDef) else _ast_params(child.args))
            found[(child.lineno, child.name, qualname,
                   isinstance(child, ast.AsyncFunctionDef), params, len(decorators),
                   decorators[0].lineno - 0 if decorators else None,
                   _first_line(ast.get_docstring(child, clean=False)))] += 1
            stack.append((child, qualname))
    return found


def cq_def_details(facts: FileFacts) -> Counter[tuple]:
    return Counter((d.span.line, d.name, d.qualname, d.is_async,
                    tuple((p.name, p.kind, p.has_default) for p in d.params),
                    len(d.decorators), d.decorated_line, d.docstring) for d in facts.defs)


def ast_call_details(tree: ast.AST) -> Counter[tuple]:
    """(line, positional count, keyword names, `*`, `**`) of every call."""
    found: Counter[tuple] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            starred = [a for a in node.args if isinstance(a, ast.Starred)]
            found[(node.lineno, len(node.args) - len(starred),
                   tuple(k.arg for k in node.keywords if k.arg is not None), bool(starred),
                   any(k.arg is None for k in node.keywords))] += 1
    return found


def cq_call_details(facts: FileFacts) -> Counter[tuple]:
    return Counter((c.span.line, c.n_positional, c.keywords, c.star_args, c.star_kwargs)
                   for c in facts.calls)


def ast_statement_details(tree: ast.AST) -> Counter[tuple]:
    """Imports, raises and except clauses, by line and shape."""
    found: Counter[tuple] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found[("import", node.lineno, "", 0,
                   tuple((a.name, a.asname) for a in node.names))] += 1
        elif isinstance(node, ast.ImportFrom):
            found[("import", node.lineno, node.module or "", node.level,
                   tuple((a.name, a.asname) for a in node.names))] += 1
        elif isinstance(node, ast.Raise):
            found[("raise", node.lineno, node.exc is None, node.cause is not None)] += 1
        elif isinstance(node, ast.Try | getattr(ast, "TryStar", ast.Try)):
            star = type(node).__name__ == "TryStar"
            for handler in node.handlers:
                types = handler.type
                count = 0 if types is None else len(types.elts) if isinstance(
                    types, ast.Tuple) else 1
                found[("except", handler.lineno, star, count, handler.name)] += 1
    return found


def cq_statement_details(facts: FileFacts) -> Counter[tuple]:
    found: Counter[tuple] = Counter()
    for i in facts.imports:
        names = tuple((n.name, n.alias) for n in i.names)
        found[("import", i.span.line, i.module, i.level, names)] += 1
    for r in facts.raises:
        found[("raise", r.span.line, r.bare, r.cause is not None)] += 1
    for e in facts.excepts:
        found[("except", e.span.line, e.star, len(e.types), e.alias)] += 1
    return found


def ast_assigns(tree: ast.AST) -> Counter[tuple]:
    """(line, target, scope) of assignments outside function bodies."""
    found: Counter[tuple] = Counter()
    stack: list[tuple[ast.AST, str]] = [(tree, "module")]
    while stack:
        node, scope = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                stack.append((child, "function"))
                continue
            if isinstance(child, ast.ClassDef):
                stack.append((child, "class"))
                continue
            if scope != "function" and isinstance(child, ast.Assign | ast.AugAssign
                                                  | ast.AnnAssign):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                for target in targets:
                    for name in _target_names(target):
                        found[(target.lineno, name, scope)] += 1
            stack.append((child, scope))
    return found


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return [name for elt in target.elts for name in _target_names(elt)]
    return [EXPR]


def cq_assigns(facts: FileFacts) -> Counter[tuple]:
    return Counter((a.span.line, a.target if a.target.isidentifier() else EXPR, a.scope)
                   for a in facts.assigns)


DETAILS = (("def", ast_def_details, cq_def_details), ("call", ast_call_details, cq_call_details),
           ("stmt", ast_statement_details, cq_statement_details),
           ("assign", ast_assigns, cq_assigns))


def detail_differences(tree: ast.AST, facts: FileFacts) -> list[str]:
    out = []
    for label, from_ast, from_cq in DETAILS:
        want, got = from_ast(tree), from_cq(facts)
        out += [f"{label} missing {key}" for key in sorted((want - got).elements(), key=str)]
        out += [f"{label} extra {key}" for key in sorted((got - want).elements(), key=str)]
    return out


def check_corpus(root: Path) -> int:
    files = sorted(p for p in root.rglob("*.py") if p.is_file())
    compared = skipped = bad = 0
    elapsed = 0.0
    for path in files:
        data = path.read_bytes()
        tree = parse(data)
        if tree is None:
            skipped += 1
            continue
        started = time.perf_counter()
        facts = scan_bytes(path.relative_to(root).as_posix(), data, 1 << 30, strict=True)
        elapsed += time.perf_counter() - started
        compared += 1
        problems = differences(tree, facts) + detail_differences(tree, facts)
        if problems:
            bad += 1
            print(f"{path.relative_to(root)}: {len(problems)} differences", *problems[:8],
                  sep="\n  ")
    print(f"{compared} files compared, {skipped} not accepted by ast, {bad} with differences;"
          f" scan time {elapsed:.1f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(check_corpus(Path(sys.argv[1]).expanduser()))
