"""The progress displays: plain lines (throttled), silence below MIN_FILES, report steps."""

from __future__ import annotations

import pytest

import cq.progress
from cq.progress import MIN_FILES, SILENT, Lines, Tracker, current, tracking


def test_lines_say_start_and_end_and_name_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cq.progress, "LINE_EVERY_S", 0.0)
    written: list[str] = []
    lines = Lines(written.append)
    lines.step(2, 3, "imports")
    with lines.files("scanning", 40) as advance:
        advance(30)
        advance(10)
    assert written == ["cq: report step 2 of 3: imports", "cq: imports: scanning 40 files",
                       "cq: imports: scanning 30/40 files",
                       "cq: imports: scanning 40/40 files done"]


def test_few_files_show_nothing() -> None:
    written: list[str] = []
    with Lines(written.append).files("scanning", MIN_FILES - 1) as advance:
        advance(MIN_FILES - 1)
    assert written == []


def test_tracking_sets_and_restores_the_current_display() -> None:
    closed = []

    class Probe(Tracker):
        def close(self) -> None:
            closed.append(True)

    assert current() is SILENT
    with tracking(Probe()) as probe:
        assert current() is probe
    assert current() is SILENT and closed == [True]
