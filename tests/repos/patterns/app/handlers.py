"""Request handlers: Handler's methods, helpers nested in them, and look-alikes."""

import functools


def route(path):
    def register(func):
        return func
    return register


class Handler:
    """Serves requests."""

    prefix = "/api"

    @route("/items")
    def list_items(self):
        def render(item):
            return str(item)
        return [render(i) for i in range(3)]

    async def fetch(self, key):
        value = await self.load(key)
        return value

    def load(self, key):
        return getattr(self, key)

    @staticmethod
    def reset():
        pass

    class Options:
        def parse(self, text):
            return text.split()


class Other:
    def list_items(self):
        def render(item):
            return item
        return render(1)


def handle(request):
    handler = Handler()
    handler.list_items()


def decorate(func):
    def wrapper(*args):
        return func(*args)
    functools.update_wrapper(wrapper, func)


def stop(flag):
    if flag:
        return
    print(flag)


def outer():
    class Handler:
        def inner_method(self):
            return 1
    return Handler
