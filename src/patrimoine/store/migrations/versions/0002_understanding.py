"""Understanding the data: column labels, legal regimes, sensitivity decisions, referentials, glossary.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "column_labels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("column_name", sa.String(128), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("examples", sa.JSON, nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(256)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("comment", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dataset_id", "column_name", "label", name="uq_column_labels"),
    )
    op.create_table(
        "legal_regimes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("regime", sa.String(64), nullable=False),
        sa.Column("declared_by", sa.String(256), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text),
        sa.UniqueConstraint("dataset_id", "regime", name="uq_legal_regimes"),
    )
    op.create_table(
        "sensitivity_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("column_name", sa.String(128)),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(256), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dataset_id", "column_name", name="uq_sensitivity_decisions"),
    )
    op.create_table(
        "referentials",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("table_name", sa.String(256), nullable=False),
        sa.Column("code_column", sa.String(128), nullable=False),
        sa.Column("label_column", sa.String(128)),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("licence", sa.Text),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name", "version", name="uq_referentials"),
    )
    op.create_table(
        "referential_matches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("column_name", sa.String(128), nullable=False),
        sa.Column("referential_id", sa.Integer, sa.ForeignKey("referentials.id", ondelete="CASCADE"), nullable=False),
        sa.Column("matched", sa.BigInteger, nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dataset_id", "column_name", "referential_id", name="uq_referential_matches"),
    )
    op.create_table(
        "glossary_terms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(128), nullable=False, unique=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("synonyms", sa.JSON, nullable=False),
        sa.Column("acronyms", sa.JSON, nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("glossary_terms.id", ondelete="SET NULL")),
        sa.Column("owner", sa.String(256)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "term_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("term_id", sa.Integer, sa.ForeignKey("glossary_terms.id", ondelete="CASCADE"), nullable=False),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("column_name", sa.String(128), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("decided_by", sa.String(256)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("term_id", "dataset_id", "column_name", name="uq_term_links"),
    )


def downgrade() -> None:
    for table in (
        "term_links",
        "glossary_terms",
        "referential_matches",
        "referentials",
        "sensitivity_decisions",
        "legal_regimes",
        "column_labels",
    ):
        op.drop_table(table)
