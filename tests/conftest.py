"""Shared fixtures: every store test runs on SQLite and on a real PostgreSQL 15.

`database_url` is parametrised `sqlite` / `postgresql`; the PostgreSQL server is started once per
session, and only when a `postgresql` test actually runs (or taken from PATRIMOINE_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from isolation import USER_ENV
from pgserver import (
    EXTERNAL_URL_ENV,
    PostgresServer,
    create_database,
    drop_database,
    find_bindir,
)


def pytest_configure(config: pytest.Config) -> None:
    # Registered here (not in pyproject) so `-m "not postgresql"` works under --strict-markers.
    config.addinivalue_line("markers", "postgresql: runs against the throwaway PostgreSQL server")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in USER_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """Superuser URL of the session's PostgreSQL server (started here, stopped at session end)."""
    external = os.environ.get(EXTERNAL_URL_ENV)
    if external:
        yield external
        return
    bindir = find_bindir()
    if bindir is None:
        msg = (
            "PostgreSQL binaries not found (install postgresql-15, or set "
            f"{EXTERNAL_URL_ENV}=postgresql+psycopg://user@host:port/postgres)"
        )
        # On CI a missing server is a broken setup, never a reason to quietly test less.
        if os.environ.get("CI") == "true":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    with PostgresServer(bindir) as server:
        yield server.admin_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for this test only: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/patrimoine.db"
        return
    # Requested by name, so the server starts only when a postgresql test runs.
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    url = create_database(admin_url)
    try:
        yield url
    finally:
        drop_database(admin_url, url)  # WITH (FORCE): also kills connections the test leaked


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The patrimoine home of this test (not created: patrimoine.open does that)."""
    return tmp_path / "home"


@pytest.fixture
def platform(home: Path, database_url: str) -> Iterator[Any]:
    """An open patrimoine platform on `home`, on each database backend."""
    import patrimoine  # here, so a broken package fails these tests rather than all collection

    p = patrimoine.open(home, database_url=database_url)
    try:
        yield p
    finally:
        p.close()
