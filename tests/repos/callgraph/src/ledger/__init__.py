"""A small double-entry ledger."""

from ledger.accounts import Account
from .money import to_cents as cents

__all__ = ["Account", "cents"]
