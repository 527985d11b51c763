"""End to end: pattern queries and relational/composite keys on `tests/repos/patterns`,
checked against stdlib `ast` (and against the ast-grep CLI when it is installed).

What the relational examples mean (on the def's node; cq looks at any depth by default,
`stopBy=end`, where ast-grep looks at the immediate relation):
- `entity=method inside='class Handler'` finds every method with an enclosing class named
  Handler (a class nested in Handler and a local class named Handler included); a header
  `class Handler` stands for the whole class, whatever its bases and body;
- `entity=method inside='class Handler' inside.stopBy=neighbor` finds nothing: a method's
  parent is the class body, not the class;
- `entity=function inside='class Handler'` finds the functions nested in those methods
  (`entity=function` never returns methods);
- `entity=function has='subprocess.run($$$)'` finds the functions that call it anywhere in
  their body.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import oracle
from conftest import answer_bytes, copy_sample, run_q
from cq.errors import QuerySyntaxError
from cq.result import CqResult
from cq.rules.literals import EXPANDO

IGNORED = frozenset({"vendor/lib.py"})  # listed in the sample's .ignore
# Written by the fixture rather than committed, so that linters and editors of this repository
# never meet a file that is not UTF-8.
LEGACY = (b"# -*- coding: latin-1 -*-\n\"\"\"Caf\xe9 menu: a latin-1 file.\"\"\"\n\n"
          b"GREETING = \"caf\xe9\"\n\n\ndef compute(text):\n    return eval(text)  # caf\xe9\n")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = copy_sample(tmp_path_factory.mktemp("e2e"), "patterns")
    (target / "app" / "legacy.py").write_bytes(LEGACY)
    return target


def ask(root: Path, text: str, **options) -> CqResult:
    return run_q(root, text, **options)


def rows(result: CqResult) -> set[tuple[str, int]]:
    return {(f.anchor.file, f.anchor.line) for f in result.key_findings}


# --- the independent answer ------------------------------------------------------------------


def _trees(root: Path) -> Iterator[tuple[str, str, ast.AST]]:
    for path in oracle.python_files(root, IGNORED):
        data = path.read_bytes()
        yield (path.relative_to(root).as_posix(), importlib.util.decode_source(data),
               ast.parse(data))


def _defs(node: ast.AST, parent: str = "module",
          classes: tuple[str, ...] = ()) -> Iterator[tuple[str, ast.AST, tuple[str, ...]]]:
    """(kind, node, names of the enclosing classes) for every def, as cq defines kinds."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            yield "class", child, classes
            yield from _defs(child, "class", (*classes, child.name))
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield ("method" if parent == "class" else "function"), child, classes
            yield from _defs(child, "function", classes)
        else:
            yield from _defs(child, parent, classes)


def defs_where(root: Path, kind: str, predicate) -> set[tuple[str, int]]:
    return {(rel, node.lineno) for rel, _, tree in _trees(root)  # type: ignore[attr-defined]
            for found, node, classes in _defs(tree) if found == kind and predicate(node, classes)}


def _returns_value(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(node))


def calls_where(root: Path, name: str, predicate) -> set[tuple[str, int]]:
    return {(rel, node.lineno) for rel, text, tree in _trees(root) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == name and predicate(node, text)}


def _dynamic_getattr(node: ast.Call, text: str) -> bool:
    if len(node.args) != 2 or node.keywords:
        return False
    segment = ast.get_source_segment(text, node.args[1]) or ""
    return not segment.startswith(("'", '"'))


def _name_not_a_string(node: ast.Call, _: str) -> bool:
    """The second argument is not what tree-sitter calls a `string`: a literal or an f-string."""
    if len(node.args) != 2 or node.keywords:
        return False
    name = node.args[1]
    literal = isinstance(name, ast.Constant) and isinstance(name.value, str)
    return not (literal or isinstance(name, ast.JoinedStr))


# --- relational ------------------------------------------------------------------------------


def test_methods_inside_handler(sample: Path) -> None:
    result = ask(sample, "entity=method inside='class Handler'")
    expected = defs_where(sample, "method", lambda node, classes: "Handler" in classes)
    assert rows(result) == expected
    assert {f.details.qualname for f in result.key_findings} == {
        "Handler.list_items", "Handler.fetch", "Handler.load", "Handler.reset",
        "Handler.Options.parse", "outer.Handler.inner_method"}
    assert rows(ask(sample, "entity=method inside='class Handler' inside.stopBy=end")) == expected


def test_inside_with_stop_by_neighbor_looks_at_the_parent_only(sample: Path) -> None:
    assert ask(sample, "entity=method inside='class Handler' inside.stopBy=neighbor"
               ).key_findings == ()


def test_functions_inside_handler_are_the_nested_ones(sample: Path) -> None:
    result = ask(sample, "entity=function inside='class Handler'")
    expected = defs_where(sample, "function", lambda node, classes: "Handler" in classes)
    assert rows(result) == expected
    assert [f.details.qualname for f in result.key_findings] == ["Handler.list_items.render"]


def _calls_subprocess_run(node: ast.AST, _: tuple[str, ...]) -> bool:
    return any(isinstance(n, ast.Call) and ast.unparse(n.func) == "subprocess.run"
               for n in ast.walk(node))


def test_functions_that_call_subprocess_run_anywhere(sample: Path) -> None:
    result = ask(sample, "entity=function has='subprocess.run($$$)'")
    assert rows(result) == defs_where(sample, "function", _calls_subprocess_run)
    assert {f.details.qualname for f in result.key_findings} == {"run", "quiet"}
    assert ask(sample, "entity=function has='subprocess.run($$$)' has.stopBy=neighbor"
               ).key_findings == ()


def test_functions_without_a_return_value(sample: Path) -> None:
    result = ask(sample, "entity=function not='return $X'")
    expected = defs_where(sample, "function", lambda node, _: not _returns_value(node))
    assert rows(result) == expected
    names = {f.details.qualname for f in result.key_findings}
    assert "stop" in names  # a bare `return` is not `return $X`
    assert "decorate" not in names  # its nested wrapper returns: `not=` looks at descendants


# --- patterns --------------------------------------------------------------------------------


def test_dynamic_getattr_by_text(sample: Path) -> None:
    result = ask(sample, "pattern='getattr($O, $N)' $N=!~^['\"]")
    assert rows(result) == calls_where(sample, "getattr", _dynamic_getattr)
    assert {f.details.captures["$N"] for f in result.key_findings} == {
        "name", "prefix + name", 'f"get_{name}"', "NAMES[0]", "key"}  # not "render_" + name


def test_getattr_whose_name_is_not_a_string(sample: Path) -> None:
    """The README recipe: the kind of the captured node, not its first character."""
    result = ask(sample, "pattern='getattr($O, $N)' $N.kind=!string")
    assert rows(result) == calls_where(sample, "getattr", _name_not_a_string)
    assert {f.details.captures["$N"] for f in result.key_findings} == {
        "name", "prefix + name", '"render_" + name', "NAMES[0]", "key"}
    strings = ask(sample, "pattern='getattr($O, $N)' $N.kind=string")
    assert rows(strings) | rows(result) == rows(ask(sample, "pattern='getattr($O, $N)'"))
    assert not rows(strings) & rows(result)


def test_eval_calls(sample: Path) -> None:
    result = ask(sample, "pattern='eval($X)'")
    assert rows(result) == calls_where(sample, "eval", lambda node, _: len(node.args) == 1)
    assert {f.anchor.file for f in result.key_findings} == {"app/legacy.py", "app/tools.py"}
    assert result.summary["files_scanned"] == 2  # `evaluate` alone does not make a candidate


def test_bad_pattern_fails_before_any_work(sample: Path) -> None:
    with pytest.raises(QuerySyntaxError, match="does not parse"):
        ask(sample, "pattern='a b c'")


@pytest.mark.parametrize(
    ("text", "where", "hint"),
    [
        ("pattern='getattr($O, $$$'", "column 8 of the pattern", "pattern.context="),
        ("pattern='$$$ +'", "column 6 of the pattern", "pattern.context="),
        ("pattern='\"k\": $V'", "column 1 of the pattern", "pattern.context="),
        ("entity=function has='subprocess.run($$$'", "column 15 of the pattern",
         "def/class header"),
        ("pattern='getattr($O, $N)' $N.kind=strng", "did you mean 'string'?", "$X.kind=!string"),
    ],
)
def test_broken_patterns_exit_2_through_the_cli(sample: Path, run_cli, text: str, where: str,
                                                hint: str) -> None:
    code, out, err = run_cli(sample, "q", text)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("cq: error:")
    assert where in err and hint in err
    assert EXPANDO not in err


# --- cache -------------------------------------------------------------------------------------

CACHED = [
    "pattern='eval($X)'",
    "pattern='getattr($O, $N)' $N=!~^['\"] limit=3",
    "pattern='getattr($O, $N)' $N.kind=!string",
    "pattern='subprocess.$F($$$, shell=True, $$$)'",
    "entity=method inside='class Handler'",
    "entity=function not='return $X'",
]


@pytest.mark.parametrize("text", CACHED)
def test_cached_answers_equal_uncached(sample: Path, tmp_path: Path, text: str) -> None:
    cache = str(tmp_path / "cache")
    cold = ask(sample, text, cache_dir=cache)
    warm = ask(sample, text, cache_dir=cache)
    uncached = ask(sample, text, no_cache=True)
    assert cold.summary["cache"]["status"] == "miss"
    assert warm.summary["cache"]["status"] == "hit"
    assert answer_bytes(cold) == answer_bytes(warm) == answer_bytes(uncached)
    assert cold.key_findings  # every query here has an answer


def test_an_edit_changes_the_cached_answer(sample: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(sample, root)
    cache = str(tmp_path / "cache")
    before = ask(root, "pattern='eval($X)'", cache_dir=cache)
    with (root / "app" / "dynamic.py").open("a") as handle:
        handle.write("\n\nvalue = eval('2')\n")
    after = ask(root, "pattern='eval($X)'", cache_dir=cache)
    assert after.summary["cache"]["status"] == "miss"
    assert len(after.key_findings) == len(before.key_findings) + 1


# --- the ast-grep CLI ------------------------------------------------------------------------

AST_GREP = Path(sys.executable).parent / "ast-grep"


@pytest.mark.skipif(not AST_GREP.exists(), reason="the ast-grep CLI is not installed")
@pytest.mark.parametrize("pattern", ["eval($X)", "subprocess.$F($$$, shell=True, $$$)",
                                     "getattr($O, $N)", "$F($$$ARGS)", "return $X"])
def test_same_matches_as_the_ast_grep_cli(sample: Path, pattern: str) -> None:
    """Same (file, line, col) as the CLI, apart from app/legacy.py: the CLI skips a file that
    is not UTF-8, cq decodes it by its PEP 263 cookie (test_eval_calls finds its eval)."""
    out = subprocess.run([str(AST_GREP), "run", "-p", pattern, "--lang", "python",
                          "--json=stream", "app"], cwd=sample, capture_output=True, text=True,
                         timeout=60).stdout
    starts = [(m["file"], m["range"]["start"]) for m in map(json.loads, out.splitlines())]
    expected = {(file, start["line"] + 1, start["column"]) for file, start in starts}
    assert expected
    result = ask(sample, f"pattern='{pattern}' in=app exclude=app/legacy.py")
    assert {(f.anchor.file, f.anchor.line, f.anchor.col) for f in result.key_findings} == expected
    assert len(result.key_findings) == len(expected)


@pytest.mark.skipif(not AST_GREP.exists(), reason="the ast-grep CLI is not installed")
@pytest.mark.parametrize(("query", "rule"), [
    ("pattern='getattr($O, $N)' $N.kind=!string",
     "rule: {pattern: 'getattr($O, $N)'}\nconstraints: {N: {not: {kind: string}}}"),
    ("pattern='getattr($O, $N)' $N.kind=string $N=~^f",
     "rule: {pattern: 'getattr($O, $N)'}\nconstraints: {N: {all: [{regex: ^f}, {kind: string}]}}"),
    ("entity=function has='subprocess.run($$$)'",
     "rule: {kind: function_definition, has: {pattern: 'subprocess.run($$$)', stopBy: end}}"),
])
def test_same_matches_as_an_ast_grep_rule(sample: Path, query: str, rule: str) -> None:
    """A kind filter and cq's default depth, against the same rule written for the CLI (an
    entity=function query also drops methods, which the sample's matches are not)."""
    out = subprocess.run([str(AST_GREP), "scan", "--inline-rules",
                          f"id: q\nlanguage: python\nseverity: info\n{rule}\n",
                          "--json=stream", "app"], cwd=sample, capture_output=True, text=True,
                         timeout=60).stdout
    expected = {(m["file"], m["range"]["start"]["line"] + 1)
                for m in map(json.loads, out.splitlines())}
    assert expected
    result = ask(sample, f"{query} in=app exclude=app/legacy.py")
    assert rows(result) == expected


def _readme_queries() -> list[str]:
    """The README's `cq q "…"` examples with a pattern or a structural key, as the shell
    passes them."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    found = re.findall(r'^\s+cq q "((?:[^"\\]|\\.)*)"', readme, flags=re.MULTILINE)
    texts = [re.sub(r'\\([$"\\])', r"\1", text) for text in found]
    return [text for text in texts
            if re.search(r"\b(pattern|inside|has|precedes|follows|all|any|not)=", text)]


@pytest.mark.parametrize("text", _readme_queries())
def test_readme_pattern_queries_run(sample: Path, text: str) -> None:
    ask(sample, text)  # every example parses and runs (a refusal would raise)


def test_readme_recipe_for_getattr_matches_on_the_sample(sample: Path) -> None:
    assert "pattern='getattr($O, $N)' $N.kind=!string" in _readme_queries()
    assert ("app/dynamic.py", 15) in rows(ask(sample, "pattern='getattr($O, $N)' $N.kind=!string"))
