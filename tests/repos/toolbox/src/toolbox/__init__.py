"""Toolbox: closures, errors and a few risky helpers."""

from .config import Config, load_config
from .core import make_adder, make_counter

__all__ = ["Config", "load_config", "make_adder"] + ["make_counter"]
