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
