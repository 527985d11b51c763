"""The command-line reference (`docs/cli.md`), generated from the tables the CLI is built
from: the global flags (`cli/flags.py`), the settings with their config keys, environment
variables and ranges (`settings.py`), the `q` keys (`query/keys.py`), each registered
macro's options (`macros/`), the report presets (`report.py`) and the output formats.

A test compares `docs/cli.md` with `render_reference()`, so the reference cannot drift from
the code; `pytest --update-golden` rewrites it.
"""

from __future__ import annotations

from cq.cli.flags import FLAGS


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _flags_table() -> list[str]:
    rows = ["| flag | meaning |", "|---|---|"]
    rows += [f"| `{' / '.join(flag.names)}` | {_cell(flag.help)} |" for flag in FLAGS]
    return rows


def _settings_table() -> list[str]:
    from cq.settings import SETTINGS

    flags = {flag.field: flag.names[0] for flag in FLAGS}
    rows = ["| config key | environment | flag | value |", "|---|---|---|---|"]
    for spec in SETTINGS:
        env = ", ".join(f"`{var}`" for var in spec.env)
        flag = f"`{flags[spec.name]}`" if spec.name in flags else "—"
        value = spec.kind + (f", {spec.bounds.describe()}" if spec.bounds else "")
        rows.append(f"| `{spec.key}` | {env} | {flag} | {_cell(value)} |")
    return rows


def _keys_table() -> list[str]:
    from cq.query.keys import KEYS

    rows = ["| key | example | meaning |", "|---|---|---|"]
    rows += [f"| `{spec.name}` | `{_cell(spec.example)}` | {_cell(spec.help_text)} |"
             for spec in KEYS.values() if spec.supported]
    return rows


def _macro_block(name: str) -> list[str]:
    from cq.macros import get_macro
    from cq.macros.run import options_of

    macro = get_macro(name)
    target = macro.target()
    usage = f"cq {name}" + (f" {target.metavar}" if target else "") + " [OPTIONS]"
    lines = [f"### `{name}`", "", f"    {usage}", "", _cell(macro.help), "",
             "| option | meaning |", "|---|---|"]
    for option in options_of(macro):
        label = option.metavar if option.positional else option.cli
        kind = "" if option.kind == "str" or option.positional else f" ({option.kind})"
        required = " Required." if option.required and not option.positional else ""
        lines.append(f"| `{label}`{kind} | {_cell(option.help_text)}{required} |")
    return [*lines, ""]


def _report_block() -> list[str]:
    from cq.report import PRESETS, STEPS

    lines = ["## `report`", "", "    cq report PRESET --target KIND:NAME [--param P] [--to SIG] "
             "[--in DIR] [filters]", "", "| preset | steps (macro) |", "|---|---|"]
    for preset, steps in PRESETS.items():
        named = ", ".join(f"{step} (`{STEPS[step][0]}`)" if STEPS[step][0] != step else step
                          for step in steps)
        lines.append(f"| `{preset}` | {named} |")
    return [*lines, ""]


def render_reference() -> str:
    from cq.macros import MACRO_MODULES
    from cq.render import format_names

    out = ["# cq command-line reference", "",
           "Generated from the code (`cq.cli.reference`); a test keeps it current.", "",
           "## Global options (every command)", "", *_flags_table(), "",
           f"Formats: {', '.join(f'`{name}`' for name in format_names())}.", "",
           "## Settings", "",
           "Flags win over environment variables, which win over the config file "
           "(`--config FILE`, else `.cq.toml`, else `[tool.cq]` in `pyproject.toml`). "
           "A number outside its range is refused (exit 2) on every layer; a config value "
           "must have the TOML type shown.", "", *_settings_table(), "",
           "## `q QUERY`", "", *_keys_table(), "", "## Analysis commands", ""]
    for name in MACRO_MODULES:
        out += _macro_block(name)
    out += _report_block()
    out += ["## Administration", "",
            "`cq cache [--stats] [--clear] [--evict-tag TAG] [--maintenance [--check]] "
            "[--migrate [--prune]]`, `cq index [--stats] [--clear] [--rebuild] "
            "[--evict-tag TAG]`, `cq artifacts` (the saved artifacts, newest first: time, "
            "command, run id, size), `cq artifacts show RUN_ID_PREFIX` (one artifact's JSON), "
            "`cq artifacts prune [--keep N]`, `cq schema` (the result's JSON Schema).", "",
            *_groups_lines(), ""]
    return "\n".join(out)


def _groups_lines() -> list[str]:
    """Which global options the administration commands take (a run takes all)."""
    from cq.cli.flags import ADMIN_FORMATS, GROUPS

    names = {flag.field: flag.names[0] for flag in FLAGS}
    label = {"cache": "`cache`, `index`", "artifacts": "`artifacts`, `artifacts prune`",
             "artifact-show": "`artifacts show`"}
    lines = [f"- Global options of {label[group]}: "
             + ", ".join(f"`{names[field]}`" for field in fields) + "."
             for group, fields in GROUPS.items() if group != "run"]
    return ["A run (`q`, an analysis command, `report`) takes every global option; the "
            "administration commands take only those they use, with `--format` one of "
            + ", ".join(f"`{name}`" for name in ADMIN_FORMATS) + ":", "", *lines]
