"""The metadata store: one SQLAlchemy engine over SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from patrimoine.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0005"  # the latest revision in migrations/versions: a store at HEAD needs no Alembic run


def as_utc(value: datetime) -> datetime:
    """A stored date-time, zone-aware: SQLite returns naive values, which the store always writes in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Store:
    """Owns the engine; hands out transactions. Repositories are functions taking a Connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the latest Alembic revision (idempotent; cheap when already there)."""
        if self._revision() == HEAD:
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            url = self.engine.url.render_as_string(hide_password=True)
            raise ConfigError(f"cannot reach the metadata store {url}: {exc.orig}") from None

    def _revision(self) -> str | None:
        try:
            with self.engine.connect() as connection:
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError):
            return None

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: committed on success, rolled back on any exception (Ctrl-C included)."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def close(self) -> None:
        self.engine.dispose()
