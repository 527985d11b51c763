"""The format registry: dispatch by name, `both`, bad formats, adding a format is one row."""

from __future__ import annotations

import pytest

from cq.errors import BadInputError
from cq.render import CHUNKED, format_names, render, render_chunks, renderer_for
from cq.render.json import render_json
from cq.render.markdown import render_markdown
from cq.render.summary import render_summary
from cq.result import CqResult
from cq.vocabulary import FORMATS

from .builders import findings, result, sample_result

RES = sample_result()


@pytest.mark.parametrize(("fmt", "renderer"), [
    ("md", render_markdown),
    ("json", render_json),
    ("summary", render_summary),
])
def test_registered(fmt: str, renderer: object) -> None:
    assert renderer_for(fmt) is renderer


@pytest.mark.parametrize("fmt", ["md", "json", "both", "summary"])
@pytest.mark.parametrize("top_n", [0, 1, 10])
def test_dispatch(fmt: str, top_n: int) -> None:
    assert render(RES, fmt, top_n=top_n) == renderer_for(fmt)(RES, top_n=top_n)


@pytest.mark.parametrize("fmt", ["md", "json", "both", "summary"])
def test_pure_and_no_trailing_newline(fmt: str) -> None:
    text = render(RES, fmt)
    assert text == render(RES, fmt)
    assert not text.endswith("\n")


@pytest.mark.parametrize("res", [result(), RES, result(key_findings=findings(30))])
def test_both_is_md_blank_line_json(res: CqResult) -> None:
    assert render(res, "both", top_n=3) == (
        render_markdown(res, top_n=3) + "\n\n" + render_json(res))


@pytest.mark.parametrize("fmt", ["markdown", "MD", "", "yaml"])
def test_unknown_format(fmt: str) -> None:
    with pytest.raises(BadInputError) as caught:
        render(RES, fmt)
    assert repr(fmt) in caught.value.one_line()
    assert all(name in caught.value.one_line() for name in FORMATS)
    assert caught.value.exit_code == 2


def test_negative_top_n() -> None:
    with pytest.raises(BadInputError):
        render(RES, "md", top_n=-1)


def test_format_names() -> None:
    assert format_names() == ("both", "dot", "json", "md", "mermaid", "mermaid-cfg",
                              "mermaid-class", "sarif", "summary")


def test_adding_a_format_is_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FORMATS, "count", f"{__name__}:render_count")
    assert render(RES, "count") == "3"
    assert "count" in format_names()


def render_count(result: CqResult, *, top_n: int = 10) -> str:
    return str(len(result.key_findings))


def test_every_format_has_a_renderer() -> None:
    assert all(callable(renderer_for(name)) for name in FORMATS)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("res", [result(), RES, result(key_findings=findings(30))])
def test_chunks_join_to_the_rendered_text(fmt: str, res: CqResult) -> None:
    assert b"".join(render_chunks(res, fmt, top_n=3)).decode() == render(res, fmt, top_n=3)


def test_chunked_formats_are_made_piecewise() -> None:
    res = result(key_findings=findings(600))
    for fmt in CHUNKED:
        assert len(list(render_chunks(res, fmt))) > 2


def test_chunks_check_the_format_before_the_first_piece() -> None:
    with pytest.raises(BadInputError):
        render_chunks(RES, "yaml")
    with pytest.raises(BadInputError):
        render_chunks(RES, "json", top_n=-1)
