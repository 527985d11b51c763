"""Half of a two-module cycle: alpha imports beta, beta imports alpha."""

from loops import beta


def ping() -> str:
    return "ping" + beta.pong()
