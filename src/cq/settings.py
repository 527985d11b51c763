"""Option resolution into one frozen `Settings` (DESIGN §3, config stage).

Precedence: explicit CLI value > `CQ_*` environment > config file (`--config FILE`, else
`<root>/.cq.toml`, else `<root>/pyproject.toml [tool.cq]`) > defaults. "Explicit" means the
user typed the flag, so a flag equal to its default still wins over the environment and the
file. The table `SETTINGS` is the single source of every setting's name, config type,
environment spellings and, for numbers, its range (`cq.bounds`), checked here the same way
whichever layer the value came from; nothing below the CLI reads `os.environ` — the CLI
passes it in. A config file that cannot be read, decoded or parsed, or that holds a value of
the wrong type, is a ConfigError naming the file and key — except a root `pyproject.toml`,
which belongs to other tools too: it becomes a notice, and cq goes on with its defaults.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import msgspec

from cq.bounds import Bounds, check_number
from cq.errors import ConfigError, ScopeError
from cq.spelling import suggest
from cq.vocabulary import FORMATS, SEVERITIES

# Files that are tests: names anywhere, folders at the top of the root (`cq.hazards.testpaths`).
DEFAULT_TEST_PATHS = ("test_*.py", "*_test.py", "conftest.py", "tests/**", "test/**")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    root: str
    # Where the working directory sits in the root ("": at the root or outside it): path
    # arguments are relative to it (`cq.workdir`).
    workdir: str = ""
    cache_dir: str  # resolved: --cache-dir, CQ_CACHE_DIR, config, else $XDG_CACHE_HOME/cq
    format: str = "md"
    include_possible: bool = False  # graph formats: draw possible call edges too
    verbose: bool = False
    quiet: bool = False  # no notices on stderr (errors and the --fail-on verdict stay)
    progress: bool | None = None  # None: a bar when stderr is a terminal
    artifact_dir: str | None = None  # None: <root>/.cq/artifacts
    save_artifact: bool = True
    artifacts_keep: int = 100  # newest artifacts kept per directory; 0: all
    no_cache: bool = False
    cache_query_ttl: float | None = None  # seconds; None: never expires
    cache_query_size: int = 512 * 1024 * 1024
    cache_index_size: int = 1024 * 1024 * 1024
    cache_query_shards: int = 1
    max_file_bytes: int = 5 * 1024 * 1024
    jobs: int = 0  # 0: one worker per core
    timeout: float | None = None  # seconds a run may take; None: no limit
    fail_on: str | None = None  # a severity: exit 3 when a finding this severe remains
    test_paths: tuple[str, ...] = DEFAULT_TEST_PATHS
    config_file: str | None = None
    server: bool = True  # forward to a running `cq server` for the root
    server_idle: float = 1800.0  # seconds a `cq server` waits for a request before it exits
    engine_memory: int = 256 * 1024 * 1024  # bytes of decoded facts a resident engine keeps
    notices: tuple[str, ...] = ()  # one line each, shown with the result (a skipped file)

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
        raise ValueError(f"unknown format {text!r}; {suggest(text, FORMATS)}")
    return text


NEVER = "never"  # --fail-on: never fail on findings (overrides a config file's value)


def _parse_fail_on(text: str) -> str | None:
    if text == NEVER:
        return None
    if text not in SEVERITIES:
        raise ValueError(f"unknown severity {text!r}; {suggest(text, (*SEVERITIES, NEVER))}")
    return text


def _parse_globs(text: str) -> tuple[str, ...]:
    """Comma-separated glob patterns (a config file may give a TOML array instead)."""
    items = tuple(item.strip() for item in text.split(","))
    if not items or not all(items):
        raise ValueError(f"needs comma-separated glob patterns, got {text!r}")
    for item in items:
        if item.startswith("/") or "\\" in item:
            raise ValueError(f"a pattern is relative to the root, with '/': {item!r}")
    return items


def _path(text: str) -> str:
    if not str(text).strip():
        raise ValueError("needs a directory, got an empty value")
    return str(text)


_BYTES_1TIB = Bounds(0, 1 << 40, "bytes")


class SettingSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One setting. `kind` is what a config file must hold (a TOML string, boolean, integer or
    number); `parse` reads text (flag, environment) of strings and booleans; numbers have
    `bounds` instead, the one range every layer is checked against. `flags` are its
    command-line spellings (none: config and environment only), `cli` how the flag is given
    (value: takes one; bool: `--x` / `--no-x`; flag: its presence means true), `help` the
    flag's help without the range, which `cq.cli.flags` adds."""

    name: str
    kind: str  # string | boolean | integer | number | globs
    env: tuple[str, ...]
    parse: Callable[[str], Any] | None = None
    bounds: Bounds | None = None
    flags: tuple[str, ...] = ()
    cli: str = "value"
    help: str = ""
    default: str = ""  # the default as the help shows it
    choices: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The config-file spelling."""
        return self.name.replace("_", "-")


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(name="verbose", kind="boolean", env=("CQ_VERBOSE",), parse=_parse_bool,
                flags=("--verbose", "-v"), cli="flag",
                help="Tracebacks on internal errors and per-stage timings on stderr."),
    SettingSpec(name="quiet", kind="boolean", env=("CQ_QUIET",), parse=_parse_bool,
                flags=("--quiet",), cli="flag",
                help="No notices and no progress bar on stderr (errors and the --fail-on "
                     "verdict are still shown)."),
    SettingSpec(name="progress", kind="boolean", env=("CQ_PROGRESS",), parse=_parse_bool,
                flags=("--progress", "--no-progress"), cli="bool",
                help="Progress of long work on stderr: plain lines when stderr is not a "
                     "terminal", default="a bar when stderr is a terminal"),
    SettingSpec(name="format", kind="string", env=("CQ_FORMAT",), parse=_parse_format,
                flags=("--format",), help="Output format", default="md",
                choices=tuple(FORMATS)),
    SettingSpec(name="include_possible", kind="boolean", env=("CQ_INCLUDE_POSSIBLE",),
                parse=_parse_bool, flags=("--include-possible",), cli="flag",
                help="Graph formats: also draw call edges whose receiver is not known "
                     "(possible tier); by default only resolved edges."),
    SettingSpec(name="artifact_dir", kind="string", env=("CQ_ARTIFACT_DIR",), parse=_path,
                flags=("--artifact-dir",), help="Where to save the JSON artifact",
                default="<root>/.cq/artifacts"),
    SettingSpec(name="save_artifact", kind="boolean", env=("CQ_SAVE_ARTIFACT",),
                parse=_parse_bool, flags=("--save-artifact", "--no-save-artifact"), cli="bool",
                help="Save the full result as a JSON artifact", default="save"),
    # Each save lists the directory to prune it: a bound keeps that listing small.
    SettingSpec(name="artifacts_keep", kind="integer", env=("CQ_ARTIFACTS_KEEP",),
                bounds=Bounds(0, 100_000), flags=("--artifacts-keep",),
                help="Artifacts kept in the artifact directory, newest first; each save "
                     "removes older ones (0: keep all)", default="100"),
    SettingSpec(name="cache_dir", kind="string", env=("CQ_CACHE_DIR", "CQ_DISKCACHE_DIR"),
                parse=_path, flags=("--cache-dir",), help="Cache directory",
                default="$XDG_CACHE_HOME/cq, else ~/.cache/cq"),
    SettingSpec(name="no_cache", kind="boolean", env=("CQ_NO_CACHE", "CQ_DISKCACHE_DISABLE"),
                parse=_parse_bool, flags=("--no-cache",), cli="flag",
                help="Run without reading or writing any cache."),
    # A year at most: longer is "until invalidated", which 0 already says.
    SettingSpec(name="cache_query_ttl", kind="number",
                env=("CQ_CACHE_QUERY_TTL", "CQ_DISKCACHE_QUERY_TTL"),
                bounds=Bounds(0, 365 * 86_400, "seconds", fraction=True),
                flags=("--cache-query-ttl",),
                help="Seconds a cached answer lives (0: until invalidated)", default="0"),
    SettingSpec(name="cache_query_size", kind="integer",
                env=("CQ_CACHE_QUERY_SIZE", "CQ_DISKCACHE_QUERY_SIZE"), bounds=_BYTES_1TIB,
                flags=("--cache-query-size",), help="Size limit of the query cache in bytes",
                default="512 MiB"),
    SettingSpec(name="cache_index_size", kind="integer",
                env=("CQ_CACHE_INDEX_SIZE", "CQ_DISKCACHE_INDEX_SIZE"), bounds=_BYTES_1TIB,
                flags=("--cache-index-size",), help="Size limit of the index cache in bytes",
                default="1 GiB"),
    # Each shard is a sqlite database opened at start-up: thousands take minutes.
    SettingSpec(name="cache_query_shards", kind="integer",
                env=("CQ_CACHE_QUERY_SHARDS", "CQ_DISKCACHE_QUERY_SHARDS"),
                bounds=Bounds(1, 256), flags=("--cache-query-shards",),
                help="Shards of the query cache (FanoutCache when > 1)", default="1"),
    # A day at most; 0 means no limit.
    SettingSpec(name="timeout", kind="number", env=("CQ_TIMEOUT",),
                bounds=Bounds(0, 86_400, "seconds", fraction=True), flags=("--timeout",),
                help="End the run after this many seconds with the findings computed so "
                     "far, marked partial and not cached (0: no limit)", default="0"),
    SettingSpec(name="fail_on", kind="string", env=("CQ_FAIL_ON",), parse=_parse_fail_on,
                flags=("--fail-on",),
                help="Exit 3 when a finding of this severity or a more severe one remains "
                     "after the result filters", default=NEVER,
                choices=(*SEVERITIES, NEVER)),
    SettingSpec(name="test_paths", kind="globs", env=("CQ_TEST_PATHS",), parse=_parse_globs,
                flags=("--test-paths",),
                help="Which files are tests, comma-separated globs: a name pattern, "
                     "a top-level folder as 'dir/**', or a path pattern",
                default=",".join(DEFAULT_TEST_PATHS)),
    SettingSpec(name="server", kind="boolean", env=("CQ_SERVER",), parse=_parse_bool,
                flags=("--server", "--no-server"), cli="bool",
                help="Forward to a running `cq server` for the root", default="forward"),
    # A week at most: a server nobody asks is a process nobody remembers.
    SettingSpec(name="server_idle", kind="number", env=("CQ_SERVER_IDLE",),
                bounds=Bounds(1, 7 * 86_400, "seconds", fraction=True)),
    SettingSpec(name="engine_memory", kind="integer", env=("CQ_ENGINE_MEMORY",),
                bounds=Bounds(0, 1 << 36, "bytes")),
    SettingSpec(name="max_file_bytes", kind="integer", env=("CQ_MAX_FILE_BYTES",),
                bounds=Bounds(0, 1 << 30, "bytes")),
    SettingSpec(name="jobs", kind="integer", env=("CQ_JOBS",),
                bounds=Bounds(0, 256)),  # 0: one per core
)
SETTING_BY_NAME: dict[str, SettingSpec] = {spec.name: spec for spec in SETTINGS}


def find_root(start: Path) -> Path:
    """The git top level containing `start` (a directory holding `.git`), else `start`."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def workdir_of(root: Path, cwd: Path) -> str:
    """`cwd` relative to `root` as a POSIX path; "" at the root or outside it."""
    try:
        inner = cwd.resolve().relative_to(root.resolve())
    except ValueError:
        return ""
    text = inner.as_posix()
    return "" if text == "." else text


def _check_root(root: Path) -> Path:
    if not root.exists():
        raise ScopeError(f"root does not exist: {root}")
    if not root.is_dir():
        raise ScopeError(f"root is not a directory: {root}")
    return root.resolve()


class ConfigFile(msgspec.Struct, frozen=True):
    """The cq settings table that applies, the file it came from (None: no file), and notices
    about files skipped on the way."""

    table: dict[str, Any] = msgspec.field(default_factory=dict)
    path: str | None = None
    notices: tuple[str, ...] = ()


class _UnusableFile(ConfigError):
    """A config file cq cannot use at all; `reason` completes "config file PATH ..."."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"config file {path} {reason}")
        self.reason = reason


CONFIG_FILE_MAX = 1 << 24  # bytes


def _read_toml(path: Path) -> dict[str, Any]:
    """The parsed file; unreadable, not UTF-8 or not TOML is an error naming the file."""
    import tomllib  # only when a config file exists: most runs have none

    from cq.reading import read_source

    try:
        data = read_source(path, CONFIG_FILE_MAX)  # a FIFO must not block the run
    except OSError as exc:
        raise _UnusableFile(path, f"cannot be read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _UnusableFile(path, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at "
                                  f"offset {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _UnusableFile(path, f"is not valid TOML: {exc}") from None


def load_config_file(root: Path, explicit: str | None) -> ConfigFile:
    """`--config FILE`, else `<root>/.cq.toml`, else `[tool.cq]` of `<root>/pyproject.toml`.
    The pyproject file belongs to other tools too: one that cannot be read is a notice, and
    cq goes on with its defaults; a `[tool.cq]` table inside a valid one is checked."""
    if explicit:
        return _explicit_file(Path(explicit))
    dot = root / ".cq.toml"
    if dot.is_file():
        return ConfigFile(_read_toml(dot), str(dot))
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return ConfigFile()
    try:
        data = _read_toml(pyproject)
    except _UnusableFile as exc:
        return ConfigFile(notices=(f"cq: ignoring {pyproject}: it {exc.reason}; "
                                   "cq runs with its defaults",))
    table = _tool_cq(data)
    return ConfigFile(_table(table, pyproject), str(pyproject)) if table is not None \
        else ConfigFile()


def _explicit_file(path: Path) -> ConfigFile:
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    data = _read_toml(path)
    table = _tool_cq(data) if path.name == "pyproject.toml" else data
    return ConfigFile(_table(data if table is None else table, path), str(path))


def _tool_cq(data: dict[str, Any]) -> Any:
    tool = data.get("tool")
    return tool.get("cq") if isinstance(tool, dict) else None


def _table(value: Any, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"cq settings in {path} must be a table, got {_toml_type(value)}")
    return value


# What a config value must be, per setting kind, and how errors name it.
_TOML_KINDS: dict[str, tuple[tuple[type, ...], str]] = {
    "string": ((str,), "a string"),
    "boolean": ((bool,), "a boolean (true or false)"),
    "integer": ((int,), "an integer"),
    "number": ((int, float), "a number"),
    "globs": ((str, list), "a string or an array of strings"),
}
# tomllib's value types by name (read without importing datetime on every run).
_TOML_TYPES = {"bool": "a boolean", "str": "a string", "int": "an integer", "float": "a float",
               "dict": "a table", "list": "an array", "datetime": "a date-time",
               "date": "a date", "time": "a time"}


def _toml_type(value: Any) -> str:
    return _TOML_TYPES.get(type(value).__name__, type(value).__name__)


def _check_kind(spec: SettingSpec, raw: Any, where: str) -> None:
    """A config value of the wrong TOML type is refused, never converted to text."""
    kinds, expected = _TOML_KINDS[spec.kind]
    if not isinstance(raw, kinds) or (isinstance(raw, bool) and spec.kind != "boolean"):
        raise ConfigError(f"bad value for {where}: expected {expected}, got {_toml_type(raw)}")


def _from_config(table: Mapping[str, Any], source: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for raw_key, raw in table.items():
        spec = SETTING_BY_NAME.get(raw_key.replace("-", "_"))
        if spec is None:
            raise ConfigError(f"unknown setting {raw_key!r} in {source}",
                              hint=suggest(raw_key, (s.key for s in SETTINGS)))
        where = f"key {raw_key} in config file {source}"
        _check_kind(spec, raw, where)
        values[spec.name] = _parse_value(spec, raw, where)
    return values


def _from_cli(cli: Mapping[str, Any]) -> dict[str, Any]:
    """Explicit CLI values, checked by the same parsers as every other layer."""
    values: dict[str, Any] = {}
    for spec in SETTINGS:
        value = cli.get(spec.name)
        if value is not None:
            values[spec.name] = _parse_value(spec, value, f"flag --{spec.key}")
    return values


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in SETTINGS:
        for var in spec.env:
            if var in env:
                values[spec.name] = _parse_value(spec, env[var],
                                                 f"environment variable {var}")
                break
    return values


def _parse_value(spec: SettingSpec, raw: Any, where: str) -> Any:
    """One value from any layer: numbers against the setting's bounds, the rest by its
    parser (a boolean from a config file or a library caller is already one)."""
    try:
        if spec.bounds is not None:
            return check_number(raw, spec.bounds)
        if isinstance(raw, bool) and spec.kind == "boolean":
            return raw
        assert spec.parse is not None
        if isinstance(raw, list):  # a TOML array of a `globs` setting
            if not all(isinstance(item, str) and "," not in item for item in raw):
                raise ValueError("needs an array of glob patterns (strings without commas)")
            raw = ",".join(raw)
        return spec.parse(str(raw))
    except ValueError as exc:
        raise ConfigError(f"bad value for {where}: {exc}") from None


def resolve_settings(cli: Mapping[str, Any], env: Mapping[str, str] | None = None,
                     cwd: Path | None = None) -> Settings:
    """Merge the layers. `cli` holds only options the user gave explicitly (plus `root`,
    `config` and `no_config`, which steer the lookup)."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    base = Path(cli.get("root") or env.get("CQ_ROOT") or find_root(cwd))
    root = _check_root(base)
    config = ConfigFile() if cli.get("no_config") else load_config_file(root, cli.get("config"))
    file_values = _from_config(config.table, config.path) if config.path else {}
    merged: dict[str, Any] = {**file_values, **_from_env(env)}
    merged.update(_from_cli(cli))
    merged.setdefault("cache_dir", str(default_cache_dir(env)))
    for name in ("cache_query_ttl", "timeout"):  # 0 means "no limit", as in the env form
        if not merged.get(name):
            merged[name] = None
    return Settings(root=str(root), workdir=workdir_of(root, cwd), config_file=config.path,
                    notices=config.notices, **merged)


def default_cache_dir(env: Mapping[str, str]) -> Path:
    xdg = env.get("XDG_CACHE_HOME")
    home = env.get("HOME")
    base = Path(xdg) if xdg else (Path(home) if home else Path.home()) / ".cache"
    return base / "cq"
