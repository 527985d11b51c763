"""Audit entries: extra keywords collected by `**fields`, mappings forwarded with `**`."""


def record(event, account=None, **fields):
    entry = {"event": event, "account": account}
    entry.update(fields)
    return entry


def audit_open(account):
    return record("open", account, user="ann")


def audit_forward(options):
    return record(**options)


class Auditor:
    def __init__(self, owner):
        self.owner = owner

    def note(self, event, *, level="info"):
        return record(event, self.owner, level=level)


def audit_all(auditor, events):
    for event in events:
        auditor.note(event)
    return Auditor.note(auditor, "done", level="debug")
