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
    found = surface("Box.open", code)
    assert found.globals is not None and found.globals.read == ("LIMIT", "os")
    assert found.kind == "function" and found.evidence == "bytecode"
    assert {"path", "join", "root"} <= set(found.attributes or ())
    assert "'x'" in (found.constants or ()) and found.nested == ("Box.open.inner",)
    assert (found.opcodes or {})["LOAD_GLOBAL"] == 2


def test_set_constants_print_the_same_under_any_hash_seed() -> None:
    code = compile("def f(x):\n    return x in {'b', 'a', 'c'}\n", "m.py", "exec")
    (function,) = [c for c in code.co_consts if hasattr(c, "co_code")]
    found = surface("f", function)
    assert "frozenset({'a', 'b', 'c'})" in (found.constants or ())


def test_a_file_that_does_not_compile() -> None:
    assert isinstance(compile_source("def f(:\n", "m.py"), str)
