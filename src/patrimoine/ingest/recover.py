"""Recovery: finish the catalogue record of snapshots committed by an ingest that was then interrupted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update

from patrimoine import catalog
from patrimoine.engine import ingest_connection
from patrimoine.ingest import record_snapshot
from patrimoine.lake.catalog import metadata_locations
from patrimoine.store.tables import datasets

if TYPE_CHECKING:
    from patrimoine.platform import Platform


def recover(platform: Platform) -> list[str]:
    """Record every lake snapshot the catalogue misses; returns the tables that were repaired."""
    lake_state = metadata_locations(platform.lake)
    with platform.store.read() as conn:
        known = catalog.metadata_locations(conn)
    stale = sorted(key for key, location in lake_state.items() if known.get(key) != location)
    if not stale:
        return []
    con = ingest_connection(platform.settings)
    try:
        for namespace, name in stale:
            table = platform.lake.require(namespace, name)
            with platform.store.read() as conn:
                recorded = catalog.recorded_snapshots(conn, namespace, name)
            for snap in table.snapshots():
                if snap.snapshot_id not in recorded:
                    snapshot = platform.lake.describe_snapshot(table, snap.snapshot_id)
                    record_snapshot(platform, con, namespace, name, snapshot)
            with platform.store.begin() as conn:
                conn.execute(
                    update(datasets)
                    .where(datasets.c.namespace == namespace, datasets.c.name == name)
                    .values(metadata_location=table.metadata_location)
                )
    finally:
        con.close()
    return [f"{ns}.{n}" for ns, n in stale]
