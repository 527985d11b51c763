"""tree-sitter-python's node kinds, and the check of a kind the user names (`$X.kind=`,
`pattern.selector=`, `nthChild.ofRule=`).

ast-grep decides whether a kind exists (the installed grammar is the authority); the table
below only spells the nearest valid kind when it says no. It lists the grammar's concrete
named kinds; `tests/rules/test_kinds.py` checks that ast-grep accepts every one. The grammar's
supertypes (`expression`, `primary_expression`, `pattern`, `parameter`) compile but no node
has them, so a filter on one would quietly match nothing: they are refused.
"""

from __future__ import annotations

import difflib

from cq.rules.build import RuleError, check_config

SUPERTYPES = ("expression", "parameter", "pattern", "primary_expression")
NODE_KINDS: tuple[str, ...] = (
    "aliased_import", "argument_list", "as_pattern", "as_pattern_target", "assert_statement",
    "assignment", "attribute", "augmented_assignment", "await", "binary_operator", "block",
    "boolean_operator", "break_statement", "call", "case_clause", "case_pattern", "chevron",
    "class_definition", "class_pattern", "comment", "comparison_operator", "complex_pattern",
    "concatenated_string", "conditional_expression", "constrained_type", "continue_statement",
    "decorated_definition", "decorator", "default_parameter", "delete_statement", "dict_pattern",
    "dictionary", "dictionary_comprehension", "dictionary_splat", "dictionary_splat_pattern",
    "dotted_name", "elif_clause", "ellipsis", "else_clause", "escape_interpolation",
    "escape_sequence", "except_clause", "exec_statement", "expression_list",
    "expression_statement", "false", "finally_clause", "float", "for_in_clause", "for_statement",
    "format_expression", "format_specifier", "function_definition", "future_import_statement",
    "generator_expression", "generic_type", "global_statement", "identifier", "if_clause",
    "if_statement", "import_from_statement", "import_prefix", "import_statement", "integer",
    "interpolation", "keyword_argument", "keyword_pattern", "keyword_separator", "lambda",
    "lambda_parameters", "line_continuation", "list", "list_comprehension", "list_pattern",
    "list_splat", "list_splat_pattern", "match_statement", "member_type", "module",
    "named_expression", "none", "nonlocal_statement", "not_operator", "pair", "parameters",
    "parenthesized_expression", "parenthesized_list_splat", "pass_statement", "pattern_list",
    "positional_separator", "print_statement", "raise_statement", "relative_import",
    "return_statement", "set", "set_comprehension", "slice", "splat_pattern", "splat_type",
    "string", "string_content", "string_end", "string_start", "subscript", "true", "try_statement",
    "tuple", "tuple_pattern", "type", "type_alias_statement", "type_conversion", "type_parameter",
    "typed_default_parameter", "typed_parameter", "unary_operator", "union_pattern", "union_type",
    "while_statement", "wildcard_import", "with_clause", "with_item", "with_statement", "yield",
)


def check_kind(kind: str) -> str:
    """The kind, if ast-grep knows it; else a RuleError naming the nearest valid spelling."""
    if kind in SUPERTYPES:
        raise RuleError(f"{kind!r} is a supertype in tree-sitter-python: no node has that "
                        "kind; name a concrete one (identifier, call, attribute, ...)")
    try:
        check_config({"rule": {"kind": kind}})
    except RuleError:
        raise RuleError(f"unknown node kind {kind!r}{_suggestion(kind)}") from None
    return kind


def _suggestion(kind: str) -> str:
    near = difflib.get_close_matches(kind.lower(), NODE_KINDS, n=1, cutoff=0.6)
    if near:
        return f"; did you mean {near[0]!r}?"
    return "; kinds are tree-sitter-python's, e.g. string, call, identifier, binary_operator"
