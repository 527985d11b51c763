"""The `q` language: parse (text → Query), plan (Query → Plan), execute (Plan, facts → findings)."""
