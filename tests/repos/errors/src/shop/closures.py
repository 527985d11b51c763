"""Closures of every shape."""

TOTAL = 0


def make_counter():
    count = 0

    def bump():
        nonlocal count
        count += 1
        return count

    return bump


def make_adder(n):
    return lambda x: x + n


def tally(amount):
    global TOTAL
    TOTAL += amount
    return len(str(TOTAL))


def squares(xs):
    return sum(x * x for x in xs)


class Ledger:
    def __init__(self):
        super().__init__()
        self.rows = []

    def recorder(self):
        rows = self.rows

        def record(row):
            rows.append(row)

        return record
