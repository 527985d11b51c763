"""docs/hazards.md is generated from the registry, current with the code."""

from __future__ import annotations

from pathlib import Path

from cq.hazards.docs import render_hazards
from cq.hazards.registry import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "hazards.md"


def test_docs_hazards_md_is_current(request) -> None:
    text = render_hazards()
    if request.config.getoption("--update-golden"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, \
        "docs/hazards.md is stale: pytest tests/hazards/test_docs.py --update-golden"


def test_every_row_has_its_section_with_cwe_and_fix() -> None:
    text = render_hazards()
    for row in RULES:
        assert f"### {row.id}\n" in text and row.fix in text
        if row.cwe:
            assert f"CWE-{row.cwe}]" in text


def test_no_bidi_control_character_reaches_the_page() -> None:
    assert not any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069
                   for c in render_hazards())
