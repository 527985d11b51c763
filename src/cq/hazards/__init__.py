"""Hazards: a registry of ast-grep rules for risky constructs (`registry`), compiled with
their prefilter words (`compile`), run over candidate files (`matcher`), and the `cq hazards`
report (`report`). The query language's `expand=hazards` and `fields=hazards` use the same
matcher."""
