"""The node kinds a user names: ast-grep decides, the table spells the nearest valid one."""

from __future__ import annotations

import pytest

from cq.rules.build import RuleError, check_config
from cq.rules.kinds import NODE_KINDS, SUPERTYPES, check_kind


@pytest.mark.parametrize("kind", NODE_KINDS)
def test_every_listed_kind_is_one_ast_grep_knows(kind: str) -> None:
    check_config({"rule": {"kind": kind}})


@pytest.mark.parametrize("kind", SUPERTYPES)
def test_supertypes_are_refused(kind: str) -> None:
    check_config({"rule": {"kind": kind}})  # ast-grep compiles it, but no node has it
    with pytest.raises(RuleError, match="is a supertype"):
        check_kind(kind)


@pytest.mark.parametrize(
    ("kind", "suggestion"),
    [("strin", "'string'"), ("String", "'string'"), ("Call", "'call'"),
     ("identifer", "'identifier'"), ("binary_operation", "'binary_operator'"),
     ("functiondefinition", "'function_definition'")],
)
def test_unknown_kind_names_the_nearest(kind: str, suggestion: str) -> None:
    with pytest.raises(RuleError, match=f"unknown node kind '{kind}'; did you mean {suggestion}"):
        check_kind(kind)


def test_unknown_kind_far_from_any_lists_examples() -> None:
    with pytest.raises(RuleError, match="kinds are tree-sitter-python's, e.g. string"):
        check_kind("zzzz")


def test_a_known_kind_is_returned() -> None:
    assert check_kind("binary_operator") == "binary_operator"
