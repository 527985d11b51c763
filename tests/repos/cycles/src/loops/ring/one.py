"""First of three: imports two."""

from loops.ring import two

ONE = 1


def total() -> int:
    return ONE + two.TWO
