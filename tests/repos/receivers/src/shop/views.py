"""Views: every kind of receiver the inference reads."""

import shop
from shop import urls
from shop.engine import Engine
from shop.fields import Field
from shop.models import Item, Model, Order
from shop.query import QuerySet
from shop.urls import reverse as url_for


class View:
    def __init__(self):
        self.engine = Engine()
        self.history = []

    def render(self, name):
        self.history.reverse()
        return self.engine.get_default().render(name)


def listing(request):
    orders = Order.objects.filter(paid=True)
    recent = Order.objects.get_queryset().filter(paid=False).order_by("id").filter(x=1)
    old = Order.archived.get_queryset().filter(paid=True)
    return orders, recent, old


def chained():
    qs = QuerySet([{"a": 1}])
    return qs.order_by("a").filter(a=1).first()


def annotated(qs: QuerySet, request):
    request.filter(a=2)
    return qs.filter(a=1)


def links(items):
    names = []
    names.reverse()
    sorted(items).reverse()
    "-".join(items).split()
    return url_for("home"), urls.reverse("home"), shop.reverse("order", args=[1])


def defaults(thing):
    field = Field(default=3)
    field.get_default()
    with Engine() as engine:
        engine.get_default()
    if isinstance(thing, Engine):
        thing.get_default()
    thing.get_default()
    return Engine.get_default()


def saving(model: Model, maybe):
    order = Order()
    order.save()
    item = Item()
    item.save()
    model.save()
    maybe.save()
    Model.save(item)
    urls.save()


def main():
    return defaults(Engine())
