"""The base of every stored entity."""

_REGISTRY = {}


class Entity:
    kind = "entity"

    def __init__(self, ident):
        self.ident = ident

    def validate(self):
        if not self.ident:
            raise ValueError("entity without an id")

    def describe(self, verbose=False):
        label = self.label()
        return f"{label} ({self.ident})" if verbose else label

    def label(self):
        return f"{self.kind}:{self.ident}"

    @classmethod
    def create(cls, *args, **kwargs):
        obj = cls(*args, **kwargs)
        obj.validate()
        cls.register(obj)
        return obj

    @classmethod
    def register(cls, obj):
        _REGISTRY[obj.ident] = obj

    @staticmethod
    def normalise(ident, /, *, upper=False):
        text = ident.strip()
        return text.upper() if upper else text
