"""Check cq's answers on a real corpus against an independent computation with stdlib `ast`.

Usage: uv run python benchmarks/check_answers.py CORPUS [--query KIND:NAME ...]

For each KIND:NAME (kind function|method|class; NAME an exact name or ~regex) it runs
`cq q "entity=KIND name=NAME" --format json` on the corpus and compares the (file, line) set
with what `ast` finds in every file it can parse. For `calls:NAME` it runs `cq calls NAME`
and compares the call sites, counted per (file, line), with every `ast.Call` whose callee's
last segment is NAME. Files `ast` cannot parse (Python 2 sources,
deliberate syntax errors) are listed separately: cq still reports what tree-sitter recovers
from them, so differences confined to those files are expected and shown apart.
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_QUERIES = ("function:join", "class:~Error$", "method:~^_[a-z]", "function:~^test_",
                   "calls:join")


def _ast_defs(root: Path) -> tuple[dict[str, list[tuple[str, str, int]]], set[str]]:
    rows: dict[str, list[tuple[str, str, int]]] = {"function": [], "method": [], "class": []}
    broken: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            broken.add(rel)
            continue
        _collect(tree, "module", rel, rows)
    return rows, broken


def _collect(node: ast.AST, parent: str, rel: str, rows: dict) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            rows["class"].append((rel, child.name, child.lineno))
            _collect(child, "class", rel, rows)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            kind = "method" if parent == "class" else "function"
            rows[kind].append((rel, child.name, child.lineno))
            _collect(child, "function", rel, rows)
        else:
            _collect(child, parent, rel, rows)


def _ast_calls(root: Path, name: str) -> collections.Counter[tuple[str, int]]:
    found: collections.Counter[tuple[str, int]] = collections.Counter()
    for path in sorted(root.rglob("*.py")):
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _last_segment(node.func) == name:
                found[(rel, node.lineno)] += 1
    return found


def _last_segment(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _cq_calls(root: Path, name: str, cache_dir: str) -> collections.Counter[tuple[str, int]]:
    cmd = [str(Path(sys.prefix) / "bin" / "cq"), "calls", name, "--root", str(root),
           "--format", "json", "--no-save-artifact", "--cache-dir", cache_dir]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return collections.Counter((f["anchor"]["file"], f["anchor"]["line"])
                               for f in json.loads(out)["key_findings"]
                               if f["category"] == "call_site")


def _check_calls(root: Path, name: str, broken: set[str], cache_dir: str) -> bool:
    expected, got = _ast_calls(root, name), _cq_calls(root, name, cache_dir)
    missing, extra = expected - got, got - expected
    extra_broken = collections.Counter({k: v for k, v in extra.items() if k[0] in broken})
    ok = not missing and extra == extra_broken
    print(f"{'ok  ' if ok else 'FAIL'} calls:{name:<16} ast {sum(expected.values()):>5}  cq "
          f"{sum(got.values()):>5}  missing {sum(missing.values())}  extra "
          f"{sum((extra - extra_broken).values())}  (+{sum(extra_broken.values())} in files "
          "ast cannot parse)")
    for (file, line), count in sorted(missing.items())[:5]:
        print(f"       missing {file}:{line} ×{count}")
    for (file, line), count in sorted((extra - extra_broken).items())[:5]:
        print(f"       extra   {file}:{line} ×{count}")
    return ok


def _matches(name: str, wanted: str) -> bool:
    return re.search(wanted[1:], name) is not None if wanted.startswith("~") else name == wanted


def _cq(root: Path, kind: str, name: str, cache_dir: str) -> set[tuple[str, int]]:
    cmd = [str(Path(sys.prefix) / "bin" / "cq"), "q", f"entity={kind} name={name}",
           "--root", str(root), "--format", "json", "--no-save-artifact", "--cache-dir", cache_dir]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return {(f["anchor"]["file"], f["anchor"]["line"]) for f in json.loads(out)["key_findings"]}


def check(root: Path, queries: list[str]) -> int:
    rows, broken = _ast_defs(root)
    failures = 0
    with tempfile.TemporaryDirectory() as cache_dir:
        for spec in queries:
            kind, name = spec.split(":", 1)
            if kind == "calls":
                failures += not _check_calls(root, name, broken, cache_dir)
                continue
            expected = {(f, line) for f, n, line in rows[kind] if _matches(n, name)}
            got = _cq(root, kind, name, cache_dir)
            missing, extra = expected - got, got - expected
            extra_broken = {e for e in extra if e[0] in broken}
            ok = not missing and extra == extra_broken
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {spec:<22} ast {len(expected):>5}  cq {len(got):>5}"
                  f"  missing {len(missing)}  extra {len(extra - extra_broken)}"
                  f"  (+{len(extra_broken)} in files ast cannot parse)")
            for item in sorted(missing)[:5]:
                print(f"       missing {item[0]}:{item[1]}")
            for item in sorted(extra - extra_broken)[:5]:
                print(f"       extra   {item[0]}:{item[1]}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--query", action="append", help="KIND:NAME, repeatable")
    args = parser.parse_args()
    return check(args.corpus.resolve(), args.query or list(DEFAULT_QUERIES))


if __name__ == "__main__":
    raise SystemExit(main())
