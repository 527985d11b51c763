"""An answer is never cached from bytes other than the ones its key was built from: a file
rewritten while a run reads it gives an answer that is shown with a notice and not stored, so
the next run never serves a snippet of a version that is no longer on disk.

The deterministic test swaps a file between its fingerprint and the run's read of it. The
property test races a thread that rewrites files (same size, old mtime restored) against
cached runs of queries and macros, then checks every cached answer against a cold one;
`benchmarks/race.py` runs the same machine for hundreds of sequences.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

import cq.index.session as session_module
from cq.api import macro, run_query
from cq.errors import BadInputError
from cq.result import CqResult

from .support import SHM, answer
from .support import settings as make_settings

A = "def g(y):\n    return y  # version A\n\n\ndef main():\n    return g(1)\n"
B = "def g(y):\n    return y  # version B\n\n\ndef main():\n    return g(1)\n"
ASKS: tuple[tuple[str, dict[str, object]], ...] = (
    ("q", {"text": "entity=function name=g fields=evidence"}),
    ("q", {"text": "pattern='g($X)'"}),
    ("calls", {"target": "g"}),
    ("impact", {"target": "g", "param": "y"}),
)


def ask(root: Path, cache: Path, what: tuple[str, dict[str, object]],
        no_cache: bool = False) -> CqResult:
    name, args = what
    settings = make_settings(root, cache, no_cache)
    if name == "q":
        return run_query(settings, str(args["text"]))
    return macro(settings, name, dict(args))


def write_same_stamp(path: Path, text: str) -> None:
    """Rewrite with text of the same size and put the old mtime back."""
    before = path.stat()
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_file_swapped_under_a_run_is_not_cached(tmp_path: Path, monkeypatch) -> None:
    root, cache = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    source = root / "m.py"
    source.write_text(A)
    real_text = session_module.IndexSession.text
    swapped: list[str] = []

    def text_after_a_swap(self, path: str):  # the file turns into B once fingerprinted
        if not swapped:
            swapped.append(path)
            write_same_stamp(source, B)
        return real_text(self, path)

    monkeypatch.setattr(session_module.IndexSession, "text", text_after_a_swap)
    raced = ask(root, cache, ASKS[2])
    monkeypatch.setattr(session_module.IndexSession, "text", real_text)
    assert swapped and any("a file changed during the run (m.py)" in n
                           for n in raced.run.notices)
    write_same_stamp(source, A)
    again = ask(root, cache, ASKS[2])
    assert again.summary["cache"]["status"] == "miss"  # nothing was stored by the raced run
    assert answer(again) == answer(ask(root, cache, ASKS[2], no_cache=True))


@contextmanager
def racing(path: Path, texts: tuple[str, str]) -> Iterator[None]:
    """Rewrite `path` back and forth between two same-size texts until the block ends."""
    stop = threading.Event()

    def race() -> None:
        turn = 0
        while not stop.is_set():
            write_same_stamp(path, texts[turn % 2])
            turn += 1

    thread = threading.Thread(target=race, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class CachedAnswersSurviveRaces(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.base = Path(tempfile.mkdtemp(prefix="cq-race-"))
        self.cache = Path(tempfile.mkdtemp(prefix="cq-race-cache-",
                                           dir=SHM if SHM.is_dir() else None))
        self.root = self.base / "repo"
        self.root.mkdir()

    @initialize(others=st.integers(0, 3))
    def build(self, others: int) -> None:
        (self.root / "m.py").write_text(A)
        for i in range(others):
            (self.root / f"other{i}.py").write_text(f"from m import g\n\n\ndef h{i}():\n"
                                                    f"    return g({i})\n")

    def teardown(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)
        shutil.rmtree(self.cache, ignore_errors=True)

    @rule(what=st.sampled_from(ASKS), final=st.sampled_from((A, B)))
    def race_then_check(self, what: tuple[str, dict[str, object]], final: str) -> None:
        with racing(self.root / "m.py", (A, B)), contextlib.suppress(BadInputError):
            ask(self.root, self.cache, what)  # a half-written file may hold no `g` at all
        write_same_stamp(self.root / "m.py", final)
        for each in ASKS:
            cached = ask(self.root, self.cache, each)
            assert answer(cached) == answer(ask(self.root, self.cache, each, no_cache=True))


EXAMPLES = int(os.environ.get("CQTEST_RACE_EXAMPLES", "6"))
CachedAnswersSurviveRaces.TestCase.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=4, deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow])
TestCachedAnswersSurviveRaces = CachedAnswersSurviveRaces.TestCase
