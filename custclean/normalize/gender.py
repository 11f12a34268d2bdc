"""Gender: ``male``, ``female`` or empty, read from the spellings in ``genders.csv``.

The table (``reference_data/genders.csv``: ``value,gender,language``) lists spellings in
several languages ("M", "Weiblich", "Hombre", "Mme") and the gender each one means; a spelling
listed with an empty gender ("U", "X", "prefer not to say", "divers") is known to say neither.
Matching ignores case, accents, dots and surrounding or repeated spaces. The first row of a
spelling wins, so an analyst's own table (``CUSTCLEAN_REFERENCE_DIR``) overrides the shipped one.
A gender is never guessed from a first name or an honorific in another column.

Example:
    >>> import polars as pl
    >>> out = normalize_gender(pl.Series(["F", "male", "Weiblich", "U", "7"]))
    >>> out.value.to_list()
    ['female', 'male', 'female', None, None]
    >>> out.code.to_list()
    ['fixed', None, 'fixed', 'invalid', 'invalid']
"""

from __future__ import annotations

import unicodedata
from functools import cache

import polars as pl

from custclean.normalize._core import Normalized, map_unique
from custclean.normalize.text import show
from custclean.reference import load_table

__all__ = ["gender_key", "normalize_gender"]

_GENDERS = ("male", "female")


def gender_key(value: str) -> str:
    """Reduce a spelling to the key the table is matched on: no case, accents, dots or extra space.

    Example:
        >>> gender_key(" Féminin. "), gender_key("M."), gender_key("N.A.")
        ('feminin', 'm', 'na')
    """
    text = unicodedata.normalize("NFKD", value.replace(".", ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


@cache
def _spellings() -> dict[str, str | None]:
    table = load_table("genders")
    known: dict[str, str | None] = {}
    for value, gender in zip(table["value"], table["gender"], strict=True):
        if value is None:
            continue
        key = gender_key(value)
        meaning = (gender or "").strip().casefold() or None
        if key and key not in known and (meaning is None or meaning in _GENDERS):
            known[key] = meaning
    return known


def _gender_one(value: str) -> tuple[str | None, str | None, str | None]:
    if value in _GENDERS:
        return value, None, None
    key = gender_key(value)
    known = _spellings()
    if key not in known:
        return (
            None,
            "invalid",
            f"{show(value)} is not a gender spelling custclean knows; left empty "
            "(add it to genders.csv if it means male or female)",
        )
    gender = known[key]
    if gender is None:
        return (
            None,
            "invalid",
            f"{show(value)} does not say male or female; left empty (the target's default applies)",
        )
    return gender, "fixed", f"{show(value)} means {gender}"


def normalize_gender(values: pl.Series) -> Normalized:
    """Turn gender spellings into ``male`` / ``female``; anything else becomes null.

    ``male`` and ``female`` stay as they are; other known spellings ("M", "Female", "Frau",
    "Mujer") are ``fixed`` with a message saying what they mean. Known spellings of "not
    given" ("U", "X", "unknown", "prefer not to say", "divers") and unknown values become null,
    ``invalid``, each with its own message.

    Example:
        >>> out = normalize_gender(pl.Series(["Mujer", "prefer not to say"]))
        >>> out.value.to_list(), out.message.to_list()[0]
        (['female', None], "'Mujer' means female")
    """
    return map_unique(_gender_one, values)
