"""Work done at import time, for `cq side-effects`."""

import logging
import os
import sys
from collections import namedtuple

import requests
from yaml import safe_load

from loops.registry import app, register

log = logging.getLogger(__name__)
Point = namedtuple("Point", "x y")
sys.path.append(os.path.dirname(__file__))
os.environ["LOOPS_READY"] = "1"
DEBUG = os.environ.get("LOOPS_DEBUG", "")
HOME = os.getcwd()
SESSION = requests.Session()
print("loading effects")


@app.route("/ping")
def ping():
    return "pong"


@register
class Config:
    defaults = safe_load("a: 1")

    @property
    def name(self):
        return "config"


def main():
    print(sys.argv)


if __name__ == "__main__":
    print(sys.argv[1:])
    main()
