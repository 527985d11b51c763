"""Joins `used_by=`, `defines=`, `raises=` on small repositories: what counts as a use, a
definition and a raise."""

from __future__ import annotations

import pytest

from cq.details import RaiseRef

RAISERS = {"m.py": """\
class Boom(Exception):
    pass

def direct():
    raise Boom("x")

def by_class():
    raise Boom

def dotted():
    raise errors.Boom()

def reraised():
    try:
        direct()
    except Boom:
        raise

def alias():
    try:
        direct()
    except (KeyError, Boom) as exc:
        raise exc

def converted():
    try:
        direct()
    except Boom as exc:
        raise ValueError() from exc

def outer():
    def inner():
        raise Boom
    return inner

def bare_outside():
    raise
"""}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entity=function raises=class:Boom",
         {"direct", "by_class", "dotted", "reraised", "alias", "outer.inner"}),
        ("entity=function raises=class:errors.Boom", {"dotted"}),
        ("entity=function raises=class:ValueError", {"converted"}),
        ("entity=function raises=class:KeyError", {"alias"}),
        ("entity=function raises=class:Exception", set()),  # by name, no subclasses
    ],
)
def test_raises(ask, text: str, expected: set[str]) -> None:
    result = ask(text, RAISERS)
    assert {f.details.qualname for f in result.key_findings} == expected


def test_raises_details_list_the_sites(ask) -> None:
    (finding,) = ask("entity=function name=alias raises=class:Boom", RAISERS).key_findings
    assert finding.details.raises == (RaiseRef("exc", 23),)


USERS = {"app.py": """\
class Store:
    def save(self):
        return helper()

    def load(self):
        return self.save()

def helper():
    return 1

def save():
    return 2

def main():
    store = Store()
    store.save()
    def nested():
        return helper()
    return nested

def other():
    return save()
"""}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # helper is called by main.nested, not main; `store.save()` may be a module's save()
        # (calls resolve by name, as for expand=callees)
        ("entity=function used_by=function:main", {"save"}),
        ("entity=method used_by=function:main", {"Store.save"}),
        ("entity=class used_by=function:main", {"Store"}),
        ("entity=function used_by=function:main.nested", {"helper"}),
        ("entity=function used_by=method:Store.save", {"helper"}),
        ("entity=method used_by=method:load", {"Store.save"}),
        ("entity=function used_by=method:load", set()),  # self.save() is no function call
        ("entity=function used_by=function:other", {"save"}),
        ("entity=function used_by=function:~^(other|main)$", {"save"}),
        ("entity=function used_by=function:missing", set()),
    ],
)
def test_used_by(ask, text: str, expected: set[str]) -> None:
    assert {f.details.qualname for f in ask(text, USERS).key_findings} == expected


DEFINERS = {"pkg/a.py": "class A:\n    class Inner:\n        def run(self): pass\n"
                        "    def run(self): pass\n\ndef run(): pass\n",
            "pkg/b.py": "def make():\n    class A: pass\n    def run(): pass\n"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entity=module defines=function:run", {"pkg.a"}),
        ("entity=module defines=class:A", {"pkg.a"}),
        ("entity=module defines=class:~^A", {"pkg.a"}),
        ("entity=class defines=method:run", {"A", "A.Inner"}),
        ("entity=class defines=class:Inner", {"A"}),
        ("entity=class name=Inner defines=method:run", {"A.Inner"}),
    ],
)
def test_defines(ask, text: str, expected: set[str]) -> None:
    found = ask(text, DEFINERS).key_findings
    assert {getattr(f.details, "qualname", None) or f.details.module for f in found} == expected
