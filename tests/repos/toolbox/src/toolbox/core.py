"""Closures and raisers."""

import functools

from toolbox import errors

__all__ = ("make_adder", "make_counter", "parse_port")


def make_adder(n):
    def add(x):
        return x + n

    return add


def make_counter(start=0):
    count = start

    def bump(step=1):
        nonlocal count
        count += step
        return count

    return bump


def make_logger(prefix):
    @functools.wraps(print)
    def log(*parts):
        print(prefix, *parts)

    def quiet():
        return None

    return log, quiet


def parse_port(text):
    if not text.isdigit():
        raise ValueError(f"not a port: {text}")
    return int(text)


def checked_port(text):
    try:
        return parse_port(text)
    except ValueError:
        log_failure(text)
        raise


def lookup(table, key):
    try:
        return table[key]
    except KeyError as exc:
        raise errors.NotFound(key) from exc


def log_failure(text):
    def report():
        raise RuntimeError(text)

    return report


class Port:
    def __init__(self, text):
        self.value = parse_port(text)

    def validate(self):
        if self.value > 65535:
            raise ValueError("too large")
        return self
