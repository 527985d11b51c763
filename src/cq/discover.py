"""Discover: which files are in scope, with the stat stamps the index cache validates by.

Owns the walk of the root, ignore-file semantics (`.gitignore`, `.ignore`,
`<root>/.git/info/exclude`), the built-in skip list (hidden names, `__pycache__`,
`node_modules`, virtualenvs), the user's `in=` / `exclude=` / `globs=`, and the symlink
policy. Leaves to others: finding the root (settings), compiling rule lines into matchers,
stacking ignore files and their precedence (ignore), reading and parsing files (scan),
and deciding whether a stamp is still fresh (index cache).

Choices, like ripgrep's defaults unless said otherwise:

- Every `*.py` / `*.pyi` regular file not skipped below is in scope. Hidden names (a leading
  `.`) are skipped unless an ignore file explicitly re-includes them (`!.github/`, as in
  ripgrep); `.git`, `.tox`, `.nox`, `__pycache__`, `node_modules` and virtualenvs (a
  directory holding `pyvenv.cfg`, or a `venv`/`env`/`.venv` holding `bin/activate`) always.
- `.gitignore` files are honoured always, also outside a git repository (ripgrep needs a
  repo; users expect their ignore files to count wherever the tree came from). Only files at
  the root and below count, plus `<root>/.git/info/exclude`; nothing above the root.
  pathspec translates every rule that is not a plain name, path, `*suffix` or `prefix*`
  (it is imported only then: it costs 20-50 ms). The per-directory stacking and the
  matching are ours: a rule is matched against the entry itself, never an ancestor, while
  the walk prunes ignored directories; that is git's own algorithm, and the tests compare
  the result with `git ls-files` on fixed and on random trees.
- Precedence, highest first: the nearest `.ignore` with a matching rule, then the nearest
  `.gitignore`, then `info/exclude`. Inside one file the last matching rule wins and `!`
  re-includes. An ignored directory is pruned, so nothing below it can be re-included (git).
- `in=` is a filter over that same walk: ignore rules and filters still apply to the named
  paths and to the directories leading to them, so `in=` never adds a file a whole-root run
  would skip; an explicitly named file that is skipped is reported with its reason.
- `exclude=` entries are lines of a root `.gitignore` (`tests` excludes every directory or
  file named `tests`; `/tests`, `./tests` or `src/tests` are anchored at the root).
  `globs=` entries too, read like `rg -g`: a file must match one positive glob when any is
  given, a `!glob` match excludes (and prunes a directory). Unlike `rg -g`, globs filter and
  never re-include what the rules above skip.
- Symlinks are never followed out of the root. A symlinked directory inside the root is not
  followed either: its target is walked where it really lives, which also makes loops
  impossible. A symlinked file inside the root is listed under the link's path only when its
  target is not listed itself (nor by an earlier link), so each file appears once.
- Unreadable directories, broken links, loops, non-regular files (a FIFO named `x.py`)
  and names that are not UTF-8 are skipped, never raised; with `explain=True` each skip is
  reported once (a pruned directory as the directory).
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
from pathlib import Path

import msgspec

from cq.errors import ScopeError
from cq.ignore import (
    Filter,
    Layers,
    compile_filter,
    compiled,
    filter_line,
    ignore_reason,
    ignore_verdict,
    push_ignore_files,
    root_layers,
)


class FileRef(msgspec.Struct, frozen=True, array_like=True):
    """One in-scope file and the stamp (of the target, for a symlink) that validates it."""

    path: str  # root-relative POSIX path
    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int


class Scope(msgspec.Struct, frozen=True, kw_only=True):
    """The user's restriction of the walk (`in=`, `exclude=`, `globs=`)."""

    in_paths: tuple[str, ...] = ()  # root-relative dirs or files; empty = whole root
    exclude: tuple[str, ...] = ()  # gitignore lines matched against root-relative paths
    globs: tuple[str, ...] = ()  # gitignore-style globs; a leading `!` negates


class Excluded(msgspec.Struct, frozen=True, array_like=True):
    """A path the walk skipped and why (only collected when explaining)."""

    path: str
    reason: str


class Discovery(msgspec.Struct, frozen=True, kw_only=True):
    """The files in scope, sorted by path, and (when explaining) what was skipped."""

    files: tuple[FileRef, ...]
    excluded: tuple[Excluded, ...] = ()


PY_SUFFIXES = (".py", ".pyi")
# Skipped even when an ignore file re-includes them (which un-hides other hidden names).
SKIP_DIR_NAMES = frozenset({"__pycache__", "node_modules", ".git", ".tox", ".nox"})
VENV_NAMES = frozenset({"venv", "env", ".venv"})
VENV_SCRIPTS = ("bin/activate", "Scripts/activate")
_WHOLE_ROOT = frozenset({"", "."})


# ---------------------------------------------------------------- the user's filters


class _Filters(msgspec.Struct, frozen=True):
    """`exclude=` and `globs=` compiled, plus the `in=` paths as lookup sets."""

    exclude: Filter | None = None
    exclude_lines: tuple[str, ...] = ()  # as the user wrote them, for reasons
    globs: Filter | None = None
    wants_glob: bool = False  # some positive glob: a file must match one
    in_set: frozenset[str] = frozenset()  # empty: whole root
    in_ancestors: frozenset[str] = frozenset()  # directories leading to an in= path


def _exclude_line(real_root: str, entry: str) -> str:
    """A path-like entry becomes an anchored rule; anything else stays a gitignore line."""
    if os.path.isabs(entry):
        inner = _relative_to(os.path.realpath(entry), real_root)
        return "/" + inner if inner else entry
    if entry.startswith("./"):
        return "/" + entry[2:].lstrip("/")
    return entry


def _in_sets(in_paths: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    cleaned = {p.strip().removeprefix("./").strip("/") for p in in_paths}
    if not cleaned or cleaned & _WHOLE_ROOT:
        return frozenset(), frozenset()
    ancestors = {p.rsplit("/", n)[0] for p in cleaned for n in range(1, p.count("/") + 1)}
    return frozenset(cleaned), frozenset(ancestors)


def _make_filters(real_root: str, scope: Scope) -> _Filters:
    excl = tuple(_exclude_line(real_root, e.strip()) for e in scope.exclude if e.strip())
    globs = tuple(g.strip() for g in scope.globs if g.strip())
    in_set, in_ancestors = _in_sets(scope.in_paths)
    return _Filters(exclude=compiled("filter", excl, compile_filter),
                    exclude_lines=tuple(e.strip() for e in scope.exclude if e.strip()),
                    globs=compiled("filter", globs, compile_filter),
                    wants_glob=any(not g.startswith("!") for g in globs),
                    in_set=in_set, in_ancestors=in_ancestors)


def _filter_reason(filters: _Filters, rel: str, is_dir: bool) -> str | None:
    if filters.exclude is not None:
        line = filter_line(filters.exclude, rel, is_dir)
        if line >= 0 and filters.exclude.includes[line]:
            return f"exclude={filters.exclude_lines[line]}"
    if filters.globs is None:
        return None
    line = filter_line(filters.globs, rel, is_dir)
    if line >= 0 and not filters.globs.includes[line]:
        return f"globs={filters.globs.lines[line]}"
    if line < 0 and filters.wants_glob and not is_dir:
        return "globs (no positive glob matched)"
    return None


# ---------------------------------------------------------------- the walk


class _Walk:
    """What one walk accumulates; the only mutable state in this module."""

    __slots__ = ("excluded", "explain", "files", "filters", "links", "real_root")

    def __init__(self, real_root: str, filters: _Filters, explain: bool) -> None:
        self.real_root = real_root
        self.filters = filters
        self.explain = explain
        self.files: list[FileRef] = []
        self.links: list[tuple[str, str, os.stat_result]] = []  # (link, target, target stat)
        self.excluded: list[Excluded] = []

    def skip(self, rel: str, reason: str) -> None:
        if self.explain:
            self.excluded.append(Excluded(_printable(rel) or ".", reason))


def _printable(rel: str) -> str:
    """A name that is not UTF-8 arrives with surrogate escapes, which no encoder accepts."""
    if rel.isascii():
        return rel
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def _relative_to(real: str, real_root: str) -> str | None:
    """`real` relative to `real_root` as a POSIX path ("" for the root), None if outside."""
    if real == real_root:
        return ""
    head = real_root if real_root.endswith(os.sep) else real_root + os.sep
    if not real.startswith(head):
        return None
    return real[len(head):].replace(os.sep, "/")


def _stamp(rel: str, st: os.stat_result) -> FileRef:
    return FileRef(rel, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _list_dir(walk: _Walk, abs_dir: str, rel_dir: str) -> list[os.DirEntry[str]] | None:
    try:
        with os.scandir(abs_dir) as it:
            return list(it)
    except OSError:
        walk.skip(rel_dir, "unreadable directory")
        return None


def _is_virtualenv(abs_dir: str, name: str, names: set[str]) -> bool:
    if "pyvenv.cfg" in names:
        return True
    return name in VENV_NAMES and any(
        os.path.isfile(os.path.join(abs_dir, script)) for script in VENV_SCRIPTS)


def _walk_dir(walk: _Walk, abs_dir: str, rel_dir: str, layers: Layers, inside: bool) -> None:
    entries = _list_dir(walk, abs_dir, rel_dir)
    if entries is None:
        return
    names = {entry.name for entry in entries}
    if rel_dir and _is_virtualenv(abs_dir, rel_dir[rel_dir.rfind("/") + 1:], names):
        walk.skip(rel_dir, "virtualenv")
        return
    layers = push_ignore_files(layers, abs_dir, rel_dir, names)
    base = rel_dir + "/" if rel_dir else ""
    quiet = not walk.explain
    for entry in entries:
        name = entry.name
        # Fast path: unless explaining, a non-Python non-directory needs no further look
        # (a symlink to a directory is never followed, so it may be dropped here too).
        if quiet and not name.endswith(PY_SUFFIXES) and not entry.is_dir(follow_symlinks=False):
            continue
        _visit(walk, entry, base + name, layers, inside)


def _visit(walk: _Walk, entry: os.DirEntry[str], rel: str, layers: Layers, inside: bool) -> None:
    if not inside:  # only walking towards the in= paths
        if rel in walk.filters.in_set:
            inside = True
        elif rel not in walk.filters.in_ancestors:
            return
    if entry.name.startswith(".") and not _whitelisted(entry, rel, layers):
        walk.skip(rel, "hidden")
    elif entry.is_symlink():
        _visit_link(walk, entry, rel, layers)
    elif entry.is_dir(follow_symlinks=False):
        reason = _dir_reason(walk, entry.name, rel, layers)
        if reason:
            walk.skip(rel, reason)
        else:
            _walk_dir(walk, entry.path, rel, layers, inside)
    else:
        _visit_file(walk, entry, rel, layers)


def _whitelisted(entry: os.DirEntry[str], rel: str, layers: Layers) -> bool:
    """ripgrep: a hidden name that an ignore file explicitly re-includes (`!.github/`) is
    walked like any other."""
    return ignore_verdict(layers, rel, entry.is_dir(follow_symlinks=False))[0] is False


def _dir_reason(walk: _Walk, name: str, rel: str, layers: Layers) -> str | None:
    if name in SKIP_DIR_NAMES:
        return f"always skipped ({name})"
    return ignore_reason(layers, rel, True) or _filter_reason(walk.filters, rel, True)


def _file_reason(walk: _Walk, name: str, rel: str, layers: Layers) -> str | None:
    if not name.endswith(PY_SUFFIXES):
        return "not python"
    if rel != _printable(rel):  # cq's outputs are UTF-8: such a path could not be reported
        return "file name is not UTF-8"
    return ignore_reason(layers, rel, False) or _filter_reason(walk.filters, rel, False)


def _visit_file(walk: _Walk, entry: os.DirEntry[str], rel: str, layers: Layers) -> None:
    reason = _file_reason(walk, entry.name, rel, layers)
    if reason:
        walk.skip(rel, reason)
        return
    try:
        st = entry.stat()
    except OSError:  # vanished since the listing
        walk.skip(rel, "unreadable file")
        return
    if stat.S_ISREG(st.st_mode):  # a FIFO named x.py would hang the scanner
        walk.files.append(_stamp(rel, st))
    else:
        walk.skip(rel, "not a regular file")


def _resolve_link(walk: _Walk, path: str) -> tuple[str, os.stat_result] | str:
    """(target relative to the root, target stat), or the reason the link is unusable."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "broken symlink"
    except OSError as exc:
        return "symlink loop" if exc.errno == errno.ELOOP else "unreadable symlink"
    target = _relative_to(os.path.realpath(path), walk.real_root)
    if target is None:
        return "symlink outside root"
    return target, st


def _visit_link(walk: _Walk, entry: os.DirEntry[str], rel: str, layers: Layers) -> None:
    resolved = _resolve_link(walk, entry.path)
    if isinstance(resolved, str):
        walk.skip(rel, resolved)
        return
    target, st = resolved
    if stat.S_ISDIR(st.st_mode):
        walk.skip(rel, _dir_link_reason(rel, target))
        return
    reason = _file_reason(walk, entry.name, rel, layers)
    if reason is None and not stat.S_ISREG(st.st_mode):
        reason = "not a regular file"
    if reason:
        walk.skip(rel, reason)
    else:
        walk.links.append((rel, target, st))


def _dir_link_reason(rel: str, target: str) -> str:
    parent = posixpath.dirname(rel)
    # Nothing above a link's directory is followed into, so this is the only loop shape.
    if target == "" or parent == target or parent.startswith(target + "/"):
        return "symlink loop"
    return f"symlinked directory (walked as {target})"


def _settle_links(walk: _Walk) -> None:
    """List each linked file under its link unless its target (or an earlier link) is listed."""
    listed = {ref.path: ref.path for ref in walk.files}
    for rel, target, st in sorted(walk.links, key=lambda link: link[0]):
        if target in listed:
            walk.skip(rel, f"same file as {listed[target]}")
        else:
            listed[target] = rel
            walk.files.append(_stamp(rel, st))


# ---------------------------------------------------------------- public entry points


_WHOLE_SCOPE = Scope()  # frozen, so one shared default is safe


def discover_files(root: Path, scope: Scope = _WHOLE_SCOPE, *,
                   explain: bool = False) -> Discovery:
    """The in-scope Python files under `root`, sorted by path, with stat stamps."""
    root_str = os.fspath(root)
    if not os.path.isdir(root_str):
        raise ScopeError(f"root is not a directory: {root}")
    real_root = os.path.realpath(root_str)
    filters = _make_filters(real_root, scope)
    walk = _Walk(real_root, filters, explain)
    _walk_dir(walk, root_str, "", root_layers(root_str), inside=not filters.in_set)
    _settle_links(walk)
    files = tuple(sorted(walk.files, key=lambda ref: ref.path))
    excluded = tuple(sorted(walk.excluded, key=lambda item: item.path))
    return Discovery(files=files, excluded=excluded)


def check_in_path(root: Path, rel: str) -> str:
    """Normalise an `in=` value to a root-relative POSIX path ("." for the root itself).

    Symlinks are resolved, so the result names the real location the walk will reach.
    Raises ScopeError for a path outside the root, one that climbs out with `..`, or one
    that does not exist.
    """
    raw = rel.strip()
    real_root = os.path.realpath(root)
    if os.path.isabs(raw):
        candidate = raw
    else:
        norm = posixpath.normpath(raw.replace(os.sep, "/")) if raw else "."
        if norm == ".." or norm.startswith("../"):
            raise ScopeError(f"in={rel} climbs out of the root with '..'",
                             hint=f"give a path inside {root}")
        candidate = os.path.join(root, norm)
    inner = _relative_to(os.path.realpath(candidate), real_root)
    if inner is None:
        raise ScopeError(f"in={rel} is outside the root", hint=f"the root is {root}")
    if not os.path.exists(candidate):
        raise ScopeError(f"in={rel} does not exist", hint=f"paths are relative to {root}")
    return inner or "."
