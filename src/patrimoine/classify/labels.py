"""The labels the column classifier can put on a column (issue 3, section 1)."""

from __future__ import annotations

NIR = "nir"
EMAIL = "email"
PHONE_FR = "phone_fr"
IBAN = "iban"
BIC = "bic"
PERSON_NAME = "person_name"
BIRTH_DATE = "birth_date"
POSTAL_ADDRESS = "postal_address"
CADASTRAL_PARCEL = "cadastral_parcel"
GPS_COORDINATE = "gps_coordinate"
SIREN = "siren"
SIRET = "siret"
RNA = "rna"
VAT_FR = "vat_fr"
CPV = "cpv"  # Common Procurement Vocabulary: 8 digits and a check digit, e.g. 45000000-7
MONEY_AMOUNT = "money_amount"
PERCENTAGE = "percentage"
YEAR = "year"

ALL_LABELS: tuple[str, ...] = (
    NIR,
    EMAIL,
    PHONE_FR,
    IBAN,
    BIC,
    PERSON_NAME,
    BIRTH_DATE,
    POSTAL_ADDRESS,
    CADASTRAL_PARCEL,
    GPS_COORDINATE,
    SIREN,
    SIRET,
    RNA,
    VAT_FR,
    CPV,
    MONEY_AMOUNT,
    PERCENTAGE,
    YEAR,
)
# Measures rather than identifiers: one column holds at most one of them, and none of them once it holds an identifier.
MEASURES: frozenset[str] = frozenset({GPS_COORDINATE, MONEY_AMOUNT, PERCENTAGE, YEAR})
