"""Second of three: imports three."""

from loops.ring.three import THREE

TWO = 2 + THREE - 3
