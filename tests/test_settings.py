"""Settings resolution: CLI > CQ_* environment > config file > defaults."""

from __future__ import annotations

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
