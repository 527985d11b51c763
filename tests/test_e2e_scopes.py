"""End to end: the symtable keys, the joins, the expanders and the new fields on the
committed sample `tests/repos/toolbox`, checked against the compiler (`compile()`'s
co_freevars/co_cellvars) and stdlib `ast`, and cached answers against uncached ones."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import pytest

from conftest import answer_bytes, copy_sample, run_q
from cq.result import CqResult

BROKEN = "src/toolbox/broken.py"
BROKEN_TEXT = ('"""Does not compile: its defs cannot be judged."""\n\n\ndef outer(n):\n'
               "    def inner():\n        return n\n    return inner\n\n\ndef bad(:\n    pass\n")


@pytest.fixture(scope="module")
def toolbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = copy_sample(tmp_path_factory.mktemp("e2e"), "toolbox")
    (target / BROKEN).write_text(BROKEN_TEXT)
    return target


def ask(root: Path, text: str, **options) -> CqResult:
    return run_q(root, text, **options)


def rows(result: CqResult) -> set[tuple[str, str]]:
    return {(f.anchor.file, getattr(f.details, "qualname", None) or f.details.module)
            for f in result.key_findings}


# --- the independent answer: what the compiler says --------------------------------------


def _code_objects(root: Path) -> dict[tuple[str, str], types.CodeType]:
    """(path, dotted qualname) → code object of every function that compiles."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        try:
            module = compile(path.read_text(), rel, "exec")
        except SyntaxError:
            continue
        stack = [module]
        while stack:
            code = stack.pop()
            for const in code.co_consts:
                if isinstance(const, types.CodeType) and not const.co_name.startswith("<"):
                    found[(rel, const.co_qualname.replace(".<locals>", ""))] = const
                    stack.append(const)
    return found


def _functions(root: Path) -> set[tuple[str, str]]:
    """(path, qualname) of cq's entity=function: defs whose parent scope is not a class."""
    rows_: set[tuple[str, str]] = set()
    for path in sorted(root.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text())
        except SyntaxError:
            continue
        stack: list[tuple[ast.AST, str, bool]] = [(tree, "", False)]
        while stack:
            node, prefix, in_class = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    name = prefix + child.name
                    if not isinstance(child, ast.ClassDef) and not in_class:
                        rows_.add((path.relative_to(root).as_posix(), name))
                    stack.append((child, name + ".", isinstance(child, ast.ClassDef)))
                else:
                    stack.append((child, prefix, in_class))
    return rows_


# --- symtable keys -------------------------------------------------------------------------


def test_closure_capturing_n_is_exactly_add(toolbox: Path) -> None:
    result = ask(toolbox, "entity=function scope=closure captures=n")
    assert rows(result) == {("src/toolbox/core.py", "make_adder.add")}
    (finding,) = result.key_findings
    assert finding.details.free == ("n",) and finding.details.nested is True


def test_closures_are_the_functions_with_free_variables(toolbox: Path) -> None:
    codes = _code_objects(toolbox)
    expected = {key for key in _functions(toolbox) if key in codes and codes[key].co_freevars}
    assert rows(ask(toolbox, "entity=function scope=closure")) == expected
    assert ("src/toolbox/core.py", "make_counter.bump") in expected


@pytest.mark.parametrize("value", ["true", "false"])
def test_has_cells_matches_co_cellvars(toolbox: Path, value: str) -> None:
    codes = _code_objects(toolbox)
    expected = {key for key in _functions(toolbox)
                if key in codes and bool(codes[key].co_cellvars) == (value == "true")}
    assert rows(ask(toolbox, f"entity=function has_cells={value}")) == expected


def test_nested_and_toplevel_split_the_functions(toolbox: Path) -> None:
    nested = rows(ask(toolbox, "entity=function scope=nested"))
    toplevel = rows(ask(toolbox, "entity=function scope=toplevel"))
    judged = {key for key in _functions(toolbox) if not key[0].endswith("broken.py")}
    assert nested | toplevel == judged and not nested & toplevel
    assert {name for _, name in nested} == {"make_adder.add", "make_counter.bump",
                                            "make_logger.log", "make_logger.quiet",
                                            "log_failure.report", "main.later"}


def test_a_file_that_does_not_compile_is_left_out_with_a_note(toolbox: Path) -> None:
    result = ask(toolbox, "entity=function scope=nested in=src/toolbox/broken.py")
    assert result.key_findings == ()
    assert any("could not be judged" in note and BROKEN in note
               for note in result.summary["notes"])


def test_decorator_entity_with_scope(toolbox: Path) -> None:
    result = ask(toolbox, "entity=decorator scope=nested")
    assert rows(result) == {("src/toolbox/core.py", "make_logger.log")}


# --- joins ----------------------------------------------------------------------------------


def test_raises_value_error(toolbox: Path) -> None:
    result = ask(toolbox, "entity=function raises=class:ValueError")
    # parse_port raises it; checked_port re-raises it with a bare raise in `except ValueError`
    assert rows(result) == {("src/toolbox/core.py", "parse_port"),
                            ("src/toolbox/core.py", "checked_port")}
    methods = ask(toolbox, "entity=method raises=class:ValueError")
    assert rows(methods) == {("src/toolbox/core.py", "Port.validate")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entity=function raises=class:NotFound", {"lookup"}),
        ("entity=function raises=class:errors.NotFound", {"lookup"}),
        ("entity=function raises=class:ConfigError", {"load_config"}),
        ("entity=function raises=class:RuntimeError", {"log_failure.report"}),
        ("entity=function raises=class:KeyError", set()),
    ],
)
def test_raises_by_simple_or_dotted_name(toolbox: Path, text: str, expected: set[str]) -> None:
    assert {name for _, name in rows(ask(toolbox, text))} == expected


def test_used_by_main(toolbox: Path) -> None:
    result = ask(toolbox, "entity=function used_by=function:main")
    # calls resolve by name: `add(port)` reaches make_adder.add (rightly, here)
    assert {name for _, name in rows(result)} == {"load_config", "parse_port", "make_adder",
                                                  "make_adder.add"}
    assert all(f.details.used_by == ("toolbox.cli.main",) for f in result.key_findings)
    methods = ask(toolbox, "entity=method used_by=function:main")
    assert {name for _, name in rows(methods)} == {"Service.start", "Config.get",
                                                   "Config.Section.get"}
    classes = ask(toolbox, "entity=class used_by=function:main")
    assert {name for _, name in rows(classes)} == {"Service"}


def test_used_by_a_nested_def_and_evidence(toolbox: Path) -> None:
    result = ask(toolbox, "entity=function used_by=function:main.later fields=evidence")
    (finding,) = result.key_findings
    assert finding.details.qualname == "make_counter_later"
    quoted = [(e.file, e.line) for e in finding.details.quotes]
    assert ("src/toolbox/cli.py", 19) in quoted  # the call inside main.later


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entity=module defines=class:Config", {"toolbox.config"}),
        ("entity=module defines=function:parse_port", {"toolbox.core"}),
        ("entity=module defines=function:add", set()),  # nested, not top level
        ("entity=class defines=method:get", {"Config", "Config.Section"}),
        ("entity=class defines=class:Section", {"Config"}),
    ],
)
def test_defines(toolbox: Path, text: str, expected: set[str]) -> None:
    assert {name for _, name in rows(ask(toolbox, text))} == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("make_counter", {"toolbox", "toolbox.core"}),  # __all__ with `+`, and a tuple
        ("make_logger", set()),  # core has __all__ without it
        ("Config", {"toolbox", "toolbox.config"}),  # config: no __all__, defined publicly
        ("DEFAULTS", {"toolbox.config"}),
        ("json", {"toolbox.config"}),  # a public import binding, no __all__
        ("_private_helper", set()),
        ("ConfigError", {"toolbox.errors", "toolbox.config"}),
    ],
)
def test_exports(toolbox: Path, name: str, expected: set[str]) -> None:
    result = ask(toolbox, f"entity=module exports={name}")
    assert {f.details.module for f in result.key_findings} == expected


# --- expanders and fields ---------------------------------------------------------------------


def _section(result: CqResult, kind: str):
    (section,) = [s for s in result.sections if s.kind == kind]
    return section


def test_expanders_have_visible_sections(toolbox: Path) -> None:
    result = ask(toolbox, "entity=function name=make_counter "
                          "expand=imports,raises,scope,bytecode_surface,hazards")
    (scope,) = _section(result, "scope").findings
    assert scope.details.cells == ("count",) and scope.category == "scope"
    (surface,) = _section(result, "bytecode_surface").findings
    assert "make_counter.bump" in surface.details.nested
    assert surface.details.opcodes["MAKE_FUNCTION"] == 1
    assert _section(result, "raises").findings == ()
    port = ask(toolbox, "entity=function name=checked_port expand=raises,imports")
    assert [f.anchor.line for f in _section(port, "raises").findings] == [50]
    service = ask(toolbox, "entity=method name=start expand=hazards,imports,bytecode_surface")
    ids = {f.details.id for f in _section(service, "hazards").findings}
    assert ids == {"shell-true", "global-statement"}
    imports = {f.message for f in _section(service, "imports").findings}
    assert imports == {"import subprocess"}
    (surface,) = _section(service, "bytecode_surface").findings
    assert "RUNS" in surface.details.globals.read and "run" in surface.details.attributes


def test_fields_imports_hazards_evidence(toolbox: Path) -> None:
    result = ask(toolbox, "entity=method name=compute fields=imports,hazards,evidence")
    (finding,) = result.key_findings
    assert {h.id for h in finding.details.hazards} == {"eval", "assert-outside-tests"}
    assert finding.details.imports == ()
    assert finding.details.quotes[0].text.strip().startswith("def compute")
    loader = ask(toolbox, "entity=function name=load_config in=src/toolbox/config.py "
                          "fields=imports")
    (found,) = loader.key_findings
    assert found.details.imports == ("json", "pathlib.Path", "toolbox.errors.ConfigError")
    module = ask(toolbox, "entity=module name=toolbox.service fields=hazards,imports")
    (mod,) = module.key_findings
    assert len(mod.details.hazards) >= 8 and "pickle" in mod.details.imports


# --- the cache ----------------------------------------------------------------------------------

CACHED_QUERIES = [
    "entity=function scope=closure captures=n",
    "entity=function has_cells=true expand=scope",
    "entity=function raises=class:ValueError fields=evidence",
    "entity=function used_by=function:main expand=imports",
    "entity=module exports=Config fields=imports",
    "entity=method name=start expand=hazards,bytecode_surface fields=hazards",
]


@pytest.mark.parametrize("text", CACHED_QUERIES)
def test_cached_answer_equals_uncached(toolbox: Path, tmp_path: Path, text: str) -> None:
    cache = str(tmp_path / "cache")
    cold = ask(toolbox, text, cache_dir=cache)
    warm = ask(toolbox, text, cache_dir=cache)
    plain = ask(toolbox, text, no_cache=True)
    assert warm.summary["cache"]["status"] == "hit"
    assert answer_bytes(cold) == answer_bytes(warm) == answer_bytes(plain)
