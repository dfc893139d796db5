"""Read-only SQL over the lake: DuckDB sees the referenced tables as `namespace.table` views.

Only one SELECT (WITH/UNION included) is accepted; DuckDB runs with external access off, so table
functions cannot reach files other than the tables' own data files.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb
import sqlglot
from sqlglot import exp

from patrimoine import catalog
from patrimoine.engine import query_connection
from patrimoine.errors import InputError
from patrimoine.model import QueryResult

if TYPE_CHECKING:
    from patrimoine.platform import Platform


def parse_as_of(value: str | int | datetime | None) -> int | datetime | None:
    """A version number (`3`) or a point in time (`2026-12-04T10:00:00`, `2026-12-04`)."""
    if value is None or isinstance(value, int | datetime):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--as-of {text!r} is neither a version number nor an ISO date-time") from None
    return moment if moment.tzinfo else moment.astimezone()


def referenced_tables(sql: str) -> set[tuple[str, str]]:
    """The lake tables a single SELECT reads, refusing anything else."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise InputError(f"SQL syntax error: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise InputError("send exactly one SELECT statement")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise InputError(f"only SELECT queries are allowed here, not {tree.key.upper()}")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    tables = set()
    for table in tree.find_all(exp.Table):
        if not table.name or (not table.db and table.name in ctes):
            continue
        if not table.db:
            raise InputError(f"table {table.name!r}: name lake tables as namespace.table (e.g. insee.communes)")
        tables.add((table.db, table.name))
    return tables


def run(
    platform: Platform, sql: str, as_of: str | int | datetime | None = None, max_rows: int | None = None
) -> QueryResult:
    started = time.perf_counter()
    moment = parse_as_of(as_of)
    views = {}
    for namespace, name in sorted(referenced_tables(sql)):
        table = platform.lake.table(namespace, name)
        if table is None:
            raise InputError(f"no table {namespace}.{name} in the lake")
        snapshot_id = None
        if isinstance(moment, int):
            with platform.store.read() as conn:
                snapshot_id = catalog.snapshot_of_version(conn, namespace, name, moment)
        elif isinstance(moment, datetime):
            snapshot_id = platform.lake.snapshot_at(table, moment)
        views[(namespace, name)] = platform.lake.files(table, snapshot_id)
    limits = platform.settings.query
    con = query_connection(platform.settings, views)
    try:
        for statement in con.extract_statements(sql):
            if statement.type != duckdb.StatementType.SELECT:  # type: ignore[attr-defined]
                raise InputError(f"only SELECT queries are allowed here, not {statement.type.name}")
        timer = threading.Timer(limits.timeout_seconds, con.interrupt)
        timer.start()
        try:
            relation = con.sql(sql)
            cap = min(max_rows or limits.max_rows, limits.max_rows)  # the configured limit is a ceiling
            rows = relation.fetchmany(cap + 1)
            columns, types = relation.columns, [str(t) for t in relation.types]
        except duckdb.InterruptException:
            raise InputError(f"query stopped after the time limit of {limits.timeout_seconds:g} s") from None
        except duckdb.Error as exc:
            raise InputError(f"SQL error: {str(exc).splitlines()[0]}") from None
        finally:
            timer.cancel()
    finally:
        con.close()
    return QueryResult(
        columns=columns, types=types, rows=rows[:cap], truncated=len(rows) > cap, seconds=time.perf_counter() - started
    )
