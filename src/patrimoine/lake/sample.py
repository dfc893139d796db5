"""A sample of a table's rows, read from whole row groups spread over its Parquet files."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

SAMPLE_ROWS = 100_000


def read_sample(files: list[str], total: int) -> pa.Table:
    """About SAMPLE_ROWS rows from whole row groups spread evenly over the files.

    Reading chosen row groups decodes a fraction of the data, where DuckDB's SAMPLE decodes it all.
    """
    groups = [(f, i, pq.ParquetFile(f).metadata.row_group(i).num_rows) for f in files
              for i in range(pq.ParquetFile(f).metadata.num_row_groups)]  # fmt: skip
    if total <= SAMPLE_ROWS * 2 or not groups:
        chosen = groups
    else:
        per_group = max(total // len(groups), 1)
        wanted = min(len(groups), -(-SAMPLE_ROWS // per_group))
        step = len(groups) / wanted
        chosen = [groups[int(k * step + step / 2)] for k in range(wanted)]
    tables = [pq.ParquetFile(f).read_row_group(i) for f, i, _ in chosen]
    return pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})
