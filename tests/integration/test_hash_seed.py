"""The same input gives the same answer under any PYTHONHASHSEED: each command runs in a
fresh interpreter under seed 0 (a cache miss), seed 1 (the cache hit of that answer) and
seed 4242 (`--no-cache`), and the answers agree once what belongs to one run (run id,
timings, cache status) is removed. Set order anywhere on the way (a frozenset constant, a
set of names turned into a list) would show up here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FILES = {
    "pkg/__init__.py": "",
    "pkg/a.py": "import os\nimport sys\nfrom pkg import b\n\n\n"
                "KINDS = {'alpha', 'beta', 'gamma', 'delta', 'epsilon'}\n\n\n"
                "def classify(x, y):\n"
                "    if x in {'red', 'green', 'blue', 'cyan', 'magenta', 'yellow'}:\n"
                "        return b.helper(x, y=y)\n"
                "    return eval(x) if y in frozenset({1, 2, 3}) else os.getcwd()\n",
    "pkg/b.py": "import subprocess\n\nfrom pkg import a\n\n"
                "REGISTRY = {}\nREGISTRY['k'] = print('loaded')\n\n\n"
                "def helper(x, *, y=None):\n"
                "    subprocess.run(x, shell=True)\n"
                "    return {n for n in ('p', 'q', 'r', 's')} | a.KINDS\n",
    "pkg/c.py": "from pkg.a import classify\n\n\ndef main():\n"
                "    return classify('red', 2), classify('blue', y=3)\n",
}

COMMANDS = {
    "bytecode-surface": ["bytecode-surface", "pkg/", "--show", "constants,globals,attrs"],
    "q-fields-expand": ["q", "entity=function name=~. expand=bytecode_surface "
                             "fields=def,callers,callees,imports,decorators,hazards,evidence"],
    "calls": ["calls", "classify"],
    "imports": ["imports"],
    "imports-cycles": ["imports", "--cycles"],
    "hazards": ["hazards"],
    "side-effects": ["side-effects"],
}


def _run(root: Path, cache: Path, args: list[str], seed: int, *extra: str) -> Any:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "HOME": str(root.parent)}
    env.pop("CQ_FORMAT", None)
    return subprocess.Popen([sys.executable, "-m", "cq", *args, "--root", str(root),
                             "--cache-dir", str(cache), "--format", "json",
                             "--no-save-artifact", *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _answer(proc: subprocess.Popen[str]) -> tuple[str, dict[str, Any]]:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    result = json.loads(out)
    summary = result["summary"]
    status = summary.get("cache", {}).get("status", "")
    kept = {k: v for k, v in summary.items() if not k.startswith("cache")}
    return status, {**result, "run": None, "summary": kept, "artifacts": None}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, Any]]]:
    from conftest import write_tree

    root = write_tree(tmp_path_factory.mktemp("seeds") / "repo", FILES)
    cache = root.parent / "cache"
    # A first run alone builds the index, so the seven cold runs below do not queue on it.
    _answer(_run(root, cache, ["imports"], 7, "--no-cache"))
    cold = {name: _run(root, cache, args, 0) for name, args in COMMANDS.items()}
    answers = {name: [_answer(proc)] for name, proc in cold.items()}
    later = {name: (_run(root, cache, args, 1), _run(root, cache, args, 4242, "--no-cache"))
             for name, args in COMMANDS.items()}
    for name, procs in later.items():
        answers[name].extend(_answer(proc) for proc in procs)
    return answers


@pytest.mark.parametrize("name", list(COMMANDS))
def test_an_answer_is_the_same_under_any_hash_seed(runs, name: str) -> None:
    (miss, cold), (hit, warm), (off, fresh) = runs[name]
    assert (miss, hit, off) == ("miss", "hit", "disabled")
    assert cold["key_findings"] or any(s["findings"] for s in cold["sections"])
    assert warm == cold
    assert fresh == cold
