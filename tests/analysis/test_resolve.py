"""Call resolution (`cq.analysis.resolve`): targets, sites, evidence, bound_self and params,
on the committed sample `tests/repos/callgraph` and on small repositories built per case."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import REPOS, fact_source
from cq.analysis.resolve import Site, find_sites, find_targets, params_of, site_names
from cq.errors import BadInputError
from cq.funcspec import check_spec
from cq.index.source import FactSource

CALLGRAPH = REPOS / "callgraph"
ACCOUNTS, BASE, MONEY = "src/ledger/accounts.py", "src/ledger/base.py", "src/ledger/money.py"
REPORTS, TRANSFERS = "src/ledger/reports.py", "src/ledger/transfers.py"
TESTS = "tests/test_transfers.py"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> FactSource:
    return fact_source(CALLGRAPH, tmp_path_factory.mktemp("cache"))


@pytest.fixture
def repo_source(make_repo, tmp_path: Path):
    def build(files: dict[str, str]) -> FactSource:
        clean = {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}
        return fact_source(make_repo(clean), tmp_path / "cache")

    return build


Row = tuple[str, int, str, tuple[str, ...], bool]  # path, line, evidence, targets, bound_self


def rows(sites: list[Site]) -> list[Row]:
    return [(s.path, s.call.span.line, s.evidence, s.targets, s.bound_self) for s in sites]


def sites_of(source: FactSource, spec: str) -> list[Row]:
    return rows(find_sites(source, spec, find_targets(source, spec)))


# --- targets -----------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "labels"), [
    ("to_cents", ["ledger.money.to_cents"]),
    ("money.to_cents", ["ledger.money.to_cents"]),
    ("ledger.money.to_cents", ["ledger.money.to_cents"]),
    ("describe", ["ledger.accounts.Account.describe", "ledger.base.Entity.describe"]),
    ("Entity.describe", ["ledger.base.Entity.describe"]),
    ("format_amount", ["ledger.money.format_amount", "ledger.reports.format_amount"]),
    ("reports.format_amount", ["ledger.reports.format_amount"]),
    ("Account", ["ledger.accounts.Account"]),
    ("apply", ["ledger.transfers.batch.apply"]),
    ("batch.apply", ["ledger.transfers.batch.apply"]),
    ("SavingsAccount.deposit", ["ledger.accounts.Account.deposit"]),  # inherited
    ("Account.create", ["ledger.base.Entity.create"]),  # inherited across files
    ("ledger.cents", ["ledger.money.to_cents"]),  # re-exported by the package
    ("ledger.Account", ["ledger.accounts.Account"]),
    ("money.describe", []),
    ("nothing_here", []),
])
def test_find_targets(ledger: FactSource, spec: str, labels: list[str]) -> None:
    assert [t.label for t in find_targets(ledger, spec)] == labels


@pytest.mark.parametrize(("spec", "params"), [
    ("to_cents", [("amount", "positional_only"), ("currency", "positional_or_keyword"),
                  ("rounding", "keyword_only")]),
    ("convert", [("amount", "positional_or_keyword"), ("rate", "positional_or_keyword"),
                 ("args", "var_positional"), ("kwargs", "var_keyword")]),
    ("Account", [("self", "positional_or_keyword"), ("ident", "positional_or_keyword"),
                 ("owner", "positional_or_keyword"), ("currency", "keyword_only"),
                 ("opening", "keyword_only")]),
    ("SavingsAccount", [("self", "positional_or_keyword"), ("ident", "positional_or_keyword"),
                        ("owner", "positional_or_keyword"), ("currency", "keyword_only"),
                        ("opening", "keyword_only")]),  # __init__ through the base class
])
def test_params_of(ledger: FactSource, spec: str, params: list[tuple[str, str]]) -> None:
    (target,) = find_targets(ledger, spec)
    assert [(p.name, p.kind) for p in params_of(target, ledger)] == params


def test_params_of_a_class_without_init_is_empty(repo_source) -> None:
    source = repo_source({"m.py": "class Plain:\n    x = 1\n\nPlain()\n"})
    (target,) = find_targets(source, "Plain")
    assert params_of(target, source) == ()


@pytest.mark.parametrize("spec", ["", "  ", "a b", "1abc", "a..b", ".a", "a.", "def",
                                  "f(x)", "a-b"])
def test_bad_specs(ledger: FactSource, spec: str) -> None:
    with pytest.raises(BadInputError):
        find_targets(ledger, spec)
    with pytest.raises(BadInputError):
        check_spec(spec)


def test_site_names_add_the_targets_names_for_dotted_specs(ledger: FactSource) -> None:
    assert site_names("cents", []) == ["cents"]
    assert site_names("ledger.cents", find_targets(ledger, "ledger.cents")) == [
        "cents", "to_cents"]


# --- sites on the sample repository --------------------------------------------------------

M_TO_CENTS = ("ledger.money.to_cents",)
DEPOSIT = ("ledger.accounts.Account.deposit",)


@pytest.mark.parametrize(("spec", "expected"), [
    pytest.param("to_cents", [
        (ACCOUNTS, 15, "resolved", M_TO_CENTS, False),  # import ledger.money as m
        (ACCOUNTS, 19, "resolved", M_TO_CENTS, False),
        (ACCOUNTS, 25, "resolved", M_TO_CENTS, False),
        (MONEY, 20, "resolved", M_TO_CENTS, False),  # a def in the same module
    ], id="module-alias-and-local-def"),
    pytest.param("money.format_amount", [
        (ACCOUNTS, 29, "resolved", ("ledger.money.format_amount",), False),  # as fmt
        (REPORTS, 23, "resolved", ("ledger.money.format_amount",), False),  # full path
        (REPORTS, 45, "resolved", ("ledger.money.format_amount",), False),  # as cash
    ], id="from-import-alias-and-dotted-module"),
    pytest.param("reports.format_amount", [
        (REPORTS, 33, "resolved", ("ledger.reports.format_amount",), False),
    ], id="local-def-shadows-nothing-else"),
    pytest.param("Account.deposit", [
        (ACCOUNTS, 41, "self", DEPOSIT, True),  # self.deposit in a subclass
        (TRANSFERS, 10, "name", DEPOSIT, True),  # dst.deposit: unknown receiver
        (TRANSFERS, 21, "resolved", DEPOSIT, False),  # Account.deposit(first, 10)
        (TESTS, 14, "name", DEPOSIT, True),
    ], id="self-class-method-and-unknown-receiver"),
    pytest.param("Account.label", [
        (ACCOUNTS, 42, "self", ("ledger.base.Entity.label",), True),  # base in another file
        (BASE, 17, "self", ("ledger.base.Entity.label",), True),
    ], id="self-through-base-class"),
    pytest.param("Entity.register", [
        (BASE, 27, "self", ("ledger.base.Entity.register",), True),  # cls.m, classmethod
    ], id="cls-classmethod"),
    pytest.param("Account.create", [
        (TRANSFERS, 20, "resolved", ("ledger.base.Entity.create",), True),
    ], id="class-classmethod-inherited"),
    pytest.param("Entity.normalise", [
        (ACCOUNTS, 12, "resolved", ("ledger.base.Entity.normalise",), False),
    ], id="staticmethod"),
    pytest.param("Account", [
        (TRANSFERS, 19, "resolved", ("ledger.accounts.Account",), True),
        (TESTS, 6, "resolved", ("ledger.accounts.Account",), True),
        (TESTS, 7, "resolved", ("ledger.accounts.Account",), True),
    ], id="class-call-binds-init"),
    pytest.param("Entity.describe", [
        (ACCOUNTS, 32, "self", ("ledger.base.Entity.describe",), True),  # super().describe
        (TRANSFERS, 37, "name", ("ledger.base.Entity.describe",), True),
    ], id="super"),
    pytest.param("apply", [
        (TRANSFERS, 32, "resolved", ("ledger.transfers.batch.apply",), False),
    ], id="nested-function"),
    pytest.param("ledger.cents", [
        (ACCOUNTS, 15, "resolved", M_TO_CENTS, False),
        (ACCOUNTS, 19, "resolved", M_TO_CENTS, False),
        (ACCOUNTS, 25, "resolved", M_TO_CENTS, False),
        (MONEY, 20, "resolved", M_TO_CENTS, False),
    ], id="re-exported-alias"),
])
def test_sites(ledger: FactSource, spec: str, expected: list[Row]) -> None:
    assert sites_of(ledger, spec) == expected


def test_a_bare_name_keeps_every_call_and_only_labels_evidence(ledger: FactSource) -> None:
    join = ("ledger.money.join",)
    assert sites_of(ledger, "join") == [
        (MONEY, 25, "name", join, False),  # sep.join: sep is a parameter
        (REPORTS, 18, "name", join, False),
        (REPORTS, 25, "resolved", (), True),  # "\n".join: str.join, not the repository's
        (REPORTS, 34, "resolved", join, False),  # cash.join
        (TRANSFERS, 33, "resolved", join, False),  # money.join (from . import money)
        (TRANSFERS, 37, "resolved", (), True),  # ", ".join
        (TRANSFERS, 38, "resolved", join, False),
    ]


def test_a_dotted_spec_drops_calls_resolved_elsewhere(ledger: FactSource) -> None:
    found = find_sites(ledger, "money.join", find_targets(ledger, "money.join"))
    tiers = {(s.path, s.call.span.line): s.tier for s in found}
    assert [site for site, tier in tiers.items() if tier != "excluded"] == [
        (MONEY, 25), (REPORTS, 18), (REPORTS, 34), (TRANSFERS, 33), (TRANSFERS, 38)]
    # string-literal receivers are str.join: excluded (counted, with the reason)
    assert [site for site, tier in tiers.items() if tier == "excluded"] == [
        (REPORTS, 25), (TRANSFERS, 37)]
    assert [row[:2] for row in sites_of(ledger, "str.join")] == [
        (MONEY, 25), (REPORTS, 18), (REPORTS, 25), (TRANSFERS, 37)]


def test_callers_are_full_names(ledger: FactSource) -> None:
    spec = "transfer"
    callers = [s.caller for s in find_sites(ledger, spec, find_targets(ledger, spec))]
    assert callers == ["ledger.transfers.transfer_converted", "ledger.transfers.batch.apply",
                       "tests.test_transfers.test_transfer_moves_money"]


# --- sites on small repositories -----------------------------------------------------------

CASES = {
    "subclass-override": (
        {"shapes.py": """
            class Shape:
                def describe(self):
                    return self.area()

                def area(self):
                    return 0


            class Square(Shape):
                def area(self):
                    return 4
            """},
        "Square.area",
        [("shapes.py", 3, "self", ("shapes.Square.area",), True)]),
    "unrelated-class-self-is-dropped": (
        {"a.py": """
            class A:
                def run(self):
                    return 1


            class B:
                def run(self):
                    return 2

                def go(self):
                    return self.run()


            def use(x):
                return x.run()
            """},
        "A.run",
        [("a.py", 15, "name", ("a.A.run",), True)]),
    "import-alias-of-function": (
        {"lib/__init__.py": "",
         "lib/util.py": "def helper(x, *, flag=False):\n    return x\n",
         "app.py": """
            from lib.util import helper as h
            import lib.util as u
            import lib.util


            def main():
                h(1)
                u.helper(2, flag=True)
                lib.util.helper(3)
                helper(4)
            """},
        "util.helper",
        [("app.py", 7, "resolved", ("lib.util.helper",), False),
         ("app.py", 8, "resolved", ("lib.util.helper",), False),
         ("app.py", 9, "resolved", ("lib.util.helper",), False)]),
    "relative-import-and-star": (
        {"pkg/__init__.py": "",
         "pkg/core.py": "def go():\n    return 1\n",
         "pkg/a.py": "from .core import go\n\ngo()\n",
         "pkg/b.py": "from pkg.core import *\n\ngo()\n"},
        "core.go",
        [("pkg/a.py", 3, "resolved", ("pkg.core.go",), False),
         ("pkg/b.py", 3, "resolved", ("pkg.core.go",), False)]),
    "nested-function-shadows-module-def": (
        {"n.py": """
            def step():
                return 0


            def outer():
                def step():
                    return 1
                return step()


            step()
            """},
        "outer.step",
        [("n.py", 8, "resolved", ("n.outer.step",), False)]),
    "external-module-is-not-the-target": (
        {"paths.py": """
            import os.path
            from os.path import join as pjoin


            def join(a, b):
                return a + b


            join(1, 2)
            os.path.join("a", "b")
            pjoin("a", "b")
            """},
        "paths.join",
        [("paths.py", 9, "resolved", ("paths.join",), False)]),
    "external-spec-matches-external-calls": (
        {"paths.py": "import os.path\nimport os\n\nos.path.join('a')\nos.sep.join([])\n"},
        "os.path.join",
        [("paths.py", 4, "resolved", (), False)]),
    "classmethod-via-instance-and-static-via-self": (
        {"k.py": """
            class K:
                @classmethod
                def make(cls):
                    return cls()

                @staticmethod
                def tool(x):
                    return x

                def run(self):
                    self.make()
                    self.tool(1)
                    K.make()
                    K.tool(2)
            """},
        "K",
        []),
    "base-through-star-import": (
        {"base_mod.py": "class Root:\n    def ping(self):\n        return 1\n",
         "leaf.py": """
            from base_mod import *


            class Leaf(Root):
                def go(self):
                    return self.ping()
            """},
        "Root.ping",
        [("leaf.py", 6, "self", ("base_mod.Root.ping",), True)]),
    "base-bound-nowhere-found-by-name": (
        {"base_mod.py": "class Root:\n    def ping(self):\n        return 1\n",
         "leaf.py": "class Leaf(Root):\n    def go(self):\n        return self.ping()\n"},
        "Leaf.ping",
        [("leaf.py", 3, "self", ("base_mod.Root.ping",), True)]),
    "package-star-re-export": (
        {"pkg/__init__.py": "from pkg.base import *\n",
         "pkg/base.py": "def helper(x):\n    return x\n",
         "app.py": """
            import pkg
            from pkg import helper as h


            h(1)
            pkg.helper(2)
            """},
        "base.helper",
        [("app.py", 5, "resolved", ("pkg.base.helper",), False),
         ("app.py", 6, "resolved", ("pkg.base.helper",), False)]),
    "base-through-package-star-re-export": (
        {"pkg/__init__.py": "from pkg.base import *\n",
         "pkg/base.py": "class Base:\n    def step(self, a):\n        return a\n",
         "child.py": """
            import pkg


            class Child(pkg.Base):
                def step(self, a):
                    return super().step(a)
            """},
        "Base.step",
        [("child.py", 6, "self", ("pkg.base.Base.step",), True)]),
    "super-never-reaches-its-own-class": (
        {"child.py": """
            from unknown import Base


            class Child(Base):
                def step(self, a):
                    return super().step(a)


            def use(x):
                return x.step(1)
            """},
        "Child.step",
        [("child.py", 10, "name", ("child.Child.step",), True)]),
    "a-parameter-shadows-an-import": (
        {"lib.py": "def helper(x):\n    return x\n",
         "app.py": """
            from lib import helper


            def run(helper, p):
                return helper(p)


            def go(p):
                return helper(p)
            """},
        "lib.helper",
        [("app.py", 9, "resolved", ("lib.helper",), False)]),
    "module-level-assignment-alias": (
        {"lib.py": "def helper(x):\n    return x\n",
         "pkg/__init__.py": "from pkg import impl\n\nrun = impl.helper\n",
         "pkg/impl.py": "from lib import helper\n",
         "app.py": """
            import lib
            import pkg
            from lib import helper

            h = lib.helper
            g = helper
            h(1)
            g(2)
            pkg.run(3)
            """},
        "lib.helper",
        [("app.py", 7, "resolved", ("lib.helper",), False),
         ("app.py", 8, "resolved", ("lib.helper",), False)]),
}


@pytest.mark.parametrize(("files", "spec", "expected"), list(CASES.values()), ids=list(CASES))
def test_sites_in_small_repositories(repo_source, files, spec, expected) -> None:
    assert sites_of(repo_source(files), spec) == expected


@pytest.mark.parametrize(("spec", "expected"), [
    ("K.make", [(11, "self", True), (13, "resolved", True)]),
    ("K.tool", [(12, "self", False), (14, "resolved", False)]),
])
def test_bound_self_by_decorator(repo_source, spec, expected) -> None:
    files, _, _ = CASES["classmethod-via-instance-and-static-via-self"]
    found = sites_of(repo_source(files), spec)
    assert [(line, evidence, bound) for _, line, evidence, _, bound in found] == expected


def test_a_module_level_alias_re_exports_a_def(repo_source) -> None:
    files, _, _ = CASES["module-level-assignment-alias"]
    source = repo_source(files)
    assert [t.label for t in find_targets(source, "pkg.run")] == ["lib.helper"]
    assert [row[:3] for row in sites_of(source, "pkg.run")] == [
        ("app.py", 7, "resolved"), ("app.py", 8, "resolved"),
        ("app.py", 9, "resolved")]  # every call of the def it names


def test_sites_load_only_files_with_the_name(repo_source) -> None:
    source = repo_source({"a.py": "def f():\n    pass\n\nf()\n", "b.py": "x = 1\n",
                          "c.py": "import a\n\na.f()\n"})
    sites = find_sites(source, "f", find_targets(source, "f"))
    assert [(s.path, s.evidence) for s in sites] == [("a.py", "resolved"), ("c.py", "resolved")]
    assert sorted(f.path for f in source.loaded()) == ["a.py", "c.py"]
