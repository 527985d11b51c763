"""Orders: raise and catch sites of every shape. Each raise says what cq should find."""

from shop import errors
from shop.errors import Fatal, OutOfStock, ShopError


def exact(n):
    try:
        raise ValueError("bad n")  # caught: exact name
    except ValueError:
        return 0


def by_tuple(n):
    try:
        raise KeyError(n)  # caught: tuple
    except (TypeError, KeyError) as exc:
        print(exc)


def by_bare():
    try:
        raise OSError("disk")  # caught: bare handler
    except:
        pass


def by_broad():
    try:
        raise OutOfStock("sold out")  # caught: Exception through the repo hierarchy
    except Exception:
        return None


def by_base_class():
    try:
        raise errors.OutOfStock()  # caught: repo base class
    except ShopError as exc:
        return exc


def by_builtin_mro():
    try:
        raise FileNotFoundError("gone")  # caught: builtin base class
    except OSError:
        return None


def by_star():
    try:
        raise ValueError("grouped")  # caught: except*
    except* ValueError:
        pass


def third_party():
    try:
        raise errors.PluginError()  # caught: Exception assumed past the repo
    except Exception:
        pass


def reraise_caught_outside():
    try:
        try:
            compute()
        except KeyError:
            raise  # caught: outer LookupError
    except LookupError:
        pass


def not_by_sibling():
    try:
        raise KeyError("k")  # uncaught: sibling type
    except ValueError:
        pass


def not_by_exception():
    try:
        raise Fatal()  # uncaught: BaseException-only
    except Exception:
        pass


def in_handler():
    try:
        compute()
    except ValueError:
        raise RuntimeError("wrapped") from None  # uncaught: inside the handler


def reraise():
    try:
        compute()
    except ValueError:
        raise  # uncaught: re-raise


def nested_def():
    try:
        def inner():
            raise ValueError("later")  # uncaught: nested def
        return inner
    except ValueError:
        pass


def in_else():
    try:
        compute()
    except ValueError:
        pass
    else:
        raise ValueError("no error")  # uncaught: else branch


class Basket:
    items = ()

    def add(self, item):
        if not item:
            raise OutOfStock(item)  # uncaught: no handler

    def total(self):
        try:
            return sum(self.items)
        except TypeError:
            pass
        except BaseException:
            raise  # uncaught: re-raise of anything


def compute():
    return 1


if __name__ == "__main__":
    raise SystemExit(compute())  # uncaught: module level
