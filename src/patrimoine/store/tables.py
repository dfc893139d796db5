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

# --- Understanding the data (migration 0002): labels, sensitivity, referentials, glossary ---------------------------

# A label on a column: detected at ingest (status suggested) or added by a steward; a steward's decision
# (confirmed / rejected) is kept across ingests, with who and when.
column_labels = Table(
    "column_labels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("column_name", String(128), nullable=False),
    Column("label", String(64), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("examples", JSON, nullable=False),
    Column("origin", String(16), nullable=False),  # detected | steward
    Column("status", String(16), nullable=False),  # suggested | confirmed | rejected
    Column("decided_by", String(256)),
    Column("decided_at", DateTime(timezone=True)),
    Column("comment", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("dataset_id", "column_name", "label", name="uq_column_labels"),
)

# Legal regimes declared by an owner on a table (RGPD, secret fiscal, ...), and steward-set levels that
# override the derived one for a column (column_name set) or a table (column_name NULL).
legal_regimes = Table(
    "legal_regimes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("regime", String(64), nullable=False),
    Column("declared_by", String(256), nullable=False),
    Column("declared_at", DateTime(timezone=True), nullable=False),
    Column("comment", Text),
    UniqueConstraint("dataset_id", "regime", name="uq_legal_regimes"),
)

sensitivity_decisions = Table(
    "sensitivity_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("column_name", String(128)),
    Column("level", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_by", String(256), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("dataset_id", "column_name", name="uq_sensitivity_decisions"),
)

# Versioned referentials (master data) loaded as lake tables in the `referentiel` namespace.
referentials = Table(
    "referentials",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False),  # cog_communes, naf_rev2, nc8, ...
    Column("version", String(32), nullable=False),  # 2026, rev2, 2025
    Column("kind", String(64), nullable=False),  # the code type it defines: cog_commune, naf, nc8, ...
    Column("table_name", String(256), nullable=False),  # referentiel.xxx
    Column("code_column", String(128), nullable=False),
    Column("label_column", String(128)),
    Column("title", Text, nullable=False),
    Column("source", Text),
    Column("licence", Text),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("name", "version", name="uq_referentials"),
)

referential_matches = Table(
    "referential_matches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("column_name", String(128), nullable=False),
    Column("referential_id", Integer, ForeignKey("referentials.id", ondelete="CASCADE"), nullable=False),
    Column("matched", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("details", JSON, nullable=False),  # e.g. codes of merged communes and their successors
    Column("computed_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("dataset_id", "column_name", "referential_id", name="uq_referential_matches"),
)

glossary_terms = Table(
    "glossary_terms",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(128), nullable=False, unique=True),
    Column("label", Text, nullable=False),
    Column("definition", Text, nullable=False),
    Column("synonyms", JSON, nullable=False),
    Column("acronyms", JSON, nullable=False),
    Column("parent_id", Integer, ForeignKey("glossary_terms.id", ondelete="SET NULL")),
    Column("owner", String(256)),
    Column("status", String(16), nullable=False),  # draft | approved
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

term_links = Table(
    "term_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("term_id", Integer, ForeignKey("glossary_terms.id", ondelete="CASCADE"), nullable=False),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("column_name", String(128), nullable=False),
    Column("origin", String(16), nullable=False),  # suggested | steward
    Column("status", String(16), nullable=False),  # suggested | accepted | rejected
    Column("reason", Text),
    Column("decided_by", String(256)),
    Column("decided_at", DateTime(timezone=True)),
    UniqueConstraint("term_id", "dataset_id", "column_name", name="uq_term_links"),
)

# --- Audit log (migration 0003): append-only, each record chained to the previous one by its hash ---------------

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("action", String(64), nullable=False),  # sql.read, ingest, describe, label.review, ...
    Column("target", Text, nullable=False),  # what it was done to: a table, a column
    Column("decision", String(16), nullable=False),  # allowed | refused
    Column("reasons", JSON, nullable=False),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_log_target", audit_log.c.target)

# The chain's head, one row: updating it serialises appenders, and it reveals records cut off the end.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# --- People (migration 0004): users with a department and a clearance, their roles and groups ------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(256), nullable=False, unique=True),
    Column("name", Text),
    Column("department", String(64)),
    Column("clearance", String(32), nullable=False),  # a level of the sensitivity scale
    Column("created_at", DateTime(timezone=True), nullable=False),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(32), primary_key=True),
    Column("granted_by", String(256), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_name", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

# Users' attributes for row filters (migration 0005): e.g. departements = 75, 92 (one row per value)
user_attributes = Table(
    "user_attributes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("value", String(256), primary_key=True),
)

# --- Access policy (migration 0005): versioned policy documents, grants, requests, notifications, zones --------------

policies = Table(
    "policies",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("document", JSON, nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_by", String(256), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

grants = Table(
    "grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subject_kind", String(8), nullable=False),  # user | group
    Column("subject", String(256), nullable=False),
    Column("table_name", String(512), nullable=False),  # namespace.table
    Column("columns", JSON),  # null: the whole table
    Column("purpose", Text, nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("granted_by", String(256), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("revoked_by", String(256)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("request_id", Integer),
)
Index("ix_grants_table", grants.c.table_name)

access_requests = Table(
    "access_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("requester", String(256), nullable=False),
    Column("table_name", String(512), nullable=False),
    Column("columns", JSON),
    Column("purpose", Text, nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("days", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # pending | approved | refused | withdrawn
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(256)),
    Column("decided_at", DateTime(timezone=True)),
    Column("comment", Text),
    Column("grant_id", Integer),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recipient", String(256), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("read_at", DateTime(timezone=True)),
)
Index("ix_notifications_recipient", notifications.c.recipient)

# Where each table is hosted: a zone of the hosting rule file (absent: the rule file's default zone)
dataset_zones = Table(
    "dataset_zones",
    metadata,
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    Column("zone", String(64), nullable=False),
    Column("set_by", String(256), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)
