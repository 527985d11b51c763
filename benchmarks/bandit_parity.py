"""How many of bandit's findings in the security families cq checks does `cq hazards` report on
the same lines?

Usage: uv run python benchmarks/bandit_parity.py DIR [--bandit-json F] [--cq-json F]
       [--misses N] [--extra N] [--compare]

DIR is a tree of Python files (bandit's own `examples/` folder, or any corpus). The script runs
`bandit -r DIR -f json` (through `uvx --from bandit`, unless `--bandit-json` gives its output)
and `cq hazards --root DIR --format json --no-cache` (unless `--cq-json` does), then for every
bandit finding whose test is in `FAMILIES` asks whether a cq security finding of the same family
covers one of its lines. Bandit's tests outside the families (import blacklists B4xx, `random`,
`telnetlib`/`ftplib`, key sizes, SNMP, B603/B606/B607 "process without a shell") are counted
apart. `--misses N` lists N bandit findings cq does not cover, `--extra N` N cq findings bandit
does not report; `--compare` prints counts per family side by side (for a corpus).
Nothing here runs in CI; bandit is never a dependency of the project.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
from pathlib import Path

# bandit test id -> family; cq rows name the bandit ids they stand for (`HazardRule.bandit`).
FAMILIES: dict[str, str] = {
    "B101": "assert", "B102": "exec/eval", "B307": "exec/eval",
    "B103": "chmod", "B104": "bind-all", "B108": "tmp",
    "B105": "passwords", "B106": "passwords", "B107": "passwords",
    "B110": "except-pass", "B112": "except-pass", "B113": "timeout",
    "B201": "flask-debug", "B202": "archives",
    "B301": "deserialize", "B302": "deserialize", "B506": "deserialize", "B614": "deserialize",
    "B303": "weak-crypto", "B304": "weak-crypto", "B305": "weak-crypto", "B324": "weak-crypto",
    "B306": "tmp", "B308": "django-safe", "B703": "django-safe", "B704": "django-safe",
    "B310": "urlopen", **{f"B{n}": "xml" for n in range(313, 321)},
    "B323": "tls", "B501": "tls", "B502": "tls", "B503": "tls", "B504": "tls", "B507": "tls",
    "B601": "shell", "B602": "shell", "B604": "shell", "B605": "shell", "B609": "shell",
    "B608": "sql", "B610": "sql", "B611": "sql", "B612": "logging-listen",
    "B613": "trojan-source", "B701": "templates", "B702": "templates",
}


def _run_bandit(root: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bandit.json"
        subprocess.run(["uvx", "--from", "bandit", "bandit", "-r", str(root), "-f", "json",
                        "-o", str(out), "-q"], check=False, capture_output=True)
        return json.loads(out.read_text())


def _run_cq(root: Path) -> dict:
    proc = subprocess.run(["uv", "run", "cq", "hazards", "--root", str(root), "--format",
                           "json", "--no-cache", "--no-save-artifact"],
                          check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"cq failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def _bandit_rows(data: dict, root: Path) -> list[dict]:
    rows = []
    for item in data["results"]:
        rel = _relative(Path(item["filename"]), root)
        lines = item.get("line_range") or [item["line_number"]]
        rows.append({"file": rel, "id": item["test_id"], "line": item["line_number"],
                     "lines": set(range(min(lines), max(lines) + 1)) | {item["line_number"]},
                     "code": item.get("code", "").strip().splitlines()})
    return rows


def _relative(path: Path, root: Path) -> str:
    """bandit names files as it was given them: absolute, or relative to where it ran (the
    current directory, or the root itself)."""
    for candidate in (path, Path.cwd() / path, root / path):
        try:
            return candidate.resolve().relative_to(root).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def _cq_rows(data: dict) -> list[dict]:
    from cq.hazards.registry import RULES_BY_ID

    rows = []
    for finding in data["key_findings"]:
        details, anchor = finding["details"], finding["anchor"]
        row = RULES_BY_ID[details["id"]]
        families = {FAMILIES[b] for b in row.bandit if b in FAMILIES}
        rows.append({"file": anchor["file"], "id": details["id"], "line": anchor["line"],
                     "lines": set(range(anchor["line"], anchor["end_line"] + 1)),
                     "families": families, "text": details["text"]})
    return rows


def _covers(cq_row: dict, bandit_row: dict, same_family: bool) -> bool:
    if cq_row["file"] != bandit_row["file"] or not cq_row["lines"] & bandit_row["lines"]:
        return False
    return not same_family or FAMILIES[bandit_row["id"]] in cq_row["families"]


def parity(bandit: list[dict], cq: list[dict]) -> dict:
    by_file: dict[str, list[dict]] = collections.defaultdict(list)
    for row in cq:
        by_file[row["file"]].append(row)
    table: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    misses, outside = [], collections.Counter()
    for row in bandit:
        family = FAMILIES.get(row["id"])
        if family is None:
            outside[row["id"]] += 1
            continue
        here = by_file[row["file"]]
        same = any(_covers(c, row, True) for c in here)
        table[family][0] += 1
        table[family][1] += same
        table[family][2] += any(_covers(c, row, False) for c in here)
        if not same:
            misses.append(row)
    extra = [c for c in cq if c["families"] and not any(
        _covers(c, b, True) for b in bandit if b["file"] == c["file"] and b["id"] in FAMILIES)]
    return {"table": dict(table), "misses": misses, "outside": outside, "extra": extra}


def _report(result: dict, misses: int, extra: int) -> None:
    table = result["table"]
    total = sum(v[0] for v in table.values())
    same = sum(v[1] for v in table.values())
    anyline = sum(v[2] for v in table.values())
    print("| family | bandit | cq, same family | cq, any row |\n|---|---:|---:|---:|")
    for family, (n, s, a) in sorted(table.items()):
        print(f"| {family} | {n} | {s} | {a} |")
    print(f"| **all** | {total} | {same} ({same / max(total, 1):.2f}) | "
          f"{anyline} ({anyline / max(total, 1):.2f}) |")
    print(f"\nbandit findings outside the families: {sum(result['outside'].values())} "
          f"({', '.join(f'{k}: {v}' for k, v in sorted(result['outside'].items()))})")
    for row in result["misses"][:misses]:
        print(f"MISS {row['id']} {row['file']}:{row['line']}  {' '.join(row['code'][:1])}")
    print(f"\ncq findings in these families that bandit does not report: {len(result['extra'])}")
    for row in result["extra"][:extra]:
        print(f"EXTRA {row['id']} {row['file']}:{row['line']}  {row['text'][:90]!r}")


def _compare(bandit: list[dict], cq: list[dict]) -> None:
    counts: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for row in bandit:
        if row["id"] in FAMILIES:
            counts[FAMILIES[row["id"]]][0] += 1
    for row in cq:
        for family in row["families"]:
            counts[family][1] += 1
    print("\n| family | bandit | cq |\n|---|---:|---:|")
    for family, (b, c) in sorted(counts.items()):
        print(f"| {family} | {b} | {c} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--bandit-json", type=Path)
    parser.add_argument("--cq-json", type=Path)
    parser.add_argument("--misses", type=int, default=20)
    parser.add_argument("--extra", type=int, default=20)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    bandit_data = (json.loads(args.bandit_json.read_text()) if args.bandit_json
                   else _run_bandit(root))
    cq_data = json.loads(args.cq_json.read_text()) if args.cq_json else _run_cq(root)
    bandit, cq = _bandit_rows(bandit_data, root), _cq_rows(cq_data)
    _report(parity(bandit, cq), args.misses, args.extra)
    if args.compare:
        _compare(bandit, cq)


if __name__ == "__main__":
    main()
