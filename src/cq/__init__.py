"""cq: structural code queries over Python repositories."""
