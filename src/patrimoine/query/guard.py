"""What a user's SELECT may call and read, checked on DuckDB's own parse of it (no parser mismatch).

DuckDB serialises the statement it will run; every function, table function and table it names is
checked against allowlists: scalar and aggregate functions except those that reveal the session (the
query text, settings, variables, view definitions), a few table functions that only unfold values,
and lake tables named `namespace.table` or the query's own CTEs. Files, catalogues and settings
are out of reach even before DuckDB's own sandbox.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from typing import Any

import duckdb

from patrimoine.errors import InputError

TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest", "json_each", "json_tree"})
# Functions that would show the query text (with its masks), the settings, the views or the session.
DENIED = frozenset(
    {
        "current_query",
        "current_query_id",
        "current_setting",
        "getvariable",
        "json_serialize_sql",
        "json_deserialize_sql",
        "json_serialize_plan",
        "json_execute_serialized_sql",
        "nextval",
        "currval",
        "pg_get_viewdef",
        "pg_get_constraintdef",
        "write_log",
        "parse_duckdb_log_message",
        "current_connection_id",
        "current_transaction_id",
        "in_search_path",
        # stats() shows the statistics of the files under a view: the min/max of rows a row filter removes.
        "stats",
    }
)
REFS = frozenset({"BASE_TABLE", "SUBQUERY", "JOIN", "TABLE_FUNCTION", "EXPRESSION_LIST", "EMPTY", "PIVOT"})
RESERVED = frozenset({"main", "information_schema", "pg_catalog", "system", "temp"})


@cache
def allowed_functions() -> frozenset[str]:
    con = duckdb.connect(":memory:")
    try:
        rows = con.sql(
            "SELECT DISTINCT function_name FROM duckdb_functions() "
            "WHERE function_type IN ('scalar', 'aggregate', 'macro')"
        ).fetchall()
    finally:
        con.close()
    return (frozenset(r[0].lower() for r in rows) | {"unnest"}) - DENIED  # unnest() in a select list: a list's items


@cache
def _parser() -> tuple[duckdb.DuckDBPyConnection, threading.Lock]:
    """One in-memory DuckDB kept for parsing only (a new one costs 10-20 ms per query); never given data."""
    con = duckdb.connect(":memory:")
    con.execute("SET enable_external_access = false")  # parsing IMPORT DATABASE would otherwise read its files
    con.execute("SET lock_configuration = true")
    return con, threading.Lock()


def parse(sql: str) -> dict[str, Any]:
    con, lock = _parser()
    with lock:
        (serialised,) = con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone() or ("{}",)
    tree: dict[str, Any] = json.loads(serialised)
    if tree.get("error"):
        message = str(tree.get("error_message", "not a SELECT")).splitlines()[0]
        raise InputError(f"only one SELECT query is allowed here ({message})")
    if len(tree.get("statements", [])) != 1:
        raise InputError("send exactly one SELECT statement")
    return tree


def lake_tables(sql: str) -> set[tuple[str, str]]:
    """The lake tables the query reads, refusing any function, table function or table out of bounds."""
    tree = parse(sql)
    tables: set[tuple[str, str]] = set()
    _walk(tree, frozenset(), tables, allowed_functions())
    return tables


def _ctes(
    entries: list[Any], scope: frozenset[str], tables: set[tuple[str, str]], functions: frozenset[str]
) -> frozenset[str]:
    """Walk a WITH list; return the names visible to the query that follows it.

    A CTE sees the ones defined before it, and itself only in the recursive part of WITH RECURSIVE.
    Anywhere else (another subquery, a later CTE, its own body) DuckDB looks the name up in its catalogue,
    so `duckdb_views` or `sqlite_master` named there would read the views' SQL (the masks' HMAC key).
    """
    for entry in entries:
        name = str(entry.get("key", "")).lower()
        value = entry.get("value", {})
        node = value.get("query", {}).get("node", {})
        if node.get("type") == "RECURSIVE_CTE_NODE" and str(node.get("cte_name", "")).lower() == name:
            _walk({k: v for k, v in node.items() if k != "right"}, scope, tables, functions)
            _walk(node.get("right"), scope | {name}, tables, functions)
        else:
            _walk(value, scope, tables, functions)
        scope = scope | {name}
    return scope


def _walk(node: Any, scope: frozenset[str], tables: set[tuple[str, str]], functions: frozenset[str]) -> None:
    if isinstance(node, list):
        for value in node:
            _walk(value, scope, tables, functions)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("cte_map"), dict):  # a query node: its CTEs are visible in it, not outside
        scope = _ctes(node["cte_map"].get("map", []), scope, tables, functions)
    kind = node.get("type")
    if "sample" in node and "alias" in node and kind not in REFS:  # a table reference of another kind
        raise InputError(f"{str(kind).replace('_', ' ').lower()} is not allowed in FROM")
    if kind == "TABLE_FUNCTION":
        name = str(node.get("function", {}).get("function_name", "")).lower()
        if name not in TABLE_FUNCTIONS:
            raise InputError(
                f"table function {name}() is not allowed: read lake tables as namespace.table "
                f"(allowed: {', '.join(sorted(TABLE_FUNCTIONS))})"
            )
        _walk(node.get("function", {}).get("children", []), scope, tables, functions)
        return
    if kind == "BASE_TABLE":
        _table(node, scope, tables)
    elif node.get("class") == "FUNCTION":
        name = str(node.get("function_name", "")).lower()
        if not node.get("is_operator") and name not in functions:
            raise InputError(f"function {name}() is not allowed in a query")
    for key, value in node.items():
        if key != "cte_map":
            _walk(value, scope, tables, functions)


def _table(node: dict[str, Any], scope: frozenset[str], tables: set[tuple[str, str]]) -> None:
    schema, name = str(node.get("schema_name", "")), str(node.get("table_name", ""))
    if node.get("catalog_name") or node.get("at_clause"):
        raise InputError(f"table {schema}.{name}: name lake tables as namespace.table (use --as-of for time travel)")
    if not schema:
        if name.lower() in scope:  # a CTE in scope here
            return
        raise InputError(f"table {name!r}: name lake tables as namespace.table (e.g. insee.communes)")
    if schema.lower() in RESERVED:
        raise InputError(f"{schema}.{name}: the engine's own catalogues are not readable")
    tables.add((schema.lower(), name.lower()))  # DuckDB matches names case-blind; lake names are lower case
