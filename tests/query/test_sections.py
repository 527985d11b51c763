"""The expanders `imports`, `raises`, `scope`, `bytecode_surface`, `hazards`: one section
each, about the key findings' defs."""

from __future__ import annotations

FILES = {
    "pkg/core.py": """\
import json
import subprocess


def run(cmd, n):
    def inner():
        raise KeyError(n)
    if not cmd:
        raise ValueError("empty")
    subprocess.run(cmd, shell=True)
    return json.dumps(inner)


def other():
    raise RuntimeError()
""",
    "pkg/broken.py": "def run(n):\n    return n\n\ndef bad(:\n    pass\n",
}


def _section(result, kind):
    (section,) = [s for s in result.sections if s.kind == kind]
    return section


def test_each_expander_adds_its_section(ask) -> None:
    result = ask("entity=function name=run in=pkg/core.py "
                 "expand=imports,raises,scope,bytecode_surface,hazards", FILES)
    assert [s.kind for s in result.sections] == ["imports", "raises", "scope",
                                                 "bytecode_surface", "hazards"]
    imports = _section(result, "imports").findings
    assert [f.message for f in imports] == ["import json", "import subprocess"]
    assert imports[0].details.used_by == ("pkg.core.run",)
    raises = _section(result, "raises").findings
    assert [(f.anchor.line, f.details.exc_type) for f in raises] == [
        (7, "KeyError"), (9, "ValueError")]  # the nested def's raise included
    (scope,) = _section(result, "scope").findings
    assert scope.details.cells == ("n",) and scope.details.free == ()
    (surface,) = _section(result, "bytecode_surface").findings
    assert surface.details.globals.read == ("ValueError", "json", "subprocess")
    (hazard,) = _section(result, "hazards").findings
    assert hazard.details.id == "shell-true" and hazard.anchor.line == 10


def test_defs_in_a_file_that_does_not_compile_are_noted(ask) -> None:
    result = ask("entity=function name=run in=pkg/broken.py expand=scope,bytecode_surface",
                 FILES)
    for kind in ("scope", "bytecode_surface"):
        section = _section(result, kind)
        assert section.findings == () and "does not compile" in section.notes[0]
