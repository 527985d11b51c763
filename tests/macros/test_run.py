"""The macro runner: argument checking, command text, request canonical form, filters."""

from __future__ import annotations

from pathlib import Path

import pytest

from cq.bounds import Bounds
from cq.errors import BadInputError
from cq.macros import get_macro
from cq.macros.run import FILTER_NAMES, check_args, command_text, options_of, prepare_request
from cq.macros.spec import Macro, MacroJob, Option
from cq.settings import resolve_settings


def _prepare(args, settings) -> MacroJob:
    return MacroJob(params=None, plan=("nothing",))


DEMO = Macro(name="demo", help="A demo.\n\nMore words.", prepare=_prepare, options=(
    Option("target", "the thing", required=True, positional=True),
    Option("depth", "levels", kind="int", default=2, bounds=Bounds(0, 9)),
    Option("cycles", "cycles only", kind="bool", default=False),
    Option("severity", "own severity (overrides the filter of the same name)"),
))


def test_options_put_own_first_then_scope_then_filters_not_overridden() -> None:
    names = [o.name for o in options_of(DEMO)]
    assert names[:4] == ["target", "depth", "cycles", "severity"]
    assert names[4] == "in_"
    assert names.count("severity") == 1
    assert set(FILTER_NAMES) - {"severity"} <= set(names)


@pytest.mark.parametrize(("given", "expected"), [
    ({"target": "f"}, {"target": "f", "depth": 2, "cycles": False}),
    ({"target": "f", "depth": "5"}, {"depth": 5}),
    ({"target": "f", "depth": 0}, {"depth": 0}),
    ({"target": "f", "cycles": True, "limit": "3"}, {"cycles": True, "limit": 3}),
    ({"target": "f", "in_": "src"}, {"in_": "src"}),
])
def test_check_args_converts_and_fills_defaults(given, expected) -> None:
    args = check_args(DEMO, given)
    assert expected.items() <= args.items()
    assert set(args) == {o.name for o in options_of(DEMO)}


@pytest.mark.parametrize(("given", "message"), [
    ({}, "missing TARGET"),
    ({"target": "f", "bogus": 1}, "unknown option 'bogus'"),
    ({"target": "f", "depth": "two"}, "demo: --depth must be a whole number in 0..9, got 'two'"),
    ({"target": "f", "depth": -1}, "demo: --depth must be a whole number in 0..9, got -1"),
    ({"target": "f", "depth": "10"}, "demo: --depth must be a whole number in 0..9, got '10'"),
    ({"target": "f", "depth": True}, "demo: --depth must be a whole number in 0..9, got True"),
    ({"target": "f", "cycles": "yes"}, "--cycles takes no value"),
    ({"target": "  "}, "needs a value"),
])
def test_check_args_rejects_bad_input(given, message) -> None:
    with pytest.raises(BadInputError) as raised:
        check_args(DEMO, given)
    assert message in raised.value.message


def test_command_text_leaves_defaults_out_and_quotes() -> None:
    args = check_args(DEMO, {"target": "a b", "depth": 3, "cycles": True, "limit": 4})
    assert command_text(DEMO, args) == "demo 'a b' --depth 3 --cycles --limit 4"


def test_filters_do_not_change_the_canonical_request(tmp_path: Path) -> None:
    settings = resolve_settings({"root": str(tmp_path)}, env={"HOME": str(tmp_path)})
    plain, _ = prepare_request(DEMO, settings, check_args(DEMO, {"target": "f"}))
    narrowed, _ = prepare_request(DEMO, settings, check_args(
        DEMO, {"target": "f", "limit": 1, "impact": "high", "include": "*.py"}))
    assert plain.canonical == narrowed.canonical
    assert narrowed.text.endswith("--impact high --limit 1")
    own, _ = prepare_request(DEMO, settings, check_args(DEMO, {"target": "f",
                                                               "severity": "error"}))
    assert own.canonical != plain.canonical  # an own option, not a filter


def test_unknown_macro_is_bad_input() -> None:
    with pytest.raises(BadInputError, match="unknown macro"):
        get_macro("nope")


@pytest.mark.parametrize(("summary", "expected"), [
    ({"breaks": 2, "ok": 1}, "2 would break · 1 fit"),
    ({"breaks": 1, "ok": 0}, "1 would break · 0 fits"),
    ({"ok": 3, "breaks": True}, "3 fits"),  # a flag is not a count
    ({}, ""),
])
def test_headline_from_summary_counts(summary, expected) -> None:
    macro = Macro(name="h", help="h", options=(), prepare=_prepare,
                  headline=(("breaks", "would break", "would break"), ("ok", "fit", "fits")))
    assert macro.headline_text(summary) == expected



def test_a_whole_number_option_declares_its_range() -> None:
    with pytest.raises(ValueError, match="declares no bounds"):
        Option("depth", "levels", kind="int")
    with pytest.raises(ValueError, match="only int options"):
        Option("name", "a name", bounds=Bounds(0, 1))


# every int option of every macro: (macro, option flag, other arguments, what it must be)
INT_OPTIONS = [
    ("impact", "--depth", ["f", "--param", "x"], "a whole number in 1..50"),
    ("impact", "--limit", ["f", "--param", "x"], "a whole number in 0..1000000"),
    ("hazards", "--limit", [], "a whole number in 0..1000000"),
    ("calls", "--limit", ["f"], "a whole number in 0..1000000"),
]
OUT_OF_RANGE = ["9223372036854775808", "1" + "0" * 30, "-1", "1000001", "1.5", "nan", "inf",
                "9" * 5000, ""]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize(("name", "flag", "others", "must"), INT_OPTIONS)
def test_int_options_out_of_range_exit_2_with_one_line(make_repo, run_cli, name: str,
                                                       flag: str, others: list[str],
                                                       must: str, value: str) -> None:
    root = make_repo({"a.py": "def f(x):\n    return x\n"})
    code, out, err = run_cli(root, name, *others, f"{flag}={value}")
    assert (code, out) == (2, ""), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"cq: error: {name}: {flag} must be {must}, got "), err
    assert len(err) < 300


def test_report_limit_is_checked_against_the_same_range(make_repo, run_cli) -> None:
    root = make_repo({"a.py": "def f(x):\n    return x\n"})
    code, _, err = run_cli(root, "report", "safety-reliability", "--target", "function:f",
                           "--limit", "1" + "0" * 30)
    assert code == 2
    assert err == ("cq: error: --limit must be a whole number in 0..1000000, got "
                   "'1000000000000000000000000000000'\n")


HAZARDOUS = {"pkg/a.py": "import importlib\n\n"
             + "".join(f"def load{i}(name):\n    return importlib.import_module(name)\n\n"
                       for i in range(12))
             + "def run(code):\n    eval(code)\n"}


def test_findings_rank_by_severity_then_impact(make_repo) -> None:
    from conftest import run_macro

    result = run_macro(make_repo(HAZARDOUS), "hazards", {})
    ranks = [("error", "warning", "info").index(f.severity) for f in result.key_findings]
    assert ranks == sorted(ranks) and result.key_findings[0].details.id == "eval"


def test_counts_block_counts_by_the_field_the_macro_names(make_repo) -> None:
    from conftest import run_macro

    result = run_macro(make_repo(HAZARDOUS), "hazards", {"limit": 2})
    by_rule = result.summary["counts"]["hazards by rule"]
    assert by_rule["eval"] == 1 and sum(by_rule.values()) == result.summary["matches"]
    assert len(result.key_findings) == 2 and result.summary["omitted"][0] > 0


@pytest.mark.parametrize(("name", "args", "label", "expected"), [
    ("imports", {}, "imports by kind", {"internal": 10, "stdlib": 8, "third_party": 2}),
    ("side-effects", {}, "effects by kind",
     {"call": 4, "ambient_read": 2, "decorator": 2, "global_mutation": 2}),
    ("scopes", {"target": "src/loops/effects.py"}, "scopes by kind", None),
    ("bytecode-surface", {"target": "src/loops/effects.py"}, "code objects by kind", None),
    ("impact", {"target": "register", "param": "cls"}, "sites by kind", None),
])
def test_every_macro_opens_with_a_counts_block(tmp_path, name, args, label, expected) -> None:
    from conftest import copy_sample, run_macro

    result = run_macro(copy_sample(tmp_path, "cycles"), name, args, no_cache=True)
    counts = result.summary["counts"][label]
    assert counts and (expected is None or counts == expected)
