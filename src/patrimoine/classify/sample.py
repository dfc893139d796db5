"""Turn any column (Arrow array of any type, or a Python list) into a small, deterministic sample of strings."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

SAMPLE_SIZE = 1000
# Identifiers, dates and short texts fit in far less; truncating first keeps 10 MB cells from reaching the regexes.
MAX_CHARS = 256
TOO_LONG = "\x00"

ColumnValues: TypeAlias = "pa.Array | pa.ChunkedArray | Sequence[object]"


def sample_strings(values: ColumnValues, size: int = SAMPLE_SIZE, max_chars: int = MAX_CHARS) -> pa.Array:
    """At most `size` distinct, non-null, non-blank, trimmed values as a string array; empty when unusable."""
    arr = _as_arrow(values)
    if arr is None or len(arr) == 0:
        return pa.array([], pa.string())
    if pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type):
        return _sample_binary(arr, size, max_chars)
    strings = _as_strings(arr)
    if strings is None:
        return pa.array([], pa.string())
    head = pc.utf8_slice_codeunits(strings, 0, max_chars + 1)
    # A cut value could pass a pattern its whole would fail: it stays in the sample as a value that passes nothing.
    head = pc.if_else(pc.greater(pc.utf8_length(head), max_chars), TOO_LONG, head)
    strings = pc.utf8_trim_whitespace(head).drop_null()
    strings = strings.filter(pc.not_equal(strings, ""))
    return _spread(pc.unique(strings).cast(pa.string()), size)


def _as_arrow(values: ColumnValues) -> pa.Array | None:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    if isinstance(values, pa.Array):
        return values
    try:
        return pa.array(list(values), pa.string())
    except (pa.ArrowException, TypeError, ValueError):
        # Mixed Python types: a list is not the hot path, so one conversion per value is acceptable here.
        return pa.array([_to_text(v) for v in values], pa.string())


def _to_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def _as_strings(arr: pa.Array) -> pa.Array | None:
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr
    if pa.types.is_floating(arr.type):
        finite = arr.drop_null()
        # Spreadsheets store codes (SIREN, years) as floats: print 200029999.0 as 200029999.
        if len(finite) and pc.all(pc.equal(finite, pc.floor(finite))).as_py():
            with contextlib.suppress(pa.ArrowException):
                arr = pc.cast(arr, pa.int64())
    try:
        return pc.cast(arr, pa.string())
    except (pa.ArrowException, NotImplementedError):
        return None  # nested or otherwise unprintable types: nothing to classify


def _sample_binary(arr: pa.Array, size: int, max_chars: int) -> pa.Array:
    heads = pc.binary_slice(arr, 0, max_chars * 4).drop_null()
    picked = _spread(pc.unique(heads), size)
    # At most `size` values here, so decoding them one by one stays bounded.
    texts = [_to_text(v) for v in picked.to_pylist()]
    return sample_strings(pa.array(texts, pa.string()), size, max_chars)


def _spread(unique: pa.Array, size: int) -> pa.Array:
    """Evenly spaced values over the distinct values (in order of first appearance): deterministic and not just the head."""
    n = len(unique)
    if n <= size:
        return unique
    return unique.take(pa.array([i * n // size for i in range(size)], pa.int64()))
