"""Template tags: `register.filter` is a Library method, not a queryset's."""

from shop import template
from shop.urls import reverse

register = template.Library()


@register.filter(name="money")
def money(value):
    return f"{value:.2f}"


def order_url(order_id):
    return reverse("order", args=[order_id])


register.filter("url", order_url)
