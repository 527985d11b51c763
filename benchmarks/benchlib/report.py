"""The report: table lines, the Markdown table, target checks, and the JSON dump."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchlib.measure import Measure

COLUMNS = ("corpus", "row", "cq s (min / med / max)", "ast-grep s (min / med / max)",
           "rg s (min / med / max)", "ratio", "target", "notes")


@dataclass
class Line:
    """One line of the table. Cells are text; `raw` keeps the numbers behind them."""

    row: str
    corpus: str
    variant: str = ""
    cq: str = ""
    sg: str = ""
    rg: str = ""
    ratio: str = ""
    target: str = ""
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    def cells(self) -> list[str]:
        row = f"{self.row} ({self.variant})" if self.variant else self.row
        return [self.corpus, row, self.cq, self.sg, self.rg, self.ratio, self.target, self.note]


def timing_line(row: str, corpus: str, measures: dict[str, Measure], **extra: Any) -> Line:
    """A line whose cells are the timings of whichever tools were measured."""
    line = Line(row=row, corpus=corpus, **extra)
    for tool, attr in (("cq", "cq"), ("ast-grep", "sg"), ("rg", "rg")):
        if tool in measures:
            setattr(line, attr, measures[tool].cell())
    line.raw["measures"] = [m.to_json() for m in measures.values()]
    return line


def fmt_ratio(value: float | None, suffix: str = "") -> str:
    return "" if value is None else f"{value:.2f}{suffix}"


def check(value: float | None, limit: float, text: str) -> str:
    """`text ✓` when value < limit, `text ✗` when not, `text ?` when unmeasured."""
    if value is None:
        return f"{text} ?"
    return f"{text} {'✓' if value < limit else '✗'}"


def markdown_table(lines: list[Line]) -> str:
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for line in lines:
        cells = [cell.replace("|", "\\|").replace("\n", " ") for cell in line.cells()]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def write_json(path: Path, meta: dict[str, Any], lines: list[Line], table: str,
               agreements: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"meta": meta, "table": table, "lines": [asdict(line) for line in lines],
            "agreement": agreements}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
