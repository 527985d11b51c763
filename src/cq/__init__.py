"""cq: structural code queries over Python repositories."""

__version__ = "0.1.0"
