"""End to end: `cq hazards` on the committed sample `tests/repos/toolbox` — through the
library and through the CLI — with its filters, its cache and the memoized rule set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import answer_bytes, copy_sample, plain, repo_settings
from cq.api import RunContext, hazards
from cq.errors import BadInputError
from cq.hazards.registry import RULES_BY_ID
from cq.result import CqResult

SERVICE = "src/toolbox/service.py"


@pytest.fixture(scope="module")
def toolbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("e2e"), "toolbox")


def scan(root: Path, category: str | None = None, severity: str | None = None,
         in_dir: str | None = None, **options) -> CqResult:
    return hazards(repo_settings(root, **options), category, severity, in_dir,
                   RunContext(argv=("cq", "hazards")))


def sites(result: CqResult) -> set[tuple[str, int, str]]:
    return {(f.anchor.file, f.anchor.line, f.details.id) for f in result.key_findings}


def test_security_lists_eval_and_shell_sites(toolbox: Path) -> None:
    result = scan(toolbox, "security", no_cache=True)
    assert sites(result) == {(SERVICE, 20, "shell-true"), (SERVICE, 24, "pickle-load"),
                             (SERVICE, 27, "yaml-load"), (SERVICE, 31, "eval")}
    assert {f.category for f in result.key_findings} == {"hazard"}
    (shell,) = [f for f in result.key_findings if f.details.id == "shell-true"]
    assert plain(shell.details) == {"id": "shell-true", "category": "security", "severity": "error",
                             "confidence": "high", "cwe": "CWE-78",
                             "fix": RULES_BY_ID["shell-true"].fix,
                             "text": 'subprocess.run(f"serve --port {self.port}", shell=True)'}
    assert shell.severity == "error" and shell.anchor.col == 8


def test_every_category(toolbox: Path) -> None:
    result = scan(toolbox, no_cache=True)
    ids = {row[2] for row in sites(result)}
    assert ids == {"shell-true", "pickle-load", "yaml-load", "eval", "mutable-default",
                   "global-statement", "assert-outside-tests", "broad-except", "empty-except",
                   "blocking-in-async", "args-forwarding", "dynamic-attr"}
    asserts = {row[0] for row in sites(result) if row[2] == "assert-outside-tests"}
    assert asserts == {SERVICE}  # tests/test_core.py asserts too, and is a test file
    assert result.summary["by_category"]["security"] == 4
    assert result.summary["matches"] == len(result.key_findings)


@pytest.mark.parametrize(
    ("category", "severity", "expected"),
    [
        ("performance", None, {"blocking-in-async"}),
        ("design,performance", "info", {"global-statement", "args-forwarding",
                                        "dynamic-attr"}),
        (None, "error", {"shell-true", "pickle-load", "yaml-load", "eval"}),
        ("correctness", "error", set()),
    ],
)
def test_filters(toolbox: Path, category, severity, expected) -> None:
    result = scan(toolbox, category, severity, no_cache=True)
    assert {row[2] for row in sites(result)} == expected


def test_in_restricts_the_scope(toolbox: Path) -> None:
    result = scan(toolbox, in_dir="src/toolbox/cli.py", no_cache=True)
    assert result.key_findings == () and result.summary["files_in_scope"] == 1


@pytest.mark.parametrize(("category", "severity"), [("secure", None), (None, "fatal"),
                                                    ("security,nope", None), (",", None)])
def test_unknown_values_are_bad_input(toolbox: Path, category, severity) -> None:
    with pytest.raises(BadInputError) as info:
        scan(toolbox, category, severity, no_cache=True)
    assert "valid:" in info.value.one_line() or "did you mean" in info.value.one_line()


def test_cached_answer_equals_uncached_and_rules_are_memoized(toolbox: Path,
                                                              tmp_path: Path) -> None:
    from cq.cache.profile import CacheSettings
    from cq.cache.store import open_store_at

    cache = tmp_path / "cache"
    cold = scan(toolbox, "security,correctness", cache_dir=str(cache))
    warm = scan(toolbox, "security,correctness", cache_dir=str(cache))
    plain = scan(toolbox, "security,correctness", no_cache=True)
    assert (cold.summary["cache"]["status"], warm.summary["cache"]["status"]) == ("miss", "hit")
    assert answer_bytes(cold) == answer_bytes(warm) == answer_bytes(plain)
    (coord,) = cache.glob("v*/*/coordination")
    store = open_store_at(coord, "coordination", CacheSettings(eviction_policy="none"))
    assert store.iterkeys("memo:")
    other = scan(toolbox, "design", cache_dir=str(cache))  # a miss that reuses the memo
    assert other.summary["cache"]["status"] == "miss" and other.key_findings


def test_cli_command(toolbox: Path, run_cli) -> None:
    code, out, _ = run_cli(toolbox, "hazards", "--category", "security", "--format", "json")
    assert code == 0
    found = json.loads(out)
    assert found["run"]["macro"] == "hazards"
    assert {f["details"]["id"] for f in found["key_findings"]} == {
        "shell-true", "pickle-load", "yaml-load", "eval"}
    code, out, _ = run_cli(toolbox, "hazards", "--in", "src/toolbox/cli.py")
    assert code == 0 and "0 matches" in out


@pytest.mark.parametrize(("args", "fragment"), [
    (["--category", "danger"], "valid: security, correctness, design, performance"),
    (["--severity", "critical"], "valid: error, warning, info"),
    (["--in", "../outside"], "root"),
])
def test_cli_bad_values_exit_2(toolbox: Path, run_cli, args, fragment) -> None:
    code, out, err = run_cli(toolbox, "hazards", *args)
    assert code == 2 and out == ""
    assert fragment in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("wrong", [['[{"id": 1}]', 1.0], [[{"id": 1}], 1.0], None],
                         ids=["json-text", "wrong-shape", "null"])
def test_cli_with_a_wrong_rules_memo_exits_0_with_one_notice(
        toolbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], wrong: object) -> None:
    from cq.cache.profile import CacheSettings
    from cq.cache.store import open_store_at
    from cq.cli.app import run

    cache = tmp_path / "cache"
    scan(toolbox, "security", cache_dir=str(cache))
    (coord,) = cache.glob("v*/*/coordination")
    store = open_store_at(coord, "coordination", CacheSettings(eviction_policy="none"))
    for key in store.iterkeys("memo:"):
        if wrong is None:
            store.guard("plant", lambda c, key=key: c.set(key, None, expire=3600), None)
        else:
            store.set(key, wrong, expire=3600)
    store.close()
    monkeypatch.setenv("HOME", str(toolbox.parent))
    code = run(["hazards", "--category", "correctness", "--root", str(toolbox), "--cache-dir",
                str(cache), "--no-save-artifact", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["key_findings"]
    assert len(err.strip().splitlines()) == 1 and "dropped" in err, err


def test_suppressed_findings_are_counted_and_listed_apart(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        "import pickle\n"
        "a = pickle.loads(x)  # nosec\n"
        "b = pickle.loads(x)  # nosec B301\n"
        "c = pickle.loads(x)  # nosec B602\n"
        "d = pickle.loads(\n    x)  # cq: ignore[pickle-load]\n"
        "e = pickle.loads(x)  # cq: ignore[eval]\n"
        "f = pickle.loads('# nosec')\n")
    result = scan(tmp_path, "security", no_cache=True)
    assert sorted(f.anchor.line for f in result.key_findings) == [4, 7, 8]
    assert result.summary["suppressed"] == 3
    assert result.summary["suppressed_by_rule"] == {"pickle-load": 3}
    (section,) = [s for s in result.sections if s.kind == "suppressed"]
    assert [f.anchor.line for f in section.findings] == [2, 3, 5]
    assert all(f.details.suppressed for f in section.findings)


def test_test_paths_setting_decides_where_assert_is_fine(tmp_path: Path) -> None:
    for rel in ("tests/test_a.py", "pkg/test/util.py", "checks/x.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("def f(x):\n    assert x\n")

    def asserts(**options) -> set[str]:
        result = scan(tmp_path, "correctness", no_cache=True, **options)
        return {f.anchor.file for f in result.key_findings
                if f.details.id == "assert-outside-tests"}

    assert asserts() == {"pkg/test/util.py", "checks/x.py"}
    assert asserts(test_paths="checks/**,pkg/*/util.py") == {"tests/test_a.py"}


def test_test_paths_key_the_cached_answer(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def f(x):\n    assert x\n")
    cache = str(tmp_path / "cache")
    first = scan(tmp_path, "correctness", cache_dir=cache)
    other = scan(tmp_path, "correctness", cache_dir=cache, test_paths="nothing_*.py")
    assert first.key_findings == () and len(other.key_findings) == 1
    assert other.summary["cache"]["status"] == "miss"
