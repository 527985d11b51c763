"""Third of three: imports one, closing the ring."""

import loops.ring.one as first

THREE = 3


def back() -> int:
    return first.ONE
