"""A def's signature as text, the way it was written: `def f(a, /, b=…, *, c: int = 1) -> T`
and `class C(Base)`. A default is shown as written (`=…` when the scanner kept no text).
"""

from __future__ import annotations

from cq.facts import Def, Param


def format_params(params: tuple[Param, ...]) -> str:
    out: list[str] = []
    for index, param in enumerate(params):
        prev = params[index - 1].kind if index else None
        if param.kind == "keyword_only" and prev not in ("keyword_only", "var_positional"):
            out.append("*")
        out.append(_format_param(param))
        if param.kind == "positional_only" and (
                index + 1 == len(params) or params[index + 1].kind != "positional_only"):
            out.append("/")
    return ", ".join(out)


def _format_param(param: Param) -> str:
    stars = {"var_positional": "*", "var_keyword": "**"}.get(param.kind, "")
    text = stars + param.name
    if param.annotation:
        text += f": {param.annotation}"
    if param.has_default:
        text += f" = {param.default}" if param.annotation else f"={param.default or '…'}"
    return text


def param_names(params: tuple[Param, ...]) -> tuple[str, ...]:
    """The parameters' names in order, `*args` and `**kwargs` with their stars."""
    stars = {"var_positional": "*", "var_keyword": "**"}
    return tuple(stars.get(param.kind, "") + param.name for param in params)


def signature(definition: Def) -> str:
    if definition.kind == "class":
        bases = f"({', '.join(definition.bases)})" if definition.bases else ""
        return f"class {definition.name}{definition.type_params or ''}{bases}"
    prefix = "async def" if definition.is_async else "def"
    returns = f" -> {definition.returns}" if definition.returns else ""
    return (f"{prefix} {definition.name}{definition.type_params or ''}"
            f"({format_params(definition.params)}){returns}")
