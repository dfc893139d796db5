"""Versions: one snapshot per ingest, append, overwrite, schema evolution, time travel, no-op re-ingest."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from patrimoine import Conflict, NotFound, Platform


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_ingest_is_one_snapshot_and_versions_travel(platform: Platform, tmp_path: Path) -> None:
    v1 = platform.ingest(_csv(tmp_path, "a.csv", "code,n\n01,1\n02,2\n"), "insee.t")
    time.sleep(0.02)
    moment = datetime.now().astimezone()
    time.sleep(0.02)
    v2 = platform.ingest(_csv(tmp_path, "b.csv", "code,n\n03,3\n"), "insee.t")
    assert (v1.version, v1.status, v2.version, v2.status) == (1, "created", 2, "appended")
    assert v2.total_rows == 3
    table = platform.lake.require("insee", "t")
    assert len(table.snapshots()) == 2
    dataset = platform.dataset("insee.t")
    assert [v.version for v in dataset.versions] == [1, 2]
    assert [v.snapshot_id for v in dataset.versions] == [s.snapshot_id for s in table.snapshots()]
    assert dataset.row_count == 3 and dataset.versions[1].rows_added == 1
    assert platform.sql("SELECT count(*) FROM insee.t").rows == [(3,)]
    assert platform.sql("SELECT count(*) FROM insee.t", as_of=1).rows == [(2,)]
    assert platform.sql("SELECT count(*) FROM insee.t", as_of="2").rows == [(3,)]
    assert platform.sql("SELECT count(*) FROM insee.t", as_of=moment).rows == [(2,)]
    assert platform.sql("SELECT count(*) FROM insee.t", as_of=moment.isoformat()).rows == [(2,)]
    with pytest.raises(NotFound, match="no version 7"):
        platform.sql("SELECT * FROM insee.t", as_of=7)


def test_same_file_twice_is_a_noop(platform: Platform, tmp_path: Path) -> None:
    path = _csv(tmp_path, "a.csv", "code,n\n01,1\n")
    platform.ingest(path, "insee.t")
    again = platform.ingest(path, "insee.t")
    assert again.status == "unchanged" and "already ingested" in again.message
    assert len(platform.lake.require("insee", "t").snapshots()) == 1
    assert platform.dataset("insee.t").version == 1
    # the same file into another table is a real ingest
    assert platform.ingest(path, "insee.u").status == "created"


def test_overwrite_replaces_rows_and_schema(platform: Platform, tmp_path: Path) -> None:
    platform.ingest(_csv(tmp_path, "a.csv", "code,n,old\n01,1,x\n02,2,y\n"), "insee.t")
    platform.describe("insee.t", columns={"code": "Code INSEE"})
    result = platform.ingest(_csv(tmp_path, "b.csv", "code,n,new\n09,x,z\n"), "insee.t", mode="overwrite")
    assert result.status == "overwritten" and result.total_rows == 1
    dataset = platform.dataset("insee.t")
    assert [(c.name, c.type) for c in dataset.columns] == [("code", "VARCHAR"), ("n", "VARCHAR"), ("new", "VARCHAR")]
    assert dataset.columns[0].description == "Code INSEE"  # kept across versions
    assert platform.sql("SELECT * FROM insee.t").rows == [("09", "x", "z")]
    assert platform.sql("SELECT count(*) FROM insee.t", as_of=1).rows == [(2,)]


def test_append_adds_new_columns_and_widens_types(platform: Platform, tmp_path: Path) -> None:
    platform.ingest(_csv(tmp_path, "a.csv", "code,n,m\n01,1.5,1\n"), "insee.t")
    platform.ingest(_csv(tmp_path, "b.csv", "code,n,m,extra\n02,2,7,e\n"), "insee.t")
    types = {c.name: c.type for c in platform.dataset("insee.t").columns}
    # integers go into the double column; text into an integer column is refused (next test)
    assert types == {"code": "VARCHAR", "n": "DOUBLE", "m": "BIGINT", "extra": "VARCHAR"}
    rows = platform.sql("SELECT code, n, extra FROM insee.t ORDER BY code").rows
    assert rows == [("01", 1.5, None), ("02", 2.0, "e")]


def test_append_of_incompatible_type_is_refused_and_nothing_changes(platform: Platform, tmp_path: Path) -> None:
    platform.ingest(_csv(tmp_path, "a.csv", "code,n\n01,1\n"), "insee.t")
    with pytest.raises(Conflict, match="column n"):
        platform.ingest(_csv(tmp_path, "b.csv", "code,n\n02,abc\n"), "insee.t")
    assert len(platform.lake.require("insee", "t").snapshots()) == 1
    assert platform.sql("SELECT * FROM insee.t").rows == [("01", 1)]
