"""Tests for cq.scan.extract and its extractors: one table per fact kind, then decoding,
flags, and an independent check against the stdlib `ast`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from scan_oracle import detail_differences, differences, parse

from cq.coding import decode_source
from cq.facts import FileFacts, Span
from cq.scan import scan_bytes, scan_source
from cq.scan.nodes import ShapeError
from cq.scan.rules import DISPATCH, FactRule

SAMPLE_APP = Path(__file__).parent.parent / "repos" / "sample_app"


def scan(source: str, path: str = "pkg/mod.py") -> FileFacts:
    return scan_source(path, textwrap.dedent(source), strict=True)


# -- defs ------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "expected"), [
    pytest.param("def f(): pass", [("function", "f", 1, None)], id="module-function"),
    pytest.param("class A:\n def m(self): pass",
                 [("class", "A", 1, None), ("method", "A.m", 2, "A")], id="method"),
    pytest.param("def f():\n def g():\n  def h(): pass",
                 [("function", "f", 1, None), ("function", "f.g", 2, "f"),
                  ("function", "f.g.h", 3, "f.g")], id="nested-functions"),
    pytest.param("def f():\n class K:\n  def m(self): pass",
                 [("function", "f", 1, None), ("class", "f.K", 2, "f"),
                  ("method", "f.K.m", 3, "f.K")], id="class-in-function"),
    pytest.param("class A:\n def m(self):\n  def helper(): pass",
                 [("class", "A", 1, None), ("method", "A.m", 2, "A"),
                  ("function", "A.m.helper", 3, "A.m")], id="function-in-method"),
    pytest.param("class A:\n if X:\n  def m(self): pass\n else:\n  def m(self): pass",
                 [("class", "A", 1, None), ("method", "A.m", 3, "A"), ("method", "A.m", 5, "A")],
                 id="conditional-methods"),
    pytest.param("class A:\n class B:\n  def m(self): pass\ndef after(): pass",
                 [("class", "A", 1, None), ("class", "A.B", 2, "A"), ("method", "A.B.m", 3, "A.B"),
                  ("function", "after", 4, None)], id="scope-closes"),
])
def test_def_kinds_and_qualnames(source, expected):
    facts = scan(source)
    assert [(d.kind, d.qualname, d.span.line, d.enclosing) for d in facts.defs] == expected


def test_each_def_is_reported_once():
    facts = scan("""
        @decorator
        @other(1)
        class A(Base):
            @property
            def p(self): return 1

            @p.setter
            def p(self, value): pass

        @dataclass
        class B: pass
    """)
    assert [(d.kind, d.qualname) for d in facts.defs] == [
        ("class", "A"), ("method", "A.p"), ("method", "A.p"), ("class", "B")]


@pytest.mark.parametrize(("signature", "expected"), [
    pytest.param("a, b", [("a", "positional_or_keyword"), ("b", "positional_or_keyword")],
                 id="plain"),
    pytest.param("a, /, b", [("a", "positional_only"), ("b", "positional_or_keyword")],
                 id="positional-only"),
    pytest.param("a, *, b", [("a", "positional_or_keyword"), ("b", "keyword_only")],
                 id="keyword-only"),
    pytest.param("*args, b, **kw", [("args", "var_positional"), ("b", "keyword_only"),
                                    ("kw", "var_keyword")], id="varargs"),
    pytest.param("a, b=1, /, c=2, *d, e, f=3, **g",
                 [("a", "positional_only"), ("b", "positional_only"),
                  ("c", "positional_or_keyword"), ("d", "var_positional"),
                  ("e", "keyword_only"), ("f", "keyword_only"), ("g", "var_keyword")],
                 id="everything"),
    pytest.param("", [], id="none"),
    pytest.param("self,  # comment\n a", [("self", "positional_or_keyword"),
                                          ("a", "positional_or_keyword")], id="comment"),
])
def test_param_kinds(signature, expected):
    (fn,) = scan(f"def f({signature}): pass").defs
    assert [(p.name, p.kind) for p in fn.params] == expected


@pytest.mark.parametrize(("param", "annotation", "default"), [
    pytest.param("x", None, None, id="bare"),
    pytest.param("x: int", "int", None, id="annotated"),
    pytest.param("x=1", None, "1", id="default"),
    pytest.param("x: dict[str, int] = {}", "dict[str, int]", "{}", id="both"),
    pytest.param("x: Annotated[int, Field(default=1)] = f(a=2)",
                 "Annotated[int, Field(default=1)]", "f(a=2)", id="equals-in-annotation"),
    pytest.param("*args: str", "str", None, id="annotated-star"),
    pytest.param("**kw: Any", "Any", None, id="annotated-double-star"),
])
def test_param_annotations_and_defaults(param, annotation, default):
    (fn,) = scan(f"def f({param}): pass").defs
    (p,) = fn.params
    assert (p.annotation, p.default, p.has_default) == (annotation, default, default is not None)


def test_decorated_def_span_starts_at_def():
    facts = scan("""
        import x

        @app.route("/items",
                   methods=["GET"])
        @cache
        async def handler(request) -> Response:
            '''Handle it.'''
            return await x.go(request)
    """)
    (fn,) = facts.defs
    assert fn.span == Span(7, 0, 9, 30)
    assert fn.decorated_line == 4
    assert fn.decorators == ('app.route("/items", methods=["GET"])', "cache")
    assert (fn.is_async, fn.returns, fn.docstring) == (True, "Response", "Handle it.")


def test_decorators_do_not_leak_to_the_next_def():
    facts = scan("@d\ndef f(): pass\ndef g(): pass\nclass C: pass")
    assert [(d.name, d.decorators, d.decorated_line) for d in facts.defs] == [
        ("f", ("d",), 1), ("g", (), None), ("C", (), None)]


def test_decorator_and_base_texts_drop_comments():
    (cls,) = scan("""
        @route("/#top")  # why
        @retry(
            times=2,  # enough
        )
        class A(Base,  # the base
                Mixin):
            pass
    """).defs
    assert cls.decorators == ('route("/#top")', "retry( times=2, )")
    assert cls.bases == ("Base", "Mixin")


@pytest.mark.parametrize(("header", "bases"), [
    pytest.param("class A:", (), id="none"),
    pytest.param("class A():", (), id="empty"),
    pytest.param("class A(B, mod.C):", ("B", "mod.C"), id="dotted"),
    pytest.param("class A(B, metaclass=M, **kw):", ("B",), id="keywords-excluded"),
    pytest.param("class A(Generic[T], *extra):", ("Generic[T]", "*extra"), id="star"),
])
def test_class_bases(header, bases):
    (cls,) = scan(f"{header}\n    pass").defs
    assert cls.bases == bases


@pytest.mark.parametrize(("body", "docstring"), [
    pytest.param('"""One line."""', "One line.", id="triple"),
    pytest.param("'single'", "single", id="single-quotes"),
    pytest.param('"""\n    Starts on line two.\n    more\n    """', "Starts on line two.",
                 id="leading-newline"),
    pytest.param('r"""Raw \\d+."""', "Raw \\d+.", id="raw"),
    pytest.param('"""Tab\\there."""', "Tab\there.", id="escape"),
    pytest.param('"a" "b"', "ab", id="concatenated"),
    pytest.param('f"""{x}"""', None, id="f-string-is-not"),
    pytest.param('b"""bytes"""', None, id="bytes-is-not"),
    pytest.param('"""doc""", 1', None, id="tuple-is-not"),
    pytest.param("x = 1", None, id="none"),
    pytest.param('""""""', None, id="empty"),
    pytest.param('# note\n    """After a comment."""', "After a comment.", id="after-comment"),
    pytest.param('R"""Upper raw."""', "Upper raw.", id="upper-raw"),
    pytest.param('u"Unicode."', "Unicode.", id="u-prefix"),
    pytest.param('("Parenthesised.")', None, id="parenthesised-is-not"),
    pytest.param('"Doc.".strip()', None, id="call-is-not"),
])
def test_docstrings(body, docstring):
    (fn,) = scan(f"def f():\n    {body}\n    pass").defs
    assert fn.docstring == docstring


@pytest.mark.parametrize(("source", "facts"), [
    pytest.param('def f(): "Doc."', ("Doc.", False), id="same-line"),
    pytest.param('def f():\\\n    "Doc."', ("Doc.", False), id="line-continuation"),
    pytest.param('class C:\n    # c\n    "Doc."', ("Doc.", False), id="class"),
    pytest.param("async  def f(): pass", (None, True), id="async"),
    pytest.param("async \\\n def f(): pass", (None, True), id="async-continued"),
    pytest.param("def async_f(): pass", (None, False), id="async-name-is-not"),
])
def test_docstring_and_async_of_any_layout(source, facts):
    (fn,) = scan(source).defs
    assert (fn.docstring, fn.is_async) == facts


def test_module_docstring_lines_and_module():
    facts = scan('#!/usr/bin/env python\n"""Module doc.\n\nMore."""\nx = 1\n',
                 path="src/pkg/sub/__init__.py")
    assert (facts.docstring, facts.lines, facts.module) == ("Module doc.", 5, "pkg.sub")


# -- calls -----------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "expected"), [
    pytest.param("f()", ("f", "f", None, 0, (), False, False, ""), id="bare"),
    pytest.param("a.b.c(1, 2)", ("a.b.c", "c", "a.b", 2, (), False, False, "1, 2"),
                 id="dotted"),
    pytest.param("obj.run(x, key=1, *rest, **opts)",
                 ("obj.run", "run", "obj", 1, ("key",), True, True, "x, key=1, *rest, **opts"),
                 id="all-shapes"),
    pytest.param("(client\n   .session\n   .get)(url)",
                 ("client.session.get", "get", "client.session", 1, (), False, False, "url"),
                 id="multiline-parenthesised"),
    pytest.param("f()()", ("f()", "f()", None, 0, (), False, False, ""), id="call-of-call"),
    pytest.param("handlers[0](event)", ("handlers[0]", "handlers[0]", None, 1, (), False, False,
                                        "event"), id="subscript"),
    pytest.param("make().run(x)", ("make().run", "run", "make()", 1, (), False, False, "x"),
                 id="attribute-of-call"),
    pytest.param("', '.join(items)", ("', '.join", "join", "', '", 1, (), False, False, "items"),
                 id="string-receiver"),
    pytest.param("sum(x for x in y)", ("sum", "sum", None, 1, (), False, False, "x for x in y"),
                 id="generator"),
    pytest.param("f(a, \\\n  b)", ("f", "f", None, 2, (), False, False, "a, \\ b"),
                 id="line-continuation"),
    pytest.param("g(  # why\n  a)", ("g", "g", None, 1, (), False, False, "a"),
                 id="comment"),
    pytest.param("(f  # why\n)(x)", ("f", "f", None, 1, (), False, False, "x"),
                 id="comment-in-callee"),
    pytest.param("re.compile \\\n    (p)",
                 ("re.compile", "compile", "re", 1, (), False, False, "p"),
                 id="continuation-before-arguments"),
    pytest.param("'#'.join(x)", ("'#'.join", "join", "'#'", 1, (), False, False, "x"),
                 id="hash-in-string"),
    pytest.param("ｗｗｗ()", ("www", "www", None, 0, (), False, False, ""), id="nfkc"),
    pytest.param("ｏｓ.path.join(x)", ("os.path.join", "join", "os.path", 1, (), False, False, "x"),
                 id="nfkc-dotted"),
    pytest.param("a.b1.c_2(x)", ("a.b1.c_2", "c_2", "a.b1", 1, (), False, False, "x"),
                 id="dotted-with-digits"),
])
def test_call_shapes(source, expected):
    call = scan(source).calls[0]  # the outermost call comes first
    assert (call.callee, call.name, call.receiver, call.n_positional, call.keywords,
            call.star_args, call.star_kwargs, call.preview) == expected


def test_call_preview_is_truncated():
    (call,) = scan(f"f({'x' * 200})").calls
    assert len(call.preview) == 80 and call.preview.endswith("…")


@pytest.mark.parametrize(("source", "expected"), [
    pytest.param("print(*a.split())\nx = [*range(3)]\ny = {*range(4)}",
                 [("print", 0, True), ("split", 0, False), ("range", 1, False),
                  ("range", 1, False)], id="starred-call-arguments"),
    pytest.param("def f(self):\n    type(self).attr = 1", [("type", 1, False)],
                 id="type-call-misread-as-alias"),
    pytest.param("type Alias = list[int]", [], id="real-type-alias"),
])
def test_tree_sitter_misreadings(source, expected):
    calls = scan(source).calls
    assert [(c.name, c.n_positional, c.star_args) for c in calls] == expected


def test_call_enclosing_scopes():
    facts = scan("""
        @register(name())
        def f(x=default(), *, y: hint() = 2) -> ret():
            inner()
            return lambda: deferred()

        class C(base()):
            attr = compute()

            def m(self):
                return [helper(v) for v in self.items()]
    """)
    enclosing = {c.name: c.enclosing for c in facts.calls}
    assert enclosing == {"register": None, "name": None, "default": None, "hint": None,
                         "ret": None, "inner": "f", "deferred": "f", "base": None,
                         "compute": "C", "helper": "C.m", "items": "C.m"}


def test_calls_reported_once_in_source_order():
    facts = scan("a(b(c()), d())\ne()")
    assert [(c.name, c.span.line, c.span.col) for c in facts.calls] == [
        ("a", 1, 0), ("b", 1, 2), ("c", 1, 4), ("d", 1, 10), ("e", 2, 0)]


def test_columns_count_code_points():
    (call,) = scan('x = "éé"; f(1)').calls
    assert call.span == Span(1, 10, 1, 14)


# -- positions on long lines -------------------------------------------------------------

LONG_SOURCES = [
    pytest.param("def k(a):\n    return " + "f(" * 300 + "a" + ")" * 300 + "\n", id="nested"),
    pytest.param("x = [" + ", ".join(f"g{i}(k={i}, *a)" for i in range(200)) + "]\n"
                 "class C:\n    def m(self, é='ü'):\n        return h(1)\n", id="wide-list"),
    pytest.param("s = '" + "é" * 1500 + "'; f(1)\r\ndef g():\n    type(x).a = t(2)\n",
                 id="wide-chars-crlf"),
    pytest.param("@d\ndef f(): pass\n" + "y = " + " + ".join(["q()"] * 400) + "\n"
                 "try:\n    pass\nexcept E as e:\n    raise\n", id="after-decorators"),
]


@pytest.mark.parametrize("source", LONG_SOURCES)
def test_positions_from_line_starts_are_the_parsers(source: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """On a long line the scanner stops asking the parser for positions (it counts the
    characters before each node: quadratic) and works them out from the line starts: the
    facts are the same either way."""
    import cq.nodespan as nodespan_module
    import cq.scan.extract as extract_module

    monkeypatch.setattr(nodespan_module, "LONG_LINE", 10**9)
    monkeypatch.setattr(extract_module, "LONG_LINE", 10**9)
    asked = scan(source)
    monkeypatch.setattr(nodespan_module, "LONG_LINE", -1)
    monkeypatch.setattr(extract_module, "LONG_LINE", -1)
    assert scan(source) == asked
    monkeypatch.setattr(nodespan_module, "LONG_LINE", 1000)
    monkeypatch.setattr(extract_module, "LONG_LINE", 1000)
    assert scan(source) == asked


def test_a_long_line_of_nested_calls_is_read_without_its_text() -> None:
    """Each call's text holds all the calls inside it: the scanner reads offsets and the
    source around them, so the previews are cut as usual and no text is fetched whole."""
    facts = scan("f(" * 5000 + "a" + ")" * 5000)
    assert len(facts.calls) == 5000
    first, last = facts.calls[0], facts.calls[-1]
    assert first.span == Span(1, 0, 1, 15001) and last.span == Span(1, 9998, 1, 10002)
    assert first.preview.endswith("…") and len(first.preview) <= 80 and last.preview == "a"


# -- imports ---------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "module", "names", "level", "resolved"), [
    pytest.param("import os", "", [("os", None)], 0, "os", id="plain"),
    pytest.param("import a.b as c, d", "", [("a.b", "c"), ("d", None)], 0, None, id="several"),
    pytest.param("import a . b", "", [("a.b", None)], 0, "a.b", id="spaced-dots"),
    pytest.param("from os import path as p, sep", "os", [("path", "p"), ("sep", None)], 0, "os",
                 id="from"),
    pytest.param("from . import x", "", [("x", None)], 1, "pkg", id="dot"),
    pytest.param("from .. import x", "", [("x", None)], 2, None, id="above-root"),
    pytest.param("from .sib import (a,  # why\n    b as c,\n)", "sib",
                 [("a", None), ("b", "c")], 1, "pkg.sib", id="parenthesised"),
    pytest.param("from .m import *", "m", [("*", None)], 1, "pkg.m", id="star"),
    pytest.param("from __future__ import annotations", "__future__",
                 [("annotations", None)], 0, "__future__", id="future"),
    pytest.param("from important import x", "important", [("x", None)], 0, "important",
                 id="module-named-like-keyword"),
    pytest.param("from.m import(x)", "m", [("x", None)], 1, "pkg.m", id="no-spaces"),
    pytest.param("import ｏｓ.ｐａｔｈ as ﬁ", "", [("os.path", "fi")], 0, "os.path",
                 id="nfkc-import"),
    pytest.param("from .ｍ import ｘ as ｙ", "m", [("x", "y")], 1, "pkg.m", id="nfkc-from"),
])
def test_imports(source, module, names, level, resolved):
    (imp,) = scan(source).imports
    assert (imp.module, [(n.name, n.alias) for n in imp.names], imp.level, imp.resolved) == (
        module, names, level, resolved)
    assert imp.is_from == source.startswith("from")


def test_relative_import_in_package_init():
    (imp,) = scan("from .core import run", path="src/pkg/__init__.py").imports
    assert imp.resolved == "pkg.core"


def test_import_enclosing():
    facts = scan("import a\ndef f():\n    import b")
    assert [(i.names[0].name, i.enclosing) for i in facts.imports] == [("a", None), ("b", "f")]


# -- raise and except ------------------------------------------------------------------

@pytest.mark.parametrize(("source", "expected"), [
    pytest.param("raise", (None, None, True, None), id="bare"),
    pytest.param("raise ValueError", ("ValueError", None, False, None), id="type"),
    pytest.param("raise errors.Bad('no', 1)", ("errors.Bad", "'no'", False, None),
                 id="message"),
    pytest.param("raise Bad(f'{x}') from exc", ("Bad", "f'{x}'", False, "exc"), id="cause"),
    pytest.param("raise Bad(code) from None", ("Bad", None, False, "None"), id="no-message"),
])
def test_raises(source, expected):
    (r,) = scan(source).raises
    assert (r.exc_type, r.message, r.bare, r.cause) == expected


@pytest.mark.parametrize(("clause", "body", "expected"), [
    pytest.param("except ValueError:", "pass", (("ValueError",), False, False, None, "empty"),
                 id="empty"),
    pytest.param("except:", "...", ((), True, False, None, "empty"), id="bare"),
    pytest.param("except (A, b.B) as e:", "log(e)", (("A", "b.B"), False, False, "e", "other"),
                 id="tuple-alias"),
    pytest.param("except (A):", "raise", (("A",), False, False, None, "reraises"),
                 id="parenthesised"),
    pytest.param("except* OSError as group:", "raise group",
                 (("OSError",), False, True, "group", "reraises"), id="star-reraise-name"),
    pytest.param("except E as e:", "raise Other() from e", (("E",), False, False, "e", "other"),
                 id="new-exception"),
    pytest.param("except E:", "'''why'''\n    pass", (("E",), False, False, None, "empty"),
                 id="docstring-only"),
    pytest.param("except E:", "def later():\n        raise", (("E",), False, False, None, "other"),
                 id="nested-def-raise"),
    pytest.param("except E:", "if bad:\n        raise", (("E",), False, False, None, "reraises"),
                 id="nested-block-raise"),
])
def test_excepts(clause, body, expected):
    facts = scan(f"try:\n    work()\n{clause}\n    {body}\n")
    (e,) = facts.excepts
    assert (e.types, e.bare, e.star, e.alias, e.body) == expected


def test_except_enclosing_and_nesting():
    facts = scan("""
        def f():
            try:
                a()
            except A:
                try:
                    b()
                except B:
                    pass
                raise
    """)
    assert [(e.types, e.body, e.enclosing) for e in facts.excepts] == [
        (("A",), "reraises", "f"), (("B",), "empty", "f")]


# -- assignments -----------------------------------------------------------------------

@pytest.mark.parametrize(("source", "expected"), [
    pytest.param("x = 1", [("x", "module", "1", None, False, False)], id="module"),
    pytest.param("a, *b = c = f()", [("a", "module", "f()", None, False, False),
                                     ("b", "module", "f()", None, False, False),
                                     ("c", "module", "f()", None, False, False)],
                 id="tuple-and-chain"),
    pytest.param("(a, [b, c]) = v", [("a", "module", "v", None, False, False),
                                     ("b", "module", "v", None, False, False),
                                     ("c", "module", "v", None, False, False)], id="nested"),
    pytest.param("x: int", [("x", "module", "", None, False, True)], id="annotation-only"),
    pytest.param("x: int = 2", [("x", "module", "2", None, False, True)], id="annotated"),
    pytest.param("total += 1", [("total", "module", "1", None, True, False)], id="augmented"),
    pytest.param("os.environ['A'] = 'b'", [("os.environ['A']", "module", "'b'", None, False,
                                            False)], id="subscript"),
    pytest.param("if X:\n    y = 1\nelse:\n    y = 2", [("y", "module", "1", None, False, False),
                                                      ("y", "module", "2", None, False, False)],
                 id="in-if"),
    pytest.param("class C:\n    a = 1\n    def m(self):\n        b = 2",
                 [("a", "class", "1", "C", False, False)], id="class-not-method"),
    pytest.param("def f():\n    x = 1\n    class K:\n        y = 2",
                 [("y", "class", "2", "f.K", False, False)], id="class-in-function"),
])
def test_assigns(source, expected):
    assigns = scan(source).assigns
    assert [(a.target, a.scope, a.value, a.enclosing, a.augmented, a.annotated)
            for a in assigns] == expected


# -- decoding and flags ----------------------------------------------------------------

@pytest.mark.parametrize(("data", "text", "flags"), [
    pytest.param(b"x = 1\n", "x = 1\n", (), id="ascii"),
    pytest.param("x = 'é'\n".encode(), "x = 'é'\n", (), id="utf-8"),
    pytest.param(b"\xef\xbb\xbfx = 1\n", "x = 1\n", (), id="bom"),
    pytest.param(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
                 "# -*- coding: latin-1 -*-\nx = 'é'\n", ("decoded-cookie",), id="cookie"),
    pytest.param(b"#!/usr/bin/python\n# vim: set fileencoding=cp1252 :\nx = '\x80'\n",
                 "#!/usr/bin/python\n# vim: set fileencoding=cp1252 :\nx = '€'\n",
                 ("decoded-cookie",), id="cookie-second-line"),
    pytest.param(b"x = 1\n# coding: latin-1\ny = '\xe9'\n", "x = 1\n# coding: latin-1\ny = 'é'\n",
                 ("decoded-latin-1",), id="cookie-after-code-ignored"),
    pytest.param(b"# coding: no-such-codec\nx = '\xe9'\n", "# coding: no-such-codec\nx = 'é'\n",
                 ("decoded-latin-1",), id="unknown-codec"),
    pytest.param(b"x = '\xe9'\n", "x = 'é'\n", ("decoded-latin-1",), id="latin-1-fallback"),
    pytest.param(b"x = 1\x00\n", "x = 1\x00\n", ("null-bytes",), id="null-bytes"),
    pytest.param(b"# coding: unicode_escape\n\\x64ef f(): pass\n",
                 "# coding: unicode_escape\ndef f(): pass\n", ("decoded-cookie",),
                 id="ascii-bytes-with-a-transforming-cookie"),
    pytest.param(b"# coding: latin-1\nx = 1\n", "# coding: latin-1\nx = 1\n", (),
                 id="ascii-bytes-with-a-transparent-cookie"),
    pytest.param("\ufeffdef café(): pass\n".encode("utf-16-le"), "def café(): pass\n",
                 ("decoded-utf-16",), id="utf-16-le-bom"),
    pytest.param("\ufeffdef café(): pass\n".encode("utf-16-be"), "def café(): pass\n",
                 ("decoded-utf-16",), id="utf-16-be-bom"),
    pytest.param("\ufeffdef café(): pass\n".encode("utf-32-le"), "def café(): pass\n",
                 ("decoded-utf-32",), id="utf-32-le-bom"),
    pytest.param("\ufeffx = 1\n".encode("utf-32-be"), "x = 1\n",
                 ("decoded-utf-32",), id="utf-32-be-bom"),
    pytest.param("\ufeffx = '\x00'\n".encode("utf-16-le"), "x = '\x00'\n",
                 ("null-bytes", "decoded-utf-16"), id="utf-16-null-in-the-text"),
])
def test_decode_source(data, text, flags):
    assert decode_source(data) == (text, flags)


def test_null_bytes_still_scan_the_rest():
    facts = scan_bytes("m.py", b"x = 1\x00\ndef f():\n    g()\n", 1000)
    assert "null-bytes" in facts.flags
    assert [d.name for d in facts.defs] == ["f"] and [c.name for c in facts.calls] == ["g"]


def test_latin_1_file_is_scanned():
    facts = scan_bytes("m.py", b"def caf\xe9(): pass\n", 1000)
    assert facts.flags == ("decoded-latin-1",) and facts.defs[0].name == "café"


def test_too_large_file_is_not_parsed():
    facts = scan_bytes("big.py", b"def f(): pass\n" * 10, 50)
    assert (facts.flags, facts.defs, facts.skipped) == (("too-large",), (), True)
    assert "50" in (facts.error or "")


@pytest.mark.parametrize("source", [
    pytest.param("def ok(): pass\ndef broken(:\n    pass\nx = (\n", id="unclosed"),
    pytest.param("def ok(): pass\nclass A\n    def m(self): pass\n", id="missing-colon"),
    pytest.param("def ok(): pass\ndef f(a, b):\n    return a +\n", id="empty-block"),
])
def test_syntax_errors_flag_partial_and_keep_facts(source):
    facts = scan_source("m.py", source)
    assert facts.flags == ("partial",) and "line" in (facts.error or "")
    assert facts.defs[0].name == "ok"


def test_python_2_source_does_not_crash():
    source = b'print "hello"\nexec "x = 1"\ntry:\n    f()\nexcept E, e:\n    raise E, "m"\n'
    facts = scan_bytes("py2.py", source, 10_000, strict=True)
    assert [c.name for c in facts.calls] == ["f"]
    assert facts.excepts[0].alias == "e"


def test_unexpected_shape_raises_only_when_strict(monkeypatch):
    def broken(node, site, state):
        raise ShapeError("unexpected")

    monkeypatch.setitem(DISPATCH, "call", FactRule("call", "calls", broken))
    with pytest.raises(ShapeError):
        scan_source("m.py", "def f():\n    g()\n", strict=True)
    facts = scan_source("m.py", "def f():\n    g()\n")
    assert facts.flags == ("partial",) and [d.name for d in facts.defs] == ["f"]
    assert "unexpected" in (facts.error or "")


# -- the independent check with the stdlib ast ----------------------------------------

TRICKY = {
    "decorated-nested": """
        import functools

        def outer(fn):
            @functools.wraps(fn)
            async def wrapper(*a, **k):
                return await fn(*a, **k)
            return wrapper

        class A:
            @staticmethod
            @outer
            def s(): return sorted([1], key=lambda v: -v)

            class B(A.__base__, metaclass=type):
                def m(self, /, x=max(1, 2), *, y): pass
    """,
    "conditional-and-comprehensions": """
        if TYPE_CHECKING:
            from x import Y
        else:
            def Y(): pass

        try:
            import fast
        except ImportError:
            fast = None

        rows = {k: str(v) for k, v in dict(a=1).items() if callable(v)}
        total = sum(len(r) for r in rows)
    """,
    "multiline-calls": """
        result = (
            builder
            .add(1)
            .add(2, key=3)
            .build()
        )
        print(
            f"{result!r:>{width()}}",
            *args,
            sep="",
        )
        x = (lambda: 1)()
        y = [f for f in fs][0](*[1, 2])
    """,
    "async-and-match": """
        async def main():
            async with session() as s:
                async for item in s.stream():
                    await handle(item)
            match command():
                case {"kind": kind}:
                    dispatch(kind)
                case Point(x=0):
                    pass
    """,
    "exception-groups": """
        def f():
            try:
                run()
            except* (ValueError, TypeError) as group:
                report(group)
                raise
            except* OSError:
                pass
    """,
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_sources_match_ast(name):
    source = textwrap.dedent(TRICKY[name])
    facts = scan_source(f"{name}.py", source, strict=True)
    tree = parse(source)
    assert tree is not None
    assert differences(tree, facts) == []
    assert detail_differences(tree, facts) == []


SAMPLE_FILES = sorted(p.relative_to(SAMPLE_APP).as_posix() for p in SAMPLE_APP.rglob("*.py"))


def test_sample_app_is_realistic():
    assert 6 <= len(SAMPLE_FILES) <= 12
    facts = [scan_bytes(p, (SAMPLE_APP / p).read_bytes(), 1 << 20) for p in SAMPLE_FILES]
    defs = [d for f in facts for d in f.defs]
    kinds = {d.kind for d in defs}
    assert kinds == {"function", "method", "class"}
    assert any(d.is_async for d in defs) and any(d.decorators for d in defs)
    assert any(i.level == 2 for f in facts for i in f.imports)
    assert any(e.star for f in facts for e in f.excepts)
    assert all(not f.flags for f in facts)


@pytest.mark.parametrize("path", SAMPLE_FILES)
def test_sample_app_matches_ast(path):
    data = (SAMPLE_APP / path).read_bytes()
    facts = scan_bytes(path, data, 1 << 20, strict=True)
    tree = parse(data)
    assert tree is not None
    assert differences(tree, facts) == []
    assert detail_differences(tree, facts) == []


def test_text_shortcuts_read_character_offsets_after_non_ascii_text():
    """The docstring and `async` shortcuts index the source by the nodes' offsets, which
    count characters: wide characters (two UTF-16 units, four UTF-8 bytes) before a def
    must not shift them."""
    source = 'x = "é€𝄞𝄞"\n' * 3 + 'async def f():\n    """Doc é."""\n    return 1\n' \
        'class C:\n    "Cdoc"\ndef g():\n    return "not a doc"\n'
    defs = {d.name: (d.is_async, d.docstring) for d in scan_source("m.py", source).defs}
    assert defs == {"f": (True, "Doc é."), "C": (False, "Cdoc"), "g": (False, None)}
