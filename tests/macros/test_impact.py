"""`cq impact`: the interprocedural walk on small repositories (hops by position, keyword,
`*p`, `**p`, into classes and across files, the depth limit), end to end on the committed
sample `tests/repos/callgraph`, through the CLI, bad input and the query cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import copy_sample, fact_source, run_macro
from cq.analysis.flow import MAX_BY_NAME
from cq.cli.app import run
from cq.errors import BadInputError
from cq.macros.compute.impact import run_impact
from cq.result import CqResult, Finding

CORE, HELPERS = "pkg/core.py", "pkg/helpers.py"
HOPS: dict[str, str | bytes] = {
    "pkg/__init__.py": "",
    CORE: """\
        from pkg import helpers
        from pkg.helpers import gather, scale, spread


        def entry(value, other):
            kw = scale(factor=value)
            spread(*value)
            gather(**value)
            helpers.record(other, value)
            return deep(value)


        def deep(x):
            return deeper(x)


        def deeper(y):
            return leaf(y)


        def leaf(z):
            return z


        class Box:
            def __init__(self, content):
                self.content = content

            def put(self, item):
                return self.wrap(item)

            def wrap(self, thing):
                return [thing]


        def pack(item):
            box = Box(item)
            return box.put(item)
        """,
    HELPERS: """\
        def scale(base=1, factor=2):
            return base * factor


        def spread(a, b, *rest):
            return a + b


        def gather(first, *, second=0, **extra):
            return first


        def record(label, /, payload, *, when=None):
            log = {label: payload}
            return log
        """,
}
Repo = Callable[[dict[str, str | bytes]], Path]


def impact(root: Path, target: str, param: str | None, depth: int | None = None,
           **options: Any) -> CqResult:
    return run_macro(root, "impact", {"target": target, "param": param, "depth": depth},
                     cache_dir=str(root.parent / "cache"), **options)


def every_site(result: CqResult) -> list[Finding]:
    depth_sections = [s for s in result.sections if s.kind.startswith("depth_")]
    return [*result.key_findings, *(f for s in depth_sections for f in s.findings)]


def site(result: CqResult, file: str, line: int, kind: str) -> Finding:
    (found,) = [f for f in every_site(result) if (f.anchor.file, f.anchor.line,
                                                  f.details.kind) == (file, line, kind)]
    return found


def bound_to(finding: Finding) -> set[tuple[str, str]]:
    return {(b.function, b.param) for b in finding.details.bound_to}


@pytest.fixture
def hops(make_repo: Repo) -> Path:
    return make_repo(HOPS)


@pytest.mark.parametrize(
    ("line", "slot", "expected"),
    [
        pytest.param(6, "kw factor", {("pkg.helpers.scale", "factor")}, id="keyword"),
        pytest.param(7, "*args", {("pkg.helpers.spread", p) for p in ("a", "b", "rest")},
                     id="star-args"),
        pytest.param(8, "**kwargs", {("pkg.helpers.gather", p) for p in
                                     ("first", "second", "extra")}, id="star-kwargs"),
        pytest.param(9, "arg 1", {("pkg.helpers.record", "payload")}, id="module-alias"),
        pytest.param(10, "arg 0", {("pkg.core.deep", "x")}, id="same-file"),
    ],
)
def test_tainted_arguments_bind_to_the_callee_parameter(hops: Path, line: int, slot: str,
                                                        expected: set[tuple[str, str]]) -> None:
    finding = site(impact(hops, "entry", "value"), CORE, line, "call")
    assert finding.details.slot == slot
    assert bound_to(finding) == expected
    assert {b.evidence for b in finding.details.bound_to} == {"resolved"}
    assert (finding.details.depth, finding.details.evidence) == (1, "ast")


@pytest.mark.parametrize(
    ("file", "line", "kind", "function", "param"),
    [
        pytest.param(HELPERS, 2, "return", "pkg.helpers.scale", "factor", id="keyword-hop"),
        pytest.param(HELPERS, 6, "return", "pkg.helpers.spread", "a, b, rest", id="star-hop"),
        pytest.param(HELPERS, 10, "return", "pkg.helpers.gather", "first, second, extra",
                     id="kwargs-hop"),
        pytest.param(HELPERS, 14, "assign", "pkg.helpers.record", "payload", id="cross-file"),
        pytest.param(HELPERS, 15, "return", "pkg.helpers.record", "payload", id="flow-on"),
        pytest.param(CORE, 14, "call", "pkg.core.deep", "x", id="same-file-hop"),
    ],
)
def test_taint_continues_inside_the_callee(hops: Path, file: str, line: int, kind: str,
                                           function: str, param: str) -> None:
    finding = site(impact(hops, "entry", "value"), file, line, kind)
    assert finding.category == "taint_site"
    assert finding.details.depth == 2
    assert (finding.details.function, finding.details.param) == (function, param)
    assert finding.details.evidence == "resolved"


def test_the_other_parameter_reaches_only_its_own_slot(hops: Path) -> None:
    result = impact(hops, "entry", "other")
    assert [(f.anchor.line, f.details.kind) for f in result.key_findings] == [(9, "call")]
    assert bound_to(result.key_findings[0]) == {("pkg.helpers.record", "label")}
    assert result.summary["functions_reached"] == ["pkg.core.entry", "pkg.helpers.record"]
    assert result.summary["returns_tainted"] is False


CHAIN = ["pkg.core.deep", "pkg.core.deeper", "pkg.core.leaf"]


@pytest.mark.parametrize(
    ("depth", "reached", "by_depth"),
    [
        (1, CHAIN[:1], {"1": 2}),
        (2, CHAIN[:2], {"1": 2, "2": 2}),
        (3, CHAIN, {"1": 2, "2": 2, "3": 1}),
        (9, CHAIN, {"1": 2, "2": 2, "3": 1}),
    ],
)
def test_depth_limit(hops: Path, depth: int, reached: list[str],
                     by_depth: dict[str, int]) -> None:
    result = impact(hops, "deep", "x", depth)
    assert result.summary["functions_reached"] == reached
    assert result.summary["by_depth"] == by_depth
    assert {f.details.depth for f in every_site(result)} == {int(d) for d in by_depth}
    assert [s.kind for s in result.sections] == [f"depth_{d}" for d in by_depth if d != "1"
                                                 ] + ["callers"]


def test_calls_at_the_last_level_are_not_bound(hops: Path) -> None:
    shallow = impact(hops, "deep", "x", 1)
    assert site(shallow, CORE, 14, "call").details.bound_to == ()
    deeper = impact(hops, "deep", "x", 2)
    assert bound_to(site(deeper, CORE, 14, "call")) == {("pkg.core.deeper", "y")}


def test_class_calls_bind_init_and_methods_skip_self(hops: Path) -> None:
    result = impact(hops, "pack", "item", 3)
    assert bound_to(site(result, CORE, 37, "call")) == {("pkg.core.Box.__init__", "content")}
    assert bound_to(site(result, CORE, 38, "call")) == {("pkg.core.Box.put", "item")}
    store = site(result, CORE, 27, "attribute_store")
    assert (store.details.depth, store.details.target) == (2, "self.content")
    wrap = site(result, CORE, 33, "return")
    assert (wrap.details.function, wrap.details.depth) == ("pkg.core.Box.wrap", 3)
    # box.put: the receiver is a local `box = Box(...)`, inferred; the chain keeps the weakest
    assert wrap.details.evidence == "inferred"
    assert site(result, CORE, 27, "attribute_store").details.evidence == "resolved"


def test_self_calls_carry_self_evidence(hops: Path) -> None:
    result = impact(hops, "Box.put", "item")
    assert bound_to(site(result, CORE, 30, "call")) == {("pkg.core.Box.wrap", "thing")}
    assert site(result, CORE, 33, "return").details.evidence == "self"


def test_builtins_are_followed_only_when_rebound(make_repo: Repo) -> None:
    root = make_repo({"app.py": """\
        from tools import size as len


        def f(p):
            return len(p), str(p)
        """, "tools.py": """\
        def size(items):
            return items
        """})
    result = impact(root, "f", "p")
    calls = {f.details.callee: bound_to(f) for f in every_site(result)
             if f.details.kind == "call"}
    assert calls == {"len": {("tools.size", "items")}, "str": set()}


def test_decorated_async_and_nested_defs(make_repo: Repo) -> None:
    root = make_repo({"svc.py": """\
        import functools


        class Service:
            @functools.cache
            @staticmethod
            async def fetch(url):
                async def inner(url):
                    return url
                return await inner(url)


        def outer(url):
            def inner(other):
                return other
            return inner(url)
        """})
    fetch = impact(root, "Service.fetch", "url")
    assert [(f.anchor.line, f.details.kind) for f in fetch.key_findings] == [
        (10, "return"), (10, "call")]
    assert bound_to(fetch.key_findings[1]) == {("svc.Service.fetch.inner", "url")}
    outer = impact(root, "outer", "url")
    assert bound_to(site(outer, "svc.py", 16, "call")) == {("svc.outer.inner", "other")}
    assert site(outer, "svc.py", 15, "return").details.function == "svc.outer.inner"


def test_a_file_ast_cannot_parse_makes_the_answer_partial(make_repo: Repo) -> None:
    root = make_repo({"ok.py": "from bad import g\n\ndef f(p):\n    return g(p)\n",
                      "bad.py": "def g(x):\n    return x\n\ndef broken(:\n    pass\n"})
    result = impact(root, "f", "p")
    issues = [f for s in result.sections if s.kind == "file_issues" for f in s.findings]
    assert [(f.details.path, f.details.problem) for f in issues] == [
        ("bad.py", "SyntaxError: invalid syntax (line 4)")]
    assert result.summary["partial"] == ["1 file could not be analysed"]
    assert bound_to(site(result, "ok.py", 4, "call")) == {("bad.g", "x")}
    assert result.summary["functions_reached"] == ["ok.f"]


def test_a_class_target_stands_for_its_init(hops: Path) -> None:
    result = impact(hops, "Box", "content")
    assert result.summary["targets"] == ["pkg.core.Box.__init__"]
    assert [(f.anchor.line, f.details.kind) for f in result.key_findings] == [
        (27, "attribute_store")]
    callers = next(s for s in result.sections if s.kind == "callers")
    assert [(f.anchor.file, f.anchor.line, f.category) for f in callers.findings] == [
        (CORE, 37, "caller")]


def test_summary_and_sections(hops: Path) -> None:
    result = impact(hops, "entry", "value")
    summary = result.summary
    assert summary["param"] == "value" and summary["depth"] == 2
    assert summary["targets"] == ["pkg.core.entry"]
    assert summary["sites"] == len(every_site(result)) == sum(summary["by_depth"].values())
    assert summary["by_kind"] == {"assign": 2, "call": 6, "return": 6}
    assert summary["matches"] == len(result.key_findings) == summary["by_depth"]["1"]
    assert summary["files_with_sites"] == 2 and summary["returns_tainted"] is True
    depth_2 = result.sections[0]
    assert depth_2.kind == "depth_2" and depth_2.title.startswith("Depth 2")
    assert depth_2.notes == ("in pkg.core.deep, pkg.helpers.gather, pkg.helpers.record, "
                             "pkg.helpers.scale, pkg.helpers.spread",
                             "by kind: assign 1, call 1, return 5")
    keys = [(f.anchor.file, f.anchor.line, f.details.kind, f.details.function)
            for f in every_site(result)]
    assert len(keys) == len(set(keys))  # each site once
    assert all(f.score is not None for f in every_site(result))


def test_callers_section(make_repo: Repo) -> None:
    root = make_repo({**HOPS, "pkg/use.py": """\
        from pkg.core import entry
        import pkg.core as core


        def main(data):
            entry(data, 1)
            return core.entry(data, other=2)
        """})
    result = impact(root, "entry", "value")
    (callers,) = [s for s in result.sections if s.kind == "callers"]
    rows = [(f.anchor.line, f.details.caller, f.details.evidence) for f in callers.findings]
    assert rows == [(6, "pkg.use.main", "resolved"), (7, "pkg.use.main", "resolved")]
    assert callers.findings[1].details.targets == ("pkg.core.entry",)
    assert result.summary["callers"] == 2


@pytest.mark.parametrize(
    ("target", "param", "depth", "message"),
    [
        pytest.param("entry", None, None, "missing --param", id="missing-param"),
        pytest.param("entry", "nope", None, "has no parameter 'nope'", id="unknown-param"),
        pytest.param("entry", "1x", None, "not a parameter name", id="bad-param"),
        pytest.param("entry", "value", 0, "--depth must be a whole number in 1..50, got 0",
                     id="depth-0"),
        pytest.param("missing_func", "value", None, "no definition", id="no-target"),
        pytest.param("bad name", "value", None, "not a function name", id="bad-target"),
    ],
)
def test_bad_input(hops: Path, target: str, param: str | None, depth: int | None,
                   message: str) -> None:
    with pytest.raises(BadInputError) as raised:
        impact(hops, target, param, depth)
    assert message in raised.value.message


def test_unknown_parameter_names_the_valid_ones(hops: Path) -> None:
    with pytest.raises(BadInputError) as raised:
        impact(hops, "entry", "nope")
    assert raised.value.hint == "valid: other, value"


# --- end to end on tests/repos/callgraph -----------------------------------------------------


@pytest.fixture(scope="module")
def callgraph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("impact"), "callgraph")


TRANSFERS, MONEY, ACCOUNTS = ("src/ledger/transfers.py", "src/ledger/money.py",
                              "src/ledger/accounts.py")


def test_callgraph_follows_amount_across_files(callgraph: Path) -> None:
    result = impact(callgraph, "transfer_converted", "amount", 3, no_cache=True)
    key = [(f.anchor.line, f.details.kind) for f in result.key_findings]
    assert key == [(14, "assign"), (14, "call"), (15, "return"), (15, "call")]
    assert bound_to(site(result, TRANSFERS, 14, "call")) == {("ledger.money.convert", "amount")}
    assert bound_to(site(result, TRANSFERS, 15, "call")) == {
        ("ledger.transfers.transfer", "amount")}
    convert = site(result, MONEY, 20, "call")
    assert bound_to(convert) == {("ledger.money.to_cents", "amount")}
    assert site(result, MONEY, 7, "assign").details.depth == 3
    withdraw = site(result, ACCOUNTS, 23, "condition")
    assert (withdraw.details.function, withdraw.details.evidence) == (
        "ledger.accounts.Account.withdraw", "name")
    assert result.summary["functions_reached"] == [
        "ledger.accounts.Account.deposit", "ledger.accounts.Account.withdraw",
        "ledger.money.convert", "ledger.money.to_cents", "ledger.transfers.transfer",
        "ledger.transfers.transfer_converted"]


def test_callgraph_keyword_forwarding(callgraph: Path) -> None:
    result = impact(callgraph, "render_all", "options", no_cache=True)
    call = site(result, "src/ledger/reports.py", 45, "call")
    assert call.details.slot == "**kwargs"
    assert bound_to(call) == {("ledger.money.format_amount", "sep"),
                              ("ledger.money.format_amount", "symbol")}
    text = site(result, MONEY, 15, "assign")
    assert (text.details.param, text.details.names) == ("sep, symbol", ("sep",))


def test_callgraph_keyword_into_callee(callgraph: Path) -> None:
    result = impact(callgraph, "Account.withdraw", "self", no_cache=True)
    call = site(result, ACCOUNTS, 25, "call")
    assert call.details.slot == "kw currency"
    assert bound_to(call) == {("ledger.money.to_cents", "currency")}
    inside = site(result, MONEY, 7, "call")  # RATES.get(currency, 1.0)
    assert (inside.details.param, inside.details.slot) == ("currency", "arg 0")


def test_callgraph_aliased_import(callgraph: Path) -> None:
    result = impact(callgraph, "balance_text", "self", no_cache=True)
    call = site(result, ACCOUNTS, 29, "call")  # fmt = `from ledger.money import format_amount`
    assert bound_to(call) == {("ledger.money.format_amount", "cents"),
                              ("ledger.money.format_amount", "currency")}
    assert site(result, MONEY, 14, "assign").details.bound == ("whole", "part")


def test_cache_hit_equals_miss(callgraph: Path) -> None:
    first = impact(callgraph, "transfer", "amount")
    second = impact(callgraph, "transfer", "amount")
    assert second.summary["cache"]["status"] == "hit"
    assert second.key_findings == first.key_findings and second.sections == first.sections
    assert first.key_findings


def test_cli_json_and_bad_input(callgraph: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--root", str(callgraph), "--no-save-artifact", "--no-cache"]
    code = run(["impact", "transfer", "--param", "amount", "--depth", "1", *base,
                "--format", "json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert {f["details"]["kind"] for f in payload["key_findings"]} == {"call", "return"}
    assert payload["summary"]["depth"] == 1
    assert run(["impact", "transfer", *base]) == 2
    assert "missing --param" in capsys.readouterr().err
    assert run(["impact", "transfer", "--param", "nope", *base]) == 2
    assert "valid: amount, args, dst, kwargs, src" in capsys.readouterr().err
    assert run(["impact", "transfer", "--param", "amount", "--depth", "0", *base]) == 2


# --- resolution cost, fan-out and each site once ---------------------------------------------


FAN_OUT = {
    "app.py": """\
        from lib import helper


        def entry_point(p, box, crate):
            p.get(1)
            helper(p)
            box.put(p)
            return crate.stow(p)
        """,
    "lib.py": "def helper(x):\n    return x\n",
    "box.py": "class Box:\n    def put(self, item):\n        return item\n",
    **{f"mention{i}.py": "def unrelated(cache):\n    return cache.get('k'), cache.helper()\n"
       for i in range(4)},
    **{f"crate{i}.py": f"class Crate{i}:\n    def stow(self, thing):\n        return thing\n"
       for i in range(MAX_BY_NAME + 1)},
}


def test_a_tainted_call_is_resolved_without_loading_every_file_naming_it(
        make_repo: Repo) -> None:
    root = make_repo(FAN_OUT)
    source = fact_source(root, root.parent / "cache")
    run_impact(source, "entry_point", "p", 2)
    loaded = {f.path for f in source.loaded()}
    assert not any(path.startswith("mention") for path in loaded)


def test_a_wide_name_only_fan_out_is_not_followed_and_says_so(make_repo: Repo) -> None:
    result = impact(make_repo(FAN_OUT), "entry_point", "p")
    assert bound_to(site(result, "app.py", 6, "call")) == {("lib.helper", "x")}
    assert bound_to(site(result, "app.py", 7, "call")) == {("box.Box.put", "item")}
    assert bound_to(site(result, "app.py", 8, "call")) == set()
    assert result.summary["unfollowed"] == [
        {"callee": "crate.stow", "file": "app.py", "line": 8, "definitions": MAX_BY_NAME + 1}]
    (note,) = result.summary["notes"]
    assert note.startswith("1 tainted call not followed") and "crate.stow" in note
    assert site(result, "box.py", 3, "return").details.evidence == "name"


def test_a_function_reached_through_two_parameters_lists_its_sites_once(
        make_repo: Repo) -> None:
    root = make_repo({"m.py": """\
        def entry(value):
            pair(value, 1)
            pair(1, value)


        def pair(a, b):
            total = a + b
            return total
        """})
    result = impact(root, "entry", "value")
    inside = [(f.anchor.line, f.details.kind, f.details.param)
              for f in every_site(result) if f.details.function == "m.pair"]
    assert inside == [(7, "assign", "a, b"), (8, "return", "a, b")]
    assert result.summary["functions_reached"] == ["m.entry", "m.pair"]


def test_a_called_local_variable_is_not_followed(make_repo: Repo) -> None:
    root = make_repo({"sig.py": """\
        def receiver(func):
            return func


        def send(p, receivers, handler):
            from sig import receiver as direct
            for receiver in receivers:
                receiver(p)
            handler(p)
            return direct(p)
        """})
    result = impact(root, "send", "p")
    assert bound_to(site(result, "sig.py", 8, "call")) == set()
    assert bound_to(site(result, "sig.py", 9, "call")) == set()
    assert bound_to(site(result, "sig.py", 10, "call")) == {("sig.receiver", "func")}
    assert result.summary["functions_reached"] == ["sig.receiver", "sig.send"]


def test_an_unfollowed_call_is_listed_once_when_its_function_is_revisited(
        make_repo: Repo) -> None:
    root = make_repo({
        "m.py": """\
            def entry(value, box):
                pair(value, 1)
                pair(1, value)


            def pair(a, b):
                return box.stow(a + b)
            """,
        **{f"c{i}.py": f"class C{i}:\n    def stow(self, x):\n        return x\n"
           for i in range(MAX_BY_NAME + 1)}})
    result = impact(root, "entry", "value", 3)
    assert [(u["file"], u["line"]) for u in result.summary["unfollowed"]] == [("m.py", 7)]



def test_callers_keep_the_tiers_of_calls(tmp_path: Path) -> None:
    root = copy_sample(tmp_path, "receivers")
    result = impact(root, "QuerySet.filter", "conditions")
    (callers,) = [s for s in result.sections if s.kind == "callers"]
    tiers = {(f.anchor.line, f.details.callee): f.details.tier for f in callers.findings}
    assert tiers[(35, "request.filter")] == "possible"
    assert tiers[(36, "qs.filter")] == "resolved"
    assert not any("register" in callee for _, callee in tiers)  # a Library's filter
    assert callers.notes == ("7 resolved, 1 possible (receiver not resolved)",)
    assert (result.summary["callers_resolved"], result.summary["callers_possible"]) == (7, 1)
