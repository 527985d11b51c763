"""Whether a pattern is Python: the first place it does not parse, and why.

ast-grep parses a pattern with tree-sitter-python and, when the text is not one node, quietly
matches whatever error recovery made of it (`foo(` matches nothing, `$$$ +` matches every
node). cq refuses such a pattern instead. tree-sitter decides (it is what matches, and it
reads syntax newer than the running Python); the stdlib parser, asked only once tree-sitter
has failed, supplies the reason and the column, which are clearer than an ERROR node's.

Both parse the text with `$` replaced by ast-grep's expando character, so metavariables are
identifiers; that character never reaches a message (`user_text`).
"""

from __future__ import annotations

import msgspec

from cq.rules.literals import EXPANDO, pattern_tree


class PatternProblem(msgspec.Struct, frozen=True):
    """Where (1-based line and column of the pattern text) and why it does not parse."""

    line: int
    column: int
    reason: str

    def where(self, text: str) -> str:
        if "\n" in text.strip():
            return f"line {self.line}, column {self.column} of the pattern"
        return f"column {self.column} of the pattern"


def user_text(message: str) -> str:
    """A message about a pattern, spelled with the `$` the user typed."""
    return message.replace(EXPANDO, "$")


def syntax_problem(text: str) -> PatternProblem | None:
    """None when tree-sitter parses the pattern without an error or a missing node."""
    bad = _first_bad_node(text)
    if bad is None:
        return None
    # The stdlib parser only for a broken pattern: a warm cache hit imports no `ast`.
    from cq.parsing import ParseFailure, parse_module

    found = parse_module(text.replace("$", EXPANDO), "<pattern>")
    if isinstance(found, ParseFailure) and found.line:  # a SyntaxError or a subclass
        return PatternProblem(found.line, found.column or 1, user_text(found.message))
    detail = f" ({user_text(found.text)})" if isinstance(found, ParseFailure) else ""
    return PatternProblem(bad[0], bad[1], "tree-sitter-python cannot parse it" + detail)


def _first_bad_node(text: str) -> tuple[int, int] | None:
    """(line, column), 1-based, of the first ERROR node or zero-width (missing) leaf."""
    stack = [pattern_tree(text)]
    while stack:
        node = stack.pop()
        children = node.children()
        where = node.range()
        if node.kind() == "ERROR" or (not children and where.start.index == where.end.index):
            return where.start.line + 1, where.start.column + 1
        stack.extend(reversed(children))
    return None
