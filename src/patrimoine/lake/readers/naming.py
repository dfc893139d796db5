"""Column names: kept as given, and normalised to safe SQL identifiers shown side by side."""

from __future__ import annotations

import re
import unicodedata

_RESERVED = {
    "all",
    "and",
    "as",
    "asc",
    "by",
    "case",
    "cast",
    "column",
    "create",
    "default",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "for",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "intersect",
    "into",
    "is",
    "join",
    "limit",
    "not",
    "null",
    "offset",
    "on",
    "or",
    "order",
    "select",
    "table",
    "then",
    "to",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "when",
    "where",
    "window",
    "with",
}
MAX_LENGTH = 63  # PostgreSQL's identifier limit, the strictest engine we serve


def fold(text: str) -> str:
    """Accents off (é -> e, œ -> oe), as French users type names without them."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def safe_identifier(name: str, position: int) -> str:
    """`Valeur foncière (€)` -> `valeur_fonciere`; `1 Articles CGI` -> `c1_articles_cgi`."""
    base = re.sub(r"[^0-9a-z]+", "_", fold(name).lower()).strip("_")
    if not base:
        return f"column_{position}"
    if base[0].isdigit():
        base = f"c{base}"
    if base in _RESERVED:
        base = f"{base}_"
    return base[:MAX_LENGTH]


def safe_identifiers(names: list[str]) -> list[str]:
    """Safe names for a header, made unique by suffixes where two names normalise alike."""
    result: list[str] = []
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        candidate = safe_identifier(name, position)
        suffix = 2
        unique = candidate
        while unique in seen:
            unique = f"{candidate[: MAX_LENGTH - 4]}_{suffix}"
            suffix += 1
        seen.add(unique)
        result.append(unique)
    return result


def quote(identifier: str) -> str:
    """Quote an identifier for DuckDB/PostgreSQL SQL."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
