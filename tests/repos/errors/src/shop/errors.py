"""The shop's exception classes."""

from vendor import ThirdPartyError


class ShopError(Exception):
    """Base of the shop's errors."""


class OutOfStock(ShopError):
    pass


class Fatal(KeyboardInterrupt):
    pass


class PluginError(ThirdPartyError):
    pass
