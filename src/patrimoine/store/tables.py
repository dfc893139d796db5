"""The metadata store's tables (SQLAlchemy Core). Changes go through an Alembic migration in migrations/."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("namespace", String(64), nullable=False),
    Column("name", String(128), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("owner", String(256)),
    Column("steward", String(256)),
    Column("department", String(64), nullable=False),
    Column("licence", String(128)),
    Column("frequency", String(64)),
    Column("keywords", JSON, nullable=False, default=list),
    Column("temporal_start", String(10)),
    Column("temporal_end", String(10)),
    Column("spatial", Text),
    Column("source_name", Text),
    Column("source_sha256", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("row_count", BigInteger, nullable=False, default=0),
    Column("version", Integer, nullable=False, default=0),
    # The Iceberg metadata file this entry describes: a mismatch means an interrupted ingest to finish.
    Column("metadata_location", Text),
    UniqueConstraint("namespace", "name", name="uq_datasets_qualified_name"),
)

dataset_columns = Table(
    "dataset_columns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(128), nullable=False),
    Column("original_name", Text, nullable=False),
    Column("type", String(64), nullable=False),
    Column("description", Text),
    Column("profile", JSON),
    UniqueConstraint("dataset_id", "name", name="uq_dataset_columns_name"),
)

dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("snapshot_id", BigInteger, nullable=False),
    Column("operation", String(16), nullable=False),
    Column("committed_at", DateTime(timezone=True), nullable=False),
    Column("source_name", Text),
    Column("source_sha256", String(64)),
    Column("rows_added", BigInteger, nullable=False),
    Column("total_rows", BigInteger, nullable=False),
    UniqueConstraint("dataset_id", "version", name="uq_dataset_versions_version"),
    UniqueConstraint("dataset_id", "snapshot_id", name="uq_dataset_versions_snapshot"),
)
Index("ix_dataset_versions_sha", dataset_versions.c.dataset_id, dataset_versions.c.source_sha256)

# Search index: one row per (dataset, stemmed term) with its field-weighted frequency (BM25F),
# and one row per dataset with its weighted length. Written in the catalogue's own transactions.
search_postings = Table(
    "search_postings",
    metadata,
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    Column("term", String(128), primary_key=True),
    Column("weight", Float, nullable=False),
)
# Covering index: a term's postings are read without touching the table (3x faster on common words).
Index("ix_search_postings_term", search_postings.c.term, search_postings.c.dataset_id, search_postings.c.weight)

search_documents = Table(
    "search_documents",
    metadata,
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    Column("length", Float, nullable=False),
)
