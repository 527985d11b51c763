"""The runner's time budget (`--timeout`): an answer cut short is shown, marked partial with
the reason, and never stored in the query cache."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import cq.cache.index
import cq.deadline
from cq.discover import Discovery, Scope
from cq.index.source import FactSource
from cq.runner import Outcome, Request, RunContext, run_cached
from integration.support import ask, generated_repo, settings


def test_a_run_past_its_budget_is_partial_and_not_cached(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    from cq.cli.app import run

    root = generated_repo(tmp_path / "repo", 300)
    cache = tmp_path / "cache"
    args = ["q", "entity=function", "--root", str(root), "--cache-dir", str(cache),
            "--no-save-artifact", "--no-config", "--format", "summary"]
    assert run([*args, "--timeout", "0.000001"]) == 0
    err = capsys.readouterr().err
    assert "cq: partial answer: the time budget of 1e-06 s ran out (" in err
    assert "files not read)" in err
    again = ask(root, cache, "entity=function")  # no budget: the whole answer, computed
    assert again.summary["cache"]["status"] == "miss" and "partial" not in again.summary
    assert again.summary["matches"] == 600
    assert ask(root, cache, "entity=function").summary["cache"]["status"] == "hit"


def test_a_run_within_its_budget_is_whole_and_cached(tmp_path: Path) -> None:
    root = generated_repo(tmp_path / "repo", 20)
    cache = tmp_path / "cache"
    first = ask(root, cache, "entity=function", timeout=600)
    assert "partial" not in first.summary and first.summary["matches"] == 40
    assert ask(root, cache, "entity=function").summary["cache"]["status"] == "hit"


def test_the_alarm_ends_a_computation_that_never_looks(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cq.deadline, "GRACE_S", 0.01)
    root = generated_repo(tmp_path / "repo", 3)

    def stuck(source: FactSource, discovery: Discovery) -> Outcome:
        while True:  # stands for one file that takes forever to analyse
            time.sleep(0.005)

    request = Request(macro="q", text="stuck", canonical="stuck", plan=("stuck",),
                      scope=Scope())
    result = run_cached(settings(root, tmp_path / "cache", timeout=0.01), RunContext(),
                        request, stuck)
    assert result.key_findings == () and result.summary["timed_out"] is True
    assert result.summary["partial"] == ["the time budget of 0.01 s ran out"]
    assert any(n.startswith("cq: partial answer: the time budget") for n in result.run.notices)


def test_a_warm_hit_opens_no_store_for_writing(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing to write back (every file's stamp is known): DiskCache is never opened, so
    a warm hit neither imports it nor takes a write lock."""
    import cq.cache.boundary as boundary_module

    root = generated_repo(tmp_path / "repo", n_files=5)
    cache = tmp_path / "cache"
    first = ask(root, cache, "entity=function")
    time.sleep(0.01)

    def refuse(*args: object) -> object:
        raise AssertionError("DiskCache opened on a warm hit")

    monkeypatch.setattr(cq.cache.index, "RACY_WINDOW_NS", 0)  # the stamps stored are trusted
    again = ask(root, cache, "entity=function")  # stores the settled stamps
    monkeypatch.setattr(boundary_module, "open_cache", refuse)
    hit = ask(root, cache, "entity=function")
    assert hit.summary["cache"]["status"] == "hit" and hit.key_findings == first.key_findings
    assert again.key_findings == first.key_findings
