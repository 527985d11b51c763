"""The other half of the two-module cycle."""

import loops.alpha


def pong() -> str:
    return "pong"


def again() -> str:
    return loops.alpha.ping()
