"""Querysets: every method returns a new queryset, so calls chain."""

from typing import Self


class QuerySet:
    def __init__(self, rows=None):
        self.rows = list(rows or [])

    def filter(self, **conditions) -> Self:
        return type(self)(r for r in self.rows if all(r.get(k) == v for k, v in conditions.items()))

    def order_by(self, key):
        self.rows.sort(key=lambda r: r[key])
        return self

    def first(self):
        return self.rows[0] if self.rows else None


def filter(rows, **conditions):
    """A module function named like the method."""
    return QuerySet(rows).filter(**conditions)
