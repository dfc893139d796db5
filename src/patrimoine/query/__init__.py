"""Governed SQL over the lake: a user's SELECT runs on views that apply their policy first.

Only one SELECT (WITH/UNION included) is accepted, checked by sqlglot and then on DuckDB's own parse
(`guard`). Each table read becomes a view whose masked columns are read from stored masks (`shadows`)
and whose filtered rows are removed before the user's query sees them, so GROUP BY, JOIN and WHERE only
ever meet masked values. DuckDB runs with external access off and its configuration locked, under a time,
memory, thread and row limit; a locked instance with the same views serves later queries (`Sandboxes`).
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb
import sqlglot
from sqlglot import exp

from patrimoine import catalog
from patrimoine.config import secret
from patrimoine.engine import file_schema, scan
from patrimoine.errors import Forbidden, InputError
from patrimoine.model import Decision, QueryResult, User
from patrimoine.policy import service as policy
from patrimoine.policy import shadows
from patrimoine.policy.masks import filter_sql, quote
from patrimoine.query import guard

if TYPE_CHECKING:
    from patrimoine.platform import Platform

QUOTED = re.compile(r"'[^']*'")
QUERY_START = frozenset({"SELECT", "WITH", "FROM", "VALUES", "TABLE", "PIVOT", "UNPIVOT", "("})


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


def _first_word(sql: str) -> str:
    """The statement's first keyword, comments skipped: what a refusal names (EXPORT, LOAD, CHECKPOINT...)."""
    try:
        tokens = sqlglot.tokenize(sql, read="duckdb")
    except sqlglot.errors.TokenError:
        return ""
    return tokens[0].text.upper() if tokens else ""


def referenced_tables(sql: str) -> set[tuple[str, str]]:
    """The lake tables a single SELECT reads, refusing anything else."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as exc:  # ParseError, and TokenError (an unterminated string)
        word = _first_word(sql)
        if word and word not in QUERY_START:  # a statement sqlglot does not know (EXPORT DATABASE...)
            raise InputError(f"only SELECT queries are allowed here, not {word}") from None
        raise InputError(f"SQL syntax error: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise InputError("send exactly one SELECT statement")
    tree = statements[0]
    if not isinstance(tree, exp.Query):  # sqlglot's kind is vague (COMMAND for LOAD, COLUMN for CHECKPOINT)
        raise InputError(f"only SELECT queries are allowed here, not {_first_word(sql) or tree.key.upper()}")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    tables = set()
    for table in tree.find_all(exp.Table):
        if not table.name or (not table.db and table.name in ctes):
            continue
        if not table.db:
            raise InputError(f"table {table.name!r}: name lake tables as namespace.table (e.g. insee.communes)")
        tables.add((table.db, table.name))
    return tables


def _view(decision: Decision, paths: list[str], schema: list[tuple[str, str]]) -> str:
    """The table as this reader may see it: masked columns, filtered rows gone, before their query.

    `paths` are shadow files holding the masked values when a column is masked, else the data files.
    """
    masked = decision.masked

    def column(name: str, duck_type: str) -> str:
        if name not in masked:
            return quote(name)
        if masked[name] == "redact":
            return f"CAST(NULL AS {duck_type}) AS {quote(name)}"
        return f"{quote(shadows.stored(name, masked[name]))} AS {quote(name)}"

    select = ", ".join(column(name, duck_type) for name, duck_type in schema)
    types = dict(schema)
    where = " AND ".join(filter_sql(f.column, f.values, types[f.column]) for f in decision.row_filters)
    return f"SELECT {select} FROM {scan(paths)}" + (f" WHERE {where}" if where else "")


def _notes(decision: Decision) -> list[str]:
    notes = [f"{decision.table}.{column}: masked ({mask})" for column, mask in decision.masked.items()]
    return notes + [f"{decision.table}: {f.reason}" for f in decision.row_filters]


def _hide_values(message: str) -> str:
    """An error can quote a value of a row the reader may not see (a filter evaluated after their predicate)."""
    return QUOTED.sub("'…'", message)


def run(
    platform: Platform,
    sql: str,
    user: User,
    as_of: str | int | datetime | None = None,
    max_rows: int | None = None,
) -> tuple[QueryResult, list[Decision]]:
    """Run a user's SELECT with their policy applied; the decisions taken are returned for the audit log."""
    started = time.perf_counter()
    moment = parse_as_of(as_of)
    referenced_tables(sql)  # sqlglot: one SELECT, tables named namespace.table
    tables = guard.lake_tables(sql)  # DuckDB's own parse: the functions and tables it will really run
    limits = platform.settings.query
    decisions: list[Decision] = []
    views: dict[tuple[str, str], str] = {}
    files: list[str] = []
    for namespace, name in sorted(tables):
        paths = _files(platform, namespace, name, moment)
        schema = list(file_schema(tuple(paths)))
        with platform.store.read() as conn:
            decision = policy.decision(conn, user, f"{namespace}.{name}", platform.rules, [c for c, _ in schema])
        if not decision.read:
            raise Forbidden(
                f"{decision.table}: {'; '.join(decision.reasons)}. Ask for access with "
                f"`patrimoine access request {decision.table} --purpose ... --basis ...`"
            )
        decisions.append(decision)
        stored = [(c, mask, t) for c, t in schema if (mask := decision.masked.get(c)) not in (None, "redact")]
        if stored:  # computed once per data file, then read like any column
            key = secret(platform.settings, "pseudonymisation_key")
            paths = shadows.shadows(platform.settings, paths, stored, key)
        views[(namespace, name)] = _view(decision, paths, schema)
        files.extend(paths)
    governed = any(d.masked or d.row_filters for d in decisions)
    con = platform.sandboxes.cursor(views, files)
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
            message = str(exc).splitlines()[0]
            raise InputError(f"SQL error: {_hide_values(message) if governed else message}") from None
        finally:
            timer.cancel()
    finally:
        con.close()
    result = QueryResult(
        columns=columns,
        types=types,
        rows=rows[:cap],
        truncated=len(rows) > cap,
        seconds=time.perf_counter() - started,
        notes=[note for d in decisions for note in _notes(d)],
    )
    return result, decisions


def _files(platform: Platform, namespace: str, name: str, moment: int | datetime | None) -> list[str]:
    table = platform.lake.table(namespace, name)
    if table is None:
        raise InputError(f"no table {namespace}.{name} in the lake")
    snapshot_id = None
    if isinstance(moment, int):
        with platform.store.read() as conn:
            snapshot_id = catalog.snapshot_of_version(conn, namespace, name, moment)
    elif isinstance(moment, datetime):
        snapshot_id = platform.lake.snapshot_at(table, moment)
    return platform.lake.files(table, snapshot_id)
