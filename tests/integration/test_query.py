"""Read-only SQL over the lake: results, formats, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from patrimoine import InputError, Platform


@pytest.fixture
def lake(platform: Platform, tmp_path: Path) -> Platform:
    path = tmp_path / "c.csv"
    path.write_text("code,dep,n\n01001,01,1\n01002,01,2\n2A004,2A,3\n", encoding="utf-8")
    platform.ingest(path, "insee.c")
    return platform


def test_select_join_cte(lake: Platform) -> None:
    result = lake.sql(
        "WITH d AS (SELECT dep, sum(n) AS total FROM insee.c GROUP BY dep) "
        "SELECT c.code, d.total FROM insee.c c JOIN d USING (dep) ORDER BY c.code"
    )
    assert result.columns == ["code", "total"]
    assert result.rows == [("01001", 3), ("01002", 3), ("2A004", 3)]


def test_names_are_case_blind_and_unnest_unfolds_lists(lake: Platform) -> None:
    assert lake.sql("SELECT count(*) FROM INSEE.C").rows == [(3,)]
    assert lake.sql("SELECT unnest([1, 2]) AS n").rows == [(1,), (2,)]


def test_row_cap(lake: Platform) -> None:
    result = lake.sql("SELECT * FROM insee.c", max_rows=2)
    assert len(result.rows) == 2 and result.truncated


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM insee.c", "only SELECT"),
        ("DROP VIEW insee.c", "only SELECT"),
        ("COPY insee.c TO '/tmp/x.csv'", "only SELECT"),
        ("SELECT 1; SELECT 2", "exactly one"),
        ("SELECT * FROM c", "namespace.table"),
        ("SELECT * FROM insee.absent", "no table insee.absent"),
        ("SELECT * FROM read_csv('/etc/passwd')", "table function read_csv"),
        ("SELECT * FROM read_parquet('/etc/passwd')", "table function read_parquet"),
        ("SELECT * FRM insee.c", "SQL"),
        ("ATTACH '/tmp/x.db'", "only SELECT"),
        ("SELECT * FROM insee.c, (SELECT current_setting('enable_external_access'))", "current_setting"),
        (
            "SELECT * FROM insee.c WHERE (SELECT set_config('enable_external_access', 'true', false)) IS NULL",
            "set_config",
        ),
    ],
)
def test_refusals(lake: Platform, sql: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        lake.sql(sql)


def test_configured_row_cap_is_a_ceiling(tmp_path: Path, database_url: str) -> None:
    import patrimoine

    home = tmp_path / "capped"
    home.mkdir()
    (home / "patrimoine.toml").write_text("[query]\nmax_rows = 2\n", encoding="utf-8")
    path = tmp_path / "c.csv"
    path.write_text("code\n01\n02\n03\n", encoding="utf-8")
    with patrimoine.open(home, database_url=database_url) as p:
        p.ingest(path, "insee.c")
        result = p.sql("SELECT * FROM insee.c", max_rows=10)
    assert len(result.rows) == 2 and result.truncated
