"""Finding datasets in the store and keeping their search entry in step."""

from __future__ import annotations

from sqlalchemy import Connection, select

from patrimoine.errors import NotFound
from patrimoine.glossary.matching import expansions
from patrimoine.search import index_dataset
from patrimoine.store.tables import dataset_columns, datasets


def dataset_id(conn: Connection, namespace: str, name: str) -> int | None:
    return conn.execute(
        select(datasets.c.id).where(datasets.c.namespace == namespace, datasets.c.name == name)
    ).scalar_one_or_none()


def exists(conn: Connection, namespace: str, name: str) -> bool:
    return dataset_id(conn, namespace, name) is not None


def require_id(conn: Connection, namespace: str, name: str) -> int:
    found = dataset_id(conn, namespace, name)
    if found is None:
        raise NotFound(f"no dataset {namespace}.{name} in the catalogue")
    return found


def reindex(conn: Connection, dataset_id: int) -> None:
    row = conn.execute(select(datasets).where(datasets.c.id == dataset_id)).mappings().one()
    cols = conn.execute(
        select(dataset_columns.c.name, dataset_columns.c.original_name, dataset_columns.c.description).where(
            dataset_columns.c.dataset_id == dataset_id
        )
    ).all()
    columns = [(f"{c.name} {c.original_name}" if c.original_name != c.name else c.name, c.description) for c in cols]
    texts = [row["title"], row["description"], *(row["keywords"] or []), *(t for c in columns for t in c)]
    index_dataset(
        conn,
        dataset_id,
        title=row["title"],
        description=row["description"],
        keywords=list(row["keywords"] or []),
        columns=columns,
        department=row["department"],
        glossary=expansions(conn, texts),
    )
