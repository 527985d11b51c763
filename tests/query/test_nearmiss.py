"""Empty answers explain themselves: nearest names, and the constraint that emptied them."""

from __future__ import annotations

import pytest

from conftest import run_q
from cq.query.nearmiss import halves

HANDLERS = {
    "pkg/views.py": "def get_object_or_404(model, pk):\n    return model\n\n"
                    "def get_list_or_404(model):\n    return [model]\n",
    "pkg/handlers.py": "".join(f"class H{i}:\n    def handle(self):\n        pass\n\n"
                               for i in range(12))
                       + "class Handler:\n    def other(self):\n        pass\n\n"
                       + "@property\ndef main():\n    pass\n",
}


def test_halves_keep_one_intact_half_of_a_typo() -> None:
    assert halves("get_objet_or_404") == ("get_obje", "t_or_404")
    assert halves("ab") == ()


@pytest.mark.parametrize(("query", "note"), [
    pytest.param("get_objet_or_404",
                 "no definition named `get_objet_or_404`; did you mean `get_object_or_404`",
                 id="misspelt-shorthand"),
    pytest.param("entity=function name=get_objet_or_404",
                 "no function named `get_objet_or_404`; did you mean `get_object_or_404`",
                 id="misspelt-function"),
    pytest.param("entity=function name=qqqqqqqq", "no function named `qqqqqqqq`",
                 id="nothing-near"),
    pytest.param("entity=method name=handle inside='class Handler'",
                 "12 methods named `handle`; none inside `class Handler`", id="relation"),
    pytest.param("entity=function name=get_list_or_404 decorated_by=staticmethod",
                 "1 function named `get_list_or_404`; none decorated by `staticmethod`",
                 id="decorator"),
    pytest.param("entity=function name=get_list_or_404 scope=closure",
                 "1 function named `get_list_or_404`; none passing `scope=closure`",
                 id="filter"),
])
def test_empty_answer_says_why(make_repo, query, note) -> None:
    result = run_q(make_repo(HANDLERS), query)
    assert not result.key_findings
    assert any(line.startswith(note) for line in result.summary["notes"])


def test_suggestions_are_in_the_summary(make_repo) -> None:
    result = run_q(make_repo(HANDLERS), "get_objet_or_404")
    assert result.summary["suggestions"][0] == "get_object_or_404"


def test_an_unread_file_that_could_answer_is_noted(make_repo) -> None:
    root = make_repo({"pkg/big.py": "def target():\n    pass\n" + "#" * 2000,
                      "pkg/small.py": "x = 1\n"})
    result = run_q(root, "entity=function name=target", max_file_bytes=100)
    assert any(note.startswith("not read, may hold more: `pkg/big.py` (too-large)")
               for note in result.summary["notes"])
