"""A small application for pattern and relational queries."""
