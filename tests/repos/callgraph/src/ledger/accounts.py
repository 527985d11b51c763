"""Accounts: an entity holding a balance in cents."""

import ledger.money as m
from ledger.base import Entity
from ledger.money import format_amount as fmt


class Account(Entity):
    kind = "account"

    def __init__(self, ident, owner, *, currency="EUR", opening=0):
        super().__init__(Entity.normalise(ident, upper=True))
        self.owner = owner
        self.currency = currency
        self.balance = m.to_cents(opening, currency)

    def deposit(self, amount, /, note=None):
        self.validate()
        self.balance += m.to_cents(amount, self.currency)
        return self.balance

    def withdraw(self, amount, note=None, **extra):
        if amount > self.balance:
            raise ValueError("insufficient funds")
        self.balance -= m.to_cents(amount, currency=self.currency)
        return self.balance

    def balance_text(self):
        return fmt(self.balance, self.currency, sep=".")

    def describe(self, verbose=False):
        base = super().describe(verbose)
        return f"{base} owned by {self.owner}"


class SavingsAccount(Account):
    kind = "savings"

    def add_interest(self, rate):
        interest = self.balance * rate
        self.deposit(interest / 100, note="interest")
        return self.label()
