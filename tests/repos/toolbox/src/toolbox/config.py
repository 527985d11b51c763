"""Configuration: no __all__, so the public top-level names are what it exports."""

import json
from pathlib import Path as _Path

from toolbox.errors import ConfigError

DEFAULTS = {"port": 8080}
_cache = {}


class Config:
    def __init__(self, values):
        self.values = values

    def get(self, key):
        return self.values.get(key, DEFAULTS.get(key))

    class Section:
        def get(self, key):
            return None


def load_config(path):
    text = _Path(path).read_text()
    try:
        return Config(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ConfigError(str(exc)) from exc


def _private_helper():
    return _cache
