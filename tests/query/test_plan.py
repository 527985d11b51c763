"""The plan: which literals prefilter the files for the new keys, and the steps that make
the cache key change with every key."""

from __future__ import annotations

import sys

import pytest

from cq.query.parse import parse_query
from cq.query.plan import plan_query


@pytest.mark.parametrize(
    ("text", "literals"),
    [
        ("entity=function raises=class:ValueError", ("ValueError",)),
        ("entity=function raises=class:errors.NotFound", ("NotFound",)),
        ("entity=module defines=class:Config", ("Config",)),
        ("entity=module defines=function:~^run", None),
        ("entity=class defines=method:get", ("get",)),
        ("entity=module exports=main", ("main",)),
        ("entity=module", None),
        ("entity=function captures=count", ("count",)),
        ("entity=function scope=closure", None),
        ("entity=function used_by=function:main", None),  # narrowed when it runs
        ("entity=function name=f raises=class:E", ("E",)),
    ],
)
def test_literals(text: str, literals) -> None:
    assert plan_query(parse_query(text)).literals == literals


@pytest.mark.parametrize(
    ("text", "step"),
    [
        ("entity=function scope=closure", "filter scope closure"),
        ("entity=function captures=n", "filter captures 'n'"),
        ("entity=function has_cells=false", "filter has_cells false"),
        ("entity=function used_by=function:main", "join used_by function:main"),
        ("entity=function used_by=function:~^t", "join used_by function:~^t"),
        ("entity=module defines=class:C", "join defines class:C"),
        ("entity=method raises=class:E", "join raises class:E"),
        ("entity=module exports=x", "join exports 'x'"),
        ("entity=function expand=hazards", "expand hazards depth 1"),
        ("entity=function fields=evidence", "field evidence"),
    ],
)
def test_steps(text: str, step: str) -> None:
    assert step in plan_query(parse_query(text)).describe()


@pytest.mark.parametrize("text", ["entity=function scope=nested",
                                  "entity=function expand=bytecode_surface",
                                  "entity=method expand=scope"])
def test_python_version_is_part_of_symtable_and_bytecode_plans(text: str) -> None:
    version = f"python {sys.version_info.major}.{sys.version_info.minor}"
    assert version in plan_query(parse_query(text)).describe()
    assert version not in plan_query(parse_query("entity=function expand=raises")).describe()
