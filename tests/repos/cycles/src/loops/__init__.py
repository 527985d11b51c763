"""Sample package with import cycles of every shape."""

__version__ = "1.0"
