"""Python's argument binding, as pure functions over `cq.facts.Param` tuples.

This module owns the answer to "does this call shape bind to this signature?": positional-only,
positional-or-keyword, keyword-only (required or with a default), `*args`, `**kwargs` and an
implicitly bound `self`/`cls`. The signature text a user types is read by `cq.sigspec`.

A call site that forwards `*args` or `**kwargs` has an unknown shape. Its binding is:
- "would_break" when no content of the starred arguments can make it bind (an unknown keyword,
  a positional-only parameter passed by keyword, a keyword given twice, too many positionals,
  a positional-only parameter nothing can supply, ...);
- "ambiguous" otherwise, even when every content binds: the site is dynamic.
The search is exact: only the length of `*args` matters for binding (0 to one past the number
of positional parameters covers every case), and the best `**kwargs` supplies exactly the
missing parameters that can be passed by keyword.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from cq.facts import Call, Param

POSITIONAL = ("positional_only", "positional_or_keyword")


class Shape(msgspec.Struct, frozen=True):
    """What a call site passes: plain positional count, keyword names, starred forwarding."""

    n_positional: int
    keywords: tuple[str, ...] = ()
    star_args: bool = False
    star_kwargs: bool = False

    @classmethod
    def from_call(cls, call: Call) -> Shape:
        return cls(call.n_positional, call.keywords, call.star_args, call.star_kwargs)

    @property
    def dynamic(self) -> bool:
        return self.star_args or self.star_kwargs


class Binding(msgspec.Struct, frozen=True):
    """status: "ok" | "would_break" | "ambiguous"; reason: why (empty when plainly ok).

    slots maps each parameter (the bound self left out) to what fills it: "arg N" (the site's
    Nth positional argument, 0-based), "kw NAME", "*args" / "**kwargs" (the site's starred
    arguments may supply it), "default", or "missing". A `*args` / `**kwargs` parameter maps to
    what it absorbs, comma-separated ("arg 2, arg 3", "kw x, **kwargs"), or "empty"."""

    status: str
    reason: str = ""
    slots: dict[str, str] = msgspec.field(default_factory=dict)


class _Signature(msgspec.Struct, frozen=True):
    """Params split by kind. `offset` is 1 when the bound self takes the first positional."""

    positional: tuple[Param, ...]
    var_positional: Param | None
    keyword_only: tuple[Param, ...]
    var_keyword: Param | None
    offset: int


def _prepare(params: Sequence[Param], bound_self: bool) -> _Signature:
    def first(kind: str) -> Param | None:
        return next((p for p in params if p.kind == kind), None)

    return _Signature(positional=tuple(p for p in params if p.kind in POSITIONAL),
                      var_positional=first("var_positional"),
                      keyword_only=tuple(p for p in params if p.kind == "keyword_only"),
                      var_keyword=first("var_keyword"), offset=1 if bound_self else 0)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- keyword problems: independent of how many positional arguments arrive -------------------

def _keyword_problem(sig: _Signature, keywords: Sequence[str]) -> str | None:
    seen: set[str] = set()
    for name in keywords:
        if name in seen:
            return f"keyword argument '{name}' given twice"
        seen.add(name)
        if sig.var_keyword is not None:
            continue
        param = next((p for p in sig.positional if p.name == name), None)
        if param is not None and param.kind == "positional_only":
            return f"positional-only parameter '{name}' passed by keyword"
        if param is None and all(p.name != name for p in sig.keyword_only):
            return f"unexpected keyword argument '{name}'"
    return None


# -- one concrete attempt: a known number of extra positionals from the site's *args ---------

class _Attempt:
    """Binds `shape` plus `extra` positionals drawn from the site's `*args`."""

    def __init__(self, sig: _Signature, shape: Shape, extra: int) -> None:
        self.sig, self.shape = sig, shape
        self.given = sig.offset + shape.n_positional + extra  # the bound self included
        self.slots: dict[str, str] = {}
        self.absorbed: dict[str, list[str]] = {"*": [], "**": []}

    def run(self) -> str | None:
        """The first reason the binding fails, or None when it binds."""
        too_many = self._too_many()
        if too_many:
            return too_many
        self._positionals()
        return self._keywords() or self._missing()

    def _label(self, index: int) -> str:
        site_index = index - self.sig.offset
        return f"arg {site_index}" if site_index < self.shape.n_positional else "*args"

    def _too_many(self) -> str | None:
        accepted = len(self.sig.positional)
        if self.sig.var_positional is not None or self.given <= accepted:
            return None
        if self.sig.offset and not accepted:
            return "no positional parameter receives the bound self"
        given = self.given - self.sig.offset
        return (f"{_plural(given, 'positional argument')} given, "
                f"at most {accepted - self.sig.offset} accepted")

    def _positionals(self) -> None:
        for index in range(self.sig.offset, self.given):
            if index < len(self.sig.positional):
                self.slots[self.sig.positional[index].name] = self._label(index)
            else:
                self.absorbed["*"].append(self._label(index))

    def _keywords(self) -> str | None:
        for name in self.shape.keywords:
            index = next((i for i, p in enumerate(self.sig.positional) if p.name == name), None)
            param = None if index is None else self.sig.positional[index]
            if param is not None and param.kind == "positional_or_keyword":
                if index is not None and index < self.given:
                    return f"multiple values for argument '{name}' (by position and by keyword)"
                self.slots[name] = f"kw {name}"
            elif param is None and any(p.name == name for p in self.sig.keyword_only):
                self.slots[name] = f"kw {name}"
            else:  # unknown or positional-only: `_keyword_problem` ensured a **kwargs exists
                self.absorbed["**"].append(f"kw {name}")
        return None

    def _missing(self) -> str | None:
        for index, param in enumerate(self.sig.positional):
            if index >= self.given and param.name not in self.slots:
                by_keyword = param.kind == "positional_or_keyword"
                reason = self._fill(param, by_keyword, "positional")
                if reason:
                    return reason
        for param in self.sig.keyword_only:
            if param.name not in self.slots:
                reason = self._fill(param, True, "keyword-only")
                if reason:
                    return reason
        return None

    def _fill(self, param: Param, by_keyword: bool, what: str) -> str | None:
        if param.has_default:
            self.slots[param.name] = "default"
        elif by_keyword and self.shape.star_kwargs:
            self.slots[param.name] = "**kwargs"
        else:
            self.slots[param.name] = "missing"
            return f"missing required {what} argument '{param.name}'"
        return None

    def all_slots(self) -> dict[str, str]:
        slots = dict(self.slots)
        stars = {"*": (self.sig.var_positional, self.shape.star_args, "*args"),
                 "**": (self.sig.var_keyword, self.shape.star_kwargs, "**kwargs")}
        for key, (param, starred, label) in stars.items():
            if param is not None:
                parts = self.absorbed[key] + ([label] if starred else [])
                slots[param.name] = ", ".join(dict.fromkeys(parts)) or "empty"
        return slots


# -- the public functions ---------------------------------------------------------------------

def bind(shape: Shape, params: Sequence[Param], bound_self: bool) -> Binding:
    """Bind a call of `shape` to `params`; `bound_self` supplies the first positional
    parameter implicitly (obj.method(), cls.method(), Class(...) for __init__)."""
    sig = _prepare(params, bound_self)
    problem = _keyword_problem(sig, shape.keywords)
    if problem:
        return Binding("would_break", problem)
    first = _Attempt(sig, shape, 0)
    reason = first.run()
    if not shape.star_args:
        if reason:
            return Binding("would_break", reason, first.all_slots())
        if shape.star_kwargs:
            return Binding("ambiguous", "**kwargs at the call site: keyword arguments unknown",
                           first.all_slots())
        return Binding("ok", "", first.all_slots())
    return _bind_star_args(sig, shape, first, reason)


def _bind_star_args(sig: _Signature, shape: Shape, first: _Attempt,
                    reason: str | None) -> Binding:
    """Try every length of the site's *args that can make a difference."""
    what = "*args and **kwargs" if shape.star_kwargs else "*args"
    unknown = f"{what} at the call site: positional count unknown"
    if reason is None:
        return Binding("ambiguous", unknown, first.all_slots())
    others: list[str] = []
    for extra in range(1, len(sig.positional) + 2):
        attempt = _Attempt(sig, shape, extra)
        other = attempt.run()
        if other is None:
            return Binding("ambiguous", unknown, attempt.all_slots())
        others.append(other)
    # Only a missing argument is one *args could supply; say what goes wrong when it does.
    different = next((o for o in others if o != reason), None)
    if different and reason.startswith("missing"):
        reason = f"{reason}; with a longer *args: {different}"
    return Binding("would_break", reason, first.all_slots())


def parameter_for(params: Sequence[Param], bound_self: bool, position: int | None = None,
                  keyword: str | None = None) -> Param | None:
    """The parameter receiving positional argument `position` (0-based at the call site) or
    keyword argument `keyword`; a `*args` / `**kwargs` parameter absorbs extras; None when
    nothing receives it."""
    if (position is None) == (keyword is None):
        raise ValueError("give exactly one of position and keyword")
    sig = _prepare(params, bound_self)
    if position is not None:
        index = position + sig.offset
        if index < len(sig.positional):
            return sig.positional[index]
        return sig.var_positional
    named = [p for p in sig.positional if p.kind == "positional_or_keyword"]
    found = next((p for p in (*named, *sig.keyword_only) if p.name == keyword), None)
    return found or sig.var_keyword
