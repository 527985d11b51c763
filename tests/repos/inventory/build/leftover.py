def main():
    """Ignored by .gitignore: must never appear in answers."""
