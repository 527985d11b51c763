"""URL reversing."""

ROUTES = {"home": "/", "order": "/order/{}"}


def reverse(viewname, args=()):
    return ROUTES[viewname].format(*args)
