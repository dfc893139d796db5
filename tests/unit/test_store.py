"""The store's migrations: HEAD is the latest revision, and migrating twice is harmless."""

from __future__ import annotations

import re

from sqlalchemy import inspect

from patrimoine.store import HEAD, MIGRATIONS, Store


def test_head_is_the_last_migration() -> None:
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revisions.add(re.search(r'^revision = "(\w+)"', source, re.M)[1])  # type: ignore[index]
        if down := re.search(r'^down_revision = "(\w+)"', source, re.M):
            parents.add(down[1])
    assert revisions - parents == {HEAD}


def test_migrate_creates_the_schema_once(database_url: str) -> None:
    store = Store(database_url)
    store.migrate()
    store.migrate()
    tables = set(inspect(store.engine).get_table_names())
    assert {"datasets", "dataset_columns", "dataset_versions", "search_postings", "alembic_version"} <= tables
    store.close()


def test_migrations_build_exactly_the_declared_tables(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from patrimoine.store.tables import metadata

    store = Store(database_url)
    store.migrate()
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_name": lambda name, kind, _: not (kind == "table" and name.startswith("iceberg_"))},
        )
        differences = [d for d in compare_metadata(context, metadata) if d[0] != "remove_table"]
    store.close()
    assert differences == []
