"""Errors of the toolbox."""


class ConfigError(ValueError):
    """A configuration that cannot be used."""


class NotFound(LookupError):
    pass
