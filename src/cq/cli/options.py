"""Global options shared by every command, and their translation into Settings.

Every option defaults to None so that `explicit_values` sees exactly what the user typed:
an explicitly given flag wins over environment and config even when it equals the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Annotated, Any, Literal

from cyclopts import Parameter

from cq.settings import Settings, resolve_settings

Format = Literal["md", "json", "both", "summary"]


@Parameter(name="*", group="Global options")
@dataclass
class GlobalOptions:
    root: Annotated[str | None, Parameter(
        help="Repository root [default: the git top level of the current directory, "
             "else the current directory].")] = None
    config: Annotated[str | None, Parameter(
        help="Read settings from this TOML file instead of .cq.toml / pyproject.toml.")] = None
    no_config: Annotated[bool | None, Parameter(
        negative="", help="Ignore .cq.toml and pyproject.toml [tool.cq].")] = None
    verbose: Annotated[bool | None, Parameter(
        name=["--verbose", "-v"], negative="",
        help="Tracebacks on internal errors and timings on stderr.")] = None
    format: Annotated[Format | None, Parameter(
        help="Output format [default: md].")] = None
    artifact_dir: Annotated[str | None, Parameter(
        help="Where to save the JSON artifact [default: <root>/.cq/artifacts].")] = None
    save_artifact: Annotated[bool | None, Parameter(
        help="Save the full result as a JSON artifact [default: save].")] = None


def explicit_values(options: GlobalOptions) -> dict[str, Any]:
    return {f.name: getattr(options, f.name) for f in fields(options)
            if getattr(options, f.name) is not None}


def settings_from(options: GlobalOptions) -> Settings:
    return resolve_settings(explicit_values(options), env=os.environ)
