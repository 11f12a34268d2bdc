"""Guess which canonical field a column holds from its values alone.

Used by :func:`custclean.map_columns` for headers that say nothing ("Column 7", "Field3").
Only the column's distinct values are looked at (at most ``sample`` of them, in first-seen
order, so the guess is deterministic), and every test is one vectorised polars expression.

Example:
    >>> import polars as pl
    >>> guess = sniff_field(pl.Series(["ann@x.com", "BOB@Y.ORG", None, "mailto:c@z.net"]))
    >>> guess.field, guess.share
    ('email', 1.0)
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import polars as pl

from custclean.normalize.country import normalize_country
from custclean.normalize.state import normalize_state
from custclean.reference import load_table

__all__ = ["SniffResult", "sniff_field"]

#: Share of the distinct values that must fit a kind before a column is said to hold it.
THRESHOLD = 0.8

_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    "july|august|september|october|november|december|ene|enero|febrero|marzo|abr|abril|mayo|"
    "junio|julio|ago|agosto|septiembre|setiembre|octubre|noviembre|dic|diciembre|januar|"
    "februar|märz|maerz|mai|juni|juli|okt|oktober|dez|dezember|janv|janvier|fevr|février|"
    "fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
)

_PATTERNS: dict[str, str] = {
    "email": r"(?i)^(mailto:)?\s*([^<>]*<)?[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}>?$",
    "dob": (
        r"(?i)^(\d{4}-\d{1,2}-\d{1,2}([ t]\d{1,2}:\d{2}.*)?"
        r"|\d{1,2}[./-]\d{1,2}[./-](\d{2}|\d{4})"
        r"|\d{4}/\d{1,2}/\d{1,2}"
        rf"|.*\b({_MONTHS})\b\.?.*\b\d{{2,4}}\b.*)$"
    ),
    "phone": (
        r"(?i)^(\+|00|011)?[\s(]*\d[\d\s().\-/]{5,18}\d\s*((x|ext\.?|extension|;ext=|#)\s*\d{1,6})?$"
        r"|^\d{7,15}\.0$|^\d(\.\d+)?e\+?\d{1,2}$"
    ),
    "zip": (
        r"(?i)^(\d{5}(-\d{4})?|\d{3,4}|[a-z]\d[a-z]\s?\d[a-z]\d"
        r"|[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2})$"
    ),
}


@dataclass(frozen=True, slots=True)
class SniffResult:
    """What the values of a column look like.

    ``field`` is the canonical field (``None`` when no kind reaches the threshold), ``share``
    the fraction of distinct values that fit it and ``detail`` a sentence for the mapping table.

    Example:
        >>> SniffResult(None, 0.0, "no values").field is None
        True
    """

    field: str | None
    share: float
    detail: str


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@cache
def _gender_words() -> frozenset[str]:
    table = load_table("genders")
    return frozenset(_fold(v).replace(".", "").strip() for v in table["value"].to_list())


_LABELS = {
    "email": "e-mail addresses",
    "dob": "dates",
    "phone": "phone numbers",
    "zip": "postal codes",
    "gender": "genders",
    "country": "countries",
    "state": "states or provinces",
}
# Priority when two kinds fit equally well: the more specific pattern first.
_ORDER = ("email", "dob", "phone", "zip", "gender", "country", "state")


def sniff_field(values: pl.Series, *, sample: int = 1000) -> SniffResult:
    """Guess the canonical field of a column of text from its distinct values.

    Returns the kind that fits the largest share of distinct non-blank values, if that share
    is at least 80%; ties go to the more specific kind (email, date, phone, postal code,
    gender, country, state). A column that fits country and state alike ("CA", "DE") is
    reported as undecided rather than guessed.

    Example:
        >>> sniff_field(pl.Series(["(312) 555-0123", "+44 20 7946 0958"])).field
        'phone'
        >>> sniff_field(pl.Series(["Column of", "free text"])).field is None
        True
    """
    text = values.cast(pl.String).str.strip_chars()
    distinct = text.filter(text.is_not_null() & (text != "")).unique(maintain_order=True)
    distinct = distinct.head(sample)
    n = distinct.len()
    if n == 0:
        return SniffResult(None, 0.0, "content: no values to look at")
    shares: dict[str, float] = {}
    for kind, pattern in _PATTERNS.items():
        shares[kind] = float(distinct.str.contains(pattern).sum()) / n
    folded = distinct.map_elements(_fold, return_dtype=pl.String)
    shares["gender"] = (
        float(folded.str.replace_all(".", "", literal=True).is_in(list(_gender_words())).sum()) / n
    )
    # Countries and states are read by their own normalisers (aliases from reference_data/).
    # One-letter and all-digit values ("A", "01") are left out: they would make any column
    # look like subdivision codes.
    country = normalize_country(distinct)
    exact = country.value.is_not_null() & (country.code != "fuzzy").fill_null(True)
    shares["country"] = float(exact.sum()) / n
    wordy = distinct.str.contains(r"^\D.") & (distinct.str.len_chars() >= 2)
    state = normalize_state(distinct, None)
    named = state.value.is_not_null() | state.extra["state_candidates"].is_not_null()
    shares["state"] = float((named & wordy & (state.code != "fuzzy").fill_null(True)).sum()) / n
    best = max(_ORDER, key=lambda k: (shares[k], -_ORDER.index(k)))
    share = shares[best]
    pct = f"{share:.0%} of {n} distinct values"
    if share < THRESHOLD:
        return SniffResult(
            None, share, f"content: no kind fits (best: {pct} look like {_LABELS[best]})"
        )
    if best in ("country", "state") and abs(shares["country"] - shares["state"]) < 1e-9:
        return SniffResult(
            None,
            share,
            f"content: {pct} fit both countries and states; name the column in overrides",
        )
    return SniffResult(best, share, f"content: {pct} look like {_LABELS[best]}")
