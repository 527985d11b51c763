"""The time budget: a deadline that remembers it was reached, and the alarm behind it."""

from __future__ import annotations

import time

import pytest

import cq.deadline
from cq.deadline import NO_DEADLINE, Deadline, TimeBudgetExceeded, alarm


def test_a_deadline_expires_and_remembers() -> None:
    now = [0.0]
    deadline = Deadline(5.0, clock=lambda: now[0])
    assert not deadline.expired() and deadline.remaining() == 5.0 and not deadline.reached
    now[0] = 5.0
    assert deadline.expired() and deadline.reached and deadline.remaining() == 0.0


def test_no_deadline_never_expires() -> None:
    assert not NO_DEADLINE.expired() and NO_DEADLINE.remaining() is None


def test_the_alarm_ends_work_that_cannot_look(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cq.deadline, "GRACE_S", 0.01)
    with pytest.raises(TimeBudgetExceeded), alarm(Deadline(0.0)):
        while True:  # stands for a parse that never asks the deadline
            time.sleep(0.005)


def test_an_alarm_that_did_not_fire_is_disarmed() -> None:
    import signal

    before = signal.getsignal(signal.SIGALRM)
    with alarm(Deadline(60.0)):
        pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == before
