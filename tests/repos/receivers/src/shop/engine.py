"""The template engine."""


class Engine:
    def __init__(self, dirs=()):
        self.dirs = list(dirs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @staticmethod
    def get_default():
        return Engine()

    def render(self, name):
        return name
