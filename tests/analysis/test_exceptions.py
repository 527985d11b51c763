"""Try nesting and the exception hierarchy (`cq.analysis.exceptions`): which handlers guard
each raise, which handler names catch which types, and the verdict."""

from __future__ import annotations

import pytest

from cq.analysis.exceptions import BASE_ONLY, Guard, Hierarchy, file_guards, guards_of, judge
from cq.facts import Def, FileFacts, Span


class _Source:
    """A FactSource stand-in: classes by name."""

    def __init__(self, classes: dict[str, tuple[str, ...]]) -> None:
        span = Span(1, 0, 2, 0)
        self.facts = FileFacts(path="m.py", module="m", defs=tuple(
            Def(kind="class", name=name, qualname=name, span=span, bases=bases)
            for name, bases in classes.items()))

    def facts_defining(self, literals, name: str) -> list[FileFacts]:
        return [self.facts] if any(d.name == name for d in self.facts.defs) else []


HIERARCHY = {"AppError": ("Exception",), "NotFound": ("AppError",), "Stop": ("SystemExit",),
             "Vendor": ("lib.Base",), "Loop": ("Loop2",), "Loop2": ("Loop",),
             "Meta": ("AppError", "metaclass=ABCMeta")}


@pytest.mark.parametrize(("handler", "raised", "caught"), [
    ("ValueError", "ValueError", True),
    ("LookupError", "KeyError", True),
    ("OSError", "FileNotFoundError", True),
    ("KeyError", "LookupError", False),
    ("AppError", "NotFound", True),
    ("Exception", "NotFound", True),
    ("Exception", "Stop", False),
    ("BaseException", "Stop", True),
    ("Exception", "Vendor", True),  # the chain leaves the repo: assumed an Exception
    ("Exception", "some_variable", True),
    ("Exception", "KeyboardInterrupt", False),
    ("ValueError", "Vendor", False),
    ("Exception", "Loop", True),  # a cycle ends incomplete, not in a crash
    ("AppError", "Meta", True),
    ("NotFound", "AppError", False),
    ("Exception", "factory()", True),
    ("AppError", "", False),
])
def test_hierarchy_catches(handler, raised, caught) -> None:
    hierarchy = Hierarchy(_Source(HIERARCHY))  # type: ignore[arg-type]
    assert hierarchy.catches(handler, raised)[0] is caught


def test_base_only_names_are_builtin_base_exceptions() -> None:
    import builtins

    for name in BASE_ONLY:
        kind = getattr(builtins, name)
        assert issubclass(kind, BaseException) and not issubclass(kind, Exception)


@pytest.mark.parametrize(("source", "expected"), [
    ("raise A\n", [()]),
    ("try:\n    raise A\nexcept B:\n    pass\n", [(Guard(3, ("B",)),)]),
    ("try:\n    raise A\nexcept (x.B, C) as e:\n    pass\n", [(Guard(3, ("B", "C")),)]),
    ("try:\n    raise A\nexcept* B:\n    pass\n", [(Guard(3, ("B",)),)]),
    ("try:\n    raise A\nexcept:\n    pass\n", [(Guard(3, bare=True),)]),
    ("try:\n    try:\n        raise A\n    except B:\n        pass\nexcept C:\n    pass\n",
     [(Guard(4, ("B",)), Guard(6, ("C",)))]),
    ("try:\n    pass\nexcept B:\n    raise A\n", [()]),
    ("try:\n    pass\nfinally:\n    raise A\n", [()]),
    ("try:\n    def f():\n        raise A\nexcept B:\n    pass\n", [()]),
    ("try:\n    class K:\n        raise A\nexcept B:\n    pass\n", [(Guard(4, ("B",)),)]),
    ("raise A; raise B\n", [(), ()]),
    ("def f(:\n    raise A\n", [None]),
    ("try:\n    match x:\n        case 1:\n            raise A\nexcept B:\n    pass\n",
     [(Guard(5, ("B",)),)]),
    ("try:\n    for x in y:\n        pass\n    else:\n        with c:\n            raise A\n"
     "except B:\n    pass\n", [(Guard(7, ("B",)),)]),
    ("try:\n    pass\nexcept B:\n    pass\nelse:\n    raise A\n", [()]),
    ("async def f():\n    try:\n        raise A\n    except* B:\n        pass\n",
     [(Guard(4, ("B",)),)]),
])
def test_guards_of(source, expected) -> None:
    from cq.scan.extract import scan_source

    raises = scan_source("m.py", source).raises
    assert guards_of(source, raises) == expected


@pytest.mark.parametrize(("raised", "guards", "caught", "evidence"), [
    (("ValueError",), (), False, "ast"),
    (("ValueError",), None, None, "syntax"),
    (("ValueError", "KeyError"), (Guard(3, ("ValueError",)),), False, "name"),
    (("ValueError", "KeyError"), (Guard(3, ("ValueError",)), Guard(5, ("KeyError",))), True,
     "ast"),
    ((), (Guard(3, ("Exception",)),), False, "name"),  # an unknown re-raise
    ((), (Guard(3, bare=True),), True, "ast"),
])
def test_judge(raised, guards, caught, evidence) -> None:
    verdict = judge(raised, guards, Hierarchy(_Source({})))  # type: ignore[arg-type]
    assert (verdict.caught, verdict.evidence) == (caught, evidence)


def test_deeply_nested_expressions_cost_no_recursion() -> None:
    from cq.scan.extract import scan_source

    deep = "+".join(["a"] * 2000)  # parses, but a recursive visit would overflow
    source = f"x = {deep}\ntry:\n    raise A(x)\nexcept B:\n    pass\n"
    raises = scan_source("m.py", source).raises
    assert guards_of(source, raises) == [(Guard(4, ("B",)),)]
    deeper = "+".join(["a"] * 4000)  # does not even parse: unjudged, no crash
    assert guards_of(f"x = {deeper}\nraise A\n", raises) == [None]


@pytest.mark.parametrize(("source", "expected", "parsed"), [
    # no handler in reach: nothing is read
    ("def f():\n    raise A\n\ndef g():\n    try:\n        pass\n    except A:\n"
     "        pass\n", [()], False),
    # a handler before the raise cannot guard it
    ("def f():\n    try:\n        pass\n    except A:\n        pass\n    raise A\n", [()],
     False),
    # a def inside an `if`: cut out and dedented, lines kept
    ("import sys\nif sys:\n    def f():\n        try:\n            raise A\n"
     "        except B:\n            pass\n", [(Guard(6, ("B",)),)], True),
    # a class body in a function: the function is parsed
    ("def f():\n    try:\n        class K:\n            raise A\n    except B:\n"
     "        pass\n", [(Guard(5, ("B",)),)], True),
    # a name defined in both branches of an `if`: the def holding the raise is cut out
    ("if x:\n    def f():\n        try:\n            raise A\n        except B:\n"
     "            pass\nelse:\n    def f():\n        pass\n", [(Guard(5, ("B",)),)], True),
    # module-level code: the whole file
    ("try:\n    raise A\nexcept B:\n    pass\n", [(Guard(3, ("B",)),)], True),
])
def test_file_guards_parse_only_what_a_handler_reaches(source, expected, parsed) -> None:
    from cq.scan.extract import scan_source

    facts = scan_source("m.py", source)
    reads: list[bool] = []

    def read() -> str:
        reads.append(True)
        return source

    assert file_guards(facts, list(facts.raises), read) == expected
    assert bool(reads) is parsed
