"""Files that exhaust Python's own parser or a recursive walk — 100,000 nested unary minuses,
a 20,000-term `+` chain, thousands of nested calls on one line — never take a command down:
every command and format exits 0, and a command that needed to parse such a file says the
answer is partial (a notice on stderr, the file under `file_issues`)."""

from __future__ import annotations

from pathlib import Path

import pytest

UNARY = "def g(a):\n    return a\n\n\nx = " + "-" * 100_000 + "1\n"
CHAIN = "def h(a):\n    x = " + " + ".join(["a"] * 20_000) + "\n    return x\n"
NESTED = ("def f(a):\n    return a\n\n\ndef k(a):\n    return "
          + "f(" * 3000 + "a" + ")" * 3000 + "\n")
FILES = {
    "pkg/__init__.py": "",
    "pkg/unary.py": UNARY,
    "pkg/chain.py": CHAIN,
    "pkg/nested.py": NESTED,
    "pkg/ok.py": "from pkg.unary import g\nfrom pkg.chain import h\n\n\ndef main(a):\n"
                 "    try:\n        return g(a) + h(a)\n    except ValueError:\n        raise\n",
}

PARTIAL = "cq: partial answer"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import write_tree

    return write_tree(tmp_path_factory.mktemp("hostile") / "repo", FILES)


@pytest.mark.parametrize(("args", "partial"), [
    (["impact", "g", "--param", "a"], True),  # g lives in a file ast cannot build
    (["impact", "h", "--param", "a"], True),  # h's file parses; the walk would recurse
    (["impact", "main", "--param", "a", "--depth", "3"], True),
    (["scopes", "pkg/"], True),
    (["bytecode-surface", "pkg/"], True),
    (["calls", "f"], False),  # facts only: nothing to parse
    (["sig-impact", "g", "--to", "(a, b)"], False),
    (["exceptions"], False),
    (["side-effects"], False),
    (["imports", "--cycles"], False),
    (["hazards"], False),
    (["q", "entity=function scope=closure"], True),
    (["q", "entity=function name=g expand=bytecode_surface"], True),
    (["q", "entity=module exports=x"], False),  # no __all__: the facts answer
    (["q", "pattern='f($X)'"], False),
    (["report", "safety-reliability", "--target", "function:g"], False),
    (["report", "change-propagation", "--target", "function:g", "--param", "a"], True),
])
def test_every_command_finishes(run_cli, hostile: Path, args: list[str], partial: bool) -> None:
    code, out, err = run_cli(hostile, *args, "--format", "json")
    assert code == 0, err
    assert out.strip()
    assert (PARTIAL in err) is partial, err


@pytest.mark.parametrize("fmt", ["md", "json", "both", "summary", "mermaid", "mermaid-class",
                                 "mermaid-cfg", "dot"])
def test_every_format_says_the_answer_is_partial(run_cli, hostile: Path, fmt: str) -> None:
    code, out, err = run_cli(hostile, "scopes", "pkg/", "--format", fmt)
    assert code == 0, err
    assert f"{PARTIAL}: 3 files could not be analysed" in err


@pytest.mark.parametrize("target", ["g", "h"])
def test_drawing_a_function_of_a_hostile_file_is_a_reason(run_cli, hostile: Path,
                                                          target: str) -> None:
    code, out, err = run_cli(hostile, "q", f"entity=function name={target}",
                             "--format", "mermaid-cfg")
    assert code == 0, err
    assert out.startswith("flowchart TD")


def _one_line_of_calls(n: int) -> str:
    return "def f(a):\n    return a\n\n\nx = [" + ", ".join(f"f({i})" for i in range(n)) + "]\n"


_MEASURE = """
import resource, sys
from cq.cli.app import run
sys.stdout = open(sys.argv[2], "w")
run(["calls", "f", "--root", sys.argv[1], "--no-cache", "--no-save-artifact",
     "--format", "json"])
sys.stdout.close()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def test_output_and_memory_grow_with_the_sites_not_with_the_line(tmp_path: Path) -> None:
    """4,000 calls on one 35 KB line printed 143 MB of JSON when every site quoted the whole
    line; quotes are clipped around the site, so each site costs the same on any line."""
    import subprocess
    import sys

    per_site, peaks = [], []
    for n in (2000, 4000):
        root = tmp_path / f"r{n}"
        root.mkdir()
        (root / "m.py").write_text(_one_line_of_calls(n))
        out = tmp_path / f"out{n}.json"
        done = subprocess.run([sys.executable, "-c", _MEASURE, str(root), str(out)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        per_site.append(out.stat().st_size / n)
        peaks.append(int(done.stderr.split()[-1]) / 1024)  # ru_maxrss is in KiB
    assert per_site[1] < 1000 and abs(per_site[1] - per_site[0]) < 0.1 * per_site[0]
    assert max(peaks) < 300, peaks


@pytest.mark.parametrize("query", ["entity=function name=join explain=true",
                                   "entity=function name=~^join$ explain=true"])
def test_a_fifo_swapped_in_after_discovery_is_flagged(run_cli, make_repo, monkeypatch,
                                                      query: str) -> None:
    import json
    import os

    import cq.runner
    from conftest import finishes
    from cq.discover import discover_files

    root = make_repo({"pkg/a.py": "def join(x):\n    return x\n",
                      "pkg/b.py": "def join(y):\n    return y\n"})
    fifo = root / "pkg/b.py"

    def discover_then_swap(*args, **kwargs):
        found = discover_files(*args, **kwargs)
        fifo.unlink()
        os.mkfifo(fifo)  # after the type check: only the reads can notice
        return found

    monkeypatch.setattr(cq.runner, "discover_files", discover_then_swap)
    code, out, err = finishes(lambda: run_cli(root, "q", query, "--format", "json"), fifo)
    assert code == 0, err
    result = json.loads(out)
    assert result["summary"]["matches"] == 1
    assert result["summary"]["files_flagged"] == 1
    (issues,) = [s for s in result["sections"] if s["kind"] == "file_issues"]
    assert [f["details"]["path"] for f in issues["findings"]] == ["pkg/b.py"]


@pytest.mark.parametrize("args", [["q", "entity=function scope=closure"], ["calls", "f"],
                                  ["q", "entity=function name=f"]])
def test_a_file_too_large_to_read_is_no_file_that_changed(make_repo, args) -> None:
    from conftest import run_macro, run_q

    root = make_repo({"big.py": "def f():\n    pass\n" * 200, "small.py": "def f(): pass\n"})
    cache = str(root.parent / "cache")

    def ask():
        if args[0] == "q":
            return run_q(root, args[1], cache_dir=cache, max_file_bytes=1000)
        return run_macro(root, args[0], {"target": args[1]}, cache_dir=cache,
                         max_file_bytes=1000)

    first, second = ask(), ask()
    assert (first.summary["cache"]["status"], second.summary["cache"]["status"]) == (
        "miss", "hit")
