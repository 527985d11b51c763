"""docs/cli.md is the generated reference, current with the code."""

from __future__ import annotations

from pathlib import Path

from cq.cli.reference import render_reference
from cq.macros import MACRO_MODULES, get_macro
from cq.macros.run import options_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_docs_cli_md_is_current(request) -> None:
    text = render_reference()
    if request.config.getoption("--update-golden"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, "docs/cli.md is stale: pytest --update-golden"


def test_reference_names_every_macro_and_option() -> None:
    text = render_reference()
    for name in MACRO_MODULES:
        assert f"### `{name}`" in text
        for option in options_of(get_macro(name)):
            assert (option.metavar if option.positional else option.cli) in text
