"""`exports=`: `__all__` read from assignment previews, or from the file when a preview is
cut or `__all__` is extended; public top-level bindings when there is no `__all__`."""

from __future__ import annotations

import pytest

LONG = ", ".join(f'"name_{i}"' for i in range(30))
FILES = {
    "listed.py": '__all__ = ["run", "Config"]\ndef run(): pass\ndef hidden(): pass\n',
    "tupled.py": "__all__: tuple[str, ...] = ('run',)\n__all__ += ('extra',)\n",
    "long.py": f"__all__ = [{LONG}, 'run']\n",
    "extended.py": "__all__ = []\n__all__.extend(['run'])\n__all__.append('solo')\n",
    "dynamic.py": "from base import __all__ as base_all\n__all__ = base_all + ['run']\n",
    "plain.py": "import os.path\nfrom x import run as run\nVALUE = 1\ndef _run(): pass\n",
    "conditional.py": "try:\n    __all__ = ['run']\nexcept Exception:\n    pass\n",
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("run", {"listed", "tupled", "long", "extended", "dynamic", "plain", "conditional"}),
        ("Config", {"listed"}),  # listed though not defined: __all__ is what it says
        ("hidden", set()),
        ("extra", {"tupled"}),
        ("name_29", {"long"}),
        ("solo", {"extended"}),
        ("os", {"plain"}),
        ("VALUE", {"plain"}),
        ("_run", set()),
    ],
)
def test_exports(ask, name: str, expected: set[str]) -> None:
    result = ask(f"entity=module exports={name}", FILES)
    assert {f.details.module for f in result.key_findings} == expected


def test_partly_dynamic_all_is_noted(ask) -> None:
    result = ask("entity=module exports=run", FILES)
    assert any("dynamic.py: __all__ is partly dynamic" in n for n in result.summary["notes"])
    via = {f.details.module: f.details.exports.via for f in result.key_findings}
    assert via["listed"] == "__all__" and via["plain"] == "import"
