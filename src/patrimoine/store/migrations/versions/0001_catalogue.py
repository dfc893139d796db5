"""Catalogue: datasets, columns, versions and the search index.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("namespace", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("owner", sa.String(256)),
        sa.Column("steward", sa.String(256)),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("licence", sa.String(128)),
        sa.Column("frequency", sa.String(64)),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("temporal_start", sa.String(10)),
        sa.Column("temporal_end", sa.String(10)),
        sa.Column("spatial", sa.Text),
        sa.Column("source_name", sa.Text),
        sa.Column("source_sha256", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_count", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("metadata_location", sa.Text),
        sa.UniqueConstraint("namespace", "name", name="uq_datasets_qualified_name"),
    )
    op.create_table(
        "dataset_columns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("original_name", sa.Text, nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("profile", sa.JSON),
        sa.UniqueConstraint("dataset_id", "name", name="uq_dataset_columns_name"),
    )
    op.create_table(
        "dataset_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("snapshot_id", sa.BigInteger, nullable=False),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_name", sa.Text),
        sa.Column("source_sha256", sa.String(64)),
        sa.Column("rows_added", sa.BigInteger, nullable=False),
        sa.Column("total_rows", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("dataset_id", "version", name="uq_dataset_versions_version"),
        sa.UniqueConstraint("dataset_id", "snapshot_id", name="uq_dataset_versions_snapshot"),
    )
    op.create_index("ix_dataset_versions_sha", "dataset_versions", ["dataset_id", "source_sha256"])
    op.create_table(
        "search_postings",
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("term", sa.String(128), primary_key=True),
        sa.Column("weight", sa.Float, nullable=False),
    )
    op.create_index("ix_search_postings_term", "search_postings", ["term", "dataset_id", "weight"])
    op.create_table(
        "search_documents",
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("length", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in ("search_documents", "search_postings", "dataset_versions", "dataset_columns", "datasets"):
        op.drop_table(table)
