"""Referentials: versioned master data (COG, NAF, NC8) loaded as lake tables in the `referentiel` namespace.

`load` ingests the shipped files and records each version in the registry; `match_rates` and `detect_kind`
say how much of a column a referential covers; `referentiel.cog_passage` maps old commune codes to 2026 ones.
"""

from patrimoine.referentials.loading import LoadResult, Referential, get_referential, list_referentials, load
from patrimoine.referentials.matching import Match, Successor, detect_kind, match_rates
from patrimoine.referentials.registry import CODE_KINDS, NAMESPACE, SPECS, Spec
from patrimoine.referentials.service import Referentials

__all__ = [
    "CODE_KINDS",
    "NAMESPACE",
    "SPECS",
    "LoadResult",
    "Match",
    "Referential",
    "Referentials",
    "Spec",
    "Successor",
    "detect_kind",
    "get_referential",
    "list_referentials",
    "load",
    "match_rates",
]
