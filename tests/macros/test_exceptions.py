"""`cq exceptions`: raise and catch sites of the sample `tests/repos/errors`, the caught /
uncaught rules (exact name, tuple, bare, broad, base classes, except*, re-raises, nesting),
handler shapes, `--function`, the CLI and the query cache."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from conftest import copy_sample, plain, run_macro
from cq.errors import BadInputError
from cq.result import CqResult, Finding

ORDERS = "src/shop/orders.py"
BROKEN = "src/shop/broken.py"
BROKEN_TEXT = ('def fine():\n    try:\n        raise ValueError("x")\n    except ValueError:\n'
               '        pass\n\n\ndef bad(:\n    raise KeyError("k")\n')


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("exc"), "errors")


def ask(root: Path, function: str | None = None, **options) -> CqResult:
    return run_macro(root, "exceptions", {"function": function}, **options)


def line_of(root: Path, marker: str, path: str = ORDERS) -> int:
    lines = (root / path).read_text().splitlines()
    (found,) = [n for n, text in enumerate(lines, 1) if text.rstrip().endswith(marker)]
    return found


def section(result: CqResult, kind: str) -> tuple[Finding, ...]:
    found = [s for s in result.sections if s.kind == kind]
    return found[0].findings if found else ()


def raises_by_line(result: CqResult) -> dict[int, Finding]:
    return {f.anchor.line: f for kind in ("uncaught", "caught", "unjudged")
            for f in section(result, kind)}


# --- caught or not -------------------------------------------------------------------------


@pytest.mark.parametrize(("marker", "caught", "evidence", "raised"), [
    ("# caught: exact name", True, "ast", ["ValueError"]),
    ("# caught: tuple", True, "ast", ["KeyError"]),
    ("# caught: bare handler", True, "ast", ["OSError"]),
    ("# caught: Exception through the repo hierarchy", True, "name", ["OutOfStock"]),
    ("# caught: repo base class", True, "name", ["errors.OutOfStock"]),
    ("# caught: builtin base class", True, "name", ["FileNotFoundError"]),
    ("# caught: except*", True, "ast", ["ValueError"]),
    ("# caught: Exception assumed past the repo", True, "name", ["errors.PluginError"]),
    ("# caught: outer LookupError", True, "name", ["KeyError"]),
    ("# uncaught: sibling type", False, "name", ["KeyError"]),
    ("# uncaught: BaseException-only", False, "name", ["Fatal"]),
    ("# uncaught: inside the handler", False, "ast", ["RuntimeError"]),
    ("# uncaught: re-raise", False, "ast", ["ValueError"]),
    ("# uncaught: nested def", False, "ast", ["ValueError"]),
    ("# uncaught: else branch", False, "ast", ["ValueError"]),
    ("# uncaught: no handler", False, "ast", ["OutOfStock"]),
    ("# uncaught: re-raise of anything", False, "ast", ["BaseException"]),
    ("# uncaught: module level", False, "ast", ["SystemExit"]),
])
def test_raise_verdicts(shop: Path, marker, caught, evidence, raised) -> None:
    result = ask(shop, no_cache=True)
    line = line_of(shop, marker)
    finding = raises_by_line(result)[line]
    assert finding.category == "raise" and finding.anchor.file == ORDERS
    assert finding.details.caught is caught
    assert finding.details.evidence == evidence
    assert list(finding.details.raised) == raised
    assert finding.details.caught_by == ((line + 1,) if caught else ())
    kind = "caught" if caught else "uncaught"
    assert finding in section(result, kind)


def test_raise_details(shop: Path) -> None:
    found = raises_by_line(ask(shop, no_cache=True))
    wrapped = found[line_of(shop, "# uncaught: inside the handler")]
    assert plain(wrapped.details) | {"evidence": "-"} == {  # unset fields are left out
        "exc_type": "RuntimeError", "message": '"wrapped"', "cause": "None",
        "function": "shop.orders.in_handler", "raised": ["RuntimeError"],
        "qualified": ["RuntimeError"], "caught": False, "evidence": "-"}
    bare = found[line_of(shop, "# uncaught: re-raise")]
    assert (bare.details.bare, bare.details.exc_type) == (True, None)
    module_level = found[line_of(shop, "# uncaught: module level")]
    assert module_level.details.function is None


def test_sections_partition_every_raise(shop: Path) -> None:
    result = ask(shop, no_cache=True)
    text = (shop / ORDERS).read_text().splitlines()
    marked = {n for n, line in enumerate(text, 1) if "# caught:" in line or "# uncaught:" in line}
    assert {f.anchor.line for f in section(result, "uncaught")} == {
        n for n in marked if "# uncaught:" in text[n - 1]}
    assert {f.anchor.line for f in section(result, "caught")} == {
        n for n in marked if "# caught:" in text[n - 1]}
    assert [s.title for s in result.sections] == ["Uncaught raises", "Caught raises", "Handlers"]


def test_key_findings_name_each_escaping_type(shop: Path) -> None:
    result = ask(shop, no_cache=True)
    escapes = {f.details.exc_type: f.details.sites for f in result.key_findings}
    assert escapes == {"KeyError": 1, "shop.errors.Fatal": 1, "RuntimeError": 1,
                       "ValueError": 3, "shop.errors.OutOfStock": 1, "BaseException": 1,
                       "SystemExit": 1}
    value = next(f for f in result.key_findings if f.details.exc_type == "ValueError")
    assert value.anchor.line == line_of(shop, "# uncaught: re-raise")
    assert value.details.functions == ("shop.orders.in_else", "shop.orders.nested_def.inner",
                                       "shop.orders.reraise")


def test_key_findings_rank_the_most_common_escape_first(shop: Path) -> None:
    result = ask(shop, no_cache=True)
    sites = [(f.details.sites, f.details.exc_type) for f in result.key_findings]
    assert sites[0] == (3, "ValueError")
    assert sites == sorted(sites, key=lambda pair: (-pair[0], pair[1]))


def test_one_key_finding_per_type_however_it_is_spelled(make_repo) -> None:
    root = make_repo({
        "pkg/__init__.py": "", "pkg/errors.py": "class AppError(Exception):\n    pass\n",
        "pkg/a.py": "from pkg import errors\n\ndef f():\n    raise errors.AppError()\n",
        "pkg/b.py": "from .errors import AppError as E\n\ndef g():\n    raise E\n",
        "pkg/c.py": "import pkg.errors\n\ndef h():\n    raise pkg.errors.AppError()\n",
        "pkg/d.py": "class Local(Exception):\n    pass\n\ndef k():\n    raise Local()\n"
                    "\ndef m():\n    raise ValueError\n"})
    result = ask(root, no_cache=True)
    assert {f.details.exc_type: f.details.sites for f in result.key_findings} == {
        "pkg.errors.AppError": 3, "pkg.d.Local": 1, "ValueError": 1}
    assert {f.details.qualified[0] for f in section(result, "uncaught")} == {
        "pkg.errors.AppError", "pkg.d.Local", "ValueError"}


def test_empty_sections_are_left_out(shop: Path) -> None:
    result = ask(shop, "inner", no_cache=True)
    assert [s.kind for s in result.sections] == ["uncaught"]


def test_handlers_list_warnings_first(shop: Path) -> None:
    handlers = section(ask(shop, no_cache=True), "handlers")
    severities = [f.severity for f in handlers]
    assert severities == sorted(severities, key=lambda s: s != "warning")
    assert "info" in severities and "warning" in severities


def test_deeply_nested_code_is_judged(make_repo) -> None:
    deep = "+".join(["a"] * 2000)
    source = (f"x = {deep}\n\ndef f():\n    try:\n        raise KeyError(x)\n"
              "    except LookupError:\n        pass\n")
    (finding,) = section(ask(make_repo({"deep.py": source}), no_cache=True), "caught")
    assert (finding.anchor.line, finding.details.caught_by) == (5, (6,))


# --- handlers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("after", "types", "flags", "alias", "severity"), [
    ("# caught: exact name", ["ValueError"], set(), None, "info"),
    ("# caught: tuple", ["TypeError", "KeyError"], set(), "exc", "info"),
    ("# caught: bare handler", [], {"bare", "empty"}, None, "warning"),
    ("# caught: Exception through the repo hierarchy", ["Exception"], {"broad"}, None,
     "warning"),
    ("# caught: except*", ["ValueError"], {"star", "empty"}, None, "warning"),
    ("# uncaught: re-raise", None, None, None, None),  # the raise sits in the handler
    ("# uncaught: re-raise of anything", None, None, None, None),
])
def test_handler_shapes(shop: Path, after, types, flags, alias, severity) -> None:
    handlers = {f.anchor.line: f for f in section(ask(shop, no_cache=True), "handlers")}
    line = line_of(shop, after)
    if types is None:  # the handler holding this re-raise: it re-raises
        handler = handlers[line - 1]
        assert handler.details.reraises is True and handler.details.empty is False
        return
    handler = handlers[line + 1]
    assert handler.category == "catch" and handler.severity == severity
    assert list(handler.details.types) == types and handler.details.alias == alias
    on = {k for k in ("bare", "broad", "star", "empty", "reraises")
          if getattr(handler.details, k)}
    assert on == flags
    assert handler.details.evidence == "syntax"


def test_summary_counts(shop: Path) -> None:
    summary = ask(shop, no_cache=True).summary
    assert (summary["raises"], summary["uncaught"], summary["caught"]) == (18, 9, 9)
    assert summary["handlers"] == 18
    assert (summary["bare"], summary["broad"], summary["star"]) == (1, 4, 1)
    assert (summary["empty"], summary["reraises"]) == (9, 3)
    assert summary["by_raised_type"]["(re-raise)"] == 3
    assert summary["by_raised_type"]["ValueError"] == 4
    assert summary["by_caught_type"]["(bare)"] == 1
    assert summary["by_caught_type"]["Exception"] == 3
    assert (summary["matches"], summary["files_with_matches"], summary["files_in_scope"]) == (
        7, 1, 4)


# --- --function --------------------------------------------------------------------------------


@pytest.mark.parametrize(("function", "raises", "handlers"), [
    ("Basket", ["# uncaught: no handler", "# uncaught: re-raise of anything"], 2),
    ("Basket.total", ["# uncaught: re-raise of anything"], 2),
    ("shop.orders.nested_def", ["# uncaught: nested def"], 1),
    ("inner", ["# uncaught: nested def"], 0),
    ("exact", ["# caught: exact name"], 1),
])
def test_function_keeps_sites_inside(shop: Path, function, raises, handlers) -> None:
    result = ask(shop, function, no_cache=True)
    assert sorted(raises_by_line(result)) == sorted(line_of(shop, m) for m in raises)
    assert len(section(result, "handlers")) == handlers


@pytest.mark.parametrize(("function", "message"), [
    ("missing_function", "no definition named 'missing_function'"),
    ("orders.missing", "no definition named"),
    ("src/shop/orders.py", "takes a symbol, not a path"),
    ("not a name", "neither a path nor a symbol"),
])
def test_function_bad_input(shop: Path, function, message) -> None:
    with pytest.raises(BadInputError, match=message):
        ask(shop, function, no_cache=True)


# --- a file ast cannot parse --------------------------------------------------------------------


def test_a_file_with_a_syntax_error_is_judged_function_by_function(make_repo) -> None:
    broken = BROKEN_TEXT + ("\n\ndef worse(:\n    try:\n        raise OSError\n"
                            "    except OSError:\n        pass\n")
    result = ask(make_repo({BROKEN: broken}), no_cache=True)
    found = {line: f.details.caught for line, f in raises_by_line(result).items()}
    assert found == {3: True, 9: False, 14: None}  # `fine` parses alone; `bad` has no handler
    assert [f.anchor.line for f in section(result, "unjudged")] == [14]
    assert result.summary["unjudged"] == 1


@pytest.mark.parametrize(("source", "caught", "evidence"), [
    ("def f():\n    raise KeyError('k')\n", False, "ast"),
    ("def f(:\n    raise KeyError('k')\n", False, "ast"),  # no handler to find in the tree
    ("def f(:\n    try:\n        raise KeyError('k')\n    except KeyError:\n        pass\n",
     None, "syntax"),
    # the only handler is in another function: nothing to parse, nothing can catch
    ("def f(:\n    raise KeyError('k')\n\ndef g():\n    try:\n        pass\n"
     "    except KeyError:\n        pass\n", False, "ast"),
    # a handler of the module guards a class body's raise
    ("try:\n    class C:\n        raise KeyError('k')\nexcept KeyError:\n    pass\n",
     True, "ast"),
])
def test_files_without_a_handler_in_reach(make_repo, source, caught, evidence) -> None:
    result = ask(make_repo({"m.py": source}), no_cache=True)
    (finding,) = raises_by_line(result).values()
    assert (finding.details.caught, finding.details.evidence) == (caught, evidence)


# --- CLI and cache -------------------------------------------------------------------------------


def test_cli_json(shop: Path, run_cli) -> None:
    code, out, _ = run_cli(shop, "exceptions", "--function", "Basket", "--format", "json")
    assert code == 0
    found = json.loads(out)
    assert found["run"]["macro"] == "exceptions"
    assert found["summary"]["raises"] == 2 and found["summary"]["uncaught"] == 2


@pytest.mark.parametrize("args", [["--function", "nowhere"], ["--function", "a/b.py"],
                                  ["--in", "../outside"]])
def test_cli_bad_input_exits_2(shop: Path, run_cli, args) -> None:
    code, out, err = run_cli(shop, "exceptions", *args)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_cache_hit_equals_miss(shop: Path, tmp_path: Path) -> None:
    cold = ask(shop, cache_dir=str(tmp_path / "cache"))
    warm = ask(shop, cache_dir=str(tmp_path / "cache"))
    assert (cold.summary["cache"]["status"], warm.summary["cache"]["status"]) == ("miss", "hit")

    def strip(result: CqResult) -> bytes:
        return msgspec.json.encode([result.key_findings, result.sections])

    assert strip(cold) == strip(warm)


# --- what each handler does ------------------------------------------------------------------

KINDS_FILE = "src/kinds/handlers.py"


@pytest.fixture(scope="module")
def kinds_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("kinds"), "handlers")


def marked_kinds(root: Path) -> dict[int, str]:
    lines = (root / KINDS_FILE).read_text().splitlines()
    return {n: text.split("# kind: ")[1].strip() for n, text in enumerate(lines, 1)
            if "# kind: " in text}


def test_every_handler_has_its_marked_kind(kinds_repo: Path) -> None:
    result = ask(kinds_repo, no_cache=True)
    found = {f.anchor.line: f.details.kind for f in section(result, "handlers")}
    assert found == marked_kinds(kinds_repo)


def test_summary_counts_handlers_by_kind(kinds_repo: Path) -> None:
    summary = ask(kinds_repo, no_cache=True).summary
    expected: dict[str, int] = {}
    for kind in marked_kinds(kinds_repo).values():
        expected[kind] = expected.get(kind, 0) + 1
    assert summary["by_kind"] == expected
    assert sum(summary["by_kind"].values()) == summary["handlers"]
    assert summary["counts"]["handlers by kind"] == summary["by_kind"]
    from cq.render.markdown import render_markdown

    text = render_markdown(ask(kinds_repo, no_cache=True))
    assert "**handlers by kind:** reraise 4 · translate 4" in text


def test_swallowing_handlers_are_warnings(kinds_repo: Path) -> None:
    handlers = section(ask(kinds_repo, no_cache=True), "handlers")
    swallow = [f for f in handlers if f.details.kind == "swallow"]
    assert swallow and all(f.severity == "warning" for f in swallow)
    continued = next(f for f in swallow if "KeyError" in f.message)  # `continue`: not empty
    assert continued.details.empty is False
    assert continued.message == "except KeyError → swallow"


@pytest.mark.parametrize("kinds", ["log", "swallow,log", "reraise, translate", "other"])
def test_kind_keeps_only_those_handlers(kinds_repo: Path, kinds: str) -> None:
    wanted = {k.strip() for k in kinds.split(",")}
    result = run_macro(kinds_repo, "exceptions", {"kind": kinds}, no_cache=True)
    expected = {line for line, kind in marked_kinds(kinds_repo).items() if kind in wanted}
    assert result.key_findings == ()
    assert [s.kind for s in result.sections] == ["handlers"]
    assert {f.anchor.line for f in section(result, "handlers")} == expected
    summary = result.summary
    assert (summary["handlers"], summary["handlers_in_scope"]) == (len(expected), 21)
    assert "raises" not in summary and sum(summary["by_kind"].values()) == 21


def test_kind_with_function(kinds_repo: Path) -> None:
    result = run_macro(kinds_repo, "exceptions", {"function": "nested_handler",
                                                  "kind": "reraise"}, no_cache=True)
    (handler,) = section(result, "handlers")
    assert handler.details.kind == "reraise" and "KeyError" in handler.message


@pytest.mark.parametrize("kinds", ["logs", "log,nope", ",", "RERAISE"])
def test_unknown_kind_is_bad_input(kinds_repo: Path, run_cli, kinds: str) -> None:
    with pytest.raises(BadInputError, match="unknown --kind"):
        run_macro(kinds_repo, "exceptions", {"kind": kinds}, no_cache=True)
    code, out, err = run_cli(kinds_repo, "exceptions", "--kind", kinds)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
