"""The resident memory of decoded facts: keyed by content, bounded, least recently used
dropped first; a run through it answers as a run without it."""

from __future__ import annotations

from pathlib import Path

from conftest import answer_bytes, run_q
from cq.facts import Def, FileFacts, Span
from cq.index.memory import FactsMemory, estimate, install


def _facts(path: str, defs: int = 1) -> FileFacts:
    return FileFacts(path=path, module=path[:-3],
                     defs=tuple(Def(kind="function", name=f"f{i}", qualname=f"f{i}",
                                    span=Span(i + 1, 0, i + 1, 1)) for i in range(defs)))


def test_a_changed_digest_is_another_key() -> None:
    memory = FactsMemory(10_000)
    memory.keep({("d", "t", "a.py", "1"): _facts("a.py")})
    assert memory.take({"a.py": ("d", "t", "a.py", "2")}) == {}
    assert memory.take({"a.py": ("d", "t", "a.py", "1")})["a.py"].path == "a.py"


def test_the_least_recently_used_go_first() -> None:
    one = estimate(_facts("a.py"))
    memory = FactsMemory(2 * one)
    memory.keep({("d", "t", "a.py", "1"): _facts("a.py"),
                 ("d", "t", "b.py", "1"): _facts("b.py")})
    memory.take({"a.py": ("d", "t", "a.py", "1")})  # a is now the most recent
    memory.keep({("d", "t", "c.py", "1"): _facts("c.py")})
    assert len(memory) == 2 and memory.size <= memory.budget
    assert memory.take({"b.py": ("d", "t", "b.py", "1")}) == {}
    assert set(memory.take({"a.py": ("d", "t", "a.py", "1"),
                            "c.py": ("d", "t", "c.py", "1")})) == {"a.py", "c.py"}


def test_a_run_through_memory_answers_as_one_without(make_repo, tmp_path: Path,
                                                      monkeypatch) -> None:
    monkeypatch.setattr("cq.cache.index.RACY_WINDOW_NS", 0)  # stamps stored as they are
    root = make_repo({"a.py": "def alpha():\n    pass\n", "b.py": "def beta(): alpha()\n"})
    cache = str(tmp_path / "cache")
    plain = answer_bytes(run_q(root, "entity=function", cache_dir=cache))
    memory = FactsMemory(1 << 20)
    install(memory)
    try:
        for query in ("entity=function name=alpha", "entity=class", "entity=module"):
            assert answer_bytes(run_q(root, query, cache_dir=cache))
        assert len(memory) == 2
        (root / "a.py").write_text("def alpha_two():\n    pass\n")
        through = answer_bytes(run_q(root, "entity=function", cache_dir=cache))
        install(None)
        alone = answer_bytes(run_q(root, "entity=function", cache_dir=cache, no_cache=True))
        assert through == alone != plain and memory.hits >= 1
    finally:
        install(None)
