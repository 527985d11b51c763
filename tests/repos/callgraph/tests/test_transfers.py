from ledger.accounts import Account
from ledger.transfers import open_pair, transfer


def test_transfer_moves_money():
    src = Account("x", "ann", opening=10)
    dst = Account("y", "bob")
    transfer(src, dst, 4)
    assert dst.balance_text() == "4.00 EUR"


def test_open_pair():
    first, second, savings = open_pair("ann")
    assert first.deposit(1) > 0
