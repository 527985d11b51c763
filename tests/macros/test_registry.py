"""The registry, the CLI commands and the library are the same set of macros."""

from __future__ import annotations

import pytest

from cq.cli.app_cyclopts import build_app
from cq.cli.fast import parse_fast
from cq.macros import MACRO_MODULES, get_macro
from cq.macros.run import options_of

QUERY_MD_MACROS = ("calls", "impact", "sig-impact", "imports", "exceptions", "side-effects",
                   "scopes", "bytecode-surface", "hazards")


def test_every_macro_of_query_md_is_registered() -> None:
    assert set(MACRO_MODULES) == set(QUERY_MD_MACROS)


def test_each_module_defines_the_macro_it_is_registered_under() -> None:
    assert [get_macro(name).name for name in MACRO_MODULES] == list(MACRO_MODULES)


def test_cli_commands_are_the_registry_plus_the_other_commands() -> None:
    commands = {name for name in build_app() if not name.startswith("-")}
    assert commands == {*MACRO_MODULES, "q", "cache", "index", "report", "artifacts", "schema",
                        "mcp", "server"}


@pytest.mark.parametrize("name", list(MACRO_MODULES))
def test_fast_path_knows_every_macro_option(name: str) -> None:
    macro = get_macro(name)
    target = macro.target()
    args = [name] + (["x"] if target is not None else [])
    for option in options_of(macro):
        if option.positional:
            continue
        args += [option.cli] if option.kind == "bool" else [option.cli, "1"]
    parsed = parse_fast(args)
    assert parsed is not None
    assert set(parsed.own) == {o.name for o in options_of(macro) if not o.positional}


@pytest.mark.parametrize("name", list(MACRO_MODULES))
def test_help_lists_every_option(name: str, capsys) -> None:
    build_app()([name, "--help"], exit_on_error=False, result_action="return_value")
    text = capsys.readouterr().out
    assert get_macro(name).help.splitlines()[0][:40] in " ".join(text.split())
    for option in options_of(get_macro(name)):
        if not option.positional:
            assert option.cli in text


def test_each_macro_has_a_compute_module() -> None:
    from cq.macros import compute_module

    for name in MACRO_MODULES:
        assert callable(compute_module(name).compute)


# A warm hit loads the spec module only: none of the analyses, the compute module, the
# scanner or ast-grep.
_WARM = """
import sys
from cq.cli.app import run
code = run(ARGS)
heavy = sorted(m for m in sys.modules if m.startswith(("cq.macros.compute", "cq.analysis",
               "cq.scan.", "cq.query.execute", "cq.hazards.compile", "ast_grep_py", "ast")))
print(code, heavy)
"""
_WARM_ARGS = {
    "calls": ["calls", "helper"], "impact": ["impact", "helper", "--param", "x"],
    "sig-impact": ["sig-impact", "helper", "--to", "(x, y=1)"],
    "imports": ["imports", "--cycles"], "exceptions": ["exceptions"],
    "side-effects": ["side-effects"], "scopes": ["scopes", "mod.py"],
    "bytecode-surface": ["bytecode-surface", "mod.py"], "hazards": ["hazards"],
}


@pytest.mark.parametrize("name", list(MACRO_MODULES))
def test_a_warm_hit_imports_only_the_spec(name: str, tmp_path) -> None:
    import subprocess
    import sys

    root = tmp_path / "repo"
    root.mkdir()
    (root / "mod.py").write_text("import os\n\ndef helper(x, y=1):\n    raise ValueError(x)\n\n"
                                 "def main():\n    return helper(os.sep)\n")
    args = [*_WARM_ARGS[name], "--root", str(root), "--cache-dir", str(tmp_path / "cache"),
            "--no-save-artifact", "--format", "summary"]
    script = _WARM.replace("ARGS", repr(args))
    outputs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=120) for _ in range(2)]
    assert outputs[1].returncode == 0, outputs[1].stderr
    allowed = ["ast"] if name == "sig-impact" else []  # reading SIG needs the parser
    assert outputs[1].stdout.splitlines()[-1] == f"0 {allowed}", outputs[1].stdout
    assert "cache: hit" in outputs[1].stdout


_EVERYTHING = {  # something for every macro to find
    "pkg/__init__.py": "",
    "pkg/a.py": "import os\nimport pkg.b\n\nSEEN = os.environ.get('X')\n\n\n"
                "def helper(x, y=1):\n    count = 0\n\n    def inner():\n"
                "        nonlocal count\n        count += x\n    try:\n"
                "        return inner() or eval(y)\n    except ValueError:\n        raise\n",
    "pkg/b.py": "import pkg.a\n\n\ndef main():\n    return pkg.a.helper(1, y=2)\n",
}
_ARGS = {"calls": {"target": "helper"}, "impact": {"target": "helper", "param": "x"},
         "sig-impact": {"target": "helper", "to": "(x)"}, "imports": {"cycles": True},
         "exceptions": {}, "side-effects": {}, "scopes": {"target": "pkg/"},
         "bytecode-surface": {"target": "pkg/a.py"}, "hazards": {}}


@pytest.mark.parametrize("name", list(MACRO_MODULES))
def test_a_fresh_answer_equals_its_cached_form(name: str, make_repo) -> None:
    """Producers build details with exactly the declared types (tuples, structs), so the
    answer read back from the cache is equal to the one computed, not just alike in JSON."""
    import msgspec

    from conftest import run_macro
    from cq.result import result_from_json

    result = run_macro(make_repo(_EVERYTHING), name, _ARGS[name], no_cache=True)
    assert result.key_findings, name
    assert result_from_json(msgspec.json.encode(result)) == result


@pytest.mark.parametrize("text", [
    "entity=function name=helper fields=def,loc,callers,callees,imports,hazards,evidence",
    "entity=function scope=closure expand=scope,bytecode_surface,raises,imports,callers",
    "entity=callsite name=helper fields=evidence", "entity=import name=os",
    "entity=module exports=helper fields=imports", "entity=decorator",
    "pattern='eval($X)'", "entity=function used_by=function:main raises=class:ValueError",
])
def test_a_fresh_query_answer_equals_its_cached_form(text: str, make_repo) -> None:
    import msgspec

    from conftest import run_q
    from cq.result import result_from_json

    result = run_q(make_repo(_EVERYTHING), text, no_cache=True)
    assert result_from_json(msgspec.json.encode(result)) == result
