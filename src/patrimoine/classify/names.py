"""Column names as supporting evidence: split a name into tokens and match it against a label's hints."""

from __future__ import annotations

import re
import unicodedata

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+|(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")


def tokens(name: str) -> frozenset[str]:
    """'dateNaissance' → {date, naissance}; 'ADR_MAIL' → {adr, mail}; accents dropped."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = _CAMEL.sub("_", plain).lower()
    return frozenset(t for t in _SPLIT.split(plain) if t)


def matches(name_tokens: frozenset[str], hints: frozenset[str], excluded: frozenset[str] = frozenset()) -> bool:
    return bool(name_tokens & hints) and not name_tokens & excluded
