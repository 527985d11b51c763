"""`cq calls` tiers on the committed sample `tests/repos/receivers`: each site is resolved,
possible or excluded, and says what its tier rests on (`details.evidence`, `details.reason`);
excluded sites are counted and listed in the summary only."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_sample, run_macro
from cq.result import CqResult

VIEWS, TAGS, MODELS = "src/shop/views.py", "src/shop/tags.py", "src/shop/models.py"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("tiers"), "receivers")


def ask(root: Path, target: str) -> CqResult:
    return run_macro(root, "calls", {"target": target}, no_cache=True)


def tiers(result: CqResult) -> dict[tuple[str, int, str], tuple[str, str, str]]:
    """(file, line, callee) → (tier, evidence, reason) of every site, excluded ones too."""
    found = {(f.anchor.file, f.anchor.line, f.details.callee):
             (f.details.tier, f.details.evidence, f.details.reason or "")
             for f in result.key_findings}
    found.update({(row["file"], row["line"], row["callee"]):
                  ("excluded", row["evidence"], row["reason"])
                  for row in result.summary["excluded_sites"]})
    return found


@pytest.mark.parametrize(("spec", "site", "tier", "evidence", "reason"), [
    # constructor, annotation, chained methods returning self / Self, manager attributes
    ("QuerySet.filter", (VIEWS, 31, 'qs.order_by("a").filter'), "resolved", "inferred",
     "order_by() returns self"),
    ("QuerySet.filter", (VIEWS, 36, "qs.filter"), "resolved", "inferred", "`qs: QuerySet`"),
    ("QuerySet.filter", (VIEWS, 24, "Order.objects.get_queryset().filter"), "resolved",
     "inferred", "get_queryset() -> QuerySet"),
    ("QuerySet.filter", (VIEWS, 25, "Order.archived.get_queryset().filter"), "resolved",
     "inferred", "get_queryset() -> QuerySet"),
    ("QuerySet.filter", (VIEWS, 35, "request.filter"), "possible", "name", ""),
    # a decorator on an instance of an unrelated class; a manager's own filter
    ("QuerySet.filter", (TAGS, 9, "register.filter"), "excluded", "inferred",
     "`register` = Library(…): calls shop.template.Library.filter"),
    ("QuerySet.filter", (TAGS, 18, "register.filter"), "excluded", "inferred",
     "calls shop.template.Library.filter"),
    ("QuerySet.filter", (VIEWS, 23, "Order.objects.filter"), "excluded", "inferred",
     "Model.objects: `objects` = Manager(…): calls shop.managers.BaseManager.filter"),
    # an unrelated class's method of the same name; with, isinstance, self.x in __init__
    ("Engine.get_default", (VIEWS, 49, "field.get_default"), "excluded", "inferred",
     "`field` = Field(…): calls shop.fields.Field.get_default"),
    ("Engine.get_default", (MODELS, 19, "self.total.get_default"), "excluded", "inferred",
     "Order.total"),
    ("Engine.get_default", (VIEWS, 51, "engine.get_default"), "resolved", "inferred",
     "`with … as engine`"),
    ("Engine.get_default", (VIEWS, 53, "thing.get_default"), "resolved", "inferred",
     "isinstance(thing, Engine)"),
    ("Engine.get_default", (VIEWS, 54, "thing.get_default"), "possible", "name", ""),
    ("Engine.get_default", (VIEWS, 19, "self.engine.get_default"), "resolved", "inferred",
     "View.engine: `engine` = Engine(…)"),
    ("Engine.get_default", (VIEWS, 55, "Engine.get_default"), "resolved", "resolved", ""),
    # list methods named like a module function; aliases and re-exports
    ("reverse", (VIEWS, 41, "names.reverse"), "excluded", "inferred",
     "`names` = a list literal: calls builtins.list.reverse"),
    ("reverse", (VIEWS, 42, "sorted(items).reverse"), "excluded", "inferred",
     "the builtin sorted()"),
    ("reverse", (VIEWS, 18, "self.history.reverse"), "excluded", "inferred",
     "View.history"),
    ("urls.reverse", (VIEWS, 44, "url_for"), "resolved", "resolved", ""),
    ("urls.reverse", (VIEWS, 44, "shop.reverse"), "resolved", "resolved", ""),
    ("urls.reverse", (VIEWS, 44, "urls.reverse"), "resolved", "resolved", ""),
    # inheritance: an override reached through a subclass, a module without the name
    ("Model.save", (VIEWS, 60, "order.save"), "excluded", "inferred",
     "calls shop.models.Order.save, which overrides shop.models.Model.save"),
    ("Model.save", (VIEWS, 62, "item.save"), "resolved", "inferred", "`item` = Item(…)"),
    ("Model.save", (VIEWS, 63, "model.save"), "resolved", "inferred", "`model: Model`"),
    ("Model.save", (VIEWS, 64, "maybe.save"), "possible", "name", ""),
    ("Model.save", (MODELS, 20, "super().save"), "resolved", "self", ""),
    ("Model.save", (VIEWS, 66, "urls.save"), "excluded", "resolved",
     "the module shop.urls defines no save"),
])
def test_each_site_says_its_tier_and_why(shop: Path, spec, site, tier, evidence,
                                         reason) -> None:
    found = tiers(ask(shop, spec))[site]
    assert found[:2] == (tier, evidence)
    assert reason in found[2]


@pytest.mark.parametrize(("spec", "counts"), [
    ("QuerySet.filter", (7, 1, 3)),
    ("Engine.get_default", (4, 1, 2)),
    ("Model.save", (4, 1, 2)),
    ("reverse", (3, 0, 3)),
])
def test_headline_counts_the_tiers_apart(shop: Path, spec, counts) -> None:
    result = ask(shop, spec)
    resolved, possible, excluded = counts
    summary = result.summary
    assert (summary["resolved"], summary["possible"], summary["excluded"]) == counts
    assert summary["matches"] == len(result.key_findings) == resolved + possible
    assert len(summary["excluded_sites"]) == excluded
    assert summary["headline"].startswith(
        f"{resolved + possible} call sites · {resolved} resolved · {possible} possible · "
        f"{excluded} excluded")


def test_an_override_through_a_subclass_is_listed_apart(shop: Path) -> None:
    (row,) = ask(shop, "Model.save").summary["via_override"]
    assert (row["file"], row["line"], row["override"]) == (VIEWS, 60, "shop.models.Order.save")


def test_excluded_sites_are_counted_in_markdown_not_listed(shop: Path) -> None:
    result = ask(shop, "QuerySet.filter")
    (section,) = [s for s in result.sections if s.kind == "tiers"]
    assert section.notes == ("resolved: 7", "possible: 1", "excluded: 3",
                             "excluded, another def in the repository: 3")
    assert all(f.details.tier != "excluded" for f in result.key_findings)
