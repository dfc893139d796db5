"""Table names: NAMESPACE.NAME, two safe identifiers."""

from __future__ import annotations

import re

from patrimoine.errors import InputError

NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


def parse_table_name(qualified: str) -> tuple[str, str]:
    """`dgfip.dvf_2021` -> ("dgfip", "dvf_2021"), refusing anything that is not two safe identifiers."""
    parts = qualified.split(".")
    if len(parts) != 2 or not all(NAME.fullmatch(p) for p in parts):
        raise InputError(
            f"table name {qualified!r} must be NAMESPACE.NAME in lower case letters, digits and _ (e.g. dgfip.dvf_2021)"
        )
    return parts[0], parts[1]
