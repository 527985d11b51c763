"""Fields of a model."""


class Field:
    def __init__(self, default=None):
        self.default = default

    def get_default(self):
        return self.default
