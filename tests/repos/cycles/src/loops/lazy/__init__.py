"""A cycle that never runs at import time."""
