"""Settings: environment first, then patrimoine.toml, then defaults; secrets redacted."""

from __future__ import annotations

from pathlib import Path

import pytest

from patrimoine import ConfigError
from patrimoine.config import load_settings


def test_defaults_live_under_home(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={})
    assert settings.database_url == f"sqlite:///{tmp_path / 'patrimoine.db'}"
    assert settings.warehouse == tmp_path / "warehouse"


def test_file_then_environment(tmp_path: Path) -> None:
    (tmp_path / "patrimoine.toml").write_text(
        '[store]\ndatabase_url = "postgresql+psycopg://u:s3cret@127.0.0.1/db"\n[lake]\nwarehouse = "lake"\n'
        "[query]\nmax_rows = 10\n",
        encoding="utf-8",
    )
    settings = load_settings(tmp_path, env={})
    assert settings.warehouse == tmp_path / "lake" and settings.query.max_rows == 10
    assert "s3cret" not in settings.redacted_database_url()
    overridden = load_settings(tmp_path, env={"PATRIMOINE_WAREHOUSE": "/data/w", "PATRIMOINE_QUERY__MAX_ROWS": "5"})
    assert overridden.warehouse == Path("/data/w") and overridden.query.max_rows == 5


def test_bad_configuration_is_named(tmp_path: Path) -> None:
    (tmp_path / "patrimoine.toml").write_text("[store\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(tmp_path, env={})
    (tmp_path / "patrimoine.toml").write_text("[query]\nthreads = 'many'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="query.threads"):
        load_settings(tmp_path, env={})
