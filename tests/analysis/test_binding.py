"""Argument binding (`cq.analysis.binding`): each rule by table, then a property test against
Python itself — a function compiled from the signature text, called with the same shape."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cq.analysis.binding import Binding, Shape, bind, parameter_for
from cq.errors import BadInputError
from cq.facts import Call, Param, Span
from cq.sigspec import parse_signature


def check(sig: str, shape: Shape, bound_self: bool = False) -> Binding:
    return bind(shape, parse_signature(sig), bound_self)


@pytest.mark.parametrize(
    ("sig", "shape", "bound_self", "status", "reason"),
    [
        ("(a, /, b)", Shape(1, ("a", "b")), False, "would_break",
         "positional-only parameter 'a' passed by keyword"),
        ("(a, *, c)", Shape(1), False, "would_break",
         "missing required keyword-only argument 'c'"),
        ("(a, b)", Shape(3), False, "would_break",
         "3 positional arguments given, at most 2 accepted"),
        ("(a, b)", Shape(0, star_args=True), False, "ambiguous",
         "*args at the call site: positional count unknown"),
        ("(a, *, c)", Shape(1, star_kwargs=True), False, "ambiguous",
         "**kwargs at the call site: keyword arguments unknown"),
        ("(amount, memo=None)", Shape(1, ("note",)), False, "would_break",
         "unexpected keyword argument 'note'"),
        ("(a, b, c=1)", Shape(2), False, "ok", ""),
        ("(self, a, b)", Shape(2), True, "ok", ""),
        ("(self, a, b)", Shape(3), False, "ok", ""),
        ("(self, a, b)", Shape(3), True, "would_break",
         "3 positional arguments given, at most 2 accepted"),
        ("(self, a, b)", Shape(2), False, "would_break",
         "missing required positional argument 'b'"),
        ("(a, **kw)", Shape(1, ("extra",)), False, "ok", ""),
        ("(a, /, **kw)", Shape(1, ("a",)), False, "ok", ""),
        ("(a, b)", Shape(1, ("a",)), False, "would_break",
         "multiple values for argument 'a' (by position and by keyword)"),
        ("(a, b)", Shape(0, ("a", "a")), False, "would_break", "keyword argument 'a' given twice"),
        ("(self, a)", Shape(0, ("self", "a")), True, "would_break",
         "multiple values for argument 'self' (by position and by keyword)"),
        ("()", Shape(0), True, "would_break", "no positional parameter receives the bound self"),
        ("(*args)", Shape(0), True, "ok", ""),
        # *args at the site cannot rescue an unknown keyword or a positional-only keyword
        ("(a, b)", Shape(0, ("c",), star_args=True), False, "would_break",
         "unexpected keyword argument 'c'"),
        ("(a, /)", Shape(0, ("a",), star_args=True), False, "would_break",
         "positional-only parameter 'a' passed by keyword"),
        ("(a, b)", Shape(3, star_args=True), False, "would_break",
         "3 positional arguments given, at most 2 accepted"),
        # **kwargs cannot supply a positional-only parameter
        ("(a, /, b)", Shape(0, star_kwargs=True), False, "would_break",
         "missing required positional argument 'a'"),
        # no length of *args helps: filling b by position moves a onto a keyword clash
        ("(a, b)", Shape(0, ("a",), star_args=True), False, "would_break",
         "missing required positional argument 'b'; with a longer *args: "
         "multiple values for argument 'a' (by position and by keyword)"),
        ("(a, /, b)", Shape(0, ("b",), star_args=True), False, "ambiguous",
         "*args at the call site: positional count unknown"),
        ("(*args, **kwargs)", Shape(0, star_args=True, star_kwargs=True), False, "ambiguous",
         "*args and **kwargs at the call site: positional count unknown"),
    ],
)
def test_rules(sig: str, shape: Shape, bound_self: bool, status: str, reason: str) -> None:
    binding = check(sig, shape, bound_self)
    assert (binding.status, binding.reason) == (status, reason)


@pytest.mark.parametrize(
    ("sig", "shape", "bound_self", "slots"),
    [
        ("(a, /, b, *, c=1)", Shape(1, ("b",)), False, {"a": "arg 0", "b": "kw b", "c": "default"}),
        ("(self, a, *rest, k, **kw)", Shape(3, ("k", "z")), True,
         {"a": "arg 0", "rest": "arg 1, arg 2", "k": "kw k", "kw": "kw z"}),
        ("(a, *rest, **kw)", Shape(1), False, {"a": "arg 0", "rest": "empty", "kw": "empty"}),
        ("(a, b, *, c)", Shape(1, star_args=True, star_kwargs=True), False,
         {"a": "arg 0", "b": "**kwargs", "c": "**kwargs"}),
        ("(a, /, b)", Shape(1, star_args=True), False, {"a": "arg 0", "b": "*args"}),
        ("(a, *, c)", Shape(1), False, {"a": "arg 0", "c": "missing"}),
    ],
)
def test_slots(sig: str, shape: Shape, bound_self: bool, slots: dict[str, str]) -> None:
    assert check(sig, shape, bound_self).slots == slots


def test_shape_from_call() -> None:
    call = Call("obj.m", "m", Span(1, 0, 1, 9), "obj", 2, ("k",), True, False)
    assert Shape.from_call(call) == Shape(2, ("k",), True, False)


@pytest.mark.parametrize(
    ("sig", "bound_self", "position", "keyword", "expected"),
    [
        ("(self, a, /, b, *rest, c, **kw)", True, 0, None, "a"),
        ("(self, a, /, b, *rest, c, **kw)", True, 1, None, "b"),
        ("(self, a, /, b, *rest, c, **kw)", True, 5, None, "rest"),
        ("(self, a, /, b, *rest, c, **kw)", False, 0, None, "self"),
        ("(self, a, /, b, *rest, c, **kw)", True, None, "c", "c"),
        ("(self, a, /, b, *rest, c, **kw)", True, None, "b", "b"),
        ("(self, a, /, b, *rest, c, **kw)", True, None, "a", "kw"),  # positional-only name
        ("(self, a, /, b, *rest, c, **kw)", True, None, "zz", "kw"),
        ("(a, b)", False, 2, None, None),
        ("(a, /, b)", False, None, "a", None),
        ("(a, b)", False, None, "zz", None),
    ],
)
def test_parameter_for(sig, bound_self, position, keyword, expected) -> None:
    param = parameter_for(parse_signature(sig), bound_self, position=position, keyword=keyword)
    assert (param.name if param else None) == expected


def test_parameter_for_needs_exactly_one_question() -> None:
    with pytest.raises(ValueError):
        parameter_for((), False)


@pytest.mark.parametrize(
    "text", ["f(a, /, b, *, c=1)", "(a, /, b, *, c=1)", "def f(a, /, b, *, c=1)",
             "async def f(a, /, b, *, c=1) -> None:", "Account.f(a, /, b, *, c=1)"])
def test_parse_signature_forms(text: str) -> None:
    assert parse_signature(text) == (
        Param("a", "positional_only"), Param("b", "positional_or_keyword"),
        Param("c", "keyword_only", True, None, "1"))


def test_parse_signature_keeps_annotations_and_defaults() -> None:
    params = parse_signature("f(x: int = 3, *rest: str, key: dict[str, int] = {}, **kw: Any)")
    assert params == (Param("x", "positional_or_keyword", True, "int", "3"),
                      Param("rest", "var_positional", False, "str"),
                      Param("key", "keyword_only", True, "dict[str, int]", "{}"),
                      Param("kw", "var_keyword", False, "Any"))


@pytest.mark.parametrize(
    "text", ["f", "f(a, a)", "f(a=1, b)", "f(a): pass\ndef g(b)", "f(a) + 1", "", "f(*)",
             "1(a)"])
def test_parse_signature_rejects(text: str) -> None:
    with pytest.raises(BadInputError) as info:
        parse_signature(text)
    assert "f(a, /, b, *, c=1)" in (info.value.hint or "")


# -- the property: Python's own binding is the oracle -----------------------------------------

NAMES = ("a", "b", "c", "d", "self")


@st.composite
def signatures(draw: st.DrawFn) -> str:
    """Signature text Python accepts: positional params (defaults only at the tail), maybe
    `/`, maybe `*rest`, keyword-only params, maybe `**kw`."""
    names = draw(st.permutations(NAMES))
    n_pos = draw(st.integers(0, 3))
    n_defaults = draw(st.integers(0, n_pos))
    n_posonly = draw(st.integers(0, n_pos))
    parts = [name + ("=0" if i >= n_pos - n_defaults else "") for i, name in
             enumerate(names[:n_pos])]
    if n_posonly:
        parts.insert(n_posonly, "/")
    kwonly = [name + draw(st.sampled_from(["", "=0"])) for name in
              names[n_pos:n_pos + draw(st.integers(0, len(NAMES) - n_pos))]]
    star = draw(st.sampled_from(["", "*rest"]))
    if star or kwonly:
        parts.append(star or "*")
    parts += kwonly
    if draw(st.booleans()):
        parts.append("**kw")
    return "(" + ", ".join(parts) + ")"


def compiled(sig: str, call_args: str):
    """A function calling one defined with `sig` with `call_args` (text), which may use the
    names `xs` (the site's *args) and `m` (its **kwargs); None when the call does not
    compile (a keyword given twice)."""
    namespace: dict[str, object] = {}
    exec(f"def f{sig}:\n    pass", namespace)
    try:
        return eval(f"lambda xs, m: f({call_args})", namespace)
    except SyntaxError:
        return None


def accepts(call, extra: int = 0, mapping: tuple[str, ...] = ()) -> bool:
    if call is None:
        return False
    try:
        call([0] * extra, dict.fromkeys(mapping, 0))
    except TypeError:
        return False
    return True


def call_text(shape: Shape, bound_self: bool) -> str:
    args = ["0"] * (int(bound_self) + shape.n_positional)
    if shape.star_args:
        args.append("*xs")
    args += [f"{name}=0" for name in shape.keywords]
    if shape.star_kwargs:
        args.append("**m")
    return ", ".join(args)


shapes = st.builds(Shape, st.integers(0, 4),
                   st.lists(st.sampled_from((*NAMES, "rest", "kw", "zz")), max_size=3)
                   .map(tuple))


@settings(max_examples=600, deadline=None)
@given(signatures(), shapes, st.booleans())
def test_concrete_shapes_bind_exactly_like_python(sig: str, shape: Shape,
                                                  bound_self: bool) -> None:
    binding = check(sig, shape, bound_self)
    assert binding.status in ("ok", "would_break")
    assert (binding.status == "ok") == accepts(compiled(sig, call_text(shape, bound_self)))


def expansions(sig: str, shape: Shape, bound_self: bool) -> list[bool]:
    """Python's verdict for each content of the site's *args (lengths 0..5) and **kwargs
    (every set of names that could matter)."""
    call = compiled(sig, call_text(shape, bound_self))
    lengths = range(6) if shape.star_args else (0,)
    pool = (*NAMES, "rest", "kw", "zz")
    mappings = [m for r in range(len(pool) + 1) for m in itertools.combinations(pool, r)] \
        if shape.star_kwargs else [()]
    return [accepts(call, extra, mapping) for extra in lengths for mapping in mappings]


@settings(max_examples=150, deadline=None)
@given(signatures(), shapes, st.booleans(), st.booleans(), st.booleans())
def test_starred_shapes_are_ambiguous_only_when_some_content_binds(
        sig: str, shape: Shape, bound_self: bool, star: bool, star2: bool) -> None:
    if not (star or star2):
        star = True
    shape = Shape(shape.n_positional, shape.keywords, star, star2)
    binding = check(sig, shape, bound_self)
    verdicts = expansions(sig, shape, bound_self)
    assert binding.status in ("ambiguous", "would_break")
    assert (binding.status == "ambiguous") == any(verdicts), binding
