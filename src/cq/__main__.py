"""`python -m cq` is `cq`."""

from cq.cli.app import main

if __name__ == "__main__":
    main()
