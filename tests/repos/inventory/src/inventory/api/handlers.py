from ..service import build_warehouse, main


def route(path):
    def register(func):
        return func
    return register


class Handler:
    @route("/items")
    def list_items(self):
        return build_warehouse("api")

    @route("/run")
    @staticmethod
    def run():
        return main()

    def _private(self):
        return self.list_items()


def main_handler():
    return Handler().list_items()
