"""The command line."""

import sys

from toolbox.config import load_config
from toolbox.core import Port, make_adder, parse_port
from toolbox.service import Service


def main(argv=None):
    args = argv or sys.argv[1:]
    config = load_config(args[0])
    port = parse_port(str(config.get("port")))
    service = Service(port)
    service.start()
    add = make_adder(1)

    def later():
        return make_counter_later()

    return add(port), later


def make_counter_later():
    return Port("1").validate()


if __name__ == "__main__":
    main()
