import json
import os


class StorageError(Exception):
    pass


async def load(name):
    path = os.path.join("data", name + ".json")
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise StorageError(name)


def save(name, data):
    with open(os.path.join("data", name + ".json"), "w") as handle:
        json.dump(data, handle)
