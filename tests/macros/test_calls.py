"""`cq calls FUNC` on the committed sample `tests/repos/callgraph`: sites, counts, sections
and the signature; bad input; the CLI; the query cache; and, on every committed sample
repository, the same call sites as the stdlib `ast` answer key (`tests/oracle.py`)."""

from __future__ import annotations

import ast
import json
from collections import Counter
from pathlib import Path

import pytest

import oracle
from conftest import REPOS, answer_bytes, copy_sample, plain, run_macro
from cq.discover import discover_files
from cq.errors import BadInputError
from cq.macros.compute.calls import NAME_ONLY, shape_of
from cq.result import CqResult

ACCOUNTS, MONEY = "src/ledger/accounts.py", "src/ledger/money.py"
REPORTS, TRANSFERS = "src/ledger/reports.py", "src/ledger/transfers.py"
SAMPLES = sorted(p.name for p in REPOS.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("calls"), "callgraph")


def ask(root: Path, target: str, **options) -> CqResult:
    return run_macro(root, "calls", {"target": target}, **options)


def sites(result: CqResult) -> list[tuple[str, int]]:
    return [(f.anchor.file, f.anchor.line) for f in result.key_findings]


def section(result: CqResult, kind: str):
    (found,) = [s for s in result.sections if s.kind == kind]
    return found


@pytest.mark.parametrize(("spec", "expected", "files", "scanned"), [
    ("to_cents", [(ACCOUNTS, 15), (ACCOUNTS, 19), (ACCOUNTS, 25), (MONEY, 20)], 2, 3),
    ("join", [(MONEY, 25), (REPORTS, 18), (REPORTS, 34), (TRANSFERS, 33),
              (TRANSFERS, 38)], 3, 3),  # and two str.join calls, excluded
    ("money.join", [(MONEY, 25), (REPORTS, 18), (REPORTS, 34), (TRANSFERS, 33),
                    (TRANSFERS, 38)], 3, 3),
    ("money.format_amount", [(ACCOUNTS, 29), (REPORTS, 23), (REPORTS, 45)], 2, 3),
    ("Account.deposit", [(ACCOUNTS, 41), (TRANSFERS, 10), (TRANSFERS, 21),
                         ("tests/test_transfers.py", 14)], 3, 3),
    ("missing_function", [], 0, 0),
])
def test_sites_and_counts(ledger: Path, spec, expected, files, scanned) -> None:
    result = ask(ledger, spec, no_cache=True)
    assert sites(result) == expected
    assert {f.category for f in result.key_findings} <= {"call_site"}
    summary = result.summary
    assert summary["matches"] == len(expected)
    assert summary["files_with_calls"] == files  # files with a call, not just the text
    in_scope = len(oracle.python_files(ledger))
    assert (summary["files_scanned"], summary["files_in_scope"]) == (scanned, in_scope)


def test_site_details(ledger: Path) -> None:
    result = ask(ledger, "transfer", no_cache=True)
    assert sites(result) == [(TRANSFERS, 15), (TRANSFERS, 30), ("tests/test_transfers.py", 8)]
    first = result.key_findings[0]
    assert plain(first.details) == {  # unset optional fields are left out
        "callee": "transfer", "name": "transfer", "caller": "ledger.transfers.transfer_converted",
        "targets": ["ledger.transfers.transfer"], "n_positional": 3, "keywords": ["note"],
        "preview": 'src, dst, cents / 100, note="fx"',
        "enclosing": "transfer_converted",
        "snippet": '    cents = convert(amount, rate, "USD", rounding="down")\n'
                   '    return transfer(src, dst, cents / 100, note="fx")\n',
        "snippet_line": 14, "evidence": "resolved", "tier": "resolved",
    }
    assert first.anchor.col == 11 and first.score.confidence_bucket == "high"
    assert result.key_findings[1].details.caller == "ledger.transfers.batch.apply"


def test_forwarding_and_bound_self(ledger: Path) -> None:
    result = ask(ledger, "deposit", no_cache=True)
    by_line = {f.anchor.line: f.details for f in result.key_findings}
    forwarded = by_line[10]  # dst.deposit(amount, *args, **kwargs)
    assert (forwarded.star_args, forwarded.star_kwargs, forwarded.forwarding) == (
        True, True, True)
    assert forwarded.evidence == "name" and forwarded.bound_self is True
    assert by_line[21].bound_self is False  # Account.deposit(first, 10)
    assert result.summary["forwarding"] == 1


@pytest.mark.parametrize(("spec", "kind", "notes", "counts"), [
    ("to_cents", "shapes", ("2 positional: 2", "1 positional + *args + **kwargs: 1",
                            "1 positional + kw[currency]: 1"),
     {"2 positional": 2, "1 positional + *args + **kwargs": 1,
      "1 positional + kw[currency]": 1}),
    ("deposit", "shapes", ("1 positional: 1", "1 positional + *args + **kwargs: 1",
                           "1 positional + kw[note]: 1", "2 positional: 1"), None),
    ("join", "keywords", ("sep: 2",), {"sep": 2}),
    ("to_cents", "keywords", ("currency: 1",), {"currency": 1}),
    ("to_cents", "contexts", ("ledger.accounts.Account.__init__: 1",
                              "ledger.accounts.Account.deposit: 1",
                              "ledger.accounts.Account.withdraw: 1",
                              "ledger.money.convert: 1"), None),
    ("join", "contexts", ("ledger.money.join: 1", "ledger.reports.Report.line: 1",
                          "ledger.reports.SummaryReport.render: 1",
                          "ledger.transfers.batch: 1", "ledger.transfers.summary: 1"), None),
])
def test_count_sections(ledger: Path, spec, kind, notes, counts) -> None:
    result = ask(ledger, spec, no_cache=True)
    found = section(result, kind)
    assert found.findings == () and found.notes == notes
    summary_counts = result.summary[kind]
    assert sum(summary_counts.values()) == sum(int(n.rsplit(": ", 1)[1]) for n in notes)
    if counts is not None:
        assert summary_counts == counts


def test_what_the_sites_resolve_to(ledger: Path) -> None:
    result = ask(ledger, "join", no_cache=True)
    rows = {"ledger.money.join": 3, NAME_ONLY: 2}
    assert section(result, "resolved_to").notes == tuple(f"{k}: {n}" for k, n in rows.items())
    assert result.summary["resolved_to"] == rows
    by_line = {(f.anchor.file, f.anchor.line): f.details for f in result.key_findings}
    assert by_line[REPORTS, 34].external is None
    # `"\n".join(rows)` calls str.join, not a join of the repository: excluded, with why
    excluded = {(r["file"], r["line"]): r for r in result.summary["excluded_sites"]}
    assert set(excluded) == {(REPORTS, 25), (TRANSFERS, 37)}
    assert excluded[REPORTS, 25]["external"] == "builtins.str.join"
    assert excluded[REPORTS, 25]["reason"] == "a str literal: calls builtins.str.join"


@pytest.mark.parametrize(("spec", "signatures", "first"), [
    ("to_cents", [(MONEY, 6, 'def to_cents(amount, /, currency="EUR", *, '
                             'rounding="half_even")')],
     'def to_cents(amount, /, currency="EUR", *, rounding="half_even")'),
    ("describe", [(ACCOUNTS, 31, "def describe(self, verbose=False)"),
                  ("src/ledger/base.py", 16, "def describe(self, verbose=False)")],
     "def describe(self, verbose=False)"),
    ("Account", [(ACCOUNTS, 8, "class Account(Entity)")], "class Account(Entity)"),
    ("nothing", [], None),
])
def test_signatures(ledger: Path, spec, signatures, first) -> None:
    result = ask(ledger, spec, no_cache=True)
    found = section(result, "signatures")
    assert {f.category for f in found.findings} <= {"definition"}
    assert [(f.anchor.file, f.anchor.line, f.details.signature)
            for f in found.findings] == signatures
    assert result.summary["signature"] == first
    assert result.summary["targets"] == [f.details.label for f in found.findings]
    assert bool(found.notes) == (not signatures)  # "no definition found" otherwise


def test_a_class_signature_shows_the_init_it_binds(ledger: Path) -> None:
    (definition,) = section(ask(ledger, "SavingsAccount", no_cache=True),
                            "signatures").findings
    assert definition.details.binds == (
        'SavingsAccount(self, ident, owner, *, currency="EUR", opening=0)')


@pytest.mark.parametrize(("args", "shape"), [
    ((0, (), False, False), "0 positional"),
    ((2, ("sep", "end"), False, False), "2 positional + kw[end,sep]"),
    ((1, (), True, True), "1 positional + *args + **kwargs"),
])
def test_shape_of(args, shape) -> None:
    assert shape_of(*args) == shape


@pytest.mark.parametrize("target", ["", "   ", "two words", "a..b", "9lives", "f()", "class"])
def test_bad_func_is_bad_input(ledger: Path, target: str) -> None:
    with pytest.raises(BadInputError):
        ask(ledger, target, no_cache=True)


def test_in_restricts_the_scope(ledger: Path) -> None:
    result = run_macro(ledger, "calls", {"target": "to_cents", "in_": "src/ledger/money.py"},
                       no_cache=True)
    assert sites(result) == [(MONEY, 20)] and result.summary["files_in_scope"] == 1


def test_cache_hit_equals_miss(ledger: Path, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    cold = ask(ledger, "Account.deposit", cache_dir=cache)
    warm = ask(ledger, "Account.deposit", cache_dir=cache)
    assert (cold.summary["cache"]["status"], warm.summary["cache"]["status"]) == ("miss", "hit")
    assert answer_bytes(cold) == answer_bytes(warm)


def test_cli(ledger: Path, run_cli) -> None:
    code, out, _ = run_cli(ledger, "calls", "money.to_cents", "--format", "json")
    assert code == 0
    found = json.loads(out)
    assert found["run"]["macro"] == "calls"
    assert [(f["anchor"]["file"], f["anchor"]["line"]) for f in found["key_findings"]] == [
        (ACCOUNTS, 15), (ACCOUNTS, 19), (ACCOUNTS, 25), (MONEY, 20)]


@pytest.mark.parametrize("args", [["not a name"], ["a..b"], []])
def test_cli_bad_input_exits_2(ledger: Path, run_cli, args) -> None:
    code, out, err = run_cli(ledger, "calls", *args)
    assert code == 2 and out == "" and err


# --- the answer key ---------------------------------------------------------------------------


def _ast_calls(root: Path, in_scope: set[str]) -> Counter[tuple[str, str, int]]:
    """(callee name, path, line) of every call `ast` finds, counted (one line may hold
    several calls of one name)."""
    counts: Counter[tuple[str, str, int]] = Counter()
    for path in oracle.python_files(root):
        rel = path.relative_to(root).as_posix()
        tree = oracle.parse_file(path)
        if tree is None or rel not in in_scope:
            continue
        for node in ast.walk(tree):
            name = oracle._callee_name(node.func) if isinstance(node, ast.Call) else None
            if name:
                counts[(name, rel, node.lineno)] += 1
    return counts


def _frequent(calls: Counter[tuple[str, str, int]]) -> list[str]:
    """The six most frequent callee names (ties by name)."""
    names: Counter[str] = Counter()
    for (name, _, _), count in calls.items():
        names[name] += count
    return [name for name, _ in sorted(names.items(), key=lambda r: (-r[1], r[0]))[:6]]


@pytest.mark.parametrize("sample", SAMPLES)
def test_bare_names_find_exactly_what_ast_finds(sample: str, tmp_path: Path) -> None:
    root = copy_sample(tmp_path, sample)
    in_scope = {ref.path for ref in discover_files(root).files}  # minus .ignore'd files
    calls = _ast_calls(root, in_scope)
    names = _frequent(calls)
    assert names
    for name in [*names, "join"]:
        result = ask(root, name, no_cache=True)
        found = sites(result) + [(row["file"], row["line"])  # every tier, excluded too
                                 for row in result.summary["excluded_sites"]]
        expected = {row for row in oracle.calls(root, name) if row[0] in in_scope}
        assert set(found) == expected, name
        assert Counter(found) == Counter({(path, line): n for (called, path, line), n
                                          in calls.items() if called == name}), name
        files = {f.anchor.file for f in result.key_findings}
        assert result.summary["files_with_calls"] == len(files), name


def test_calls_reads_no_raises_or_excepts(ledger: Path, tmp_path: Path) -> None:
    from conftest import fact_source
    from cq.macros.compute.calls import compute
    from cq.settings import resolve_settings

    source = fact_source(ledger, tmp_path / "cache")
    settings = resolve_settings({"root": str(ledger)}, env={})
    outcome = compute("join", source, discover_files(ledger), settings)
    assert outcome.summary["matches"] == 5
    assert source.kinds == ("defs", "calls", "imports", "assigns")
    assert all(not f.raises and not f.excepts for f in source.loaded())
