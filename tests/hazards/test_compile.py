"""Compiling the registry: word alternatives for the prefilter, and the memo in the
coordination store (computed once, msgpack/JSON text, shared across runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cq.cache.profile import CacheSettings
from cq.cache.store import Store, disabled_store, open_store_at
from cq.hazards.compile import SUBSTRING, compile_rules, load_rules, memoized_rules, rule_words
from cq.hazards.registry import RULES_BY_ID


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"pattern": "eval($$$)"}, [("eval",)]),
        ({"pattern": "time.sleep($X)"}, [("time", "sleep")]),
        ({"any": [{"pattern": "pickle.load($$$)"}, {"pattern": "marshal.loads($$$)"}]},
         [("pickle", "load"), ("marshal", "loads")]),
        ({"kind": "global_statement"}, [("global",)]),
        ({"kind": "call"}, [()]),
        ({"any": [{"kind": "list"}, {"pattern": "eval($X)"}]}, [()]),  # one branch: any file
        ({"pattern": "f($X)", "inside": {"pattern": "with $A: $$$", "stopBy": "end"}},
         [("f", "with")]),
        ({"pattern": "f($X)", "not": {"pattern": "f(1)"}}, [("f",)]),
        ({"all": [{"pattern": "a($X)"}, {"any": [{"pattern": "b"}, {"pattern": "c"}]}]},
         [("a", "b"), ("a", "c")]),
    ],
)
def test_rule_words(rule, words) -> None:
    assert rule_words(rule) == words


def test_declared_words_are_required_too() -> None:
    (shell,) = compile_rules([RULES_BY_ID["shell-true"]])
    assert shell.words == (("shell",),)
    (blocking,) = compile_rules([RULES_BY_ID["blocking-in-async"]])
    assert all("async" in alt for alt in blocking.words)


def test_needles_are_alternatives_matched_as_substrings() -> None:
    (tmp,) = compile_rules([RULES_BY_ID["hardcoded-tmp"]])
    assert tmp.words == ((SUBSTRING + "/tmp",), (SUBSTRING + "/dev/shm",))


def test_every_row_keeps_a_prefilter() -> None:
    # a security row that gave up its words would parse every file of every run
    for rule in compile_rules():
        assert () not in rule.words or RULES_BY_ID[rule.id].category != "security", rule.id


def test_memo_computes_once_per_store(tmp_path: Path, monkeypatch) -> None:
    import cq.hazards.compile as compile_module

    calls = []
    real = compile_module.compile_rules

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(compile_module, "compile_rules", counting)
    store = open_store_at(tmp_path / "coord", "coordination",
                          CacheSettings(eviction_policy="none"))
    first = memoized_rules(store)
    again = memoized_rules(open_store_at(tmp_path / "coord", "coordination",
                                         CacheSettings(eviction_policy="none")))
    assert first == again == real() and len(calls) == 1
    assert [key for key in store.iterkeys() if key.startswith("memo:")]


def test_disabled_store_compiles_in_process() -> None:
    assert memoized_rules(disabled_store("coordination", "test")) == compile_rules()


def _coordination(path: Path) -> Store:
    return open_store_at(path, "coordination", CacheSettings(eviction_policy="none"))


@pytest.mark.parametrize("wrong", [
    ['[{"id": 1}]', 1.0],  # JSON text of the wrong shape (the memo's old form)
    [[{"id": "eval", "config": {}, "words": "eval"}], 1.0],
    [[{"id": "eval"}], 1.0],
    ["not rules", 1.0],
    {"rules": []},
    7,
], ids=["json-text", "wrong-words", "missing-fields", "text", "map", "scalar"])
def test_a_wrong_memo_is_dropped_and_recomputed(tmp_path: Path, wrong: object) -> None:
    store = _coordination(tmp_path / "coord")
    memoized_rules(store)
    (key,) = store.iterkeys("memo:")
    store.set(key, wrong, expire=3600)
    again = _coordination(tmp_path / "coord")
    assert memoized_rules(again) == compile_rules()
    assert again.dropped == 1 and len(again.notices) == 1 and again.status == "ok"
    assert memoized_rules(_coordination(tmp_path / "coord")) == compile_rules()


def test_load_rules_hands_back_the_memo_stores_notices(tmp_path: Path) -> None:
    from conftest import repo_settings

    root = tmp_path / "repo"
    root.mkdir()
    settings = repo_settings(root, cache_dir=str(tmp_path / "cache"))
    assert load_rules(settings) == (compile_rules(), ())
    (coord,) = (tmp_path / "cache").glob("v*/*/coordination")
    store = _coordination(coord)
    (key,) = store.iterkeys("memo:")
    store.set(key, ["[]", 1.0], expire=3600)
    store.close()
    rules, notices = load_rules(settings)
    assert rules == compile_rules() and len(notices) == 1 and "dropped" in notices[0]
