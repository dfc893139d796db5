"""Alembic environment: runs on the connection handed over by patrimoine.store.Store.migrate()."""

from __future__ import annotations

from alembic import context

from patrimoine.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    # pyiceberg's SqlCatalog owns its iceberg_* tables in the same database.
    include_name=lambda name, type_, parent: not (type_ == "table" and str(name).startswith("iceberg_")),
)
with context.begin_transaction():
    context.run_migrations()
