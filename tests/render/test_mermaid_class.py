"""`mermaid-class`: classes, methods and inheritance, checked by a strict reader."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings

from conftest import copy_sample
from cq.render import render, renderer_for
from cq.render.mermaid_class import render_mermaid_class

from .builders import result
from .graph_results import NASTY, ask, definition, graph_results
from .mermaid_syntax import parse_class_diagram


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("classes"), "sample_app")


def test_registered() -> None:
    assert renderer_for("mermaid-class") is render_mermaid_class


def positional_bases(root: Path) -> int:
    """Independent count: positional bases of every class in the repo, by stdlib ast."""
    return sum(len(node.bases) for path in root.rglob("*.py")
               for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, ast.ClassDef))


def test_bases_detail_on_class_definitions(sample: Path) -> None:
    res = ask(sample, "entity=class")
    details = {f.details.qualname: f.details for f in res.key_findings}
    assert details["StorageError"].bases == ("StockroomError", "RuntimeError")
    assert details["Status"].bases == ("enum.Enum",)
    assert details["Model"].bases == ()  # metaclass= is not a base
    assert details["Repository"].bases == ()
    assert all(f.details.bases == () for f in ask(sample, "entity=function").key_findings)


def test_real_inheritance(sample: Path) -> None:
    res = ask(sample, "entity=class")
    diagram = parse_class_diagram(render_mermaid_class(res))
    arrows = diagram.inheritance()
    assert len(diagram.arrows) == positional_bases(sample)
    assert {
        ("Exception", "stockroom.errors.StockroomError"),
        ("stockroom.errors.StockroomError", "stockroom.errors.NotFound"),
        ("stockroom.errors.StockroomError", "stockroom.errors.StorageError"),
        ("RuntimeError", "stockroom.errors.StorageError"),
        ("enum.Enum", "stockroom.models.Status"),
        ("stockroom.models.Model", "stockroom.models.Item"),
    } <= arrows
    assert not any(child == "stockroom.models.Model" for _, child in arrows)
    assert {f"{f.details.module}.{f.details.qualname}" for f in res.key_findings} <= set(
        diagram.classes.values())


def test_real_methods(sample: Path) -> None:
    diagram = parse_class_diagram(render_mermaid_class(ask(sample, "entity=method")))
    assert diagram.members_of("stockroom.api.routes.Router") == [
        "+__init__()", "+route(path, methods)", "+dispatch(method, path, body)"]
    assert diagram.members_of("stockroom.config.Settings") == [
        "+from_env(environ, strict)", "+db_dir()"]
    assert diagram.arrows == []  # methods alone say nothing about bases


@pytest.mark.parametrize(("qualname", "params", "member"), [
    ("C.run", ["self", "a", "b", "*args", "c", "**kw"], "+run(a, b, *args, c, **kw)"),
    ("C._guard", ["self"], "#_guard()"),
    ("C.__secret", ["cls", "x"], "-__secret(x)"),
    ("C.__eq__", ["self", "other"], "+__eq__(other)"),
    ("C.fetch", ["self", "url"], "+fetch(url)"),
    ("C.pos", ["a", "b", "c"], "+pos(a, b, c)"),
    ("C.wide", ["self", *(f"p{i}" for i in range(30))],
     "+wide(p0, p1, p2, p3, p4, p5, p6, p7, p8, …)"),
    ("C.none", [], "+none()"),
    ("C.we ird{x}\"", [], "+we_ird_x_()"),
    ("C.ünï", ["self"], "+ünï()"),
    ("C.", [], "#_()"),
])
def test_members(qualname: str, params: list[str], member: str) -> None:
    res = result(key_findings=(definition(qualname, kind="method", params=params),))
    diagram = parse_class_diagram(render_mermaid_class(res))
    assert diagram.members_of("pkg.app.C") == [member]


def test_bases_resolve_to_the_right_class() -> None:
    res = result(key_findings=(
        definition("Base", kind="class", module="pkg.a"),
        definition("Base", kind="class", module="pkg.b"),
        definition("Other", kind="class", module="pkg.mixins"),
        definition("Other", kind="class", module="pkg.extra"),
        definition("Child", kind="class", module="pkg.a", bases=["Base", "mixins.Other"]),
        definition("Sig", kind="class", module="pkg.c",
                   bases=["pkg.b.Base", "typing.Generic[T]", "*more"]),
        definition("Self", kind="class", module="pkg.c", bases=["Self"]),
    ))
    diagram = parse_class_diagram(render_mermaid_class(res))
    assert diagram.inheritance() == {
        ("pkg.a.Base", "pkg.a.Child"),  # same module wins over pkg.b.Base
        ("pkg.mixins.Other", "pkg.a.Child"),  # the dotted base picks its module
        ("pkg.b.Base", "pkg.c.Sig"),  # the dotted base picks its module
        ("typing.Generic[T]", "pkg.c.Sig"),  # starred bases left out
        ("Self", "pkg.c.Self"),  # a class is never its own base
    }


def test_method_without_its_class_still_has_a_home() -> None:
    res = result(key_findings=(
        definition("Outer.Inner.go", kind="method", signature="def go(self)"),
        definition("helper", kind="function"),
    ))
    diagram = parse_class_diagram(render_mermaid_class(res))
    assert list(diagram.classes.values()) == ["pkg.app.Outer.Inner"]
    assert diagram.members_of("pkg.app.Outer.Inner") == ["+go()"]


def test_shared_external_base_is_one_node() -> None:
    res = result(key_findings=tuple(
        definition(name, kind="class", bases=["Exception"]) for name in ("A", "B")))
    diagram = parse_class_diagram(render_mermaid_class(res))
    assert list(diagram.classes.values()).count("Exception") == 1
    assert len(diagram.arrows) == 2


@pytest.mark.parametrize("text", NASTY)
def test_nasty_names(text: str) -> None:
    res = result(key_findings=(definition(text, kind="class", bases=[text + "Base"]),))
    diagram = parse_class_diagram(render_mermaid_class(res))
    assert len(diagram.classes) == 2 and len(diagram.arrows) == 1


@pytest.mark.parametrize("res", [result(), result(key_findings=(definition("f"),))])
def test_no_classes_is_still_a_diagram(res) -> None:
    text = render(res, "mermaid-class", top_n=0)
    diagram = parse_class_diagram(text)
    assert diagram.classes == {} and diagram.comments == ["no classes in this result"]
    assert text == render_mermaid_class(res)


@settings(max_examples=150, deadline=None)
@given(graph_results)
def test_any_result_gives_a_valid_class_diagram(res) -> None:
    parse_class_diagram(render_mermaid_class(res))


def test_an_entity_class_query_draws_classes_with_their_methods_and_bases(make_repo) -> None:
    from conftest import run_q

    root = make_repo({"m.py": "class Base:\n    def run(self, x):\n        pass\n\n\n"
                              "class Child(Base):\n    def stop(self):\n        pass\n"})
    text = render_mermaid_class(run_q(root, "entity=class"))
    assert "c0 : +run(x)" in text and "c1 : +stop()" in text and "c0 <|-- c1" in text
