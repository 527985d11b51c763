"""Numeric ranges of the values a user types, and the one check that enforces them.

Every number a user can give — a setting (flag, `CQ_*` variable, config key), a macro's int
option, a number in the q language — declares one `Bounds` next to its own declaration, and
`check_number` is the only place a value is read against it. A refusal is a `ValueError` whose
text says what the value must be and what it was ("must be a whole number in 1..256, got
'1000'"); the caller adds where the value came from and turns it into its own typed error.
"""

from __future__ import annotations

import re

import msgspec

# No bound needs more digits than this; longer text is refused before int() reads it (int()
# refuses text over 4,300 digits with an unrelated message).
_MAX_DIGITS = 30
_WHOLE = re.compile(r"[+-]?\d+(?:_\d+)*")
_SHOWN_CHARS = 40
_BINARY_UNITS = ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB"))
_DAY = 86_400


class Bounds(msgspec.Struct, frozen=True):
    """Both ends are included. `unit` ("bytes", "seconds" or "" for a plain count) is named in
    help and errors; `fraction` accepts any finite real number, else whole numbers only."""

    low: int
    high: int
    unit: str = ""
    fraction: bool = False

    def describe(self) -> str:
        """The range as help and errors show it: `1..256`, `0..1073741824 bytes (1 GiB)`."""
        unit = f" {self.unit}" if self.unit else ""
        readable = _readable(self.high, self.unit)
        return f"{self.low}..{self.high}{unit}" + (f" ({readable})" if readable else "")

    def requirement(self) -> str:
        """What a value must be: `a whole number of bytes in 0..1073741824 (1 GiB)`."""
        noun = "a number" if self.fraction else "a whole number"
        unit = f" of {self.unit}" if self.unit else ""
        readable = _readable(self.high, self.unit)
        return f"{noun}{unit} in {self.low}..{self.high}" + (f" ({readable})" if readable else "")


def _readable(value: int, unit: str) -> str:
    if unit == "bytes":
        return next((f"{value // size} {name}" for size, name in _BINARY_UNITS
                     if value >= size and value % size == 0), "")
    if unit == "seconds" and value >= _DAY and value % _DAY == 0:
        days = value // _DAY
        return f"{days} day{'' if days == 1 else 's'}"
    return ""


def check_number(value: object, bounds: Bounds) -> int | float:
    """`value` (text as typed, or a number from a config file or a library caller) as a
    number inside `bounds`; anything else — not a number, not finite, not whole when it must
    be, out of range — raises ValueError saying what it must be."""
    number = _as_number(value, bounds.fraction)
    # NaN compares false both ways, so it is refused here too.
    if number is None or not bounds.low <= number <= bounds.high:
        raise ValueError(f"must be {bounds.requirement()}, got {shown(value)}")
    return float(number) if bounds.fraction else int(number)


def _as_number(value: object, fraction: bool) -> int | float | None:
    if isinstance(value, bool):  # True is an int to Python, not a number to a user
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if fraction or value.is_integer() else None
    if isinstance(value, str):
        return _parse_text(value.strip(), fraction)
    return None


def _parse_text(text: str, fraction: bool) -> int | float | None:
    if _WHOLE.fullmatch(text):
        digits = sum(char.isdigit() for char in text)
        # Past _MAX_DIGITS the value is outside every range: refused, never converted.
        return int(text) if digits <= _MAX_DIGITS else None
    if not fraction:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def shown(value: object) -> str:
    """A value as an error quotes it: text in quotes, shortened when long; numbers plain."""
    if isinstance(value, int) and not isinstance(value, bool) and \
            value.bit_length() > _MAX_DIGITS * 4:
        return f"a number of about {value.bit_length() * 3 // 10} digits"
    text = repr(value)
    if len(text) > _SHOWN_CHARS:
        text = f"{text[:_SHOWN_CHARS - 8]}…{text[-6:]} ({len(str(value))} characters)"
    return text
