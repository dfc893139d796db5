"""Interruption: an ingest stopped at any stage leaves the previous version intact and readable.

Before the Iceberg commit (the point of no return) nothing may remain: no snapshot, no catalogue
change, no file. After it, the new snapshot exists in the lake and the next start of the platform
(`patrimoine.open` + any command) records it, so that catalogue and lake agree again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from reliability_support import TABLE, V1_CSV, V1_ROWS, assert_agrees, assert_unchanged, state

import patrimoine
import patrimoine.catalog
import patrimoine.ingest
import patrimoine.ingest.recover  # imported now: it binds `record_snapshot` at import, before any patch here
import patrimoine.lake.readers.csv
from patrimoine.errors import NotFound
from patrimoine.lake.catalog import Lake, Write

V2_CSV = b"a,b\n3,z\n4,w\n5,v\n"  # same columns: an append
V2_CP1252 = b"a,b\n3,caf\xe9\n4,\x80\n5,v\n"  # read through a transcoded temporary copy


class Boom(RuntimeError):
    """An unexpected failure inside an ingest (a bug, a full disk, a lost connection)."""


def _raiser(error: type[BaseException]) -> Callable[..., Any]:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise error("injected")

    return fail


def _after(real: Callable[..., Any], error: type[BaseException]) -> Callable[..., Any]:
    """Do the real work, then fail: the stage's side effects exist when the interruption comes."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise error("injected")

    return fail


# Stages before the commit: (where, what to patch it with). Each is run with an exception and with Ctrl-C.
PRE_COMMIT: dict[str, Callable[[pytest.MonkeyPatch, type[BaseException]], None]] = {
    "reader_open": lambda mp, e: mp.setattr(patrimoine.lake.readers.csv, "safe_identifiers", _raiser(e)),
    "reader_sample": lambda mp, e: mp.setattr(patrimoine.ingest, "infer", _raiser(e)),
    "schema": lambda mp, e: mp.setattr(Lake, "begin_write", _raiser(e)),
    "parquet_write": lambda mp, e: mp.setattr(patrimoine.ingest, "_run_with_progress", _raiser(e)),
    "parquet_written": lambda mp, e: mp.setattr(
        patrimoine.ingest, "_run_with_progress", _after(patrimoine.ingest._run_with_progress, e)
    ),
    "before_commit": lambda mp, e: mp.setattr(Write, "commit", _raiser(e)),
}


@pytest.mark.parametrize("existing", [False, True], ids=["first_ingest", "append"])
def test_an_interruption_before_the_commit_leaves_nothing(
    existing: bool, platform: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, subtests: pytest.Subtests
) -> None:
    if existing:
        v1 = tmp_path / "v1.csv"
        v1.write_bytes(V1_CSV)
        platform.ingest(v1, TABLE)
    for stage, patch in PRE_COMMIT.items():
        for error in (Boom, KeyboardInterrupt):
            for encoding, content in (("utf-8", V2_CSV), ("cp1252", V2_CP1252)):
                with subtests.test(msg=f"{stage}-{error.__name__}-{encoding}"):
                    path = tmp_path / f"{stage}-{error.__name__}-{encoding}.csv"
                    path.write_bytes(content)
                    before = state(platform)
                    with monkeypatch.context() as mp:
                        patch(mp, error)
                        with pytest.raises(error, match="injected"):
                            platform.ingest(path, TABLE, encoding=encoding)
                    assert_unchanged(platform, before, existing=existing)
    # And the very same files still go in afterwards.
    result = platform.ingest(tmp_path / "before_commit-Boom-utf-8.csv", TABLE)
    assert result.version == (2 if existing else 1)
    assert_agrees(platform, TABLE)


# Stages after the commit: the snapshot exists; its catalogue record is missing until the next start.
POST_COMMIT: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "before_record": lambda mp: mp.setattr(patrimoine.ingest, "record_snapshot", _raiser(KeyboardInterrupt)),
    "profiling": lambda mp: mp.setattr(patrimoine.ingest, "profile_table", _raiser(Boom)),
    # The catalogue rows are written, then the transaction fails: all of them must be rolled back.
    "catalogue_transaction": lambda mp: mp.setattr(
        patrimoine.catalog, "record_ingest", _after(patrimoine.catalog.record_ingest, KeyboardInterrupt)
    ),
}


@contextmanager
def _reopened(platform: Any) -> Iterator[Any]:
    settings = platform.settings
    again = patrimoine.open(settings.home, database_url=settings.database_url)
    try:
        yield again
    finally:
        again.close()


def _interrupt_after_commit(platform: Any, path: Path, stage: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """Ingest with the stage failing; returns the number of snapshots the table has afterwards."""
    ns, name = TABLE.split(".")
    with monkeypatch.context() as mp:
        POST_COMMIT[stage](mp)
        with pytest.raises((KeyboardInterrupt, Boom)):
            platform.ingest(path, TABLE, title="Ventes", owner="dgfip@example.org")
    table = platform.lake.require(ns, name)  # committed: the point of no return was passed
    return len(table.snapshots())


@pytest.mark.parametrize("stage", list(POST_COMMIT))
def test_an_interruption_after_the_commit_is_recovered_at_the_next_start(
    stage: str, platform: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first ingest interrupted after its commit: the table exists in the lake, not in the catalogue.
    v1 = tmp_path / "v1.csv"
    v1.write_bytes(V1_CSV)
    assert _interrupt_after_commit(platform, v1, stage, monkeypatch) == 1
    assert all(d.qualified_name != TABLE for d in platform.datasets())  # this process already recovered once
    with pytest.raises(
        NotFound, match="no dataset ns.t in the catalogue"
    ):  # not classified yet: no policy decides it, no read
        platform.sql(f"SELECT a, b FROM {TABLE} ORDER BY a")
    with _reopened(platform) as again:
        assert again.sql(f"SELECT a, b FROM {TABLE} ORDER BY a").rows == V1_ROWS
        assert [d.qualified_name for d in again.datasets()] == [TABLE]  # datasets() runs the recovery
        dataset = assert_agrees(again, TABLE)
        assert (dataset.version, dataset.row_count) == (1, 2)
        assert dataset.versions[0].source_name == "v1.csv"

    # An append interrupted after its commit: version 1 still reads back, version 2 is recovered.
    v2 = tmp_path / "v2.csv"
    v2.write_bytes(V2_CSV)
    with _reopened(platform) as second:
        assert _interrupt_after_commit(second, v2, stage, monkeypatch) == 2
        assert second.sql(f"SELECT count(*) FROM {TABLE}", as_of=1).rows == [(2,)]
    with _reopened(platform) as again:
        dataset = assert_agrees(again, TABLE)
        assert (dataset.version, dataset.row_count) == (2, 5)
        assert [v.rows_added for v in dataset.versions] == [2, 3]
        assert again.sql(f"SELECT a, b FROM {TABLE} ORDER BY a", as_of=1).rows == V1_ROWS
        assert again.sql(f"SELECT count(*) FROM {TABLE}").rows == [(5,)]
        # The recovered record is a full one: the same file is recognised, a new one goes in as version 3.
        assert again.ingest(v2, TABLE).status == "unchanged"
        v3 = tmp_path / "v3.csv"
        v3.write_bytes(b"a,b\n6,u\n")
        assert again.ingest(v3, TABLE).version == 3
        assert_agrees(again, TABLE)


def test_recovery_keeps_what_the_interrupted_ingest_was_told(
    platform: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Original column names, title and owner of an ingest interrupted after its commit."""
    path = tmp_path / "ventes.csv"
    path.write_bytes("Code Commune,Valeur foncière\n01001,12\n".encode())
    _interrupt_after_commit(platform, path, "before_record", monkeypatch)
    with _reopened(platform) as again:
        dataset = again.dataset(TABLE)
        assert [c.name for c in dataset.columns] == ["code_commune", "valeur_fonciere"]
        assert dataset.versions[0].rows_added == 1
        assert [c.original_name for c in dataset.columns] == ["Code Commune", "Valeur foncière"]
        assert (dataset.title, dataset.owner) == ("Ventes", "dgfip@example.org")


def test_an_interruption_inside_the_commit_call_after_the_iceberg_commit(
    platform: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = tmp_path / "v1.csv"
    v1.write_bytes(V1_CSV)
    platform.ingest(v1, TABLE)
    v2 = tmp_path / "v2.csv"
    v2.write_bytes(V2_CSV)
    with monkeypatch.context() as mp:
        mp.setattr(Lake, "describe_snapshot", _raiser(KeyboardInterrupt))  # called by Write.commit once committed
        with pytest.raises(KeyboardInterrupt):
            platform.ingest(v2, TABLE)
    with _reopened(platform) as again:
        again.datasets()
        assert again.sql(f"SELECT count(*) FROM {TABLE}", as_of=1).rows == [(2,)]
        assert again.sql(f"SELECT count(*) FROM {TABLE}").rows == [(5,)]
        assert_agrees(again, TABLE)
