from inventory.service import build_warehouse, main


def test_main():
    assert main() == 0


def test_build():
    assert build_warehouse("x").name == "x"
