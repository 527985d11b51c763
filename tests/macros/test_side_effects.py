"""`cq side-effects`: each kind of import-time work, what does not run on import (function
bodies, `__main__` and TYPE_CHECKING blocks), the safe list, alias resolution, the facts
fallback, the committed sample `tests/repos/cycles`, the CLI and the cache."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from conftest import copy_sample, plain, run_macro
from cq.result import CqResult, Finding

EFFECTS = "src/loops/effects.py"


def side_effects(root: Path, **args) -> CqResult:
    return run_macro(root, "side-effects", args, cache_dir=str(root.parent / "cache"))


def effects(result: CqResult) -> list[Finding]:
    return [f for s in result.sections for f in s.findings]


def kinds_by_line(result: CqResult, path: str = "mod.py") -> list[tuple[int, str]]:
    return sorted((f.anchor.line, f.details.kind) for f in effects(result)
                  if f.anchor.file == path)


@pytest.fixture(scope="module")
def cycles_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("side_effects"), "cycles")


@pytest.mark.parametrize(("source", "expected"), [
    # calls
    ("setup()\n", [(1, "call")]),
    ("import requests\nS = requests.Session()\n", [(2, "call")]),
    ("x = [load(p) for p in PATHS]\n", [(1, "call")]),
    ("import logging\nlogging.getLogger(__name__).addHandler(h)\n", [(2, "call")]),
    # global mutations
    ("import sys\nsys.path.append('x')\n", [(2, "global_mutation")]),
    ("import os\nos.environ['A'] = '1'\n", [(2, "global_mutation")]),
    ("import sys\nsetup()\ndel sys.modules['x']\n", [(2, "call"), (3, "global_mutation")]),
    ("import json\njson.encoder.c_make_encoder = None\n", [(2, "global_mutation")]),
    ("from pkg import REGISTRY\nREGISTRY += [1]\n", [(2, "global_mutation")]),
    ("from os import environ\nenviron.setdefault('A', '1')\n", [(2, "global_mutation")]),
    ("import warnings\nwarnings.filterwarnings('ignore')\n", [(2, "global_mutation")]),
    ("import tkinter\nsetattr(tkinter, 'x', 1)\n", [(2, "global_mutation")]),
    ("import abc\nclass A: pass\nabc.ABC.register(A)\n", [(3, "global_mutation")]),
    # ambient reads
    ("import os\nHOME = os.environ['HOME']\n", [(2, "ambient_read")]),
    ("import os\nDEBUG = os.getenv('DEBUG')\n", [(2, "ambient_read")]),
    ("import sys\nARGS = sys.argv[1:]\n", [(2, "ambient_read")]),
    ("from os import environ as env\nX = env.get('X')\n", [(2, "ambient_read")]),
    ("from pathlib import Path\nHERE = Path.cwd()\n", [(2, "ambient_read")]),
    ("DATA = open('data.txt').read()\n", [(1, "ambient_read")]),
    ("import os\nif 'CI' in os.environ:\n    CI = True\n", [(2, "ambient_read")]),
    ("import os\ndef f(env=os.environ):\n    pass\n", [(2, "ambient_read")]),
    # decorators
    ("@app.route('/')\ndef index():\n    pass\n", [(1, "decorator")]),
    ("@register\nclass Plugin:\n    pass\n", [(1, "decorator")]),
    # class bodies run at import time
    ("class C:\n    cache = build()\n", [(2, "call")]),
    ("class C:\n    @hook('x')\n    def m(self):\n        pass\n", [(2, "decorator")]),
    ("class C(make_base()):\n    pass\n", [(1, "call")]),
])
def test_each_kind(make_repo, source, expected) -> None:
    assert kinds_by_line(side_effects(make_repo({"mod.py": source}))) == expected


@pytest.mark.parametrize("source", [
    "def f():\n    setup()\n    import os\n    os.environ['A'] = '1'\n",
    "if __name__ == '__main__':\n    main()\n",
    "if '__main__' == __name__:\n    import sys\n    print(sys.argv)\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    setup()\n",
    "handler = lambda: setup()\n",
    "class C:\n    def m(self):\n        print('x')\n",
])
def test_code_that_does_not_run_on_import(make_repo, source) -> None:
    assert kinds_by_line(side_effects(make_repo({"mod.py": "x = 1\n" + source}))) == []


@pytest.mark.parametrize("source", [
    "import logging\nlog = logging.getLogger(__name__)\n",
    "from collections import namedtuple\nP = namedtuple('P', 'x y')\n",
    "import re\nWORD = re.compile(r'\\w+')\n",
    "from typing import TypeVar, NewType\nT = TypeVar('T')\nUid = NewType('Uid', int)\n",
    "SENTINEL = object()\nNAMES = frozenset(['a'])\n",
    "from dataclasses import dataclass, field\n@dataclass(frozen=True)\nclass P:\n"
    "    x: list = field(default_factory=list)\n",
    "class C:\n    @property\n    def x(self):\n        return 1\n    @x.setter\n"
    "    def x(self, v):\n        pass\n",
    "__all__ = ['a']\n__all__.extend(['b'])\n__all__ += ['c']\n",  # the module's own state
    "import os\nHERE = os.path.dirname(os.path.abspath(__file__))\n",
    "TEXT = ', '.join(['a', 'b'])\n",
])
def test_safe_list_is_respected(make_repo, source) -> None:
    assert kinds_by_line(side_effects(make_repo({"mod.py": source}))) == []


def test_else_branch_of_main_guard_runs(make_repo) -> None:
    source = "if __name__ == '__main__':\n    main()\nelse:\n    setup()\n"
    assert kinds_by_line(side_effects(make_repo({"mod.py": source}))) == [(4, "call")]


def test_details_anchor_and_severity(make_repo) -> None:
    source = "import os as _os\n\n\nclass C:\n    ROOT = _os.getcwd()\n"
    result = side_effects(make_repo({"pkg/__init__.py": "", "pkg/mod.py": source}))
    (finding,) = effects(result)
    assert (finding.anchor.file, finding.anchor.line, finding.anchor.col) == ("pkg/mod.py",
                                                                             5, 11)
    assert finding.category == "side_effect" and finding.severity == "warning"
    assert plain(finding.details) == {"kind": "ambient_read", "text": "_os.getcwd()",
                               "callee": "_os.getcwd", "qualified": "os.getcwd",
                               "module": "pkg.mod", "scope": "C", "evidence": "ast"}


def test_unparsable_file_falls_back_to_facts(make_repo) -> None:
    source = "setup()\nprint 'python 2'\n"
    result = side_effects(make_repo({"old.py": source}))
    (finding,) = effects(result)
    assert (finding.anchor.line, finding.details.kind, finding.details.evidence) == (
        1, "call", "heuristic")
    assert result.summary["files_unparsed"] == ["old.py"]


@pytest.mark.parametrize("guard", ["if __name__ == '__main__':", 'if "__main__" == __name__:',
                                   "if TYPE_CHECKING:"])
def test_facts_fallback_keeps_the_guards(make_repo, guard) -> None:
    source = f"setup()\nprint 'python 2'\n{guard}\n    main()\n\n    run()\nafter()\n"
    result = side_effects(make_repo({"old.py": source}))
    assert kinds_by_line(result, "old.py") == [(1, "call"), (7, "call")]


def test_a_skeleton_that_does_not_parse_falls_back_to_the_whole_file(make_repo,
                                                                      monkeypatch) -> None:
    import cq.analysis.import_time as import_time

    monkeypatch.setattr(import_time, "import_time_skeleton", lambda facts, text: "def (")
    source = "import sys\nsys.path.append('x')\ndef f():\n    setup()\n"
    result = side_effects(make_repo({"mod.py": source}))
    assert kinds_by_line(result) == [(2, "global_mutation")]
    assert "files_unparsed" not in result.summary


def test_deeply_nested_code_falls_back_to_facts(make_repo) -> None:
    deep = "-" * 100_000 + "1"  # too deep for the parser of every Python cq runs on
    result = side_effects(make_repo({"deep.py": f"setup()\nx = {deep}\n"}))
    assert kinds_by_line(result, "deep.py") == [(1, "call")]
    assert result.summary["files_unparsed"] == ["deep.py"]


def test_modules_with_mutations_and_ambient_reads_come_first(make_repo) -> None:
    result = side_effects(make_repo({
        "a.py": "setup()\nsetup()\nsetup()\n", "b.py": "@hook\ndef f():\n    pass\n",
        "m.py": "import os\nX = os.getenv('X')\n", "z.py": "import sys\nsys.path.append('x')\n"}))
    assert [f.anchor.file for f in result.key_findings] == ["z.py", "m.py", "a.py", "b.py"]


# -- the sample repository ---------------------------------------------------------------------

SAMPLE = [(15, "global_mutation"), (16, "global_mutation"), (17, "ambient_read"),
          (18, "ambient_read"), (19, "call"), (20, "call"), (23, "decorator"),
          (28, "decorator"), (30, "call")]


def test_sample_repo(cycles_repo) -> None:
    result = side_effects(cycles_repo)
    assert kinds_by_line(result, EFFECTS) == SAMPLE
    assert kinds_by_line(result, "src/loops/registry.py") == [(14, "call")]
    assert [s.kind for s in result.sections] == ["global_mutation", "ambient_read", "call",
                                                 "decorator"]
    assert {f.severity for f in effects(result) if f.details.kind == "decorator"} == {"info"}
    assert [(f.category, f.anchor.file, f.details.effects) for f in result.key_findings] == [
        ("module", EFFECTS, 9), ("module", "src/loops/registry.py", 1)]
    summary = result.summary
    assert summary["by_kind"] == {"global_mutation": 2, "ambient_read": 2, "call": 4,
                                  "decorator": 2}
    assert (summary["effects"], summary["files_with_matches"]) == (10, 2)


def test_cli_json_and_bad_option(cycles_repo, run_cli) -> None:
    code, out, _ = run_cli(cycles_repo, "side-effects", "--format", "json", "--severity",
                           "warning")
    found = json.loads(out)
    assert code == 0 and found["run"]["macro"] == "side-effects"
    kinds = {f["details"]["kind"] for s in found["sections"] for f in s["findings"]}
    assert kinds == {"call", "global_mutation", "ambient_read"}
    code, out, err = run_cli(cycles_repo, "side-effects", "--severity", "fatal")
    assert code == 2 and out == "" and "fatal" in err


def test_second_run_is_a_cache_hit_with_the_same_findings(cycles_repo) -> None:
    cold = side_effects(cycles_repo, in_="src/loops")
    warm = side_effects(cycles_repo, in_="src/loops")
    assert (cold.summary["cache"]["status"], warm.summary["cache"]["status"]) == ("miss", "hit")
    encode = msgspec.json.encode
    assert encode(warm.key_findings) == encode(cold.key_findings)
    assert encode(warm.sections) == encode(cold.sections)
