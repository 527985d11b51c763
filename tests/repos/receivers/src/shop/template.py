"""A template library: its `filter` registers functions."""


class Library:
    def __init__(self):
        self.filters = {}

    def filter(self, name=None, func=None):
        def register(f):
            self.filters[name or f.__name__] = f
            return f
        return register(func) if func is not None else register
