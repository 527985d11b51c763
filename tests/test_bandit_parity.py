"""`benchmarks/bandit_parity.py` on saved outputs: same-line, same-family coverage, the tests
outside the families counted apart, and the disagreements listed both ways."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bandit_parity.py"


def _finding(rule: str, file: str, line: int, end_line: int | None = None) -> dict:
    return {"details": {"id": rule, "text": "x"},
            "anchor": {"file": file, "line": line, "end_line": end_line or line}}


def test_parity_on_saved_outputs(tmp_path: Path) -> None:
    root = tmp_path / "examples"
    root.mkdir()
    bandit = {"results": [
        {"filename": str(root / "a.py"), "test_id": "B301", "line_number": 2,
         "line_range": [2], "code": "pickle.loads(x)"},
        {"filename": str(root / "a.py"), "test_id": "B602", "line_number": 5,
         "line_range": [5, 6], "code": "Popen(c,"},
        {"filename": str(root / "a.py"), "test_id": "B105", "line_number": 9,
         "line_range": [9], "code": "password = 'x'"},
        {"filename": str(root / "a.py"), "test_id": "B404", "line_number": 1,
         "line_range": [1], "code": "import subprocess"}]}
    cq = {"key_findings": [_finding("pickle-load", "a.py", 2),
                           _finding("shell-true", "a.py", 6),
                           _finding("eval", "a.py", 9),
                           _finding("weak-hash", "a.py", 12)]}
    (tmp_path / "b.json").write_text(json.dumps(bandit))
    (tmp_path / "c.json").write_text(json.dumps(cq))
    proc = subprocess.run([sys.executable, str(SCRIPT), str(root), "--bandit-json",
                           str(tmp_path / "b.json"), "--cq-json", str(tmp_path / "c.json")],
                          capture_output=True, text=True, check=True)
    out = proc.stdout
    assert "| **all** | 3 | 2 (0.67) | 3 (1.00) |" in out
    assert "outside the families: 1 (B404: 1)" in out
    assert "MISS B105 a.py:9" in out and "EXTRA weak-hash a.py:12" in out
