"""DuckDB column types to Iceberg types, and the SQL cast that makes a column storable."""

from __future__ import annotations

import re

from pyiceberg.types import (
    BinaryType,
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IcebergType,
    IntegerType,
    LongType,
    StringType,
    TimestampType,
    TimestamptzType,
)

_SIMPLE: dict[str, tuple[IcebergType, str | None]] = {
    # duckdb type -> (iceberg type, cast target or None when stored as is)
    "VARCHAR": (StringType(), None),
    "BIGINT": (LongType(), None),
    "INTEGER": (IntegerType(), None),
    "SMALLINT": (IntegerType(), "INTEGER"),
    "TINYINT": (IntegerType(), "INTEGER"),
    "UTINYINT": (IntegerType(), "INTEGER"),
    "USMALLINT": (IntegerType(), "INTEGER"),
    "UINTEGER": (LongType(), "BIGINT"),
    "UBIGINT": (DecimalType(20, 0), "DECIMAL(20,0)"),
    "HUGEINT": (DecimalType(38, 0), "DECIMAL(38,0)"),
    "DOUBLE": (DoubleType(), None),
    "FLOAT": (FloatType(), None),
    "BOOLEAN": (BooleanType(), None),
    "DATE": (DateType(), None),
    "TIMESTAMP": (TimestampType(), None),
    "TIMESTAMP_NS": (TimestampType(), "TIMESTAMP"),
    "TIMESTAMP_MS": (TimestampType(), "TIMESTAMP"),
    "TIMESTAMP_S": (TimestampType(), "TIMESTAMP"),
    "TIMESTAMP WITH TIME ZONE": (TimestamptzType(), None),
    "BLOB": (BinaryType(), None),
    "UUID": (StringType(), "VARCHAR"),
    "TIME": (StringType(), "VARCHAR"),
    "INTERVAL": (StringType(), "VARCHAR"),
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def storable(duckdb_type: str) -> tuple[IcebergType, str | None, bool]:
    """(Iceberg type, cast target, as_json) for a DuckDB type; nested types are stored as JSON text."""
    if duckdb_type in _SIMPLE:
        iceberg, cast = _SIMPLE[duckdb_type]
        return iceberg, cast, False
    if match := _DECIMAL.fullmatch(duckdb_type):
        return DecimalType(int(match[1]), int(match[2])), None, False
    # STRUCT that could not be flattened, LIST, MAP, JSON, UNION...
    return StringType(), "VARCHAR", True


def duckdb_type(iceberg: IcebergType) -> str:
    """The DuckDB type that reads back an Iceberg column."""
    mapping: dict[type[IcebergType], str] = {
        StringType: "VARCHAR",
        LongType: "BIGINT",
        IntegerType: "INTEGER",
        DoubleType: "DOUBLE",
        FloatType: "FLOAT",
        BooleanType: "BOOLEAN",
        DateType: "DATE",
        TimestampType: "TIMESTAMP",
        TimestamptzType: "TIMESTAMP WITH TIME ZONE",
        BinaryType: "BLOB",
    }
    if isinstance(iceberg, DecimalType):
        return f"DECIMAL({iceberg.precision},{iceberg.scale})"
    return mapping[type(iceberg)]
