"""docs/cli.md is the generated reference, current with the code."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_reference_lists_every_setting_with_its_spellings_and_range() -> None:
    from cq.settings import SETTINGS

    rows = {line.split(" | ")[0]: line for line in render_reference().splitlines()
            if line.startswith("| `")}
    for spec in SETTINGS:
        row = rows[f"| `{spec.key}`"]
        assert all(f"`{var}`" in row for var in spec.env)
        if spec.bounds is not None:
            assert spec.bounds.describe() in row


@pytest.mark.parametrize(("command", "ranges"), [
    (["q", "--help"], ["range: 0..31536000 seconds (365 days)", "range: 1..256",
                       "range: 0..1099511627776 bytes (1 TiB)"]),
    (["impact", "--help"], ["range: 1..256", "Range: 1..50", "Range: 0..1000000"]),
])
def test_help_shows_the_ranges(capsys, command: list[str], ranges: list[str]) -> None:
    from cq.cli.app import run

    assert run(command) == 0
    out = " ".join(capsys.readouterr().out.replace("│", " ").split())  # help wraps in boxes
    for text in ranges:
        assert text in out
