"""Moving money between accounts."""

from . import money
from .accounts import Account, SavingsAccount
from .money import convert


def transfer(src, dst, amount, *args, **kwargs):
    src.withdraw(amount)
    return dst.deposit(amount, *args, **kwargs)


def transfer_converted(src, dst, amount, rate):
    cents = convert(amount, rate, "USD", rounding="down")
    return transfer(src, dst, cents / 100, note="fx")


def open_pair(owner):
    first = Account("a-1", owner)
    second = Account.create("b-2", owner, currency="USD")
    Account.deposit(first, 10)
    savings = SavingsAccount("s-3", owner, opening=5)
    savings.add_interest(2)
    return first, second, savings


def batch(items):
    def apply(item):
        src, dst, amount = item
        return transfer(src, dst, amount)

    results = [apply(item) for item in items]
    return money.join(results, sep="; ")


def summary(accounts):
    names = ", ".join(a.describe() for a in accounts)
    return money.join([names, len(accounts)])
