"""The fact index: facts of in-scope files, loaded from the index cache or scanned."""
