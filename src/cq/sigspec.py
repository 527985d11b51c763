"""The SIG argument of `sig-impact`: the signature text a user types (`"f(a, /, b, *, c=1)"`,
`"(self, amount, *, note=None)"`, `"def f(a) -> int:"`) → `cq.facts.Param`s, read with the
stdlib parser and checked before any work.
"""

from __future__ import annotations

import ast
import re

from cq.errors import BadInputError
from cq.facts import Param
from cq.parsing import ParseFailure, compile_module, parse_module

SIGNATURE_EXAMPLE = 'f(a, /, b, *, c=1) or (self, amount, *, note=None)'
_HEAD = re.compile(r"^(?:async\s+)?(?:def\s+)?(?:[A-Za-z_][\w.]*)?\s*(?=\()")


def parse_signature(text: str) -> tuple[Param, ...]:
    """Params of `"f(a, /, b, *, c=1)"`, `"(a, b)"`, `"def f(a) -> int"` (a trailing colon
    is allowed). Bad text raises BadInputError with an example in the hint."""
    stripped = text.strip().removesuffix(":").strip()
    head = _HEAD.match(stripped)
    if head is None:
        raise _bad(text, "expected a parameter list in parentheses")
    source = f"def _signature_{stripped[head.end():]}:\n    pass\n"
    module = parse_module(source, "<signature>")
    code = compile_module(module, "<signature>") if isinstance(module, ast.Module) else module
    if isinstance(code, ParseFailure):  # the compiler also rejects duplicate names
        raise _bad(text, code.message)
    assert isinstance(module, ast.Module)
    node = module.body[0] if len(module.body) == 1 else None
    if not isinstance(node, ast.FunctionDef) or len(node.body) != 1:
        raise _bad(text, "expected exactly one parameter list")
    return _params_of(node.args, source)


def _bad(text: str, why: str) -> BadInputError:
    return BadInputError(f"cannot read the signature {text!r}: {why}",
                         hint=f"write it like {SIGNATURE_EXAMPLE}")


def _params_of(args: ast.arguments, source: str) -> tuple[Param, ...]:
    ordered = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(ordered) - len(args.defaults))
    defaults += args.defaults
    params = [_param(arg, "positional_only" if i < len(args.posonlyargs)
                     else "positional_or_keyword", defaults[i], source)
              for i, arg in enumerate(ordered)]
    if args.vararg:
        params.append(_param(args.vararg, "var_positional", None, source))
    params += [_param(arg, "keyword_only", default, source)
               for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    if args.kwarg:
        params.append(_param(args.kwarg, "var_keyword", None, source))
    return tuple(params)


def _param(arg: ast.arg, kind: str, default: ast.expr | None, source: str) -> Param:
    return Param(arg.arg, kind, default is not None, _text(arg.annotation, source),
                 _text(default, source))


def _text(node: ast.expr | None, source: str) -> str | None:
    if node is None:
        return None
    return ast.get_source_segment(source, node) or ast.unparse(node)
