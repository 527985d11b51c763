# ruff: noqa: B009
"""getattr with literal and computed attribute names."""

NAMES = ["size"]


def read(obj, name, prefix):
    a = getattr(obj, "size")
    b = getattr(obj, 'kind')
    c = getattr(obj, name)
    d = getattr(obj, prefix + name)
    e = getattr(obj, f"get_{name}")
    f = getattr(obj, "x", None)
    g = getattr(obj, NAMES[0])
    h = getattr(obj, "render_" + name)
    return a, b, c, d, e, f, g, h


def describe(obj):
    print(getattr(obj, "__name__"), getattr(type(obj),
                                            "__qualname__"))
