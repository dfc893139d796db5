"""French text analysis for the catalogue's search: the same function turns documents and queries into terms.

Steps: split on anything that is not a letter or a digit ("_" and "." included), split camelCase identifiers,
fold accents and case (é→e, œ→oe, ç→c), drop stop words and single letters, stem words with the French
Snowball stemmer. Tokens holding a digit (years, SIREN, commune codes such as 2A004, NAF codes) are codes:
kept whole and never stemmed.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer

from patrimoine.search.stopwords import FRENCH_STOP_WORDS

MAX_TERM_LENGTH = 64  # longer tokens are hashes or garbage; the store's column holds 128

_WORD = re.compile(r"[^\W_]+")
_DIACRITICS = re.compile("[\u0300-\u036f]")  # the combining marks of Latin scripts
# Letters NFKD does not decompose.
_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})
# Folding before stemming hides the accented suffixes Snowball knows; restoring the two that matter keeps
# foncier/foncière and fiscal/fiscalité together whether or not the user typed the accents.
_REACCENT = ((re.compile(r"iere(s?)$"), r"ière\1"), (re.compile(r"ite(s?)$"), r"ité\1"))
_local = threading.local()  # a Snowball stemmer keeps state between calls: one per thread


class Token(NamedTuple):
    surface: str  # the piece as written in the text
    term: str  # what is indexed and searched


def fold(text: str) -> str:
    """Lowercase, accents and ligatures removed: "Foncière Œuvre" → "fonciere oeuvre"."""
    if text.isascii():
        return text.lower()
    # Accented Latin letters, the usual case, at C speed: decompose, lowercase, drop the diacritics.
    stripped = _DIACRITICS.sub("", unicodedata.normalize("NFKD", text).lower())
    return stripped if stripped.isascii() else _fold_other(stripped)


def _fold_other(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text).lower()
    return "".join(char for char in decomposed if not unicodedata.combining(char)).translate(_LETTERS)


def tokens(text: str) -> list[Token]:
    """The terms of `text` with the piece of text each comes from, in order (repeats kept)."""
    found: list[Token] = []
    for match in _WORD.finditer(unicodedata.normalize("NFC", text)):
        for piece in _split_identifier(match.group()):
            term = _term(piece)
            if term is not None:
                found.append(Token(piece, term))
    return found


def analyze(text: str) -> list[str]:
    """The terms of `text`, in order, repeats kept (term frequencies matter to ranking)."""
    return [token.term for token in tokens(text)]


def _split_identifier(word: str) -> list[str]:
    """valeurFonciere → valeur, Fonciere; codeINSEE → code, INSEE; DGFiP and iPhone stay whole."""
    if not word.isalpha():
        return [word]
    pieces: list[str] = []
    start = 0
    for i in range(1, len(word)):
        # A boundary counts only when both sides keep two letters, so acronyms like DGFiP survive.
        if word[i - 1].islower() and word[i].isupper() and i - start >= 2 and len(word) - i >= 2:
            pieces.append(word[start:i])
            start = i
    pieces.append(word[start:])
    return pieces


@lru_cache(maxsize=100_000)
def _term(piece: str) -> str | None:
    folded = fold(piece)
    if folded in FRENCH_STOP_WORDS or (len(folded) < 2 and not folded.isdigit()):
        return None
    if not folded.isalpha():
        return folded[:MAX_TERM_LENGTH]
    return _stem(folded)[:MAX_TERM_LENGTH]


def _stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("french")
    for pattern, replacement in _REACCENT:
        word = pattern.sub(replacement, word)
    stem = fold(stemmer.stemWord(word))
    # Snowball leaves publiqu(e) apart from public: join the two spellings of the same adjective.
    return stem[:-2] + "c" if stem.endswith("iqu") else stem
