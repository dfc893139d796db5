"""The lake: Iceberg tables through pyiceberg's SqlCatalog, sharing the metadata store's database."""

from patrimoine.lake.catalog import Lake, LakeSnapshot

__all__ = ["Lake", "LakeSnapshot"]
