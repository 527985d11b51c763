"""`python -m cq.serve ROOT CACHE_DIR IDLE_S MEMORY_BYTES`: what `cq server start` runs."""

from __future__ import annotations

import sys

from cq.serve.server import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
