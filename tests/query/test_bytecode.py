"""`expand=bytecode_surface`: code objects by qualname and first line, and what they touch."""

from __future__ import annotations

from cq.analysis.bytecode import code_of, compile_source, surface
from cq.scan import scan_source

SOURCE = """\
import os

LIMIT = 3

def deco(f):
    return f

class Box:
    @deco
    def open(self, path):
        def inner():
            return path
        return os.path.join(self.root, path, "x") * LIMIT
"""


def test_surface_of_a_decorated_method() -> None:
    index = compile_source(SOURCE, "m.py")
    assert isinstance(index, dict)
    (method,) = [d for d in scan_source("m.py", SOURCE).defs if d.name == "open"]
    code = code_of(index, method)
    assert code is not None
    found = surface(code)
    assert found["globals"] == ["LIMIT", "os"]
    assert {"path", "join", "root"} <= set(found["attributes"])
    assert "'x'" in found["constants"] and found["nested"] == ["Box.open.inner"]
    assert found["opcodes"]["LOAD_GLOBAL"] == 2


def test_a_file_that_does_not_compile() -> None:
    assert isinstance(compile_source("def f(:\n", "m.py"), str)
