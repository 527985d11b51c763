"""Amounts in cents and their formatting."""

RATES = {"EUR": 1.0, "USD": 1.08}


def to_cents(amount, /, currency="EUR", *, rounding="half_even"):
    scaled = amount * 100 * RATES.get(currency, 1.0)
    if rounding == "down":
        return int(scaled)
    return round(scaled)


def format_amount(cents, currency, *, sep=",", symbol=True):
    whole, part = divmod(cents, 100)
    text = f"{whole}{sep}{part:02d}"
    return f"{text} {currency}" if symbol else text


def convert(amount, rate, *args, **kwargs):
    value = to_cents(amount * rate, *args, **kwargs)
    return value


def join(parts, sep=" "):
    return sep.join(str(p) for p in parts)
