"""Imports its sibling with `from .left import`, plus two stdlib modules in one statement."""

import json, os

from .left import LEFT

RIGHT = "right"


def dump() -> str:
    return json.dumps({"left": LEFT, "cwd": os.sep})
