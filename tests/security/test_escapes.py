"""Escape attempts against governed SQL (issue 4 §3).

Every attempt either is refused with an `InputError` / `Forbidden` whose message names what was refused,
or returns only masked values and only the rows of the reader's département. One platform per backend is
prepared once (module scope) and every attempt runs on it as an analyst of département 75, clearance interne.
The pseudonymisation key must never show: not in a result, not in an error, not in the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import patrimoine
from isolation import USER_ENV
from patrimoine import Platform
from patrimoine.config import secret
from patrimoine.errors import Forbidden, InputError
from patrimoine.model import QueryResult
from patrimoine.policy.document import PolicyDocument
from pgserver import create_database, drop_database

ADMIN = "admin@interieur.gouv.fr"
ANALYST = "analyste.paris@interieur.gouv.fr"
HEADER = "email,date_naissance,nom,code_departement,montant"
# (email, birth date, name, département, amount); dates never on the 1st, so a month mask never equals them
VISIBLE = [
    ("jeanne.martin@exemple.fr", "1984-03-12", "Martin", "75", "1520.50"),
    ("paul.durand@exemple.fr", "1975-11-02", "Durand", "75", "23000.00"),
]
VISIBLE_V2 = [("lea.roux@exemple.fr", "1996-04-23", "Roux", "75", "640.00")]
HIDDEN = [
    ("claire.bernard@exemple.fr", "1990-06-25", "Bernard", "13", "870.10"),
    ("luc.petit@exemple.fr", "1962-01-30", "Petit", "13", "45000.00"),
    ("sophie.moreau@exemple.fr", "2001-09-14", "Moreau", "69", "312.00"),
    ("marc.lefebvre@exemple.fr", "1958-12-05", "Lefebvre", "69", "99999.99"),
]
HIDDEN_V1 = [("hugo.fontaine@exemple.fr", "1988-07-19", "Fontaine", "13", "5100.00")]  # gone from version 2
CNAF_ONLY = ["ines.garcia@exemple.fr", "theo.lambert@exemple.fr"]  # an unfiltered table: visible, pseudonymised
ALL_PEOPLE = VISIBLE + VISIBLE_V2 + HIDDEN + HIDDEN_V1
POLICY = {
    "masks": [{"label": "email", "strategy": "pseudonymise"}, {"label": "birth_date", "strategy": "month"}],
    "default_mask": "redact",  # nom (person_name, restreint) is redacted
    "row_filters": [{"tables": "dgfip.*", "rule": "code_departement IN user.departements"}],
}
PSEUDONYM = re.compile(r"ps_[0-9a-f]{32}")


def pseudonym(key: bytes, value: str) -> str:
    return "ps_" + hmac.new(key, value.encode(), "sha256").hexdigest()[:32]


@dataclass
class Lake:
    platform: Platform
    key: bytes
    places: dict[str, str]  # {DATA}: a lake data file, {DB}: the SQLite catalogue under the home
    v1_time: datetime  # between the two versions of dgfip.d

    def fill(self, sql: str) -> str:
        for name, value in self.places.items():
            sql = sql.replace(name, value)
        return sql

    def key_material(self) -> list[str]:
        """The key, and the HMAC pads written in the views' SQL (either gives the key back)."""
        padded = self.key.ljust(64, b"\0") if len(self.key) <= 64 else hashlib.sha256(self.key).digest()
        inner, outer = bytes(b ^ 0x36 for b in padded).hex(), bytes(b ^ 0x5C for b in padded).hex()
        return [self.key.decode(errors="replace"), self.key.hex(), inner, outer, inner[:32], outer[:32]]

    def pseudonyms(self, people: list[Any]) -> set[str]:
        return {pseudonym(self.key, p if isinstance(p, str) else p[0]) for p in people}


def _csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    path.write_text(HEADER + "\n" + "\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def lake(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lake]:
    """One prepared platform per backend (module scope, so the attempts stay fast; the function-scoped
    `database_url` cannot serve a module fixture, so the same two backends are set up here)."""
    root = tmp_path_factory.mktemp("security")
    home = root / "home"
    url = f"sqlite:///{home}/patrimoine.db"
    admin_url = None
    if request.param == "postgresql":
        admin_url = request.getfixturevalue("postgres_admin_url")
        url = create_database(admin_url)
    with pytest.MonkeyPatch.context() as env:
        for name in USER_ENV:
            env.delenv(name, raising=False)
        p = patrimoine.open(home, database_url=url)
        try:
            p.user_add(ADMIN, roles=["admin"], clearance="secret")
            env.setenv("PATRIMOINE_USER", ADMIN)
            p.user_add(ANALYST, roles=["analyst"], clearance="interne", department="dgfip")
            p.user_set(ANALYST, "departements", ["75"])
            p.ingest(_csv(root / "d1.csv", VISIBLE + HIDDEN + HIDDEN_V1), "dgfip.d")
            time.sleep(0.05)
            v1_time = datetime.now(UTC)
            time.sleep(0.05)
            p.ingest(_csv(root / "d2.csv", VISIBLE + VISIBLE_V2 + HIDDEN), "dgfip.d", mode="overwrite")
            cnaf = root / "cnaf.csv"
            emails = [VISIBLE[0][0], VISIBLE[1][0], *CNAF_ONLY]
            cnaf.write_text("email,nb_enfants\n" + "".join(f"{e},{i}\n" for i, e in enumerate(emails)), "utf-8")
            p.ingest(cnaf, "cnaf.allocataires")
            sante = root / "sante.csv"
            sante.write_text("dossier,code_departement\nA1,75\nA2,13\n", encoding="utf-8")
            p.ingest(sante, "sante.dossiers")
            p.review_level("sante.dossiers", "secret", reason="secret médical")
            p.set_policy(PolicyDocument.model_validate(POLICY), "row filter by département")
            labels = {c.column: {lab.label for lab in c.labels} for c in p.sensitivity("dgfip.d").columns}
            assert {"email"} <= labels["email"] and {"birth_date"} <= labels["date_naissance"]
            assert {"person_name"} <= labels["nom"]
            assert any("email" in {lab.label for lab in c.labels} for c in p.sensitivity("cnaf.allocataires").columns)
            key = secret(p.settings, "pseudonymisation_key")
            assert key == (home / "secrets" / "pseudonymisation_key").read_bytes().strip()
            table = p.lake.table("dgfip", "d")
            assert table is not None
            places = {"{DATA}": p.lake.files(table, None)[0], "{DB}": str(home / "patrimoine.db")}
            yield Lake(p, key, places, v1_time)
        finally:
            p.close()
            if admin_url is not None:
                drop_database(admin_url, url)


@pytest.fixture(autouse=True)
def _as_analyst(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATRIMOINE_USER", ANALYST)


def _atoms(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _atoms(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _atoms(v)
    else:
        yield str(value)


def assert_no_leak(lake: Lake, atoms: list[str], visible: set[str] | None = None) -> None:
    """No clear value of a masked column, nothing of a row of another département, no key material."""
    text = "\n".join(atoms).lower()
    for email, birth, name, _dep, _amount in ALL_PEOPLE:
        for clear in (email, email.split("@")[0], birth, name):
            assert clear.lower() not in text, f"clear value {clear!r} leaked"
    for ps in lake.pseudonyms(HIDDEN + HIDDEN_V1):
        assert ps[3:19] not in text, "the pseudonym of a filtered row leaked"
    for material in lake.key_material():
        assert material.lower() not in text, "pseudonymisation key material leaked"
    hidden = {d for *_, d, _ in HIDDEN + HIDDEN_V1} | {str(float(a)) for *_, a in HIDDEN + HIDDEN_V1}
    assert not hidden & set(atoms), f"a value of a filtered row leaked: {hidden & set(atoms)}"
    allowed = visible if visible is not None else lake.pseudonyms(VISIBLE + VISIBLE_V2 + CNAF_ONLY)
    shown = set(PSEUDONYM.findall(text))
    assert shown <= allowed, f"pseudonyms of rows the reader may not see: {shown - allowed}"


def run(lake: Lake, sql: str, visible: set[str] | None = None, **options: Any) -> QueryResult:
    result = lake.platform.sql(lake.fill(sql), **options)
    assert_no_leak(lake, [*result.columns, *_atoms(result.rows)], visible)
    return result


def refused(lake: Lake, sql: str, message: str) -> str:
    with pytest.raises((InputError, Forbidden)) as caught:
        lake.platform.sql(lake.fill(sql))
    text = str(caught.value)
    assert message.lower() in text.lower(), f"{text!r} does not say {message!r}"
    assert_no_leak(lake, [text])
    return text


# 1. Files: /etc/passwd, a lake data file (read around the views) and the SQLite catalogue under the home.
FILE_FUNCTIONS = [
    "read_csv", "read_csv_auto", "read_text", "read_blob", "read_json", "read_json_auto", "read_ndjson",
    "read_parquet", "parquet_scan", "parquet_metadata", "parquet_schema", "sniff_csv", "glob",
]  # fmt: skip
TARGETS = ["/etc/passwd", "{DATA}", "{DB}"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("function", FILE_FUNCTIONS)
def test_file_table_functions_are_refused(lake: Lake, function: str, target: str) -> None:
    refused(lake, f"SELECT * FROM {function}('{target}')", f"table function {function}() is not allowed")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM '/etc/passwd'", "name lake tables as namespace.table"),
        ("SELECT * FROM '{DATA}'", "name lake tables as namespace.table"),
        ('SELECT * FROM "{DB}"', "name lake tables as namespace.table"),
        ("FROM '/etc/passwd'", "name lake tables as namespace.table"),
        ("SELECT * FROM query('SELECT * FROM dgfip.d')", "table function query() is not allowed"),
        ("SELECT * FROM query_table('dgfip.d')", "table function query_table() is not allowed"),
        ("SELECT * FROM query_table(['dgfip.d'])", "table function query_table() is not allowed"),
        ("SELECT * FROM sqlite_scan('{DB}', 'users')", "table function sqlite_scan() is not allowed"),
        ("SELECT * FROM iceberg_scan('{DATA}')", "table function iceberg_scan() is not allowed"),
        ("SELECT (SELECT content FROM read_text('/etc/passwd'))", "table function read_text() is not allowed"),
        ("SELECT * FROM dgfip.d WHERE nom IN (SELECT content FROM read_text('/etc/passwd'))", "read_text()"),
        ("SELECT * FROM dgfip.d, LATERAL (SELECT * FROM read_blob('{DATA}'))", "read_blob()"),
        ("WITH f AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM f", "read_csv()"),
        ("SELECT email FROM dgfip.d UNION ALL SELECT content FROM read_text('{DB}')", "read_text()"),
        ("SELECT list_transform([1], x -> (SELECT content FROM read_text('/etc/passwd')))", "read_text()"),
        ("SELECT * FROM dgfip.d JOIN read_parquet('{DATA}') USING (email)", "read_parquet()"),
    ],
)
def test_other_ways_to_files_are_refused(lake: Lake, sql: str, message: str) -> None:
    refused(lake, sql, message)


# 2. Anything but one SELECT.
@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "COPY (SELECT * FROM dgfip.d) TO '/tmp/patrimoine-escape.csv'",
            "only SELECT queries are allowed here, not COPY",
        ),
        ("COPY dgfip.d TO '/tmp/patrimoine-escape.parquet' (FORMAT parquet)", "not COPY"),
        ("EXPORT DATABASE '/tmp/patrimoine-escape'", "not EXPORT"),
        ("IMPORT DATABASE '/tmp/patrimoine-escape'", "not IMPORT"),
        ("ATTACH '{DB}' AS catalogue (TYPE sqlite)", "not ATTACH"),
        ("ATTACH '{DB}'", "not ATTACH"),
        ("ATTACH ':memory:' AS scratch", "not ATTACH"),
        ("DETACH memory", "not DETACH"),
        ("INSTALL httpfs", "not INSTALL"),
        ("LOAD httpfs", "not LOAD"),
        ("LOAD '/tmp/evil.duckdb_extension'", "not LOAD"),
        ("CREATE TABLE stolen AS SELECT * FROM dgfip.d", "not CREATE"),
        ("CREATE OR REPLACE VIEW dgfip.d AS SELECT * FROM read_parquet('{DATA}')", "not CREATE"),
        ("CREATE MACRO m() AS 1", "not CREATE"),
        ("CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 's')", "not CREATE"),
        ("INSERT INTO dgfip.d VALUES ('a', NULL, 'b', '13', 1)", "not INSERT"),
        ("UPDATE dgfip.d SET code_departement = '75'", "not UPDATE"),
        ("DELETE FROM dgfip.d", "not DELETE"),
        ("DROP VIEW dgfip.d", "not DROP"),
        ("ALTER VIEW dgfip.d RENAME TO e", "not ALTER"),
        ("PRAGMA database_list", "not PRAGMA"),
        ("PRAGMA disable_checkpoint_on_shutdown", "not PRAGMA"),
        ("SET enable_external_access = true", "not SET"),
        ("SET allowed_paths = ['/etc/passwd']", "not SET"),
        ("RESET lock_configuration", "not RESET"),
        ("SET VARIABLE v = 1", "not SET"),
        ("USE dgfip", "not USE"),
        ("SELECT set_config('enable_external_access', 'true', false)", "function set_config() is not allowed"),
        ("CALL pragma_database_list()", "not CALL"),
        ("CHECKPOINT", "not CHECKPOINT"),
        ("FORCE CHECKPOINT", "not FORCE"),
        ("VACUUM", "not VACUUM"),
        ("BEGIN TRANSACTION", "not BEGIN"),
        ("PREPARE p AS SELECT * FROM dgfip.d", "not PREPARE"),
        ("EXPLAIN SELECT * FROM dgfip.d", "not EXPLAIN"),
        ("EXPLAIN ANALYZE COPY dgfip.d TO '/tmp/patrimoine-escape.csv'", "not EXPLAIN"),
        ("DESCRIBE dgfip.d", "not DESCRIBE"),
        ("SHOW TABLES", "not SHOW"),
        ("SHOW dgfip.d", "not SHOW"),
        ("SUMMARIZE dgfip.d", "not SUMMARIZE"),
        ("SELECT * FROM (DESCRIBE dgfip.d)", "show ref is not allowed in FROM"),
        ("SELECT * FROM (SUMMARIZE dgfip.d)", "show ref is not allowed in FROM"),
        ("PIVOT dgfip.d ON code_departement USING count(*)", "not PIVOT"),
        # a PIVOT without its IN list would first read the distinct values: refused as a statement
        ("SELECT * FROM (PIVOT dgfip.d ON code_departement USING count(*))", "only one SELECT query is allowed here"),
        ("SELECT 1; SELECT 2", "send exactly one SELECT statement"),
        ("SELECT * FROM dgfip.d; DROP VIEW dgfip.d", "send exactly one SELECT statement"),
        ("SELECT * FROM dgfip.d; COPY dgfip.d TO '/tmp/patrimoine-escape.csv'", "send exactly one SELECT statement"),
    ],
)
def test_statements_other_than_one_select_are_refused(lake: Lake, sql: str, message: str) -> None:
    refused(lake, sql, message)


# 3. The engine's own catalogues, settings and session (the views' SQL holds the masks and the HMAC pads).
@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM duckdb_views()", "table function duckdb_views() is not allowed"),
        ("SELECT * FROM duckdb_settings()", "table function duckdb_settings() is not allowed"),
        ("SELECT * FROM duckdb_tables()", "table function duckdb_tables() is not allowed"),
        ("SELECT * FROM duckdb_columns()", "table function duckdb_columns() is not allowed"),
        ("SELECT * FROM duckdb_databases()", "table function duckdb_databases() is not allowed"),
        ("SELECT * FROM duckdb_secrets()", "table function duckdb_secrets() is not allowed"),
        ("SELECT * FROM duckdb_extensions()", "table function duckdb_extensions() is not allowed"),
        ("SELECT * FROM pragma_database_list()", "table function pragma_database_list() is not allowed"),
        ("SELECT * FROM system.main.duckdb_views()", "table function duckdb_views() is not allowed"),
        ("SELECT * FROM information_schema.views", "the engine's own catalogues are not readable"),
        ("SELECT * FROM information_schema.tables", "the engine's own catalogues are not readable"),
        ("SELECT * FROM pg_catalog.pg_views", "the engine's own catalogues are not readable"),
        ("SELECT * FROM pg_catalog.pg_settings", "the engine's own catalogues are not readable"),
        ("SELECT * FROM main.sqlite_master", "the engine's own catalogues are not readable"),
        ('SELECT * FROM "system".main.duckdb_views', "name lake tables as namespace.table"),
        ("SELECT * FROM memory.main.duckdb_views", "name lake tables as namespace.table"),
        ("SELECT * FROM duckdb_views", "table 'duckdb_views': name lake tables as namespace.table"),
        ("SELECT * FROM pg_views", "table 'pg_views': name lake tables as namespace.table"),
        ("SELECT * FROM sqlite_master", "table 'sqlite_master': name lake tables as namespace.table"),
        ("SELECT current_setting('allowed_paths')", "function current_setting() is not allowed"),
        ("SELECT current_query()", "function current_query() is not allowed"),
        ('SELECT "system".main.current_query()', "function current_query() is not allowed"),
        ("SELECT getvariable('v')", "function getvariable() is not allowed"),
        ("SELECT pg_get_viewdef(0)", "function pg_get_viewdef() is not allowed"),
        ("SELECT json_serialize_sql('SELECT 1')", "function json_serialize_sql() is not allowed"),
        ("SELECT which_secret('s3://b/x', 's3')", "function which_secret() is not allowed"),
        ("SELECT getenv('HOME')", "function getenv() is not allowed"),
        ("SELECT filename, file_row_number FROM dgfip.d", 'column "filename" not found'),  # the scan's virtual columns
        ("SELECT rowid FROM dgfip.d", 'column "rowid" not found'),
        # stats() showed the min/max of the data files under the view, rows of other départements included.
        ("SELECT stats(montant), stats(code_departement) FROM dgfip.d", "function stats() is not allowed"),
        # A CTE's name is visible only in its own query: elsewhere DuckDB looks it up in its catalogue.
        (
            "SELECT v.sql FROM (WITH duckdb_views AS (SELECT 1) SELECT 1) t, duckdb_views v, dgfip.d",
            "table 'duckdb_views': name lake tables",
        ),
        (
            "SELECT (SELECT string_agg(sql, ' ') FROM sqlite_master), (WITH sqlite_master AS (SELECT 1) SELECT 1) "
            "FROM dgfip.d",
            "table 'sqlite_master': name lake tables",
        ),
        (
            "WITH duckdb_views AS (SELECT sql FROM duckdb_views) SELECT * FROM duckdb_views, dgfip.d",
            "table 'duckdb_views': name lake tables",
        ),
        (
            "WITH a AS (SELECT * FROM duckdb_settings), duckdb_settings AS (SELECT 1) SELECT * FROM a, dgfip.d",
            "table 'duckdb_settings': name lake tables",
        ),
        (
            "WITH RECURSIVE duckdb_views AS (SELECT sql FROM duckdb_views UNION ALL "
            "SELECT sql FROM duckdb_views WHERE false) SELECT * FROM duckdb_views, dgfip.d",
            "table 'duckdb_views': name lake tables",
        ),
    ],
)
def test_engine_catalogues_and_session_are_refused(lake: Lake, sql: str, message: str) -> None:
    refused(lake, sql, message)


# 4. Comments and string tricks: both parsers must see the same single SELECT.
@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM dgfip.d /* harmless */; DROP VIEW dgfip.d", "send exactly one SELECT statement"),
        ("SELECT * FROM dgfip.d -- harmless\n; DROP VIEW dgfip.d", "send exactly one SELECT statement"),
        ("SELECT 1 /* */; ATTACH '{DB}'", "send exactly one SELECT statement"),
        ("/* SELECT 1 */ DROP VIEW dgfip.d", "not DROP"),
        ("-- SELECT 1\nCOPY dgfip.d TO '/tmp/patrimoine-escape.csv'", "not COPY"),
        ("SELECT * FROM dgfip.d /* /* */ ; DROP VIEW dgfip.d", "SQL syntax error"),
        ("SELECT ';' AS a; DROP VIEW dgfip.d", "send exactly one SELECT statement"),
        ("SELECT 'it''s; DROP' AS a; DROP VIEW dgfip.d", "send exactly one SELECT statement"),
        ("SELECT $$;$$ AS a; DROP VIEW dgfip.d", "send exactly one SELECT statement"),
        ("SELECT $q$ '; $q$ AS a, * FROM read_blob('/etc/passwd')", "table function read_blob() is not allowed"),
        ("SELECT E'\\';' AS a FROM read_text('/etc/passwd')", "table function read_text() is not allowed"),
        ("SELECT '/* ' AS a, * FROM read_csv('/etc/passwd') -- */'", "table function read_csv() is not allowed"),
        ('SELECT "a""b" FROM (SELECT 1 AS "a""b"), read_text(\'/etc/passwd\')', "read_text() is not allowed"),
        ("SELECT U&'\\0061' AS a FROM read_text('/etc/passwd')", "only one SELECT query is allowed here"),
        ("SELECT * FROM U&\"\\0072ead_text\"('/etc/passwd')", "SQL syntax error"),
        ("SeLeCt * FrOm ReAd_CsV('/etc/passwd')", "table function read_csv() is not allowed"),
        ("SELECT * FROM \"READ_TEXT\"('/etc/passwd')", "table function read_text() is not allowed"),
        ("WITH \"read_text\" AS (SELECT 1) SELECT * FROM read_text('/etc/passwd')", "read_text() is not allowed"),
        ("SELECT 1\0; DROP VIEW dgfip.d", "send exactly one SELECT statement"),
        ("SELECT * FROM dgfip.d\u200b; DROP VIEW dgfip.d", "send exactly one SELECT statement"),
        ("SELECT 'unterminated FROM read_text('/etc/passwd')", "SQL syntax error"),
        ("SELECT 1 /* unterminated", "SQL syntax error"),
        ('SELECT * FROM "dgfip.d"', "name lake tables as namespace.table"),
    ],
)
def test_parser_tricks_are_refused(lake: Lake, sql: str, message: str) -> None:
    refused(lake, sql, message)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM dgfip.d -- ; ATTACH '{DB}'",
        "SELECT * FROM dgfip.d /* a /* nested */ ; DROP VIEW dgfip.d */",
        "sElEcT * fRoM dgfip.d WhErE 1 = 1;",
        'SELECT \'x\' AS "a;b", * FROM dgfip."d"',
        "SELECT E'\\'; DROP VIEW dgfip.d; --' AS a, * FROM dgfip.d",
    ],
)
def test_statements_hidden_in_comments_or_strings_do_not_run(lake: Lake, sql: str) -> None:
    result = run(lake, sql)
    assert len(result.rows) == 3  # the one SELECT ran, on the governed view, and nothing else
    assert run(lake, "SELECT count(*) FROM dgfip.d").rows == [(3,)]


# 5. Recovering a masked column.
@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT left(email, 12), substr(email, 4, 20), right(email, 11) FROM dgfip.d", None),
        ("SELECT md5(email), hash(email), sha256(email), sha1(email) FROM dgfip.d", None),
        ("SELECT CAST(email AS BLOB), to_base64(encode(email)), hex(email) FROM dgfip.d", None),
        ("SELECT DISTINCT length(email) FROM dgfip.d", [(35,)]),
        ("SELECT regexp_extract(email, '@(.*)$', 1), split_part(email, '@', 1), upper(email) FROM dgfip.d", None),
        ("SELECT reverse(email), lower(email), email || nom FROM dgfip.d", None),
        ("SELECT count(*) FROM dgfip.d WHERE email = 'jeanne.martin@exemple.fr'", [(0,)]),
        ("SELECT count(*) FROM dgfip.d WHERE email LIKE 'jeanne%' OR email ILIKE '%@exemple.fr'", [(0,)]),
        ("SELECT count(*) FROM dgfip.d WHERE contains(email, '@') OR starts_with(email, 'paul')", [(0,)]),
        ("SELECT count(*) FROM dgfip.d WHERE nom = 'Martin' OR nom IS NOT NULL", [(0,)]),
        ("SELECT count(*) FROM dgfip.d WHERE date_naissance = DATE '1984-03-12'", [(0,)]),
        ("SELECT DISTINCT day(date_naissance) FROM dgfip.d", [(1,)]),
        ("SELECT strftime(date_naissance, '%Y-%m-%d'), CAST(date_naissance AS VARCHAR) FROM dgfip.d", None),
        ("SELECT CAST(nom AS INTEGER), try_cast(nom AS DATE), coalesce(nom, 'masqué') FROM dgfip.d", None),
        ("SELECT email, count(*) FROM dgfip.d GROUP BY email", None),
        ("SELECT DISTINCT email, date_naissance, nom FROM dgfip.d", None),
        ("SELECT a.email, b.email, b.nom FROM dgfip.d a JOIN dgfip.d b ON a.email = b.email", None),
        (
            "SELECT first_value(email) OVER w, lag(nom) OVER w, lead(date_naissance) OVER w "
            "FROM dgfip.d WINDOW w AS (ORDER BY montant)",
            None,
        ),
        (
            "SELECT string_agg(email, ','), list(nom), min(email), max(date_naissance), arg_max(email, montant) "
            "FROM dgfip.d",
            None,
        ),
        ("SELECT histogram(date_naissance), approx_top_k(email, 3), mode(email) FROM dgfip.d", None),
        ("SELECT d FROM dgfip.d d", None),
        ("SELECT to_json(d), row_to_json(d) FROM dgfip.d d", None),
        ("SELECT COLUMNS(*) FROM dgfip.d", None),
        ("SELECT * FROM (UNPIVOT dgfip.d ON email, nom INTO NAME k VALUE v)", None),
        ("SELECT * FROM json_each((SELECT to_json(list(d)) FROM dgfip.d d))", None),
        ("SELECT * FROM unnest((SELECT list(email) FROM dgfip.d))", None),
        ("TABLE dgfip.d", None),
        ("FROM dgfip.d SELECT email, nom", None),
        ("SELECT count(*) FROM dgfip.d a, cnaf.allocataires c WHERE a.email = c.email", [(2,)]),
    ],
)
def test_masked_columns_cannot_be_recovered(lake: Lake, sql: str, expected: list[tuple[Any, ...]] | None) -> None:
    result = run(lake, sql)
    if expected is not None:
        assert result.rows == expected


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT CAST(email AS INTEGER) FROM dgfip.d", "SQL error: Conversion Error"),
        ("SELECT CAST(code_departement || email AS INTEGER) FROM dgfip.d", "SQL error: Conversion Error"),
        ("SELECT CAST(date_naissance AS INTEGER) FROM dgfip.d", "SQL error"),
        ("SELECT error(email) FROM dgfip.d", "SQL error"),
        ("SELECT CAST(montant || '-' || email AS DATE) FROM dgfip.d", "SQL error"),
        ("SELECT email::STRUCT(a INTEGER) FROM dgfip.d", "SQL error"),
    ],
)
def test_errors_quote_no_clear_value(lake: Lake, sql: str, message: str) -> None:
    refused(lake, sql, message)


# 6. Bypassing the row filter (only département 75 may show).
@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM dgfip.d WHERE code_departement = '13' OR 1 = 1", None),
        ("SELECT count(*) FROM dgfip.d WHERE code_departement IN ('13', '69')", [(0,)]),
        ("SELECT count(*) FROM dgfip.d WHERE code_departement <> '75' OR true", [(3,)]),
        ("SELECT * FROM dgfip.d UNION SELECT * FROM dgfip.d WHERE code_departement <> '75'", None),
        (
            "SELECT * FROM dgfip.d WHERE code_departement = '75' UNION ALL SELECT * FROM dgfip.d WHERE NOT "
            "code_departement = '75'",
            None,
        ),
        ("SELECT * FROM dgfip.d WHERE email IN (SELECT email FROM dgfip.d WHERE code_departement = '13')", None),
        (
            "SELECT count(*) FROM dgfip.d WHERE EXISTS (SELECT 1 FROM dgfip.d x WHERE x.code_departement = '69')",
            [(0,)],
        ),
        ("WITH tout AS (SELECT * FROM dgfip.d) SELECT * FROM tout WHERE code_departement <> '75' OR true", None),
        ("SELECT a.*, b.* FROM dgfip.d a JOIN dgfip.d b ON a.code_departement <> b.code_departement OR true", None),
        ("SELECT a.email, b.email FROM dgfip.d a CROSS JOIN dgfip.d b", None),
        ("SELECT code_departement, count(*), sum(montant) FROM dgfip.d GROUP BY ALL", [("75", 3, 25160.5)]),
        ("SELECT max(montant), min(montant) FROM dgfip.d", [(23000.0, 640.0)]),
        ("SELECT * FROM dgfip.d TABLESAMPLE 100%", None),
        (
            "SELECT count(*) FROM dgfip.d WHERE CASE WHEN code_departement <> '75' THEN error('x') ELSE true END",
            [(3,)],
        ),  # the filter runs first: no error telling another département exists
        (
            "SELECT count(*) FROM dgfip.d WHERE CAST(CASE WHEN montant > 40000 THEN 'x' ELSE '1' END AS INT) = 1",
            [(3,)],
        ),
        ("SELECT count(*) FROM (SELECT * FROM dgfip.d LIMIT 100 OFFSET 0) t", [(3,)]),
    ],
)
def test_row_filter_cannot_be_bypassed(lake: Lake, sql: str, expected: list[tuple[Any, ...]] | None) -> None:
    result = run(lake, sql)  # checks that no value, code or pseudonym of a filtered row shows
    if expected is not None:
        assert result.rows == expected


def test_probing_other_departements_by_name_finds_nothing(lake: Lake) -> None:
    sql = (
        "SELECT v.dep, count(d.email), sum(d.montant) FROM (VALUES ('13'), ('69')) v(dep) "
        "LEFT JOIN dgfip.d d ON d.code_departement = v.dep GROUP BY ALL ORDER BY 1"
    )
    assert lake.platform.sql(sql).rows == [("13", 0, None), ("69", 0, None)]  # the codes are the query's own
    pivot = lake.platform.sql(
        "SELECT * FROM (PIVOT dgfip.d ON code_departement IN ('13', '69', '75') USING count(*)) ORDER BY montant"
    )
    assert pivot.columns[-3:] == ["13", "69", "75"] and [row[-3:] for row in pivot.rows] == [(0, 0, 1)] * 3


@pytest.mark.parametrize("as_of", [1, "1", "v1_time"])
def test_an_older_version_is_filtered_and_masked_too(lake: Lake, as_of: Any) -> None:
    moment = lake.v1_time if as_of == "v1_time" else as_of
    visible = lake.pseudonyms(VISIBLE)  # Léa Roux arrived in version 2; Hugo Fontaine (13) is only in version 1
    result = run(lake, "SELECT * FROM dgfip.d WHERE code_departement <> '75' OR true", visible, as_of=moment)
    assert {row[0] for row in result.rows} == visible
    assert run(lake, "SELECT count(*) FROM dgfip.d", visible, as_of=moment).rows == [(2,)]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM dgfip.d AT (VERSION => 1)", "use --as-of for time travel"),
        ("SELECT * FROM dgfip.d AT (TIMESTAMP => TIMESTAMP '2020-01-01')", "use --as-of for time travel"),
        ("SELECT * FROM memory.dgfip.d", "name lake tables as namespace.table"),
        ("SELECT * FROM dgfip.d FOR SYSTEM_TIME AS OF '2020-01-01'", "only one SELECT query is allowed here"),
    ],
)
def test_time_travel_syntax_is_refused(lake: Lake, sql: str, message: str) -> None:
    refused(lake, sql, message)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM sante.dossiers",
        "WITH s AS (SELECT * FROM sante.dossiers) SELECT count(*) FROM dgfip.d",
        'SELECT count(*) FROM dgfip.d WHERE EXISTS (SELECT 1 FROM "sante"."dossiers")',
        "SELECT * FROM dgfip.d d JOIN sante.dossiers s USING (code_departement)",
    ],
)
def test_a_table_above_clearance_stays_closed_however_named(lake: Lake, sql: str) -> None:
    with pytest.raises(Forbidden) as caught:
        lake.platform.sql(sql)
    assert "sante.dossiers" in str(caught.value) and "above clearance interne" in str(caught.value)


# 7. The pseudonym and its key.
def test_a_pseudonym_is_the_keyed_hmac_and_the_same_in_every_table(lake: Lake) -> None:
    jeanne = VISIBLE[0][0]
    expected = pseudonym(lake.key, jeanne)
    assert expected == "ps_" + hmac.new(lake.key, jeanne.encode(), hashlib.sha256).hexdigest()[:32]
    in_dgfip = run(lake, "SELECT email FROM dgfip.d WHERE montant = 1520.5").rows
    in_cnaf = run(lake, "SELECT email FROM cnaf.allocataires WHERE nb_enfants = 0").rows
    assert in_dgfip == in_cnaf == [(expected,)]
    joined = run(lake, "SELECT d.email FROM dgfip.d d JOIN cnaf.allocataires c USING (email) ORDER BY montant")
    assert joined.rows == [(expected,), (pseudonym(lake.key, VISIBLE[1][0]),)]
    again = run(lake, "SELECT email FROM dgfip.d WHERE montant = 1520.5", as_of=1)
    assert again.rows == [(expected,)]  # stable across versions and queries too


def test_an_admin_running_as_the_analyst_gets_the_same_masked_view(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = run(lake, "SELECT * FROM dgfip.d ORDER BY montant").rows
    monkeypatch.setenv("PATRIMOINE_USER", ADMIN)
    assert run(lake, "SELECT * FROM dgfip.d ORDER BY montant", as_user=ANALYST).rows == mine


def test_the_key_never_shows_in_results_errors_or_the_audit_log(lake: Lake) -> None:
    attempts = [
        "SELECT * FROM dgfip.d",
        "SELECT v.sql FROM (WITH duckdb_views AS (SELECT 1) SELECT 1) t, duckdb_views v, dgfip.d",
        "SELECT current_query() FROM dgfip.d",
        "SELECT CAST(email AS INTEGER) FROM dgfip.d",
        "SELECT emial FROM dgfip.d",  # a binder error naming the view's columns
        "SELECT * FROM dgfip.d WHERE unknown_function(email)",
    ]
    for sql in attempts:
        try:
            run(lake, sql)
        except (InputError, Forbidden) as exc:
            assert_no_leak(lake, [str(exc)])
    records = lake.platform.audit_search(action="sql.read", limit=100_000)
    assert len(records) >= len(attempts) and any(r.decision == "refused" for r in records)
    for record in records:
        text = json.dumps(record.model_dump(mode="json")).lower()
        for material in lake.key_material():
            assert material.lower() not in text, f"key material in audit record {record.seq}"
