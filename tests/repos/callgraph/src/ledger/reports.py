"""Plain-text reports over accounts."""

import ledger.money
from ledger import money as cash


def format_amount(value):
    return f"<{value}>"


class Report:
    title = "report"

    def __init__(self, accounts):
        self.accounts = list(accounts)

    def line(self, *parts, sep=" | "):
        return sep.join(str(p) for p in parts)

    def render(self):
        rows = [self.line(self.title)]
        for account in self.accounts:
            amount = ledger.money.format_amount(account.balance, account.currency)
            rows.append(self.line(account.ident, amount))
        return "\n".join(rows)


class SummaryReport(Report):
    title = "summary"

    def render(self):
        total = sum(a.balance for a in self.accounts)
        head = self.line(self.title, format_amount(total))
        return cash.join([head, super().render()], sep="\n")

    @classmethod
    def empty(cls):
        report = cls([])
        return report.line("nothing", sep=": ")


def render_all(accounts, **options):
    reports = [Report(accounts), SummaryReport(accounts)]
    texts = [r.render() for r in reports]
    return cash.format_amount(len(texts), "EUR", **options)
