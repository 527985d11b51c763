"""Tests for cq.discover: ignore semantics (checked against git itself), the skip list,
scope filters, symlinks, unreadable directories, stat stamps and `in=` validation."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import finishes
from cq.discover import Discovery, FileRef, Scope, check_in_path, discover_files
from cq.errors import ScopeError

MakeRepo = Callable[[dict[str, str | bytes]], Path]


def paths(discovery: Discovery) -> list[str]:
    return [ref.path for ref in discovery.files]


def reasons(discovery: Discovery) -> dict[str, str]:
    return {item.path: item.reason for item in discovery.excluded}


# ---------------------------------------------------------------- which files, no scope

WHAT_IS_PYTHON = {"a.py": "", "b.pyi": "", "c.txt": "", "d.pyc": "", "e.pyw": "", "py": "",
                  "pkg/__init__.py": "", "pkg/deep/er/f.py": "", "pkg/data.json": ""}

SKIP_LIST = {"keep.py": "", ".hidden/x.py": "", ".x.py": "", "pkg/.cache/y.py": "",
             "__pycache__/x.py": "", "pkg/__pycache__/m.py": "", "node_modules/n.py": "",
             ".tox/t.py": "", ".nox/n.py": "", ".git/hooks/h.py": "", ".venv/lib/v.py": ""}

VENVS = {"venv/pyvenv.cfg": "", "venv/lib/site.py": "",
         "env/bin/activate": "", "env/lib/site.py": "",
         "tools/myenv/pyvenv.cfg": "", "tools/myenv/x.py": "",
         "win/venv/Scripts/activate": "", "win/venv/x.py": "",
         "app/env/config.py": "", "app/venv/settings.py": ""}

NESTED_GITIGNORE = {".gitignore": "*.gen.py\nbuild/\n/top.py\n", "top.py": "", "a.gen.py": "",
                    "build/b.py": "", "sub/top.py": "", "sub/build/c.py": "",
                    "sub/.gitignore": "!keep.gen.py\nlocal.py\n", "sub/keep.gen.py": "",
                    "sub/drop.gen.py": "", "sub/local.py": "", "local.py": "", "ok.py": ""}

DOUBLE_STAR = {".gitignore": "a/**/z.py\n**/gen/\nscratch.py/\n", "a/z.py": "", "a/b/c/z.py": "",
               "b/a/z.py": "", "x/gen/g.py": "", "gen/g.py": "", "a/scratch.py": "",
               "b/scratch.py/x.py": ""}

NO_REINCLUDE = {".gitignore": "build/\n!build/keep.py\nout/*\n!out/keep.py\n",
                "build/keep.py": "", "out/keep.py": "", "out/drop.py": "", "out/sub/x.py": ""}

DOT_IGNORE = {".gitignore": "x.py\n!y.py\n", ".ignore": "!x.py\ny.py\n", "x.py": "", "y.py": "",
              "sub/.gitignore": "z.py\n", "sub/z.py": "", ".ignore.extra": "",
              "deep/.ignore": "w.py\n", "deep/.gitignore": "!w.py\n", "deep/w.py": ""}

SHALLOW_IGNORE_WINS = {".ignore": "!z.py\n", "sub/.gitignore": "z.py\n", "sub/z.py": "",
                       "sub/q.py": ""}

INFO_EXCLUDE = {".git/info/exclude": "secret.py\n# comment\n", "secret.py": "",
                "sub/secret.py": "", "pub.py": "",
                "sub/.gitignore": "!secret.py\n"}

WORKTREE_GIT_FILE = {".git": "gitdir: gitmeta/worktrees/wt\n",
                     "gitmeta/worktrees/wt/commondir": "../..\n",
                     "gitmeta/info/exclude": "secret.py\n", "secret.py": "", "pub.py": ""}

UNHIDDEN = {".ignore": "!.github/\n!.git/\n!.tox/\n", ".github/tools/x.py": "",
            ".git/hooks/h.py": "", ".tox/t.py": "", ".other/o.py": "", "a.py": ""}

WHOLE_ROOT = [
    pytest.param(WHAT_IS_PYTHON, ["a.py", "b.pyi", "pkg/__init__.py", "pkg/deep/er/f.py"],
                 id="py-and-pyi-only"),
    pytest.param(SKIP_LIST, ["keep.py"], id="hidden-pycache-node-modules-tox"),
    pytest.param(VENVS, ["app/env/config.py", "app/venv/settings.py"], id="virtualenvs"),
    pytest.param(NESTED_GITIGNORE, ["local.py", "ok.py", "sub/keep.gen.py", "sub/top.py"],
                 id="nested-gitignore-negation-anchor-dir"),
    pytest.param(DOUBLE_STAR, ["a/scratch.py", "b/a/z.py"], id="double-star-and-dir-only"),
    pytest.param(NO_REINCLUDE, ["out/keep.py"], id="ignored-dir-cannot-be-reincluded"),
    pytest.param(DOT_IGNORE, ["x.py"], id="dot-ignore-beats-gitignore"),
    pytest.param(SHALLOW_IGNORE_WINS, ["sub/q.py", "sub/z.py"], id="shallow-ignore-beats-deep-git"),
    pytest.param(INFO_EXCLUDE, ["pub.py", "sub/secret.py"], id="info-exclude-lowest"),
    pytest.param(WORKTREE_GIT_FILE, ["pub.py"], id="info-exclude-via-git-file"),
    pytest.param(UNHIDDEN, [".github/tools/x.py", "a.py"], id="ignore-file-unhides"),
    pytest.param({"only.txt": ""}, [], id="no-python-files"),
]


@pytest.mark.parametrize(("files", "expected"), WHOLE_ROOT)
def test_whole_root(make_repo: MakeRepo, files: dict[str, str], expected: list[str]) -> None:
    assert paths(discover_files(make_repo(files))) == expected


# ---------------------------------------------------------------- in= / exclude= / globs=

LAYOUT = {".gitignore": "build/\n", "src/app/core.py": "", "src/app/core_test.py": "",
          "src/app/gen/api_pb2.py": "", "src/app/types.pyi": "", "tests/test_core.py": "",
          "tests/data/tests/x.py": "", "build/out.py": "", "setup.py": "", "README.md": ""}

ALL_LAYOUT = ["setup.py", "src/app/core.py", "src/app/core_test.py", "src/app/gen/api_pb2.py",
              "src/app/types.pyi", "tests/data/tests/x.py", "tests/test_core.py"]

SCOPES = [
    pytest.param(Scope(), ALL_LAYOUT, id="no-scope"),
    pytest.param(Scope(in_paths=(".",)), ALL_LAYOUT, id="in-dot-is-root"),
    pytest.param(Scope(in_paths=("src",)), ALL_LAYOUT[1:5], id="in-dir"),
    pytest.param(Scope(in_paths=("src/app/",)), ALL_LAYOUT[1:5], id="in-dir-trailing-slash"),
    pytest.param(Scope(in_paths=("src/app/core.py",)), ["src/app/core.py"], id="in-file"),
    pytest.param(Scope(in_paths=("src/app/gen", "tests")), ALL_LAYOUT[3:4] + ALL_LAYOUT[5:],
                 id="in-two-paths"),
    pytest.param(Scope(in_paths=("src", "src/app")), ALL_LAYOUT[1:5], id="in-overlapping"),
    pytest.param(Scope(in_paths=("build",)), [], id="in-ignored-dir-stays-ignored"),
    pytest.param(Scope(in_paths=("README.md",)), [], id="in-non-python-file"),
    pytest.param(Scope(exclude=("tests",)), ALL_LAYOUT[:5], id="exclude-name-any-depth"),
    pytest.param(Scope(exclude=("tests/",)), ALL_LAYOUT[:5], id="exclude-dir-slash"),
    pytest.param(Scope(exclude=("/tests",)), ALL_LAYOUT[:5], id="exclude-anchored"),
    pytest.param(Scope(exclude=("tests/data",)), ALL_LAYOUT[:5] + ALL_LAYOUT[6:],
                 id="exclude-nested-path"),
    pytest.param(Scope(exclude=("./tests/data/tests",)), ALL_LAYOUT[:5] + ALL_LAYOUT[6:],
                 id="exclude-dot-slash"),
    pytest.param(Scope(exclude=("*_pb2.py", "src/app/gen/*")), ALL_LAYOUT[:3] + ALL_LAYOUT[4:],
                 id="exclude-globs"),
    pytest.param(Scope(globs=("*.pyi",)), ["src/app/types.pyi"], id="globs-positive"),
    pytest.param(Scope(globs=("!tests/",)), ALL_LAYOUT[:5], id="globs-negated-dir"),
    pytest.param(Scope(globs=("!*_test.py", "!test_*.py")),
                 ALL_LAYOUT[:2] + ALL_LAYOUT[3:6], id="globs-negated-files"),
    pytest.param(Scope(globs=("src/**", "!src/app/gen/")),
                 ["src/app/core.py", "src/app/core_test.py", "src/app/types.pyi"],
                 id="globs-positive-then-negated"),
    pytest.param(Scope(globs=("build/*.py",)), [], id="globs-never-reinclude-ignored"),
    pytest.param(Scope(in_paths=("src",), exclude=("gen",), globs=("!*_test.py",)),
                 ["src/app/core.py", "src/app/types.pyi"], id="in-exclude-globs"),
]


@pytest.mark.parametrize(("scope", "expected"), SCOPES)
def test_scope(make_repo: MakeRepo, scope: Scope, expected: list[str]) -> None:
    assert paths(discover_files(make_repo(LAYOUT), scope)) == expected


def test_exclude_absolute_path_inside_root(make_repo: MakeRepo) -> None:
    root = make_repo(LAYOUT)
    scope = Scope(exclude=(str(root / "tests"),))
    assert paths(discover_files(root, scope)) == ALL_LAYOUT[:5]


# ---------------------------------------------------------------- explain reasons

EXPLAIN = [
    pytest.param(LAYOUT, Scope(), "build", "gitignore (.gitignore)", id="gitignore-root"),
    pytest.param(NESTED_GITIGNORE, Scope(), "sub/local.py", "gitignore (sub/.gitignore)",
                 id="gitignore-nested"),
    pytest.param(DOT_IGNORE, Scope(), "y.py", "ignore file (.ignore)", id="dot-ignore"),
    pytest.param(INFO_EXCLUDE, Scope(), "secret.py", "info/exclude", id="info-exclude"),
    pytest.param(SKIP_LIST, Scope(), ".hidden", "hidden", id="hidden-dir"),
    pytest.param(SKIP_LIST, Scope(), ".x.py", "hidden", id="hidden-file"),
    pytest.param(UNHIDDEN, Scope(), ".other", "hidden", id="hidden-not-reincluded"),
    pytest.param(UNHIDDEN, Scope(), ".git", "always skipped (.git)", id="git-dir-never-unhidden"),
    pytest.param(SKIP_LIST, Scope(), "node_modules", "always skipped (node_modules)",
                 id="node-modules"),
    pytest.param(SKIP_LIST, Scope(), "__pycache__", "always skipped (__pycache__)", id="pycache"),
    pytest.param(VENVS, Scope(), "venv", "virtualenv", id="venv-pyvenv-cfg"),
    pytest.param(VENVS, Scope(), "env", "virtualenv", id="env-bin-activate"),
    pytest.param(VENVS, Scope(), "tools/myenv", "virtualenv", id="any-dir-with-pyvenv-cfg"),
    pytest.param(LAYOUT, Scope(), "README.md", "not python", id="not-python"),
    pytest.param(LAYOUT, Scope(exclude=("gen", "tests/")), "tests", "exclude=tests/",
                 id="exclude-names-entry"),
    pytest.param(LAYOUT, Scope(globs=("!tests/",)), "tests", "globs=!tests/", id="globs-negated"),
    pytest.param(LAYOUT, Scope(globs=("*.pyi",)), "setup.py", "globs (no positive glob matched)",
                 id="globs-unmatched"),
    pytest.param(LAYOUT, Scope(in_paths=("build/out.py",)), "build", "gitignore (.gitignore)",
                 id="in-path-under-ignored-dir"),
    pytest.param(LAYOUT, Scope(in_paths=("README.md",)), "README.md", "not python",
                 id="in-explicit-file-skipped"),
]


@pytest.mark.parametrize(("files", "scope", "path", "reason"), EXPLAIN)
def test_explain_reason(make_repo: MakeRepo, files: dict[str, str], scope: Scope, path: str,
                        reason: str) -> None:
    assert reasons(discover_files(make_repo(files), scope, explain=True))[path] == reason


def test_explain_lists_pruned_dir_once_and_is_sorted(make_repo: MakeRepo) -> None:
    discovery = discover_files(make_repo(LAYOUT), explain=True)
    listed = [item.path for item in discovery.excluded]
    assert listed == sorted(listed)
    assert "build" in listed and not any(p.startswith("build/") for p in listed)


def test_explain_off_collects_nothing(make_repo: MakeRepo) -> None:
    assert discover_files(make_repo(LAYOUT)).excluded == ()


def test_in_paths_outside_scope_are_not_reported(make_repo: MakeRepo) -> None:
    discovery = discover_files(make_repo(LAYOUT), Scope(in_paths=("src",)), explain=True)
    assert not any(item.path.startswith(("tests", "setup")) for item in discovery.excluded)


# ---------------------------------------------------------------- symlinks

SYMLINKS = [
    pytest.param({"real.py": ""}, {"link.py": "../outside/o.py"}, ["real.py"],
                 {"link.py": "symlink outside root"}, id="file-outside-root"),
    pytest.param({"real.py": ""}, {"ext": "../outside"}, ["real.py"],
                 {"ext": "symlink outside root"}, id="dir-outside-root"),
    pytest.param({"pkg/a.py": ""}, {"pkg/up": ".."}, ["pkg/a.py"],
                 {"pkg/up": "symlink loop"}, id="dir-link-to-ancestor"),
    pytest.param({"pkg/a.py": ""}, {"pkg/self": "."}, ["pkg/a.py"],
                 {"pkg/self": "symlink loop"}, id="dir-link-to-itself"),
    pytest.param({"a.py": ""}, {"loop.py": "loop.py", "p.py": "q.py", "q.py": "p.py"}, ["a.py"],
                 {"loop.py": "symlink loop", "p.py": "symlink loop", "q.py": "symlink loop"},
                 id="file-link-loops"),
    pytest.param({"a.py": ""}, {"gone.py": "missing.py"}, ["a.py"],
                 {"gone.py": "broken symlink"}, id="broken"),
    pytest.param({"real/m.py": ""}, {"alias": "real"}, ["real/m.py"],
                 {"alias": "symlinked directory (walked as real)"}, id="dir-inside-root"),
    pytest.param({"real.py": ""}, {"alias.py": "real.py"}, ["real.py"],
                 {"alias.py": "same file as real.py"}, id="file-link-to-listed-file"),
    pytest.param({"scripts/tool": ""}, {"tool.py": "scripts/tool"}, ["tool.py"], {},
                 id="file-link-to-unlisted-target"),
    pytest.param({".gitignore": "vendor/\n", "vendor/v.py": ""},
                 {"b.py": "vendor/v.py", "a.py": "vendor/v.py"}, ["a.py"],
                 {"b.py": "same file as a.py"}, id="two-links-same-target-listed-once"),
    pytest.param({".gitignore": "*.gen.py\n", "real.py": ""}, {"x.gen.py": "real.py"}, ["real.py"],
                 {"x.gen.py": "gitignore (.gitignore)"}, id="link-name-obeys-ignore"),
]


@pytest.mark.parametrize(("files", "links", "expected", "why"), SYMLINKS)
def test_symlinks(tmp_path: Path, make_repo: MakeRepo, files: dict[str, str],
                  links: dict[str, str], expected: list[str], why: dict[str, str]) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "o.py").write_text("")
    root = make_repo(files)
    for link, target in links.items():
        os.symlink(target, root / link)
    discovery = discover_files(root, explain=True)
    assert paths(discovery) == expected
    assert why.items() <= reasons(discovery).items()


def test_symlinked_file_carries_target_stamp(make_repo: MakeRepo) -> None:
    root = make_repo({"scripts/tool": "print(1)\n"})
    os.symlink("scripts/tool", root / "tool.py")
    (ref,) = discover_files(root).files
    target = os.stat(root / "scripts" / "tool")
    assert (ref.size, ref.inode) == (target.st_size, target.st_ino)
    assert ref.mtime_ns == target.st_mtime_ns


def test_root_may_itself_be_a_symlink(tmp_path: Path, make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "", "inner.py": ""})
    os.symlink("a.py", root / "b.py")
    os.symlink(root, tmp_path / "alias")
    assert paths(discover_files(tmp_path / "alias")) == ["a.py", "inner.py"]


def test_fifo_named_py_is_not_listed(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": ""})
    os.mkfifo(root / "pipe.py")
    discovery = discover_files(root, explain=True)
    assert paths(discovery) == ["a.py"]
    assert reasons(discovery)["pipe.py"] == "not a regular file"


@pytest.mark.parametrize("fifo", [".gitignore", "pkg/.ignore", ".git", ".git/info/exclude"])
def test_a_fifo_ignore_file_counts_as_absent(make_repo: MakeRepo, fifo: str) -> None:
    root = make_repo({"a.py": "", "pkg/b.py": "", ".git/HEAD": ""})
    if fifo == ".git":
        shutil.rmtree(root / ".git")
    (root / fifo).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(root / fifo)
    discovery = finishes(lambda: discover_files(root), root / fifo)
    assert paths(discovery) == ["a.py", "pkg/b.py"]


def test_non_utf8_file_name_is_skipped_and_reported_printably(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": ""})
    (Path(os.fsdecode(os.fsencode(root) + b"/bad\xff.py"))).write_text("")
    discovery = discover_files(root, explain=True)
    assert paths(discovery) == ["a.py"]
    assert reasons(discovery)["bad\\xff.py"] == "file name is not UTF-8"


# ---------------------------------------------------------------- unreadable directories


@pytest.mark.parametrize("locked", ["secret", "pkg/inner", ""])
def test_unreadable_directory_is_skipped(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch,
                                         locked: str) -> None:
    root = make_repo({"a.py": "", "secret/s.py": "", "pkg/inner/i.py": "", "pkg/p.py": ""})
    real_scandir = os.scandir
    blocked = os.fspath(root / locked) if locked else os.fspath(root)

    def scandir(path: str) -> object:  # running as root ignores permission bits: simulate
        if os.fspath(path).rstrip("/") == blocked.rstrip("/"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    discovery = discover_files(root, explain=True)
    assert reasons(discovery)[locked or "."] == "unreadable directory"
    assert not any(p.startswith(locked) for p in paths(discovery)) if locked else True


# ---------------------------------------------------------------- stamps and order


def test_stamps_match_os_stat(make_repo: MakeRepo) -> None:
    root = make_repo({"b.py": "x = 1\n", "a/c.py": "", "a.py": "y = 22\n", "a_b.py": ""})
    files = discover_files(root).files
    assert [ref.path for ref in files] == ["a.py", "a/c.py", "a_b.py", "b.py"]
    for ref in files:
        st = os.stat(root / ref.path)
        assert ref == FileRef(ref.path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def test_root_that_is_not_a_directory(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": ""})
    with pytest.raises(ScopeError):
        discover_files(root / "a.py")


# ---------------------------------------------------------------- check_in_path

IN_OK = [
    pytest.param("pkg", "pkg", id="dir"),
    pytest.param("pkg/", "pkg", id="trailing-slash"),
    pytest.param("./pkg/a.py", "pkg/a.py", id="dot-slash-file"),
    pytest.param("pkg/../other", "other", id="dotdot-inside"),
    pytest.param("", ".", id="empty-is-root"),
    pytest.param(".", ".", id="dot-is-root"),
    pytest.param("alias", "pkg", id="symlink-resolved"),
]


@pytest.mark.parametrize(("value", "expected"), IN_OK)
def test_check_in_path_ok(make_repo: MakeRepo, value: str, expected: str) -> None:
    root = make_repo({"pkg/a.py": "", "other/b.py": ""})
    os.symlink("pkg", root / "alias")
    assert check_in_path(root, value) == expected


def test_check_in_path_absolute_inside(make_repo: MakeRepo) -> None:
    root = make_repo({"pkg/a.py": ""})
    assert check_in_path(root, str(root / "pkg")) == "pkg"


IN_BAD = [
    pytest.param("/", "outside the root", id="absolute-outside"),
    pytest.param("..", "'..'", id="dotdot"),
    pytest.param("../repo/pkg", "'..'", id="dotdot-back-in"),
    pytest.param("pkg/../../x", "'..'", id="dotdot-deep"),
    pytest.param("nope", "does not exist", id="missing"),
    pytest.param("pkg/nope.py", "does not exist", id="missing-file"),
    pytest.param("out", "outside the root", id="symlink-outside"),
]


@pytest.mark.parametrize(("value", "message"), IN_BAD)
def test_check_in_path_errors(tmp_path: Path, make_repo: MakeRepo, value: str,
                              message: str) -> None:
    root = make_repo({"pkg/a.py": ""})
    os.symlink(tmp_path, root / "out")
    with pytest.raises(ScopeError, match=message) as info:
        check_in_path(root, value)
    assert info.value.exit_code == 2


# ---------------------------------------------------------------- agreement with git itself

GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git_listed(root: Path, info_exclude: str = "") -> list[str]:
    """What `git ls-files` keeps: its own reading of the same ignore files."""
    subprocess.run(["git", "init", "-q"], cwd=root, env=GIT_ENV, check=True)
    if info_exclude:
        (root / ".git" / "info" / "exclude").write_text(info_exclude)
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=root, env=GIT_ENV, check=True, capture_output=True, text=True)
    return sorted(p for p in out.stdout.split("\0") if p.endswith((".py", ".pyi")))


PYTHON_TEMPLATE = {
    ".gitignore": "__pycache__/\n*.py[cod]\n*$py.class\nbuild/\n*.egg-info/\n.coverage.*\n"
                  "local_settings.py\ndocs/_build/\n**/generated/**\n!keep_generated.py\n"
                  "gen*\n*_pb2.py\n!important_pb2.py\n/site\nENV/\n",
    "pkg/local_settings.py": "", "docs/_build/a.py": "", "a/docs/_build/b.py": "",
    "x/generated/y/z.py": "", "x/generated/keep_generated.py": "", "genx.py": "",
    "sub/gen/a.py": "", "api_pb2.py": "", "important_pb2.py": "", "site/a.py": "",
    "sub/site/a.py": "", "ENV/a.py": "", "env/a.py": "", "mod.egg-info/a.py": "",
    "x$py.class.py": "", "ok.pyi": "", "deep/er/ok.py": ""}

GIT_CASES = [
    pytest.param(PYTHON_TEMPLATE, "", id="python-template"),
    pytest.param({".gitignore": "**\n!**/\n!*.py\n*_x.py\n", "a.py": "", "b/c.py": "",
                  "b/d_x.py": "", "e.pyi": ""}, "", id="double-star-alone"),
    pytest.param(NESTED_GITIGNORE, "", id="nested"),
    pytest.param(DOUBLE_STAR, "", id="double-star"),
    pytest.param(NO_REINCLUDE, "", id="no-reinclude"),
    pytest.param(LAYOUT, "tests/data/\n", id="info-exclude"),
    pytest.param({".gitignore": "*\n!*/\n!*.py\n", "a.py": "", "d/b.py": "", "d/c.pyi": ""},
                 "", id="ignore-all-but-py"),
    pytest.param({".gitignore": "/*\n!/src/\n", "a.py": "", "src/b.py": "", "src/c/d.py": ""},
                 "", id="whitelist-src"),
    pytest.param({".gitignore": "x.py \n\\#h.py\n\\!b.py\n", "x.py": "", "#h.py": "",
                  "!b.py": "", "c.py": ""}, "", id="escapes-and-trailing-space"),
    pytest.param({"a/.gitignore": "/b/\n", "a/b/x.py": "", "b/x.py": "", "a/c/b/x.py": ""},
                 "", id="anchored-in-nested-file"),
    pytest.param({".gitignore": "a/b\n", "a/b/x.py": "", "c/a/b/x.py": "", "a/bb.py": ""},
                 "", id="middle-slash-anchors"),
]


@needs_git
@pytest.mark.parametrize(("files", "info_exclude"), GIT_CASES)
def test_agrees_with_git(make_repo: MakeRepo, files: dict[str, str], info_exclude: str) -> None:
    root = make_repo(files)
    expected = git_listed(root, info_exclude)
    assert paths(discover_files(root)) == expected


DIRS = ["", "a/", "a/b/", "b/", "build/", "a/build/", "build/b/"]
NAMES = ["x.py", "keep.py", "y.pyi"]
PATTERNS = ["*.py", "!*.py", "x.py", "!x.py", "/x.py", "keep.py", "!keep.py", "build/",
            "build", "!build/", "build/*", "!build/keep.py", "a/", "/a/", "b/", "a/**/x.py",
            "**/b", "b/*.py", "*.pyi", "!a/b/", "a/b", "/build/*", "# c", "x.py/", "*", "!*/",
            "!b/**", "**/build/**", "a/*/", "!/a/b/keep.py", "?.py", "[kx]*.py"]


@needs_git
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(files=st.sets(st.sampled_from([d + n for d in DIRS for n in NAMES]), min_size=1),
       ignores=st.dictionaries(st.sampled_from(DIRS[:5]),
                               st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=5),
                               max_size=3))
def test_agrees_with_git_on_random_trees(files: set[str], ignores: dict[str, list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel in files:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text("")
        for where, lines in ignores.items():
            (root / where).mkdir(parents=True, exist_ok=True)
            (root / where / ".gitignore").write_text("\n".join(lines) + "\n")
        assert paths(discover_files(root)) == git_listed(root)
