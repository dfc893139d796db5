"""The catalogue's search: French analysis, an index kept in the metadata store, BM25F ranking, facets.

Index writes take the caller's Connection, so they commit or roll back with the catalogue entry they describe.
"""

from __future__ import annotations

from patrimoine.search.analyzer import analyze, fold
from patrimoine.search.index import index_dataset, remove_dataset, search

__all__ = ["analyze", "fold", "index_dataset", "remove_dataset", "search"]
