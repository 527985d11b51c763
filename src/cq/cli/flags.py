"""The global options as data: one row per flag, shared by the cyclopts app and the fast path.

Both front doors read this table, so `cq q ... --root X` means the same whether cyclopts or
`cq.cli.fast` parsed it. The rows come from the settings table (`cq.settings.SETTINGS`: each
setting with command-line spellings is a flag) plus the three options that only choose where
settings come from (`--root`, `--config`, `--no-config`). Kinds: `value` (takes an argument),
`bool` (`--x` / `--no-x`), `flag` (presence means True). Numbers pass through as text: the
settings layer checks them against the range their setting declares, the same check as for
the environment and config files, and the help text shows that range.
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


def _flag(spec: SettingSpec) -> Flag:
    convert = _one_of(spec.choices) if spec.choices else str
    return Flag(spec.name, spec.flags, spec.cli, _help(spec), convert, spec.choices)


FLAGS: tuple[Flag, ...] = (
    Flag("root", ("--root",), "value",
         "Repository root [default: the git top level of the current directory, else it]."),
    Flag("config", ("--config",), "value",
         "Read settings from this TOML file instead of .cq.toml / pyproject.toml."),
    Flag("no_config", ("--no-config",), "flag", "Ignore .cq.toml and pyproject.toml [tool.cq]."),
    *(_flag(spec) for spec in SETTINGS if spec.flags),
)

FLAG_BY_NAME: dict[str, Flag] = {name: flag for flag in FLAGS for name in flag.names}
