"""Fixtures for the query tests: `match` runs one query's rule over a source text in-process;
`ask` runs a whole query (parse, plan, runner, execute) over a small repository."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from conftest import repo_settings
from cq.api import run_query
from cq.query.parse import parse_query
from cq.query.pattern import query_job
from cq.query.pattern_pool import RuleMatch, match_source
from cq.query.plan import plan_query
from cq.result import CqResult


def match_text(text: str, source: str) -> list[RuleMatch]:
    query = parse_query(text)
    job = query_job(query, plan_query(query))
    return list(match_source("t.py", textwrap.dedent(source), job).matches)


@pytest.fixture
def match() -> Callable[[str, str], list[int]]:
    """Lines of the matches of a pattern query in `source` (dedented)."""
    return lambda text, source: [m.span.line for m in match_text(text, source)]


@pytest.fixture
def ask(make_repo) -> Callable[..., CqResult]:
    """Run query `text` on a repository made of `files` ({path: source})."""

    def run(text: str, files: dict[str, str | bytes], **options) -> CqResult:
        root = make_repo(files)
        return run_query(repo_settings(root, no_cache=True, **options), text)

    return run
