"""The catalogue: datasets, their columns, versions and profiles, kept in the metadata store.

Every write here also updates the search index in the same transaction, so they never drift.
"""

from patrimoine.catalog.editing import EDITABLE, describe
from patrimoine.catalog.entries import exists, reindex, require_id
from patrimoine.catalog.names import parse_table_name
from patrimoine.catalog.reading import get_dataset, list_datasets, snapshot_of_version
from patrimoine.catalog.records import (
    ColumnRecord,
    IngestRecord,
    has_source,
    has_source_name,
    metadata_locations,
    record_ingest,
    recorded_snapshots,
)

__all__ = [
    "EDITABLE",
    "ColumnRecord",
    "IngestRecord",
    "describe",
    "exists",
    "get_dataset",
    "has_source",
    "has_source_name",
    "list_datasets",
    "metadata_locations",
    "parse_table_name",
    "record_ingest",
    "recorded_snapshots",
    "reindex",
    "require_id",
    "snapshot_of_version",
]
