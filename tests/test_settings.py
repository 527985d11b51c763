"""Settings resolution: CLI > CQ_* environment > config file > defaults."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cq.errors import ConfigError, ScopeError
from cq.settings import find_root, resolve_settings


@pytest.fixture
def root(make_repo) -> Path:
    return make_repo({"a.py": "x = 1\n"})


def test_defaults(root: Path) -> None:
    settings = resolve_settings({"root": str(root)}, env={"HOME": "/h"})
    assert settings.format == "md"
    assert settings.save_artifact is True
    assert settings.cache_dir == "/h/.cache/cq"
    assert settings.artifact_path == root.resolve() / ".cq" / "artifacts"


@pytest.mark.parametrize(
    ("cli", "env", "config", "expected"),
    [
        pytest.param({}, {}, "", "md", id="default"),
        pytest.param({}, {}, 'format = "json"', "json", id="config"),
        pytest.param({}, {"CQ_FORMAT": "summary"}, 'format = "json"', "summary", id="env>config"),
        pytest.param({"format": "md"}, {"CQ_FORMAT": "json"}, 'format = "json"', "md",
                     id="explicit-default-wins"),
    ],
)
def test_precedence(root: Path, cli, env, config, expected) -> None:
    (root / ".cq.toml").write_text(config + "\n")
    settings = resolve_settings({"root": str(root), **cli}, env=env)
    assert settings.format == expected


def test_pyproject_tool_table(root: Path) -> None:
    (root / "pyproject.toml").write_text('[tool.cq]\nsave-artifact = false\njobs = 3\n')
    settings = resolve_settings({"root": str(root)}, env={})
    assert settings.save_artifact is False
    assert settings.jobs == 3
    assert settings.config_file == str(root / "pyproject.toml")


def test_no_config_skips_files(root: Path) -> None:
    (root / ".cq.toml").write_text('format = "json"\n')
    settings = resolve_settings({"root": str(root), "no_config": True}, env={})
    assert settings.format == "md"
    assert settings.config_file is None


def test_explicit_config_file(root: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('format = "both"\n')
    settings = resolve_settings({"root": str(root), "config": str(other)}, env={})
    assert settings.format == "both"


@pytest.mark.parametrize(
    ("env", "field", "value"),
    [
        ({"CQ_CACHE_DIR": "/c"}, "cache_dir", "/c"),
        ({"CQ_DISKCACHE_DIR": "/d"}, "cache_dir", "/d"),
        ({"CQ_CACHE_QUERY_TTL": "60"}, "cache_query_ttl", 60.0),
        ({"CQ_DISKCACHE_QUERY_SHARDS": "4"}, "cache_query_shards", 4),
        ({"CQ_NO_CACHE": "1"}, "no_cache", True),
        ({"CQ_SAVE_ARTIFACT": "no"}, "save_artifact", False),
        ({"XDG_CACHE_HOME": "/x"}, "cache_dir", "/x/cq"),
    ],
)
def test_environment_spellings(root: Path, env, field, value) -> None:
    settings = resolve_settings({"root": str(root)}, env=env)
    assert getattr(settings, field) == value


@pytest.mark.parametrize(
    ("config", "env"),
    [
        ('colour = "red"\n', {}),
        ('format = "yaml"\n', {}),
        ("", {"CQ_JOBS": "many"}),
        ("", {"CQ_FORMAT": "xml"}),
        ("format = [\n", {}),
    ],
)
def test_bad_values_are_config_errors(root: Path, config, env) -> None:
    (root / ".cq.toml").write_text(config)
    with pytest.raises(ConfigError):
        resolve_settings({"root": str(root)}, env=env)


def test_root_must_be_a_directory(root: Path) -> None:
    with pytest.raises(ScopeError):
        resolve_settings({"root": str(root / "a.py")}, env={})
    with pytest.raises(ScopeError):
        resolve_settings({"root": str(root / "missing")}, env={})


def test_find_root_walks_up_to_git(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_root(deep) == tmp_path.resolve()
    assert resolve_settings({}, env={}, cwd=deep).root == str(tmp_path.resolve())


@pytest.mark.parametrize(
    ("cli", "fragment"),
    [
        ({"cache_query_ttl": -1.0}, "--cache-query-ttl"),
        ({"cache_query_ttl": float("nan")}, "--cache-query-ttl"),
        ({"cache_query_ttl": "inf"}, "--cache-query-ttl"),
        ({"cache_dir": ""}, "--cache-dir"),
        ({"artifact_dir": " "}, "--artifact-dir"),
        ({"cache_index_size": -1}, "--cache-index-size"),
        ({"cache_query_shards": -3}, "--cache-query-shards"),
        ({"format": "yaml"}, "--format"),
    ],
)
def test_cli_values_are_checked_like_every_layer(root: Path, cli, fragment) -> None:
    with pytest.raises(ConfigError, match=fragment):
        resolve_settings({"root": str(root), **cli}, env={})


@pytest.mark.parametrize("text", ["[tool]\ncq = 1\n", "[tool.cq]\n", "tool = 3\n"])
def test_pyproject_tool_cq_must_be_a_table(root: Path, text: str) -> None:
    (root / "pyproject.toml").write_text(text)
    if text == "[tool]\ncq = 1\n":
        with pytest.raises(ConfigError, match="must be a table"):
            resolve_settings({"root": str(root)}, env={})
    else:
        resolve_settings({"root": str(root)}, env={})  # an empty table or no table is fine


# -- numeric ranges: every numeric setting, every layer, through the CLI entry point -----------

# setting: (flag or None, environment variable, config key, what the refusal says it must be)
NUMERIC = {
    "cache_query_ttl": ("--cache-query-ttl", "CQ_CACHE_QUERY_TTL", "cache-query-ttl",
                        "a number of seconds in 0..31536000 (365 days)"),
    "cache_query_size": ("--cache-query-size", "CQ_CACHE_QUERY_SIZE", "cache-query-size",
                         "a whole number of bytes in 0..1099511627776 (1 TiB)"),
    "cache_index_size": ("--cache-index-size", "CQ_CACHE_INDEX_SIZE", "cache-index-size",
                         "a whole number of bytes in 0..1099511627776 (1 TiB)"),
    "cache_query_shards": ("--cache-query-shards", "CQ_CACHE_QUERY_SHARDS", "cache-query-shards",
                           "a whole number in 1..256"),
    "max_file_bytes": (None, "CQ_MAX_FILE_BYTES", "max-file-bytes",
                       "a whole number of bytes in 0..1073741824 (1 GiB)"),
    "jobs": (None, "CQ_JOBS", "jobs", "a whole number in 0..256"),
}
# the lowest and highest value each setting accepts, and the first one past the top
EDGES = {"cache_query_ttl": (0, 31536000), "cache_query_size": (0, 1 << 40),
         "cache_index_size": (0, 1 << 40), "cache_query_shards": (1, 256),
         "max_file_bytes": (0, 1 << 30), "jobs": (0, 256)}
# refused everywhere: 2**63 (sqlite's OverflowError before), 10**30, negative, past the top
OUT_OF_RANGE = ("9223372036854775808", "1" + "0" * 30, "-1")
# refused in text (flag, environment): not numbers, or not finite
NOT_NUMBERS = ("nan", "inf", "-inf", "1e400", "ten", "", "9" * 5000)


def _text_cases() -> list:
    cases = []
    for field, (flag, var, _, _) in NUMERIC.items():
        values = (*OUT_OF_RANGE, str(EDGES[field][1] + 1), *NOT_NUMBERS)
        if field != "cache_query_ttl":
            values += ("1.5",)
        if EDGES[field][0] == 1:
            values += ("0",)
        for value in values:
            cases.append(pytest.param(field, "env", var, value, id=f"{var}={value[:12]}"))
            if flag:
                cases.append(pytest.param(field, "flag", flag, value, id=f"{flag}={value[:12]}"))
    return cases


@pytest.fixture
def cli_repo(make_repo, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in (v for _, v, _, _ in NUMERIC.values()):
        monkeypatch.delenv(var, raising=False)
    return make_repo({"a.py": "def f():\n    return 1\n"})


def _one_error_line(code: int, out: str, err: str) -> str:
    assert (code, out) == (2, ""), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err.strip()


@pytest.mark.parametrize(("field", "layer", "name", "value"), _text_cases())
def test_numeric_text_out_of_range_exits_2_naming_source_value_and_range(
        cli_repo: Path, run_cli, monkeypatch, field: str, layer: str, name: str,
        value: str) -> None:
    args = ["q", "entity=function"]
    if layer == "flag":
        args += [f"{name}={value}"]
    else:
        monkeypatch.setenv(name, value)
    line = _one_error_line(*run_cli(cli_repo, *args))
    where = f"flag {name}" if layer == "flag" else f"environment variable {name}"
    assert line.startswith(f"cq: error: bad value for {where}: must be {NUMERIC[field][3]}, "
                           "got "), line
    assert len(line) < 300  # a huge value is shortened, not echoed whole


def _config_cases() -> list:
    cases = []
    for field, (_, _, key, must) in NUMERIC.items():
        for value in (*OUT_OF_RANGE, str(EDGES[field][1] + 1)):
            cases.append(pytest.param(key, value, f"must be {must}, got ", id=f"{key}={value}"))
        floats = ("nan", "inf", "-inf", "1e400")
        for value in floats:
            expected = (f"must be {must}, got " if field == "cache_query_ttl"
                        else "expected an integer, got a float")
            cases.append(pytest.param(key, value, expected, id=f"{key}={value}"))
    return cases


@pytest.mark.parametrize(("key", "value", "expected"), _config_cases())
def test_numeric_config_out_of_range_exits_2_naming_file_key_and_range(
        cli_repo: Path, run_cli, key: str, value: str, expected: str) -> None:
    config = cli_repo / ".cq.toml"
    config.write_text(f"{key} = {value}\n")
    line = _one_error_line(*run_cli(cli_repo, "q", "entity=function"))
    where = f"key {key} in config file {config.resolve()}"
    assert line.startswith(f"cq: error: bad value for {where}: {expected}"), line


def test_out_of_range_flag_of_a_macro_exits_2(cli_repo: Path, run_cli) -> None:
    line = _one_error_line(*run_cli(cli_repo, "hazards", "--cache-query-shards", "1000000000"))
    assert line == ("cq: error: bad value for flag --cache-query-shards: must be a whole "
                    "number in 1..256, got '1000000000'")


@pytest.mark.parametrize("field", list(NUMERIC))
@pytest.mark.parametrize("layer", ["cli", "env", "config"])
def test_numeric_edges_are_accepted_on_every_layer(root: Path, field: str, layer: str) -> None:
    _, var, key, _ = NUMERIC[field]
    for edge in EDGES[field]:
        cli: dict = {"root": str(root)}
        env: dict = {}
        if layer == "cli":
            cli[field] = str(edge)
        elif layer == "env":
            env[var] = str(edge)
        else:
            (root / ".cq.toml").write_text(f"{key} = {edge}\n")
        value = getattr(resolve_settings(cli, env=env), field)
        assert value == (edge or None if field == "cache_query_ttl" else edge)


# -- config files: undecodable, unparsable, wrong types ------------------------------------------


@pytest.mark.parametrize(("content", "expected"), [
    pytest.param(b'format = "\xff"\n', "is not UTF-8 text (byte 0xff at offset 10)",
                 id="not-utf8"),
    pytest.param(b"\xff\xfe", "is not UTF-8 text (byte 0xff at offset 0)", id="utf16-bom"),
    pytest.param(b"[tool.x\n", "is not valid TOML: Expected ']' at the end of a table "
                 "declaration (at line 1, column 8)", id="broken-table"),
    pytest.param(b"jobs = 1\njobs = 2\n", "is not valid TOML: Cannot overwrite a value "
                 "(at line 2, column 9)", id="duplicate-key"),
])
@pytest.mark.parametrize("how", ["dot", "explicit", "explicit-pyproject"])
def test_broken_config_file_exits_2_naming_the_file(cli_repo: Path, run_cli, tmp_path: Path,
                                                    content: bytes, expected: str,
                                                    how: str) -> None:
    if how == "dot":
        path, args = cli_repo / ".cq.toml", []
    else:
        name = "pyproject.toml" if how == "explicit-pyproject" else "other.toml"
        path = tmp_path / "elsewhere" / name
        path.parent.mkdir()
        args = ["--config", str(path)]
    path.write_bytes(content)
    line = _one_error_line(*run_cli(cli_repo, "q", "entity=function", *args))
    shown = path.resolve() if how == "dot" else path
    assert line == f"cq: error: config file {shown} {expected}"


@pytest.mark.parametrize(("text", "key", "expected", "got"), [
    ("cache-dir = {a = 1}", "cache-dir", "a string", "a table"),
    ("artifact-dir = [1, 2]", "artifact-dir", "a string", "an array"),
    ("format = 3", "format", "a string", "an integer"),
    ("format = 1979-05-27", "format", "a string", "a date"),
    ("save-artifact = \"yes\"", "save-artifact", "a boolean (true or false)", "a string"),
    ("no-cache = 1", "no-cache", "a boolean (true or false)", "an integer"),
    ("verbose = {}", "verbose", "a boolean (true or false)", "a table"),
    ("jobs = \"3\"", "jobs", "an integer", "a string"),
    ("jobs = true", "jobs", "an integer", "a boolean"),
    ("jobs = 2.0", "jobs", "an integer", "a float"),
    ("cache-query-shards = [4]", "cache-query-shards", "an integer", "an array"),
    ("cache-query-ttl = \"60\"", "cache-query-ttl", "a number", "a string"),
    ("cache-query-ttl = false", "cache-query-ttl", "a number", "a boolean"),
    ("cache-query-ttl = 07:32:00", "cache-query-ttl", "a number", "a time"),
])
def test_config_value_of_the_wrong_type_exits_2_naming_file_key_and_type(
        cli_repo: Path, run_cli, text: str, key: str, expected: str, got: str) -> None:
    config = cli_repo / ".cq.toml"
    config.write_text(text + "\n")
    line = _one_error_line(*run_cli(cli_repo, "q", "entity=function"))
    assert line == (f"cq: error: bad value for key {key} in config file {config.resolve()}: "
                    f"expected {expected}, got {got}")
    assert sorted(p.name for p in cli_repo.iterdir()) == [".cq.toml", "a.py"]  # nothing made


def test_tool_cq_in_a_valid_pyproject_is_checked_like_cq_toml(cli_repo: Path, run_cli) -> None:
    pyproject = cli_repo / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'x'\n[tool.cq]\ncache-dir = {a = 1}\n")
    line = _one_error_line(*run_cli(cli_repo, "q", "entity=function"))
    assert line == (f"cq: error: bad value for key cache-dir in config file "
                    f"{pyproject.resolve()}: expected a string, got a table")


@pytest.mark.parametrize(("content", "reason"), [
    pytest.param(b'[project]\nname = "\xe9t\xe9"\n', "is not UTF-8 text (byte 0xe9 at offset 18)",
                 id="latin-1"),
    pytest.param(b"[project\nname = 'x'\n", "is not valid TOML: Expected ']' at the end of a "
                 "table declaration (at line 1, column 9)", id="broken-toml"),
    pytest.param(b"[tool.cq]\nformat = 'json'\n[tool.cq]\n", "is not valid TOML: Cannot "
                 "declare ('tool', 'cq') twice (at line 3, column 9)", id="broken-tool-cq"),
])
@pytest.mark.parametrize("command", [["q", "entity=function"], ["hazards"], ["cache", "--stats"]])
def test_broken_pyproject_is_one_notice_then_the_defaults(cli_repo: Path, run_cli,
                                                          content: bytes, reason: str,
                                                          command: list[str]) -> None:
    pyproject = cli_repo / "pyproject.toml"
    pyproject.write_bytes(content)
    code, out, err = run_cli(cli_repo, *command)
    assert code == 0, err
    assert out.startswith("## cq ")  # the default format, not the json the file asks for
    assert err.splitlines() == [f"cq: ignoring {pyproject.resolve()}: it {reason}; "
                                "cq runs with its defaults"]


def test_broken_pyproject_is_not_read_when_cq_toml_exists(cli_repo: Path, run_cli) -> None:
    (cli_repo / "pyproject.toml").write_bytes(b"\xff[broken\n")
    (cli_repo / ".cq.toml").write_text('format = "summary"\n')
    code, out, err = run_cli(cli_repo, "q", "entity=function")
    assert (code, err) == (0, "")
    assert out.startswith("q: 1 definition")


def test_a_config_file_swapped_for_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    from conftest import finishes
    from cq.settings import _read_toml, _UnusableFile

    fifo = tmp_path / ".cq.toml"
    os.mkfifo(fifo)
    with pytest.raises(_UnusableFile, match="cannot be read"):
        finishes(lambda: _read_toml(fifo), fifo)


@pytest.mark.parametrize(
    ("cli", "env", "config", "expected"),
    [
        pytest.param({}, {}, "", ("test_*.py", "*_test.py", "conftest.py", "tests/**",
                                  "test/**"), id="default"),
        pytest.param({}, {}, 'test-paths = ["qa/**", "check_*.py"]\n', ("qa/**", "check_*.py"),
                     id="config-array"),
        pytest.param({}, {}, 'test-paths = "qa/**, check_*.py"\n', ("qa/**", "check_*.py"),
                     id="config-text"),
        pytest.param({}, {"CQ_TEST_PATHS": "qa/**"}, "", ("qa/**",), id="env"),
        pytest.param({"test_paths": "spec/**"}, {"CQ_TEST_PATHS": "qa/**"}, "", ("spec/**",),
                     id="cli>env"),
    ],
)
def test_test_paths_from_every_layer(root: Path, cli, env, config, expected) -> None:
    (root / ".cq.toml").write_text(config)
    settings = resolve_settings({"root": str(root), **cli}, env=env)
    assert settings.test_paths == expected


@pytest.mark.parametrize(
    ("config", "env", "fragment"),
    [
        ("test-paths = 3\n", {}, "expected a string or an array of strings, got an integer"),
        ('test-paths = ["a", 1]\n', {}, "array of glob patterns"),
        ('test-paths = ["a,b"]\n', {}, "array of glob patterns"),
        ("", {"CQ_TEST_PATHS": "tests/**,,x"}, "comma-separated glob patterns"),
        ("", {"CQ_TEST_PATHS": "/abs/**"}, "relative to the root"),
    ],
)
def test_bad_test_paths_are_config_errors(root: Path, config, env, fragment) -> None:
    (root / ".cq.toml").write_text(config)
    with pytest.raises(ConfigError) as info:
        resolve_settings({"root": str(root)}, env=env)
    assert fragment in info.value.one_line()
