"""Command line: `python -m stockroom.cli reserve SKU COUNT`."""

import argparse
import sys

from stockroom import load_settings
from stockroom.service import service_for, try_reserve

COMMANDS = ("reserve", "low")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stockroom")
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("args", nargs="*")
    return parser


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    service = service_for(str(load_settings().db_path))
    if options.command == "reserve":
        sku, count = options.args
        result = try_reserve(service, sku, int(count))
        print("reserved" if result else "not reserved")
        return 0 if result else 1
    for item in service.low_stock_items():
        print(f"{item.sku}\t{item.quantity}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
