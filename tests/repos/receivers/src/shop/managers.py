"""Managers hand out querysets."""

from shop.query import QuerySet


class BaseManager:
    def get_queryset(self) -> QuerySet:
        return QuerySet()

    def filter(self, **conditions):
        return self.get_queryset().filter(**conditions)


class Manager(BaseManager):
    pass


class ArchivedManager(BaseManager):
    def get_queryset(self) -> "QuerySet | None":
        return QuerySet([{"archived": True}])
