"""Masked examples for findings: enough to recognise the kind of value, not enough to identify anyone."""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _compact(value: str) -> str:
    return _NON_ALNUM.sub("", value).upper()


def keep_ends(value: str, head: int = 3, tail: int = 2) -> str:
    compact = _compact(value)
    if len(compact) <= head + tail:
        return "*" * len(compact)
    return compact[:head] + "*" * (len(compact) - head - tail) + compact[-tail:]


def nir(value: str) -> str:
    c = _compact(value)  # sex, year and month of birth stay; place, order and key are hidden
    return f"{c[:1]} {c[1:3]} {c[3:5]} ** *** *** **"


def email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return f"{digits[:2]} ** ** ** {digits[-2:]}"


def iban(value: str) -> str:
    c = _compact(value)
    return f"{c[:4]} **** ... {c[-3:]}"


def person_name(value: str) -> str:
    if len(value) <= 4 or value.rstrip(".").upper() in {"MONSIEUR", "MADAME", "MADEMOISELLE"}:
        return value  # civilities identify nobody
    return " ".join(w[:1] + "***" for w in value.split())


def date(value: str) -> str:
    year = _YEAR.search(value)
    masked = _DIGIT.sub("*", value)
    if year is None:
        return masked
    return masked[: year.start()] + year.group() + masked[year.end() :]


def address(value: str) -> str:
    words = _DIGIT.sub("*", value).split()
    return " ".join([*words[:2], "***"]) if len(words) > 2 else " ".join(words)


def coordinate(value: str) -> str:
    whole, _, decimals = value.partition(".")
    return f"{whole}.{decimals[:1]}***" if decimals else value


def plain(value: str) -> str:
    return value  # measures (amounts, rates, years) identify nobody
