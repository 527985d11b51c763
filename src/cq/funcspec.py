"""The FUNC argument of `calls`, `impact` and `sig-impact`: dotted identifiers, checked before
any work; and how a symbol argument is spelled (`SYMBOL_HINT`). Light on purpose: checking
the text never loads the resolver."""

from __future__ import annotations

import keyword

from cq.errors import BadInputError

SYMBOL_HINT = "a def or class name, Class.method, or a dotted full name (pkg.mod.func)"


def check_spec(spec: str) -> str:
    """The FUNC text stripped, or BadInputError: dotted identifiers only."""
    text = spec.strip() if isinstance(spec, str) else ""
    parts = text.split(".")
    if not text or not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        raise BadInputError(f"not a function name: {spec!r}",
                            hint="give a name, Class.method or module.func, e.g. to_cents")
    return text
