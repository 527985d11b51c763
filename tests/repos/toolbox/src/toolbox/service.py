"""A service with risky internals (the hazards sample)."""

import pickle
import subprocess
import time

import yaml

RUNS = 0


class Service:
    def __init__(self, port, options={}):
        self.port = port
        self.options = options

    def start(self):
        global RUNS
        RUNS += 1
        subprocess.run(f"serve --port {self.port}", shell=True)
        return self

    def restore(self, blob):
        return pickle.loads(blob)

    def settings(self, stream):
        return yaml.load(stream)

    def compute(self, expression):
        assert expression, "empty expression"
        return eval(expression)

    def option(self, name):
        try:
            return getattr(self, name)
        except Exception:
            pass

    async def poll(self):
        time.sleep(0.5)
        return self.port


def forward(*args, **kwargs):
    return Service(*args, **kwargs)
