"""The test harness itself: each backend of `database_url` answers, and databases are isolated."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pgserver import create_database, drop_database


def test_database_url_answers(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.postgresql
def test_databases_are_fresh_and_dropped(postgres_admin_url: str) -> None:
    url = create_database(postgres_admin_url)
    name = sa.make_url(url).database
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("create table t (x int)"))
    finally:
        engine.dispose()
    drop_database(postgres_admin_url, url)
    admin = sa.create_engine(postgres_admin_url)
    try:
        with admin.connect() as conn:
            left = conn.execute(sa.text("select count(*) from pg_database where datname = :n"), {"n": name})
            assert left.scalar_one() == 0
    finally:
        admin.dispose()
