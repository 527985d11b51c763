"""Helpers for `benchmarks/run.py`: running and timing commands, the tools under test,
corpus copies, the benchmark rows, and the report.

This package is a script's support code, not part of cq: nothing in `src/cq` imports it.
"""
