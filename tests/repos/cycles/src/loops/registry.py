"""A tiny registry that the effects module decorates with."""

REGISTERED = []


class App:
    def route(self, path):
        def wrap(fn):
            return fn

        return wrap


app = App()


def register(cls):
    REGISTERED.append(cls)
    return cls
