"""The global options as data: one row per flag, shared by the cyclopts app and the fast path.

Both front doors read this table, so `cq q ... --root X` means the same whether cyclopts or
`cq.cli.fast` parsed it. Kinds: `value` (takes an argument, converted by `convert`), `bool`
(`--x` / `--no-x`), `flag` (presence means True). Numbers pass through as typed: the settings
layer checks them against the range their setting declares (`cq.settings.SETTINGS`), the
same check as for the environment and config files, and the help text shows that range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from cq.settings import SETTING_BY_NAME

FORMAT_CHOICES = ("md", "json", "both", "summary", "mermaid", "mermaid-class", "mermaid-cfg", "dot")


class Flag(msgspec.Struct, frozen=True):
    field: str
    names: tuple[str, ...]
    kind: str
    help: str
    convert: Callable[[str], Any] = str
    choices: tuple[str, ...] = ()


def _format(value: str) -> str:
    if value not in FORMAT_CHOICES:
        raise ValueError(value)
    return value


def _ranged(field: str, default: str) -> str:
    bounds = SETTING_BY_NAME[field].bounds
    assert bounds is not None
    return f"[default: {default}; range: {bounds.describe()}]"


FLAGS: tuple[Flag, ...] = (
    Flag("root", ("--root",), "value",
         "Repository root [default: the git top level of the current directory, else it]."),
    Flag("config", ("--config",), "value",
         "Read settings from this TOML file instead of .cq.toml / pyproject.toml."),
    Flag("no_config", ("--no-config",), "flag", "Ignore .cq.toml and pyproject.toml [tool.cq]."),
    Flag("verbose", ("--verbose", "-v"), "flag",
         "Tracebacks on internal errors and per-stage timings on stderr."),
    Flag("format", ("--format",), "value", "Output format [default: md].", _format,
         FORMAT_CHOICES),
    Flag("artifact_dir", ("--artifact-dir",), "value",
         "Where to save the JSON artifact [default: <root>/.cq/artifacts]."),
    Flag("save_artifact", ("--save-artifact", "--no-save-artifact"), "bool",
         "Save the full result as a JSON artifact [default: save]."),
    Flag("cache_dir", ("--cache-dir",), "value",
         "Cache directory [default: $XDG_CACHE_HOME/cq, else ~/.cache/cq]."),
    Flag("no_cache", ("--no-cache",), "flag", "Run without reading or writing any cache."),
    Flag("cache_query_ttl", ("--cache-query-ttl",), "value",
         "Seconds a cached answer lives (0: until invalidated) "
         f"{_ranged('cache_query_ttl', '0')}."),
    Flag("cache_query_size", ("--cache-query-size",), "value",
         "Size limit of the query cache in bytes "
         f"{_ranged('cache_query_size', '512 MiB')}."),
    Flag("cache_index_size", ("--cache-index-size",), "value",
         "Size limit of the index cache in bytes "
         f"{_ranged('cache_index_size', '1 GiB')}."),
    Flag("cache_query_shards", ("--cache-query-shards",), "value",
         "Shards of the query cache (FanoutCache when > 1) "
         f"{_ranged('cache_query_shards', '1')}."),
)

FLAG_BY_NAME: dict[str, Flag] = {name: flag for flag in FLAGS for name in flag.names}
