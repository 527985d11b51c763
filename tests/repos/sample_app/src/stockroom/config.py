"""Settings from the environment, read once at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB = Path.home() / ".stockroom" / "db.json"
ENV_PREFIX = "INVENTORY_"
LOW_STOCK_THRESHOLD: int = int(os.environ.get(ENV_PREFIX + "LOW_STOCK", "5"))
_cache: dict[str, Settings] = {}
_cache_hits = 0


@dataclass(frozen=True)
class Settings:
    """Resolved settings."""

    db_path: Path = DEFAULT_DB
    low_stock: int = LOW_STOCK_THRESHOLD
    tags: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, /, *, strict: bool = False):
        env = os.environ if environ is None else environ
        values = {key[len(ENV_PREFIX):].lower(): value for key, value in env.items()
                  if key.startswith(ENV_PREFIX)}
        if strict and "db_path" not in values:
            raise KeyError(ENV_PREFIX + "DB_PATH")
        return cls(db_path=Path(values.get("db_path", DEFAULT_DB)),
                   low_stock=int(values.get("low_stock", LOW_STOCK_THRESHOLD)))

    @property
    def db_dir(self) -> Path:
        return self.db_path.parent


def load_settings(profile: str = "default", **overrides: object) -> Settings:
    """Settings for a profile, cached per profile."""
    global _cache_hits
    if profile in _cache and not overrides:
        _cache_hits += 1
        return _cache[profile]
    settings = Settings.from_env()
    if overrides:
        settings = Settings(**{**settings.__dict__, **overrides})
    _cache[profile] = settings
    return settings
