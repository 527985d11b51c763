"""`cq sig-impact` end to end on the committed sample `tests/repos/callgraph`: one table row per
binding rule (which sites break, with which reason, and how they bind today), the answer's
frame, the CLI with bad input, and the cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import all_findings, copy_sample, plain, run_macro
from cq.cli.app import run
from cq.errors import BadInputError
from cq.result import CqResult

ACCOUNTS, MONEY, AUDIT = "src/ledger/accounts.py", "src/ledger/money.py", "src/ledger/audit.py"
TRANSFERS, TESTS = "src/ledger/transfers.py", "tests/test_transfers.py"
STAR = "*args and **kwargs at the call site: positional count unknown"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("sig"), "callgraph")


def sig_impact(root: Path, target: str, to: str, **options) -> CqResult:
    return run_macro(root, "sig-impact", {"target": target, "to": to},
                     cache_dir=str(root.parent / "cache"), **options)


def verdicts(result: CqResult) -> dict[tuple[str, int], tuple[str, str, str]]:
    return {(f.anchor.file, f.anchor.line): (f.details.bucket, f.details.reason,
                                             f.details.current)
            for f in all_findings(result)}


CASES = [
    pytest.param("to_cents", "(amount, currency, /, *, rounding='half_even')", {
        (ACCOUNTS, 15): ("ok", "", "ok"), (ACCOUNTS, 19): ("ok", "", "ok"),
        (ACCOUNTS, 25): ("would_break", "positional-only parameter 'currency' passed by keyword",
                         "ok"),
        (MONEY, 20): ("ambiguous", STAR, "ambiguous")}, id="positional-only-by-keyword"),
    pytest.param("Auditor.note", "(self, event, *, level='info', actor)", {
        # auditor.note: the receiver is a parameter, so the site is only possible
        (AUDIT, 28): ("ambiguous", "receiver not resolved; missing required keyword-only "
                                   "argument 'actor'", "ok"),
        (AUDIT, 29): ("would_break", "missing required keyword-only argument 'actor'", "ok")},
        id="new-required-keyword-only"),
    pytest.param("to_cents", "(amount, /, *, currency='EUR', rounding='half_even')", {
        (ACCOUNTS, 15): ("would_break", "2 positional arguments given, at most 1 accepted",
                         "ok"),
        (ACCOUNTS, 19): ("would_break", "2 positional arguments given, at most 1 accepted",
                         "ok"),
        (ACCOUNTS, 25): ("ok", "", "ok"), (MONEY, 20): ("ambiguous", STAR, "ambiguous")},
        id="too-many-positionals"),
    pytest.param("record", "(event, account, **fields)", {
        (AUDIT, 11): ("ok", "", "ok"), (AUDIT, 23): ("ok", "", "ok"),
        (AUDIT, 15): ("ambiguous", "**kwargs at the call site: keyword arguments unknown",
                      "ambiguous")}, id="kwargs-at-site-with-missing-required"),
    pytest.param("record", "(event, /, account=None, **fields)", {
        (AUDIT, 11): ("ok", "", "ok"), (AUDIT, 23): ("ok", "", "ok"),
        (AUDIT, 15): ("would_break", "missing required positional argument 'event'",
                      "ambiguous")}, id="kwargs-at-site-cannot-supply-positional-only"),
    pytest.param("to_cents", "(amount, /, cur='EUR', *, rounding='half_even')", {
        (ACCOUNTS, 15): ("ok", "", "ok"), (ACCOUNTS, 19): ("ok", "", "ok"),
        (ACCOUNTS, 25): ("would_break", "unexpected keyword argument 'currency'", "ok"),
        (MONEY, 20): ("ambiguous", STAR, "ambiguous")}, id="renamed-parameter"),
    pytest.param("to_cents", "(amount, /, currency='EUR', *, rounding='half_even', strict=0)", {
        (ACCOUNTS, 15): ("ok", "", "ok"), (ACCOUNTS, 19): ("ok", "", "ok"),
        (ACCOUNTS, 25): ("ok", "", "ok"), (MONEY, 20): ("ambiguous", STAR, "ambiguous")},
        id="added-parameter-with-default"),
    pytest.param("Account.deposit", "(self, amount, /)", {
        (ACCOUNTS, 41): ("would_break", "unexpected keyword argument 'note'", "ok"),
        (TRANSFERS, 10): ("ambiguous", STAR, "ambiguous"),
        (TRANSFERS, 21): ("ok", "", "ok"), (TESTS, 14): ("ok", "", "ok")},
        id="bound-self-and-explicit-self"),
    pytest.param("Account.deposit", "(amount, /)", {
        (ACCOUNTS, 41): ("would_break", "unexpected keyword argument 'note'", "ok"),
        (TRANSFERS, 10): ("ambiguous", STAR, "ambiguous"),
        (TRANSFERS, 21): ("ok", "", "ok"), (TESTS, 14): ("ok", "", "ok")},
        id="method-signature-without-self"),
    pytest.param("record", "(event, account=None, **fields)", {
        (AUDIT, 11): ("ok", "", "ok"), (AUDIT, 23): ("ok", "", "ok"),
        (AUDIT, 15): ("ambiguous", "**kwargs at the call site: keyword arguments unknown",
                      "ambiguous")}, id="unknown-keyword-absorbed-by-kwargs"),
]


@pytest.mark.parametrize(("target", "to", "expected"), CASES)
def test_each_rule(repo: Path, target: str, to: str, expected) -> None:
    result = sig_impact(repo, target, to, no_cache=True)
    assert verdicts(result) == expected
    assert {f.category for f in all_findings(result)} == {"sig_site"}


@pytest.mark.parametrize(("target", "to", "site", "slots"), [
    ("Account.deposit", "(self, amount, /)", (TRANSFERS, 21),
     {"self": "arg 0", "amount": "arg 1"}),
    ("Account.deposit", "(self, amount, /)", (TESTS, 14), {"amount": "arg 0"}),
    ("record", "(event, account=None, **fields)", (AUDIT, 11),
     {"event": "arg 0", "account": "arg 1", "fields": "kw user"}),
    ("record", "(event, account, **fields)", (AUDIT, 15),
     {"event": "**kwargs", "account": "**kwargs", "fields": "**kwargs"}),
])
def test_slots_show_what_fills_each_parameter(repo: Path, target, to, site, slots) -> None:
    found = {(f.anchor.file, f.anchor.line): f for f in all_findings(
        sig_impact(repo, target, to, no_cache=True))}
    assert found[site].details.slots == slots


def test_the_answer_frame(repo: Path) -> None:
    result = sig_impact(repo, "to_cents", "(amount, /, *, currency='EUR', rounding='half_even')",
                        no_cache=True)
    assert [f.details.bucket for f in result.key_findings] == [
        "would_break", "would_break", "ambiguous"]
    assert [s.kind for s in result.sections] == ["ok", "signatures"]
    (ok,) = result.sections[0].findings
    assert (ok.anchor.file, ok.anchor.line, ok.anchor.col) == (ACCOUNTS, 25, 24)
    broken = result.key_findings[0]
    assert broken.severity == "error" and result.key_findings[2].severity == "warning"
    assert plain(broken.details) == {  # unset optional fields are left out
        "bucket": "would_break", "reason": "2 positional arguments given, at most 1 accepted",
        "slots": {}, "callee": "m.to_cents", "caller": "ledger.accounts.Account.__init__",
        "preview": "opening, currency", "evidence": "resolved", "current": "ok",
        "tier": "resolved",
        "n_positional": 2, "targets": ["ledger.money.to_cents"],
        "target": "ledger.money.to_cents"}
    assert result.key_findings[2].details.evidence == "dynamic"
    assert result.key_findings[2].score.confidence < broken.score.confidence
    summary = {k: result.summary[k] for k in (
        "would_break", "ambiguous", "ok", "sites", "files_with_calls", "breaks_today",
        "old_signature", "new_signature", "targets", "matches")}
    assert summary == {
        "would_break": 2, "ambiguous": 1, "ok": 1, "sites": 4, "files_with_calls": 2,
        "matches": 3,
        "breaks_today": 0, "old_signature": '(amount, /, currency="EUR", *, rounding="half_even")',
        "new_signature": "(amount, /, *, currency='EUR', rounding='half_even')",
        "targets": ["ledger.money.to_cents"]}
    assert result.summary["notes"] == ["4 call sites: 2 would break, 1 ambiguous, 1 ok"]


def test_a_site_already_broken_today_says_so(make_repo) -> None:
    root = make_repo({"pkg/mod.py": """
        def area(w, h):
            return w * h

        def use():
            return area(1, 2, 3), area(w=1, h=2)
        """})
    result = sig_impact(root, "area", "(w, h, /)", no_cache=True)
    rows = sorted((f.anchor.col, f.details.bucket, f.details.current,
                   f.details.current_reason) for f in all_findings(result))
    assert rows == [(11, "would_break", "would_break",
                     "3 positional arguments given, at most 2 accepted"),
                    (26, "would_break", "ok", None)]
    assert result.summary["breaks_today"] == 1
    # the change breaks only the second site: the first is not a key finding
    assert [f.anchor.col for f in result.key_findings] == [26]
    (today,) = [s for s in result.sections if s.kind == "already_broken"]
    assert [f.anchor.col for f in today.findings] == [11]
    assert (result.summary["matches"], result.summary["would_break"]) == (1, 2)
    assert result.summary["notes"] == [
        "2 call sites: 2 would break (1 of them already fails today), 0 ambiguous, 0 ok"]


def test_a_site_reaching_several_targets_binds_against_the_one_it_fits_today(
        make_repo) -> None:
    root = make_repo({"m.py": """
        class A:
            def size(self, x):
                return x

        class B:
            def size(self, x, y):
                return x + y

        def use(o):
            return o.size(1, 2)
        """})
    result = sig_impact(root, "size", "(self, x, y, z)", no_cache=True)
    (found,) = all_findings(result)
    assert found.details.targets == ("m.A.size", "m.B.size")
    assert (found.details.target, found.details.current) == ("m.B.size", "ok")
    assert (found.details.bucket, found.details.reason) == (  # `o` is a parameter
        "ambiguous", "receiver not resolved; missing required positional argument 'z'")
    assert result.key_findings == (found,)


def test_a_class_binds_its_init(repo: Path) -> None:
    result = sig_impact(repo, "ledger.accounts.Account", "(self, ident, owner)",
                        no_cache=True)
    assert verdicts(result) == {
        (TRANSFERS, 19): ("ok", "", "ok"),
        (TESTS, 6): ("would_break", "unexpected keyword argument 'opening'", "ok"),
        (TESTS, 7): ("ok", "", "ok")}


@pytest.mark.parametrize("to", ["f", "f(a, a)", "(a=1, b)", "f(a) + 1", "(*)"])
def test_bad_signature_is_bad_input(repo: Path, to: str) -> None:
    with pytest.raises(BadInputError, match="sig-impact: --to: cannot read the signature"):
        sig_impact(repo, "to_cents", to)


def test_cli_json_and_bad_input(repo: Path, capsys) -> None:
    base = ["--root", str(repo), "--no-save-artifact", "--cache-dir", str(repo.parent / "c")]
    code = run(["sig-impact", "to_cents", "--to", "(amount, /, cur='EUR', *, rounding=1)",
                "--format", "json", *base])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["run"]["macro"] == "sig-impact"
    assert payload["summary"]["would_break"] == 1
    assert run(["sig-impact", "to_cents", "--to", "(a, a)", *base]) == 2
    assert "cannot read the signature" in capsys.readouterr().err
    assert run(["sig-impact", "to_cents", *base]) == 2
    assert run(["sig-impact", "1x", "--to", "(a)", *base]) == 2


def test_second_run_is_a_cache_hit_and_the_signature_is_in_the_key(repo: Path) -> None:
    to = "(self, event, *, level='info', actor)"
    first = sig_impact(repo, "Auditor.note", to)
    second = sig_impact(repo, "Auditor.note", to)
    assert second.summary["cache"]["status"] == "hit"
    assert first.summary["cache"]["status"] != "hit"
    assert second.key_findings == first.key_findings and second.sections == first.sections
    other = sig_impact(repo, "Auditor.note", "(self, event, *, level='info')")
    assert other.summary["cache"]["status"] != "hit"
    assert other.summary["would_break"] == 0


def test_breaks_are_ranked_by_evidence_within_a_bucket(make_repo) -> None:
    root = make_repo({
        "a.py": "def use(box):\n    return box.put(1, 2)\n",
        "b.py": "from store import Store\n\n\ndef use():\n    return Store().put(1, 2)\n",
        "c.py": "from store import Store\n\n\ndef use(s: Store):\n    Store.put(s, 1, 2)\n",
        "store.py": "class Store:\n    def put(self, key, value):\n        return key\n"})
    result = sig_impact(root, "Store.put", "(self, key)", no_cache=True)
    # would_break surest first (c: resolved, b: `Store()` inferred), then a's possible site
    # (`box` is a parameter), which is only ambiguous
    assert [(f.anchor.file, f.details.evidence, f.details.bucket)
            for f in result.key_findings] == [
        ("c.py", "resolved", "would_break"), ("b.py", "inferred", "would_break"),
        ("a.py", "name", "ambiguous")]
