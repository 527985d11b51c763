"""Every hazard row's own true positive (`example`) and true negative (`counter`), and more
cases per row, matched by the row's own compiled config (prefilter included: a row must not be
skipped on a file it matches)."""

from __future__ import annotations

import re
import textwrap

import pytest

from cq.hazards.checks import CHECKS
from cq.hazards.compile import compile_rule
from cq.hazards.matcher import kept_hits, match_file
from cq.hazards.registry import CATEGORIES, CONFIDENCES, RULES, RULES_BY_ID, HazardRule
from cq.vocabulary import SEVERITIES

# (row id, source, expected match lines)
CASES = [
    ("eval", "x = eval(text)\n", [1]),
    ("eval", "x = obj.eval(text)\nevaluate(t)\n", []),
    ("exec", "exec(code, {})\n", [1]),
    ("exec", "cursor.exec(code)\nexecute(x)\n", []),
    ("compile", "code = compile(src, 'f', 'exec')\n", [1]),
    ("compile", "pattern = re.compile(r'x')\n", []),
    ("shell-true", "subprocess.run('ls', shell=True)\n", [1]),
    ("shell-true", "subprocess.call(shell=True, args='ls')\n", [1]),
    ("shell-true", "subprocess.Popen('ls', cwd=d, shell=True, text=True)\n", [1]),
    ("shell-true", "subprocess.run(['ls'], shell=False)\nrun(shell=None)\n", []),
    ("shell-true", "subprocess.call(c, shell='False')\nsubprocess.call(c, shell=[True])\n"
                   "run(shell=flag)\n", [1, 2, 3]),
    ("pickle-load", "data = pickle.loads(blob)\nobj = dill.load(f)\n", [1, 2]),
    ("pickle-load", "pickle.dumps(obj)\nmarshal.dump(x, f)\n", []),
    ("yaml-load", "yaml.load(f)\nyaml.load(f, Loader=yaml.FullLoader)\n", [1, 2]),
    ("yaml-load", "yaml.load(f, Loader=yaml.SafeLoader)\nyaml.load(f, yaml.CSafeLoader)\n"
                  "yaml.safe_load(f)\n", []),
    ("sql-built", 'cur.execute("SELECT %s" % name)\ncur.execute(f"SELECT {n}", ())\n'
                  'cur.executemany("INSERT " + table, rows)\n'
                  'db.execute("SELECT {}".format(n))\n', [1, 2, 3, 4]),
    ("sql-built", 'cur.execute("SELECT ?", (name,))\ncur.execute(query, "a" + b)\n', []),
    ("sql-text", 'q = "SELECT * FROM t WHERE id = \'" + ident + "\'"\n'
                  'q = f"UPDATE {table} SET id = 1"\n'
                  'q = "DELETE FROM t WHERE id = {}".format(i)\n'
                  'q = """WITH c AS (SELECT x FROM f)\nSELECT x FROM c WHERE x = \'%s\'""" % i\n',
     [1, 2, 3, 4]),
    ("dynamic-attr", "getattr(obj, name)\nsetattr(obj, key, 1)\ngetattr(o, f'get_{k}', None)\n",
     [1, 2, 3]),
    ("dynamic-attr", "getattr(obj, 'name')\nsetattr(obj, \"x\", 1)\ngetattr(o, 'a', None)\n", []),
    ("dynamic-import", "__import__(name)\nimportlib.import_module(mod, pkg)\n", [1, 2]),
    ("dynamic-import", "__import__('os')\nimportlib.import_module('json')\n", []),
    ("args-forwarding", "def f(*args, **kwargs):\n    return g(*args, **kwargs)\n", [2]),
    ("args-forwarding", "def f(*args):\n    return g(args, [*args])\n", []),
    ("bare-except", "try:\n    x()\nexcept:\n    log()\n", [3]),
    ("bare-except", "try:\n    x()\nexcept ValueError:\n    log()\n", []),
    ("broad-except", "try:\n    x()\nexcept Exception as e:\n    log(e)\n"
                     "try:\n    y()\nexcept (KeyError, BaseException):\n    log()\n", [3, 7]),
    ("broad-except", "try:\n    x()\nexcept MyException:\n    log()\n", []),
    ("empty-except", "try:\n    x()\nexcept Exception:\n    pass\n"
                     "try:\n    y()\nexcept:\n    # ignored\n    ...\n", [3, 7]),
    # a narrow handler that passes is a decision, not a swallowed error
    ("empty-except", "try:\n    x()\nexcept ValueError:\n    pass\n"
                     "try:\n    x()\nexcept Exception:\n    log()\n", []),
    ("mutable-default", "def f(a=[], b: dict = {}, c=set(), d=collections.defaultdict(list)):"
                        "\n    pass\n", [1, 1, 1, 1]),
    ("mutable-default", "def f(a=None, b=(), c=0, d=frozenset()):\n    pass\n", []),
    ("global-statement", "def f():\n    global COUNT\n    COUNT += 1\n", [2]),
    ("global-statement", "def f():\n    count = 1\n    return count\n", []),
    ("assert-outside-tests", "def f(x):\n    assert x > 0\n", [2]),
    ("assert-outside-tests", "def f(x):\n    return x > 0\n", []),
    ("blocking-in-async", "async def f():\n    time.sleep(1)\n    requests.get(u)\n"
                          "    data = open(p).read()\n", [2, 3, 4]),
    ("blocking-in-async", "async def f():\n    await asyncio.sleep(1)\n    def sync():\n"
                          "        time.sleep(1)\n    requests.Session()\n"
                          "def g():\n    time.sleep(1)\n", []),
]


def _lines(row_id: str, source: str, path: str = "pkg/mod.py") -> list[int]:
    rule = compile_rule(RULES_BY_ID[row_id])
    found = match_file(path, textwrap.dedent(source).encode(), [rule])
    assert found.error is None
    return [hit.span.line for hit in kept_hits(found)]


@pytest.mark.parametrize(("row_id", "source", "lines"), CASES)
def test_row(row_id: str, source: str, lines: list[int]) -> None:
    assert _lines(row_id, source) == lines


@pytest.mark.parametrize("row", RULES, ids=lambda row: row.id)
def test_row_example_matches_and_counter_does_not(row: HazardRule) -> None:
    assert _lines(row.id, row.example), row.example
    assert _lines(row.id, row.counter) == [], row.counter


@pytest.mark.parametrize("path", ["tests/test_mod.py", "tests/helpers.py", "test_x.py",
                                  "pkg/mod_test.py", "conftest.py"])
def test_assert_in_test_files_is_not_a_hazard(path: str) -> None:
    assert _lines("assert-outside-tests", "def f(x):\n    assert x\n", path) == []


def test_assert_in_a_test_package_inside_a_library_is_a_hazard() -> None:
    assert _lines("assert-outside-tests", "def f(x):\n    assert x\n", "pkg/test/util.py") == [2]


def test_rows_are_well_formed() -> None:
    assert len({row.id for row in RULES}) == len(RULES)
    for row in RULES:
        assert row.category in CATEGORIES and row.severity in SEVERITIES
        assert row.confidence in CONFIDENCES and row.message and row.fix
        assert row.cwe or row.category != "security", row.id
        assert row.check is None or row.check in CHECKS, row.id
        assert all(re.fullmatch(r"B\d{3}", ident) for ident in row.bandit), row.id
