"""Imports its sibling with `from . import`."""

from . import right

LEFT = "left"


def both() -> str:
    return LEFT + right.RIGHT
