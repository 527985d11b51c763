"""The global options as data: one row per flag, shared by the cyclopts app and the fast path.

Both front doors read this table, so `cq q ... --root X` means the same whether cyclopts or
`cq.cli.fast` parsed it. The rows come from the settings table (`cq.settings.SETTINGS`: each
setting with command-line spellings is a flag) plus the three options that only choose where
settings come from (`--root`, `--config`, `--no-config`). Kinds: `value` (takes an argument),
`bool` (`--x` / `--no-x`), `flag` (presence means True). Numbers pass through as text: the
settings layer checks them against the range their setting declares, the same check as for
the environment and config files, and the help text shows that range.

A run (`q`, a macro, `report`) takes every flag; the administration commands take only the
flags they use (`GROUPS`), so `cq cache --format mermaid` is refused, not ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from cq.settings import SETTINGS, SettingSpec


class Flag(msgspec.Struct, frozen=True):
    field: str
    names: tuple[str, ...]
    kind: str
    help: str
    convert: Callable[[str], Any] = str
    choices: tuple[str, ...] = ()
    metavar: str = ""  # what the help shows for the value ("": by its type)


def _help(spec: SettingSpec) -> str:
    if spec.cli == "flag":
        return spec.help
    parts = [f"default: {spec.default}"] if spec.default else []
    if spec.bounds is not None:
        parts.append(f"range: {spec.bounds.describe()}")
    return f"{spec.help} [{'; '.join(parts)}]." if parts else f"{spec.help}."


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def convert(value: str) -> str:
        if value not in choices:
            raise ValueError(value)
        return value

    return convert


# Numbers arrive as text (the settings layer checks them), but the help shows what they are.
_METAVARS = {"integer": "INT", "number": "NUMBER"}


def _metavar(spec: SettingSpec) -> str:
    if spec.name.endswith("_dir"):
        return "PATH"
    return _METAVARS.get(spec.kind, "")


def _flag(spec: SettingSpec) -> Flag:
    convert = _one_of(spec.choices) if spec.choices else str
    return Flag(spec.name, spec.flags, spec.cli, _help(spec), convert, spec.choices,
                _metavar(spec) if spec.cli == "value" else "")


FLAGS: tuple[Flag, ...] = (
    Flag("root", ("--root",), "value",
         "Repository root [default: the git top level of the current directory, else it].",
         metavar="PATH"),
    Flag("config", ("--config",), "value",
         "Read settings from this TOML file instead of .cq.toml / pyproject.toml.",
         metavar="PATH"),
    Flag("no_config", ("--no-config",), "flag", "Ignore .cq.toml and pyproject.toml [tool.cq]."),
    *(_flag(spec) for spec in SETTINGS if spec.flags),
)

FLAG_BY_NAME: dict[str, Flag] = {name: flag for flag in FLAGS for name in flag.names}


_WHERE = ("root", "config", "no_config", "verbose", "quiet")
# The flags of each kind of command, by field; a run takes all of them.
GROUPS: dict[str, tuple[str, ...]] = {
    "run": tuple(flag.field for flag in FLAGS),
    "cache": (*_WHERE, "format", "progress", "cache_dir", "no_cache", "cache_query_ttl",
              "cache_query_size", "cache_index_size", "cache_query_shards"),
    "artifacts": (*_WHERE, "format", "artifact_dir", "artifacts_keep"),
    "artifact-show": (*_WHERE, "artifact_dir"),
}
# What an administration result can be shown as: text, not a graph or a SARIF log.
ADMIN_FORMATS = ("md", "json", "both", "summary")


def flags_for(group: str) -> tuple[Flag, ...]:
    """The flags a command of `group` takes; `--format` narrowed for administration."""
    wanted = GROUPS[group]
    chosen = tuple(flag for flag in FLAGS if flag.field in wanted)
    if group == "run":
        return chosen
    return tuple(_admin_format(flag) if flag.field == "format" else flag for flag in chosen)


def _admin_format(flag: Flag) -> Flag:
    return msgspec.structs.replace(flag, convert=_one_of(ADMIN_FORMATS), choices=ADMIN_FORMATS,
                                   help=flag.help.replace("Output format",
                                                          "Output format of the listing"))
