"""Which registry rows a `cq hazards` run asks for: `--category` and `--severity`, validated
against the registry. Light on purpose: a cache hit parses its selection with this alone.
"""

from __future__ import annotations

import msgspec

from cq.errors import BadInputError
from cq.hazards.registry import CATEGORIES, RULES_BY_ID
from cq.spelling import suggest
from cq.vocabulary import SEVERITIES


class HazardSelection(msgspec.Struct, frozen=True):
    categories: tuple[str, ...] = ()  # empty: every category
    severities: tuple[str, ...] = ()

    def wants(self, rule_id: str) -> bool:
        row = RULES_BY_ID[rule_id]
        return ((not self.categories or row.category in self.categories)
                and (not self.severities or row.severity in self.severities))

    def flags(self) -> list[str]:
        """The selection as the command-line options that give it."""
        parts = [f"--category {','.join(self.categories)}" if self.categories else "",
                 f"--severity {','.join(self.severities)}" if self.severities else ""]
        return [part for part in parts if part]


def _choices(option: str, value: str | None, valid: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return ()
    items = tuple(dict.fromkeys(item.strip() for item in value.split(",") if item.strip()))
    unknown = [item for item in items if item not in valid]
    if unknown or not items:
        raise BadInputError(f"unknown {option} value {', '.join(unknown) or repr(value)}",
                            hint=suggest((unknown or [""])[0], valid, spell=f"{option} {{}}",
                                         listed=f"valid: {', '.join(valid)} "
                                                "(comma-separated)"))
    return tuple(sorted(items, key=valid.index))


def parse_selection(category: str | None, severity: str | None) -> HazardSelection:
    return HazardSelection(_choices("--category", category, CATEGORIES),
                           _choices("--severity", severity, SEVERITIES))
