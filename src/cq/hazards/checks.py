"""Named checks a match must also pass, for what an ast-grep rule cannot say: the value of a
file mode, whether a name reads like a password, whether every argument is a literal.

A row names its check (`HazardRule.check`); the matcher calls it with the matched node. Each
check is a pure function of the node's subtree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ast_grep_py import SgNode

# bandit's password words: a name part (between underscores, any case) that reads as one.
_SECRET = re.compile(r"(?i)(?:^|_)(pas+wo?r?d|pass(phrase)?|pwd|token|secrete?)(?:_|$)")
# An identifier-like value in parts (`auth_token`, `csrf-token`): a name, not a secret.
_SEPARATED = re.compile(r"^[A-Za-z0-9]+([_.-][A-Za-z0-9]+)+$")
_LAX_BITS = 0o022  # others or the group may write (bandit B103)
_LAX_NAMES = re.compile(r"\bS_I(WOTH|RWXO|WGRP|RWXG)\b")
_SQL = re.compile(r"(select\s.*from\s|delete\s+from\s|insert\s+into\s.*values\s*\(|"
                  r"update\s.*?\bset\s)", re.IGNORECASE | re.DOTALL)
_QUALIFIERS = frozenset({
    "field", "fields", "name", "names", "prefix", "suffix", "source", "label", "type", "url",
    "header", "param", "attr", "length", "len", "regex", "pattern", "template", "format", "fmt",
    "message", "msg", "reason", "error", "help", "text", "title", "path", "file", "dir", "env",
    "var", "setting", "column", "cookie", "hint", "policy", "widget", "input", "missing",
    "invalid", "required", "expired", "sep", "separator", "char", "chars", "count", "id"})
# Calls that quote an identifier for the database (Django's `connection.ops.quote_name`).
_QUOTERS = re.compile(r"(^|\.)(quote_name\w*|qn\d?|quote_ident\w*)$")
_PARAMS = frozenset({"params", "select_params"})
_LITERAL_LEAVES = frozenset({"string", "concatenated_string", "integer", "float", "true",
                             "false", "none", "comment"})
_LITERAL_CONTAINERS = frozenset({"list", "tuple", "dictionary", "set", "pair",
                                 "parenthesized_expression", "keyword_argument",
                                 "argument_list", "expression_list"})


def _arguments(node: SgNode) -> list[SgNode]:
    args = node.field("arguments")
    return [] if args is None else [child for child in args.children() if child.is_named()
                                    and child.kind() != "comment"]


def lax_mode(node: SgNode) -> bool:
    """`os.chmod(path, mode)`: the mode lets others or the group write."""
    args = _arguments(node)
    mode = next((arg.field("value") for arg in args if arg.kind() == "keyword_argument"
                 and (name := arg.field("name")) is not None and name.text() == "mode"), None)
    if mode is None:
        positional = [arg for arg in args if arg.kind() != "keyword_argument"]
        mode = positional[1] if len(positional) > 1 else None
    if mode is None:
        return False
    if mode.kind() == "integer":
        value = _int(mode.text())
        return value is not None and bool(value & _LAX_BITS)
    return _LAX_NAMES.search(mode.text()) is not None and "~" not in mode.text()


def _int(text: str) -> int | None:
    text = text.replace("_", "").rstrip("lL")
    try:
        return int(text, 8) if re.fullmatch(r"0[0-7]+", text) else int(text, 0)
    except ValueError:
        return None


def _string_value(node: SgNode) -> str:
    """A plain string literal's text without prefix and quotes."""
    return re.sub(r"^[rRbBuU]{0,2}('''|\"\"\"|'|\")|('''|\"\"\"|'|\")$", "", node.text())


def _name_of(node: SgNode) -> str | None:
    """The name a secret would be stored under: `x`, `obj.x`, `d['x']`, `{'x': ...}`."""
    kind = node.kind()
    if kind == "identifier":
        return node.text()
    if kind == "attribute":
        attr = node.field("attribute")
        return attr.text() if attr is not None else None
    if kind == "subscript":
        key = node.field("subscript")
        return _string_value(key) if key is not None and key.kind() == "string" else None
    if kind == "string":
        return _string_value(node)
    return None


def secret_name(node: SgNode) -> bool:
    """A non-empty literal stored under (compared with, passed as, defaulted for) a name that
    reads like a password, secret or token, and not itself just a name (`'password'`)."""
    kind = node.kind()
    if kind == "comparison_operator":
        parts = [child for child in node.children() if child.is_named()]
        names = [_name_of(part) for part in parts if part.kind() != "string"]
        values = [part for part in parts if part.kind() == "string"]
    else:
        target = node.field({"assignment": "left", "pair": "key"}.get(kind, "name"))
        names = [_name_of(target)] if target is not None else []
        value = node.field({"assignment": "right"}.get(kind, "value"))
        values = [value] if value is not None else []
    if not any(name and _SECRET.search(name) and not _describes(name) for name in names):
        return False
    return any(_looks_secret(_string_value(value)) for value in values
               if value.kind() == "string")


def _describes(name: str) -> bool:
    """A name about a secret, not holding one: its last part qualifies it
    (`PASSWORD_FIELD`, `token_source`, `UNUSABLE_PASSWORD_PREFIX`)."""
    return name.lower().rsplit("_", 1)[-1] in _QUALIFIERS


def _looks_secret(value: str) -> bool:
    # An empty value is "no password"; a value that is itself a secret-like name in parts is
    # a key or a field name ('auth_token', 'csrf-token'), not a secret.
    named = _SEPARATED.search(value) and _SECRET.search(re.sub(r"[-.]", "_", value))
    return bool(value) and not named


def any_arg_not_literal(node: SgNode) -> bool:
    """Some argument is (or holds) something other than literals; the query parameters
    (`params=`, `select_params=`) are the safe way to pass values and do not count."""
    return any(not _literal_only(arg) for arg in _arguments(node) if not _is_params(arg))


def _is_params(arg: SgNode) -> bool:
    name = arg.field("name") if arg.kind() == "keyword_argument" else None
    return name is not None and name.text() in _PARAMS


def _literal_only(node: SgNode) -> bool:
    kind = node.kind()
    if kind in _LITERAL_LEAVES:
        return node.find(kind="interpolation") is None
    if kind == "keyword_argument":
        value = node.field("value")
        return value is not None and _literal_only(value)
    if kind in _LITERAL_CONTAINERS:
        return all(_literal_only(child) for child in node.children() if child.is_named())
    return False


def sql_text(node: SgNode) -> bool:
    """The built text reads as SQL (bandit's words: SELECT ... FROM, DELETE FROM, INSERT INTO
    ... VALUES, UPDATE ... SET) and takes a value that is not quoted (`sql_values_unquoted`)."""
    return _SQL.search(node.text()) is not None and _unquoted(node)


def sql_values_unquoted(node: SgNode) -> bool:
    """`execute(<built text>, ...)`: some value built into the SQL is neither a literal nor an
    identifier quoted by the driver (`quote_name(...)`, as Django's backends build DDL)."""
    args = _arguments(node)
    return not args or _unquoted(args[0])


def _unquoted(built: SgNode) -> bool:
    values = _built_values(built)
    return values is None or not all(_quoted(value) for value in values)


def _built_values(built: SgNode) -> list[SgNode] | None:
    """The values a built text takes, or None when they cannot be listed."""
    kind = built.kind()
    if kind == "binary_operator":
        operator = built.field("operator")
        right = built.field("right")
        if operator is not None and operator.text() == "%" and right is not None:
            return _elements(right)
        return [part for part in _plus_operands(built) if part.kind() != "string"]
    if kind in ("string", "concatenated_string"):
        return [expr for interp in built.find_all(kind="interpolation")
                if (expr := interp.child(1)) is not None] or None
    if kind == "call":
        return _arguments(built)
    return None


def _plus_operands(node: SgNode) -> list[SgNode]:
    if node.kind() == "binary_operator" and (op := node.field("operator")) is not None \
            and op.text() == "+":
        left, right = node.field("left"), node.field("right")
        return [*(_plus_operands(left) if left else []), *(_plus_operands(right) if right else [])]
    return [node]


def _elements(node: SgNode) -> list[SgNode]:
    kind = node.kind()
    if kind in ("tuple", "parenthesized_expression", "list"):
        return [child for child in node.children() if child.is_named()
                and child.kind() != "comment"]
    if kind == "dictionary":
        return [value for pair in node.children() if pair.kind() == "pair"
                and (value := pair.field("value")) is not None]
    return [node]


def _quoted(value: SgNode) -> bool:
    if value.kind() == "keyword_argument":
        inner = value.field("value")
        return inner is not None and _quoted(inner)
    if _literal_only(value):
        return True
    function = value.field("function") if value.kind() == "call" else None
    return function is not None and _QUOTERS.search(function.text()) is not None


CHECKS: dict[str, Callable[[SgNode], bool]] = {
    "lax_mode": lax_mode, "secret_name": secret_name,
    "any_arg_not_literal": any_arg_not_literal, "sql_text": sql_text,
    "sql_values_unquoted": sql_values_unquoted,
}
