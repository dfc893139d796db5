"""The business glossary: terms (label, definition, synonyms, acronyms, parent, owner, status) linked to columns.

Terms enrich search at index time: a dataset whose text holds one form of a term (label, synonym or acronym)
is indexed with all its forms, so "TVA" finds a table described as "taxe sur la valeur ajoutée".
"""

from patrimoine.glossary.matching import expansions
from patrimoine.glossary.model import LINK_STATUSES, STATUSES, Term, TermLink
from patrimoine.glossary.service import Glossary
from patrimoine.glossary.starter import STARTER, read_starter

__all__ = ["LINK_STATUSES", "STARTER", "STATUSES", "Glossary", "Term", "TermLink", "expansions", "read_starter"]
