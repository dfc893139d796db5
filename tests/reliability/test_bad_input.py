"""Bad input: a clear error, and nothing lost.

Every malformed file is refused with an InputError naming the file (and the line and column where
known); no snapshot is committed, the catalogue is unchanged, no file is left behind, and an existing
table still reads back as its previous version. Both a first ingest and an append are covered, on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    BAD,
    TABLE,
    V1_CSV,
    assert_precise,
    assert_unchanged,
    make_bad,
    state,
)

import patrimoine


@pytest.mark.parametrize("existing", [False, True], ids=["first_ingest", "append"])
def test_bad_input_is_refused_and_changes_nothing(
    existing: bool, platform: Any, tmp_path: Path, zip_bomb: Path, subtests: pytest.Subtests
) -> None:
    """One platform per backend and scenario, every malformed input in turn (subtests keep it fast)."""
    if existing:
        v1 = tmp_path / "v1.csv"
        v1.write_bytes(V1_CSV)
        assert platform.ingest(v1, TABLE).version == 1
    for name, case in BAD.items():
        with subtests.test(msg=name):
            folder = tmp_path / name
            folder.mkdir()
            path = make_bad(case, folder, zip_bomb)
            before = state(platform)
            with pytest.raises(patrimoine.PatrimoineError) as caught:
                platform.ingest(path, case.table, **{"mode": "append", **case.options})
            assert_precise(caught.value, case, path)
            assert_unchanged(platform, before, existing=existing)


def test_overwrite_with_bad_input_keeps_the_table(platform: Any, tmp_path: Path) -> None:
    """--mode overwrite replaces the rows only once the new file is read whole and committed."""
    v1 = tmp_path / "v1.csv"
    v1.write_bytes(V1_CSV)
    platform.ingest(v1, TABLE)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n7,q\n8,r,extra\n")
    before = state(platform)
    with pytest.raises(patrimoine.InputError, match=r"bad\.csv, line 3: expected 2 fields"):
        platform.ingest(bad, TABLE, mode="overwrite")
    assert_unchanged(platform, before, existing=True)


def test_a_good_ingest_still_works_after_refusals(platform: Any, tmp_path: Path) -> None:
    """Refusals leave no lock, no half-made table, no stale state: the same table can then be created."""
    for name in ("ragged_long_row", "header_only", "malformed_json", "duplicate_columns_parquet"):
        case = BAD[name]
        path = make_bad(case, tmp_path, tmp_path / "unused")
        with pytest.raises(patrimoine.InputError):
            platform.ingest(path, TABLE)
    good = tmp_path / "good.csv"
    good.write_bytes(V1_CSV)
    result = platform.ingest(good, TABLE)
    assert (result.status, result.version, result.rows) == ("created", 1, 2)
    assert platform.sql(f"SELECT a, b FROM {TABLE} ORDER BY a").rows == [(1, "x"), (2, "y")]


def test_a_fault_beyond_the_typing_sample_leaves_no_file_behind(platform: Any, tmp_path: Path) -> None:
    """A ragged row after the 50,000-row typing sample is met during the Parquet write, not before."""
    v1 = tmp_path / "v1.csv"
    v1.write_bytes(V1_CSV)
    platform.ingest(v1, TABLE)
    late = tmp_path / "late.csv"
    late.write_bytes(b"a,b\n" + b"1,x\n" * 60_000 + b"2,y,extra\n")
    before = state(platform)
    with pytest.raises(
        patrimoine.InputError, match=r"late\.csv, line 60002: expected 2 fields as in the header, found 3"
    ):
        platform.ingest(late, TABLE)
    assert_unchanged(platform, before, existing=True)
