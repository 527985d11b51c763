"""The registry, the CLI commands and the library are the same set of macros."""

from __future__ import annotations

import pytest

from cq.cli.app_cyclopts import build_app
from cq.cli.fast import parse_fast
from cq.macros import MACRO_MODULES, all_macros, get_macro
from cq.macros.run import options_of

QUERY_MD_MACROS = ("calls", "impact", "sig-impact", "imports", "exceptions", "side-effects",
                   "scopes", "bytecode-surface", "hazards")


def test_every_macro_of_query_md_is_registered() -> None:
    assert set(MACRO_MODULES) == set(QUERY_MD_MACROS)


def test_each_module_defines_the_macro_it_is_registered_under() -> None:
    assert [m.name for m in all_macros()] == list(MACRO_MODULES)


def test_cli_commands_are_the_registry_plus_the_other_commands() -> None:
    commands = {name for name in build_app() if not name.startswith("-")}
    assert commands == {*MACRO_MODULES, "q", "cache", "index", "report", "schema"}


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
    assert get_macro(name).summary_line[:40] in " ".join(text.split())
    for option in options_of(get_macro(name)):
        if not option.positional:
            assert option.cli in text
