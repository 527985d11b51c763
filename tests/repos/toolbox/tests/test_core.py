from toolbox.core import make_adder, parse_port


def test_adder():
    assert make_adder(2)(3) == 5


def test_port():
    assert parse_port("80") == 80
