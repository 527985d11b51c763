"""Ignore rules: gitignore-style lines compiled into matchers, and which rule file decides.

Owns translating `.gitignore` / `.ignore` / `info/exclude` lines and the user's `exclude=` /
`globs=` lines into matchers (plain names, paths, `*suffix` and `prefix*` indexed by hand;
everything else translated by pathspec, imported lazily), caching the compiled result by
content, reading rule files, stacking them per directory, and matching one path against them.
Leaves to discover: the walk (which prunes ignored directories, so nothing below one is ever
asked about), the built-in skip list, `in=`, and turning a filter's match into a reason.

Precedence is decided here (`ignore_verdict`), highest first: the nearest `.ignore` with a
matching rule, then the nearest `.gitignore`, then `info/exclude`. Inside one file the last
matching line wins and `!` re-includes. A rule in an ignore file matches the entry itself,
never an ancestor; an `exclude=` / `globs=` rule matched on an ancestor covers what is below.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import msgspec

from cq.reading import read_source

# ---------------------------------------------------------------- compiled rule files


class _Rules(msgspec.Struct, frozen=True):
    """One ignore file, indexed so that a path costs a few hash and string lookups.

    Keys and match strings are the entry's name (rules without a slash match the name at any
    depth) or its path below the file's directory; a directory's carries a trailing "/".
    Each part yields the highest matching line number: the last matching line decides (git).
    """

    prefix: str  # root-relative directory with a trailing "/", "" at the root
    label: str  # the reason reported when a rule here ignores a path
    includes: tuple[bool, ...]  # by line number: the rule is un-negated (= "ignore it")
    exact: dict[str, int]  # literal names
    path_exact: dict[str, int]  # literal paths below the file's directory
    ends: tuple[tuple[str, int], ...]  # `*.ext` suffixes, highest line first
    ends_any: tuple[str, ...]  # the same suffixes, for one `endswith` that mostly says no
    starts: tuple[tuple[str, int], ...]  # `name*` prefixes, highest line first
    starts_any: tuple[str, ...]
    name_match: Callable[[str], re.Match[str] | None] | None  # other name globs, last first
    path_match: Callable[[str], re.Match[str] | None] | None  # rules with a slash, last first


class Filter(msgspec.Struct, frozen=True):
    """`exclude=` or `globs=`: whole-path rules, an ancestor's match covering what is below."""

    lines: tuple[str, ...]
    includes: tuple[bool, ...]
    match: Callable[[str], re.Match[str] | None]


_DIR_MARK = "(?P<ps_d>/)"  # how pathspec marks "this slash ends a directory"
_TAIL = "(?:(?P<ps_d>/)|$)"
_ANY_DIR = "^(?:.+/)?"  # pathspec's "at any depth"
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_GLOB_CHAR = re.compile(r"[*?\[\\]")
IGNORE_FILE_MAX = 1 << 26  # bytes; past this an "ignore file" is not one (git has no cap)
_COMPILED: dict[tuple[str, tuple[str, ...]], Any] = {}  # memoised by content: never stale


def _translate(line: str) -> tuple[str, bool] | None:
    """pathspec's (regex, un-negated) for one line; None for a blank, comment or invalid one."""
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern  # ~20-50 ms: lazily

    try:
        regex, include = GitIgnoreSpecPattern.pattern_to_regex(_below_only(line))
    except ValueError:  # git skips an invalid line too
        return None
    return (regex, include) if include is not None and isinstance(regex, str) else None


def _below_only(line: str) -> str:
    # pathspec reads `foo/**/` as `foo/`; git means directories below foo. As `foo/**` plus
    # the directory-only tail that _entry_regex adds back, it means the same as in git.
    return line.rstrip(" ")[:-1] if line.rstrip(" ").endswith("/**/") else line


def _entry_regex(regex: str, line: str, self_only: bool) -> str:
    """A translated rule rewritten for `match` at position 0 on one entry's string.

    With `self_only` (ignore files) a rule matches the entry itself, never an ancestor: the
    walk prunes ignored directories and git decides each entry by the last rule matching it.
    Without (`exclude=`, `globs=`) an ancestor's match also covers everything below.
    """
    end = "$" if self_only else ""
    if regex.endswith(_TAIL):
        regex = regex[: -len(_TAIL)] + ("/?$" if self_only else "(?:/|$)")
    elif regex.endswith(_DIR_MARK):
        regex = regex[: -len(_DIR_MARK)] + "/" + end
    elif regex.endswith("/"):  # `foo/**` is everything below foo, never foo itself (git)
        regex += "(?s:.+)/" + end if _below_only(line) != line else "(?s:.+)"
    regex = _NAMED_GROUP.sub("(?:", regex)  # group names must be unique in one alternation
    return regex[1:] if regex.startswith("^") else "(?s:.*?)" + regex


def _plain_rule(line: str) -> tuple[str, str, bool, bool] | None:
    """(kind, key, directory-only, un-negated) of a rule git reads literally: a plain name,
    `*suffix`, `prefix*` or a plain path. None for anything else, left to pathspec; most
    ignore files then never import pathspec at all."""
    body = line.rstrip(" ")
    if not body or body[0] == "#":
        return "skip", "", False, False
    include = body[0] != "!"
    body = body if include else body[1:]
    dir_only = body.endswith("/")
    core = body[:-1] if dir_only else body
    plain = core[1:] if core.startswith("/") else core  # a leading "/" only anchors
    if not plain or "//" in plain or plain[0] == "/" or plain[-1] == "/":
        return None
    globbed = _GLOB_CHAR.search(plain) is not None
    if "/" in core:  # anchored at the ignore file's directory
        return None if globbed else ("path_exact", plain, dir_only, include)
    if not globbed:
        return "exact", plain, dir_only, include
    if plain[0] == "*" and not _GLOB_CHAR.search(plain, 1):
        return "ends", plain[1:], dir_only, include
    if plain[-1] == "*" and not _GLOB_CHAR.search(plain[:-1]) and not dir_only:
        return "starts", plain[:-1], dir_only, include
    return None


def _pathspec_rule(line: str) -> tuple[str, str, bool, bool] | None:
    """(kind, regex, False, un-negated) of any other rule, as pathspec translates it."""
    translated = _translate(line)
    if translated is None:
        return None
    regex, include = translated
    has_slash = "/" in line.rstrip(" ").removeprefix("!").removesuffix("/")
    if has_slash or not (regex.startswith(_ANY_DIR) or regex == "."):
        return "path", _entry_regex(regex, line, True), False, include
    name_regex = "^" + regex[len(_ANY_DIR):] if regex != "." else regex
    return "name", _entry_regex(name_regex, line, True), False, include


def _index_rules(lines: tuple[str, ...]) -> dict[str, Any] | None:
    """The fields of a _Rules (all but prefix and label) for one ignore file's lines."""
    parts: dict[str, Any] = {"exact": {}, "path_exact": {}, "ends": [], "starts": [],
                             "name": [], "path": []}
    includes = [False] * len(lines)
    for index, line in enumerate(lines):
        rule = _plain_rule(line) or _pathspec_rule(line)
        if rule is not None and rule[0] != "skip":
            includes[index] = rule[3]
            _add_rule(parts, index, *rule[:3])
    if not any(parts.values()):
        return None
    ends, starts = tuple(reversed(parts["ends"])), tuple(reversed(parts["starts"]))
    return {"includes": tuple(includes), "exact": parts["exact"],
            "path_exact": parts["path_exact"],
            "ends": ends, "ends_any": tuple(key for key, _ in ends),
            "starts": starts, "starts_any": tuple(key for key, _ in starts),
            "name_match": _alternation(parts["name"]), "path_match": _alternation(parts["path"])}


def _add_rule(parts: dict[str, Any], index: int, kind: str, text: str, dir_only: bool) -> None:
    keys = (text + "/",) if dir_only else (text, text + "/")  # a directory's key ends in "/"
    if kind in ("exact", "path_exact"):
        parts[kind].update(dict.fromkeys(keys, index))
    elif kind == "ends":
        parts["ends"] += [(key, index) for key in keys]
    elif kind == "starts":
        parts["starts"].append((text, index))
    else:
        parts[kind].append(f"(?P<r{index}>{text})")


def _alternation(groups: list[str]) -> Callable[[str], re.Match[str] | None] | None:
    # Last rule first: `match` returns the first alternative that matches, the deciding rule.
    return re.compile("|".join(reversed(groups))).match if groups else None


def compiled(kind: str, lines: tuple[str, ...], build: Callable[[tuple[str, ...]], Any]) -> Any:
    key = (kind, lines)
    if key not in _COMPILED:
        if len(_COMPILED) > 512:
            _COMPILED.clear()
        _COMPILED[key] = build(lines)
    return _COMPILED[key]


def _read_text(path: str) -> str | None:
    """An ignore file's (or `.git` file's) text; None when unreadable, not a regular file
    (a FIFO would block discovery) or absurdly large."""
    try:
        return read_source(path, IGNORE_FILE_MAX).decode("utf-8-sig", "replace")  # as git
    except OSError:
        return None


def _read_rules(path: str, prefix: str, label: str) -> _Rules | None:
    """Compile one ignore file; an unreadable one counts as absent (ripgrep warns, goes on)."""
    text = _read_text(path)
    if text is None:
        return None
    fields = compiled("ignore", tuple(text.splitlines()), _index_rules)
    return _Rules(prefix, label, **fields) if fields else None


def _group_line(match: Callable[[str], re.Match[str] | None] | None, text: str,
                line: int = -1) -> int:
    """The higher of `line` and the line of the first alternative matching `text`."""
    found = match(text) if match is not None else None
    if found is None or not found.lastgroup:
        return line
    index = int(found.lastgroup[1:])
    return index if index > line else line


def _ignored(rules: _Rules, rel: str, is_dir: bool) -> bool | None:
    """True: ignored, False: re-included by a `!` rule, None: no rule here matches."""
    sub = rel[len(rules.prefix):] if rules.prefix else rel
    if is_dir:
        sub += "/"
    name = sub[sub.rfind("/", 0, -1) + 1:]
    line = rules.exact.get(name, -1)
    if rules.path_exact:
        line = max(line, rules.path_exact.get(sub, -1))
    if name.endswith(rules.ends_any):
        line = max(line, next(index for key, index in rules.ends if name.endswith(key)))
    if name.startswith(rules.starts_any):
        line = max(line, next(index for key, index in rules.starts if name.startswith(key)))
    if rules.name_match is not None:  # (inline: this runs for every path)
        line = _group_line(rules.name_match, name, line)
    if rules.path_match is not None:
        line = _group_line(rules.path_match, sub, line)
    return rules.includes[line] if line >= 0 else None


def compile_filter(lines: tuple[str, ...]) -> Filter | None:
    groups, includes = [], [False] * len(lines)
    for index, line in enumerate(lines):
        translated = _translate(line)
        if translated is not None:
            includes[index] = translated[1]
            groups.append(f"(?P<r{index}>{_entry_regex(translated[0], line, False)})")
    match = _alternation(groups)
    return Filter(lines, tuple(includes), match) if match else None


def filter_line(rules: Filter, rel: str, is_dir: bool) -> int:
    """The deciding line of `exclude=` / `globs=` for a path, -1 when none matches."""
    return _group_line(rules.match, rel + "/" if is_dir else rel)


# ---------------------------------------------------------------- ignore-file layers


class Layers(msgspec.Struct, frozen=True):
    """The ignore sources in force in one directory, each tuple nearest-first."""

    dot_ignore: tuple[_Rules, ...] = ()
    gitignore: tuple[_Rules, ...] = ()
    info_exclude: tuple[_Rules, ...] = ()
    active: bool = False  # any rules at all: most trees have none below the root

    def __post_init__(self) -> None:
        msgspec.structs.force_setattr(
            self, "active", bool(self.dot_ignore or self.gitignore or self.info_exclude))


def ignore_verdict(layers: Layers, rel: str, is_dir: bool) -> tuple[bool | None, str]:
    """(True: ignored / False: re-included / None: no rule matched, the deciding label)."""
    if not layers.active:
        return None, ""
    # ripgrep: the nearest .ignore with an opinion beats any .gitignore, which beats info/exclude
    for group in (layers.dot_ignore, layers.gitignore, layers.info_exclude):
        for rules in group:
            include = _ignored(rules, rel, is_dir)
            if include is not None:
                return include, rules.label
    return None, ""


def ignore_reason(layers: Layers, rel: str, is_dir: bool) -> str | None:
    include, label = ignore_verdict(layers, rel, is_dir)
    return label if include else None


def push_ignore_files(layers: Layers, abs_dir: str, rel_dir: str, names: set[str]) -> Layers:
    if ".ignore" not in names and ".gitignore" not in names:
        return layers
    prefix = rel_dir + "/" if rel_dir else ""
    dot = git = None
    if ".ignore" in names:
        dot = _read_rules(os.path.join(abs_dir, ".ignore"), prefix,
                          f"ignore file ({prefix}.ignore)")
    if ".gitignore" in names:
        git = _read_rules(os.path.join(abs_dir, ".gitignore"), prefix,
                          f"gitignore ({prefix}.gitignore)")
    return Layers(dot_ignore=(dot, *layers.dot_ignore) if dot else layers.dot_ignore,
                   gitignore=(git, *layers.gitignore) if git else layers.gitignore,
                   info_exclude=layers.info_exclude)


def _git_dir(root: str) -> str | None:
    """`<root>/.git`, or where a `.git` file (worktree, submodule) points."""
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    first = (_read_text(dot_git) or "").partition("\n")[0]
    if not first.startswith("gitdir:"):
        return None
    git_dir = os.path.join(root, first[len("gitdir:"):].strip())
    common = _read_text(os.path.join(git_dir, "commondir"))  # a worktree keeps info/ there
    return git_dir if common is None else os.path.join(git_dir, common.strip())


def root_layers(root: str) -> Layers:
    git_dir = _git_dir(root)
    if git_dir is None:
        return Layers()
    info = _read_rules(os.path.join(git_dir, "info", "exclude"), "", "info/exclude")
    return Layers(info_exclude=(info,) if info else ())
