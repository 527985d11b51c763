"""The command-line front end: cyclopts commands over `cq.api`; the only stdout writer."""
