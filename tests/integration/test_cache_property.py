"""A cached answer is the answer a cold run gives (DESIGN §1.1, §6), under random edits.

A hypothesis state machine grows a small repository (5–8 files), then interleaves edits
(plain rewrites, same-size rewrites with the old mtime restored, additions, deletions,
renames, rewrites of the same bytes) with query steps. A query step asks every query of the
list: the cached run's answer must equal a `--no-cache` run's answer, and when the cached run
was a miss and the answer is cacheable, asking again must be a hit with the same answer.

Each example draws the query cache's shard count (a FanoutCache when 2), whether an answer
made file by file is reused after an edit even in a repository this small (the stale answer
keeps the unchanged files' findings, `cq.query.execute.REUSE_FROM`), and whether the
index runs with its racy-stamp window (the default: stamps of files written in the last 2 s
are never trusted, so the content digest decides) or without it (stamps are trusted, so only
the stat stamp — ctime included — can notice a same-size edit whose mtime was put back).
Without the window, the machine sleeps briefly before each edit so that a coarse file-system
clock cannot give two writes the same ctime.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

import cq.cache.index as index_module
import cq.query.execute as execute_module

from .support import SHM, answer, ask

QUERIES = (
    "entity=function",
    "entity=function name=f1",
    "entity=class",
    "entity=method name=~^r",
    "entity=callsite name=g",
    "entity=function name=f1 expand=callers(depth=2)",
    "entity=import",
    "entity=function name=~^f",
    "entity=decorator",
)

SNIPPETS = (
    "def f1(x):\n    return g(x)\n",
    "def g(y):\n    return y\n",
    "class C:\n    def run(self):\n        return f1(1)\n",
    "class R(C):\n    def rest(self):\n        g(2)\n        return self.run()\n",
    "import os\n",
    "from a import f1\n",
    "from .m import g\n",
    "def f2():\n    return f1(3)\n",
    "async def f3():\n    await g(4)\n",
    "def outer():\n    def f1():\n        g(5)\n    return f1\n",
    "x = g(6)\n",
    "def broken(:\n    g(7)\n",
    "@staticmethod\ndef f4():\n    return g(8)\n",
    "def f5():\n    return 9\n\x00\n",  # a null byte: the file is flagged
)

# Same-length swaps: rewriting with one of these keeps the file size.
SWAPS = (("f1", "f2"), ("g(", "h("), ("run", "sun"), ("C:", "D:"), ("os", "re"), ("1", "7"))

NAMES = ("a.py", "b.py", "c.py", "d.py", "util.py", "pkg/__init__.py", "pkg/m.py", "pkg/n.py",
         "pkg/sub/__init__.py", "pkg/sub/deep.py")

sources = st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=4).map("\n".join)
EDIT_GAP_S = 0.01  # without the racy window: one tick of a coarse file-system clock


def swap(text: str, pair: tuple[str, str]) -> str:
    left, right = pair
    marker = "\ue000"  # in no snippet
    return text.replace(left, marker).replace(right, left).replace(marker, right)


class CacheAgreesWithColdRun(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.base = Path(tempfile.mkdtemp(prefix="cq-prop-"))
        self.cache_base = Path(tempfile.mkdtemp(prefix="cq-prop-cache-",
                                                dir=SHM if SHM.is_dir() else None))
        self.root = self.base / "repo"
        self.cache = self.cache_base / "cache"
        self.root.mkdir()
        self.files: set[str] = set()
        self.trust_stamps = False
        self.shards = 1
        self.saved_window = getattr(index_module, "RACY_WINDOW_NS", None)
        self.saved_reuse_from = execute_module.REUSE_FROM

    # -- set-up and tear-down ----------------------------------------------------------------

    @initialize(contents=st.lists(sources, min_size=5, max_size=8),
                trust_stamps=st.booleans(), shards=st.sampled_from((1, 1, 2)),
                reuse=st.sampled_from((True, True, False)))
    def build(self, contents: list[str], trust_stamps: bool, shards: int,
              reuse: bool) -> None:
        self.trust_stamps = trust_stamps
        if reuse:
            execute_module.REUSE_FROM = 0
        self.shards = shards
        assert isinstance(self.saved_window, int)  # the index's racy window is still there
        if trust_stamps:
            index_module.RACY_WINDOW_NS = 0
        for name, text in zip(NAMES, contents, strict=False):
            self._write(name, text)

    def teardown(self) -> None:
        if self.saved_window is not None:
            index_module.RACY_WINDOW_NS = self.saved_window
        execute_module.REUSE_FROM = self.saved_reuse_from
        shutil.rmtree(self.base, ignore_errors=True)
        shutil.rmtree(self.cache_base, ignore_errors=True)

    # -- edits -----------------------------------------------------------------------------

    def _before_edit(self) -> None:
        if self.trust_stamps:
            time.sleep(EDIT_GAP_S)

    def _write(self, name: str, text: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.files.add(name)

    def _absent(self) -> list[str]:
        return [n for n in NAMES if n not in self.files]

    @precondition(lambda self: self.files)
    @rule(data=st.data(), text=sources)
    def edit(self, data: st.DataObject, text: str) -> None:
        name = data.draw(st.sampled_from(sorted(self.files)), label="file")
        self._before_edit()
        self._write(name, text)

    @precondition(lambda self: self.files)
    @rule(data=st.data(), pair=st.sampled_from(SWAPS), restore_mtime=st.booleans())
    def same_size_edit(self, data: st.DataObject, pair: tuple[str, str],
                       restore_mtime: bool) -> None:
        name = data.draw(st.sampled_from(sorted(self.files)), label="file")
        path = self.root / name
        self._before_edit()
        before = path.stat()
        new = swap(path.read_text(), pair)
        path.write_text(new)
        assert path.stat().st_size == before.st_size
        if restore_mtime:
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
            assert path.stat().st_mtime_ns == before.st_mtime_ns

    @precondition(lambda self: len(self.files) < len(NAMES))
    @rule(data=st.data(), text=sources)
    def add(self, data: st.DataObject, text: str) -> None:
        name = data.draw(st.sampled_from(self._absent()), label="new file")
        self._before_edit()
        self._write(name, text)

    @precondition(lambda self: len(self.files) > 1)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.files)), label="file")
        self._before_edit()
        (self.root / name).unlink()
        self.files.discard(name)

    @precondition(lambda self: self.files and len(self.files) < len(NAMES))
    @rule(data=st.data())
    def rename(self, data: st.DataObject) -> None:
        old = data.draw(st.sampled_from(sorted(self.files)), label="from")
        new = data.draw(st.sampled_from(self._absent()), label="to")
        self._before_edit()
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.root / old, self.root / new)
        self.files.discard(old)
        self.files.add(new)

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def rewrite_unchanged(self, data: st.DataObject) -> None:
        """A new stamp over the same bytes: the digest says nothing changed."""
        name = data.draw(st.sampled_from(sorted(self.files)), label="file")
        path = self.root / name
        self._before_edit()
        path.write_bytes(path.read_bytes())

    # -- queries ---------------------------------------------------------------------------

    @rule()
    def query(self) -> None:
        """Every query of the list: a stale entry for any of them must be noticed."""
        for text in QUERIES:
            self._check(text)

    def _check(self, text: str) -> None:
        cold = ask(self.root, self.cache, text, no_cache=True)
        cached = ask(self.root, self.cache, text, cache_query_shards=self.shards)
        status = cached.summary["cache"]["status"]
        assert status in ("hit", "miss"), cached.summary["cache"]
        assert cached.run.notices == ()
        assert answer(cached) == answer(cold)
        cacheable = bool(cold.key_findings or any(s.findings for s in cold.sections))
        if status == "miss" and cacheable:  # what was just stored is what the next run reads
            again = ask(self.root, self.cache, text, cache_query_shards=self.shards)
            assert again.summary["cache"]["status"] == "hit"
            assert answer(again) == answer(cold)
            assert again.run.run_id > cached.run.run_id

    @invariant()
    def files_on_disk_are_the_model(self) -> None:
        on_disk = {p.relative_to(self.root).as_posix() for p in self.root.rglob("*.py")}
        assert on_disk == self.files


# No shrink phase: one example runs dozens of queries, and shrinking a failure took over
# five minutes. A failing sequence is at most 16 steps; set CQTEST_SHRINK=1 to shrink it.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate,
          *((Phase.shrink,) if os.environ.get("CQTEST_SHRINK") else ()))
CacheAgreesWithColdRun.TestCase.settings = settings(
    max_examples=30, stateful_step_count=16, deadline=None, phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestCacheAgreesWithColdRun = CacheAgreesWithColdRun.TestCase
