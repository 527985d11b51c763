"""Option resolution into one frozen `Settings` (DESIGN §3, config stage).

Precedence: explicit CLI value > `CQ_*` environment > config file (`--config FILE`, else
`<root>/.cq.toml`, else `<root>/pyproject.toml [tool.cq]`) > defaults. "Explicit" means the
user typed the flag, so a flag equal to its default still wins over the environment and the
file. The option table below is the single source of every setting's name, type, default and
environment spellings; nothing below the CLI reads `os.environ` — the CLI passes it in.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import msgspec

from cq.errors import ConfigError, ScopeError

# the renderers cq has (cq.render.RENDERERS)
FORMATS = ("md", "json", "both", "summary", "mermaid", "mermaid-class", "mermaid-cfg", "dot")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    root: str
    cache_dir: str  # resolved: --cache-dir, CQ_CACHE_DIR, config, else $XDG_CACHE_HOME/cq
    format: str = "md"
    verbose: bool = False
    artifact_dir: str | None = None  # None: <root>/.cq/artifacts
    save_artifact: bool = True
    no_cache: bool = False
    cache_query_ttl: float | None = None  # seconds; None: never expires
    cache_query_size: int = 512 * 1024 * 1024
    cache_index_size: int = 1024 * 1024 * 1024
    cache_query_shards: int = 1
    max_file_bytes: int = 5 * 1024 * 1024
    jobs: int = 0  # 0: one worker per core
    config_file: str | None = None

    @property
    def artifact_path(self) -> Path:
        if self.artifact_dir:
            return Path(self.artifact_dir)
        return Path(self.root) / ".cq" / "artifacts"


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _parse_format(text: str) -> str:
    if text not in FORMATS:
        raise ValueError(f"unknown format {text!r}; valid: {', '.join(FORMATS)}")
    return text


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(f"must be >= 0, got {value}")
    return value


def _ttl(text: str) -> float | None:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"must be a number of seconds >= 0, got {value}")
    return value or None


def _path(text: str) -> str:
    if not str(text).strip():
        raise ValueError("needs a directory, got an empty value")
    return str(text)


class _Option(msgspec.Struct, frozen=True):
    name: str
    parse: Callable[[str], Any]
    env: tuple[str, ...]


_OPTIONS: tuple[_Option, ...] = (
    _Option("format", _parse_format, ("CQ_FORMAT",)),
    _Option("verbose", _parse_bool, ("CQ_VERBOSE",)),
    _Option("artifact_dir", _path, ("CQ_ARTIFACT_DIR",)),
    _Option("save_artifact", _parse_bool, ("CQ_SAVE_ARTIFACT",)),
    _Option("cache_dir", _path, ("CQ_CACHE_DIR", "CQ_DISKCACHE_DIR")),
    _Option("no_cache", _parse_bool, ("CQ_NO_CACHE", "CQ_DISKCACHE_DISABLE")),
    _Option("cache_query_ttl", _ttl, ("CQ_CACHE_QUERY_TTL", "CQ_DISKCACHE_QUERY_TTL")),
    _Option("cache_query_size", _positive_int, ("CQ_CACHE_QUERY_SIZE", "CQ_DISKCACHE_QUERY_SIZE")),
    _Option("cache_index_size", _positive_int, ("CQ_CACHE_INDEX_SIZE", "CQ_DISKCACHE_INDEX_SIZE")),
    _Option("cache_query_shards", _positive_int,
            ("CQ_CACHE_QUERY_SHARDS", "CQ_DISKCACHE_QUERY_SHARDS")),
    _Option("max_file_bytes", _positive_int, ("CQ_MAX_FILE_BYTES",)),
    _Option("jobs", _positive_int, ("CQ_JOBS",)),
)
OPTION_NAMES = tuple(opt.name for opt in _OPTIONS)


def find_root(start: Path) -> Path:
    """The git top level containing `start` (a directory holding `.git`), else `start`."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def _check_root(root: Path) -> Path:
    if not root.exists():
        raise ScopeError(f"root does not exist: {root}")
    if not root.is_dir():
        raise ScopeError(f"root is not a directory: {root}")
    return root.resolve()


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when a config file exists: most runs have none

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc


def load_config_file(root: Path, explicit: str | None) -> tuple[dict[str, Any], str | None]:
    """The `[tool.cq]`-style table that applies, and the file it came from."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        data = _read_toml(path)
        table = data.get("tool", {}).get("cq", data) if path.name == "pyproject.toml" else data
        return _table(table, path), str(path)
    dot = root / ".cq.toml"
    if dot.is_file():
        return _read_toml(dot), str(dot)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        tool = _read_toml(pyproject).get("tool", {})
        table = tool.get("cq") if isinstance(tool, dict) else None
        if table is not None:
            return _table(table, pyproject), str(pyproject)
    return {}, None


def _table(value: Any, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"cq settings in {path} must be a table, got {type(value).__name__}")
    return value


def _from_config(table: Mapping[str, Any], source: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    parsers = {opt.name: opt.parse for opt in _OPTIONS}
    for raw_key, raw in table.items():
        key = raw_key.replace("-", "_")
        if key not in parsers:
            raise ConfigError(f"unknown setting {raw_key!r} in {source}",
                              hint=f"valid: {', '.join(OPTION_NAMES)}")
        values[key] = _parse_value(parsers[key], raw, f"{raw_key} in {source}")
    return values


def _from_cli(cli: Mapping[str, Any]) -> dict[str, Any]:
    """Explicit CLI values, checked by the same parsers as every other layer."""
    values: dict[str, Any] = {}
    for opt in _OPTIONS:
        value = cli.get(opt.name)
        if value is not None:
            flag = "--" + opt.name.replace("_", "-")
            values[opt.name] = _parse_value(opt.parse, value, flag)
    return values


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for opt in _OPTIONS:
        for var in opt.env:
            if var in env:
                values[opt.name] = _parse_value(opt.parse, env[var], var)
                break
    return values


def _parse_value(parse: Callable[[str], Any], raw: Any, where: str) -> Any:
    if isinstance(raw, bool):
        raw = "true" if raw else "false"
    try:
        return parse(str(raw))
    except ValueError as exc:
        raise ConfigError(f"bad value for {where}: {exc}") from exc


def resolve_settings(cli: Mapping[str, Any], env: Mapping[str, str] | None = None,
                     cwd: Path | None = None) -> Settings:
    """Merge the layers. `cli` holds only options the user gave explicitly (plus `root`,
    `config` and `no_config`, which steer the lookup)."""
    env = os.environ if env is None else env
    base = Path(cli.get("root") or env.get("CQ_ROOT") or find_root(cwd or Path.cwd()))
    root = _check_root(base)
    file_values: dict[str, Any] = {}
    config_file = None
    if not cli.get("no_config"):
        table, config_file = load_config_file(root, cli.get("config"))
        file_values = _from_config(table, config_file) if config_file else {}
    merged: dict[str, Any] = {**file_values, **_from_env(env)}
    merged.update(_from_cli(cli))
    merged.setdefault("cache_dir", str(default_cache_dir(env)))
    if not merged.get("cache_query_ttl"):
        merged["cache_query_ttl"] = None  # 0 means "until invalidated", as in the env form
    return Settings(root=str(root), config_file=config_file, **merged)


def default_cache_dir(env: Mapping[str, str]) -> Path:
    xdg = env.get("XDG_CACHE_HOME")
    home = env.get("HOME")
    base = Path(xdg) if xdg else (Path(home) if home else Path.home()) / ".cache"
    return base / "cq"
