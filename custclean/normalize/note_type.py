"""Note types: resolve each value against the analyst's list of known note type names.

A target account has a fixed set of note types ("General", "VIP", "Allergy"…). A value is
matched, in this order:

1. exactly (same text) — kept, no code;
2. ignoring case, accents, punctuation and spacing (``'vip'``, ``'  general '``,
   ``'follow up'`` for "Follow-up") — written as the known name, ``fixed``;
3. as a near miss (``'Alergy'``) — rapidfuzz similarity of those keys at or above
   ``fuzzy_threshold`` with a single best candidate — written as the known name, ``fuzzy``;
   two known names equally close are ``ambiguous``.

Anything else becomes null, ``invalid``. Without a list of known names, values are only tidied
(trimmed, spaces collapsed, control characters removed) and never rejected.

Example:
    >>> import polars as pl
    >>> known = ["General", "VIP", "Allergy"]
    >>> out = normalize_note_type(pl.Series(["vip", "Alergy", "General", "Birthday"]), known)
    >>> out.value.to_list(), out.code.to_list()
    (['VIP', 'Allergy', 'General', None], ['fixed', 'fuzzy', None, 'invalid'])
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, partial

import polars as pl
from rapidfuzz import fuzz, process

from custclean.normalize._core import Normalized, map_unique
from custclean.normalize.text import describe, show, tidy

__all__ = ["normalize_note_type", "note_type_key"]

#: How many known names a message lists before "…".
_LISTED = 6


def note_type_key(value: str) -> str:
    """Reduce a note type to its matching key: no case, accents, punctuation or extra space.

    Example:
        >>> note_type_key(" Follow-Up "), note_type_key("Allergié")
        ('follow up', 'allergie')
    """
    text = unicodedata.normalize("NFKD", value)
    text = "".join(
        c if c.isalnum() else " " for c in text if not unicodedata.combining(c)
    ).casefold()
    return " ".join(text.split())


@dataclass(frozen=True)
class _Known:
    names: tuple[str, ...]
    by_key: dict[str, tuple[str, ...]]
    keys: tuple[str, ...]
    listing: str


@cache
def _known(names: tuple[str, ...]) -> _Known:
    tidied: list[str] = []
    for name in names:
        text, _ = tidy(name)
        if text and text not in tidied:
            tidied.append(text)
    by_key: dict[str, list[str]] = {}
    for name in tidied:
        by_key.setdefault(note_type_key(name), []).append(name)
    listing = ", ".join(tidied[:_LISTED]) + (", …" if len(tidied) > _LISTED else "")
    return _Known(
        names=tuple(tidied),
        by_key={k: tuple(v) for k, v in by_key.items()},
        keys=tuple(k for k in by_key if k),
        listing=listing or "none are known",
    )


def _free_one(value: str) -> tuple[str | None, str | None, str | None]:
    text, changes = tidy(value)
    if not text:
        return None, "invalid", f"{show(value)} has no visible characters; left empty"
    if not changes:
        return text, None, None
    return text, "fixed", describe(changes)


def _note_type_one(
    value: str, names: tuple[str, ...], threshold: float
) -> tuple[str | None, str | None, str | None]:
    known = _known(names)
    if value in known.names:
        return value, None, None
    text, _ = tidy(value)
    if text in known.names:
        return text, "fixed", f"{show(value)} written as the known note type {show(text)}"
    key = note_type_key(text)
    same = known.by_key.get(key, ()) if key else ()
    if len(same) == 1:
        return same[0], "fixed", f"{show(value)} written as the known note type {show(same[0])}"
    if len(same) > 1:
        options = " or ".join(show(n) for n in same)
        return None, "ambiguous", f"{show(value)} could be {options}; left empty"
    if key and known.keys:
        found = process.extract(key, known.keys, scorer=fuzz.ratio, score_cutoff=threshold, limit=2)
        if found:
            best_score = found[0][1]
            rivals = [k for k, score, _ in found if score == best_score]
            names_found = [n for k in rivals for n in known.by_key[k]]
            if len(names_found) == 1:
                name = names_found[0]
                return (
                    name,
                    "fuzzy",
                    f"{show(value)} read as the known note type {show(name)} "
                    f"({best_score:.0f}% similar)",
                )
            options = " or ".join(show(n) for n in names_found)
            return (
                None,
                "ambiguous",
                f"{show(value)} is equally close to {options}; left empty",
            )
    return (
        None,
        "invalid",
        f"{show(value)} is not a known note type ({known.listing}); left empty",
    )


def normalize_note_type(
    values: pl.Series, known: Sequence[str] | None = None, *, fuzzy_threshold: float = 85.0
) -> Normalized:
    """Resolve note types against the known names (case-, space- and near-miss-insensitive).

    ``known`` is the account's list of note type names; ``None`` means "not known yet": values
    are then only tidied. ``fuzzy_threshold`` is the least rapidfuzz ``ratio`` (0-100) of a near
    miss. Codes: exact → none; other case, spacing or punctuation → ``fixed``; near miss →
    ``fuzzy``; equally near two names → ``ambiguous``; anything else → ``invalid``.

    Example:
        >>> out = normalize_note_type(pl.Series(["  general ", "Birthday"]), ["General", "VIP"])
        >>> out.value.to_list(), out.code.to_list()
        (['General', None], ['fixed', 'invalid'])
        >>> out.message[1]
        "'Birthday' is not a known note type (General, VIP); left empty"
        >>> normalize_note_type(pl.Series([" Birthday  wishes"])).value.to_list()
        ['Birthday wishes']
    """
    if known is None:
        return map_unique(_free_one, values)
    names = tuple(str(n) for n in known if n is not None)
    return map_unique(partial(_note_type_one, names=names, threshold=fuzzy_threshold), values)
