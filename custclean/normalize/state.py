"""States and provinces: any way people write one becomes its ISO 3166-2 code, country dropped.

``California``, ``Calif.``, ``ca`` and ``US-CA`` become ``CA``; ``Ontario`` ``ON``; ``New South
Wales`` ``NSW``; ``Bayern`` and ``Bavaria`` ``BY``; ``Nuevo León`` ``NLE``; ``Kent`` ``KEN``. A
value is resolved in its row's country (an alpha-2 code, normally the output of
:func:`custclean.normalize.country.normalize_country`). It is read as a subdivision code with or
without the country prefix, a name from pycountry (ISO's own, mostly local-language: ``Bayern``,
``Wien``, ``Genève``) or a re-wording of one (``Comunidad de Madrid``), a name in English,
German, French, Spanish, Italian, Dutch or Portuguese (``Bavaria``, ``Québec``), an alias from
``reference_data/state_aliases.csv`` (``Calif.``, ``Penn.``, ``Que.``, ``CDMX``, ``NRW``), with
a generic word around it ignored (``County Cork``, ``State of New York``, ``Estado de Jalisco``),
or as several of those joined by brackets, slashes or dashes that agree (``CA - California``,
``Ontario, Canada``). Matching ignores case, accents, dots, spaces and punctuation.

What happens, and the issue code:

- the code of a subdivision of the row's country, as written: kept, no issue;
- another way of writing one: the code, ``fixed``;
- a near miss of a name in the row's country (``Calfornia``), score at least the threshold and
  clearly ahead of any other subdivision: the code, ``fuzzy``;
- no country on the row, and the value names a subdivision in exactly one country: the code,
  ``fixed`` (no issue when it was already the code), and ``state_country`` says which country;
- no country, and several countries have such a subdivision (``CA`` is US-CA, ES-CA, IT-CA;
  ``Georgia`` is a US state and a country): emptied, ``ambiguous``;
- a subdivision of another country than the row's (``Ontario`` in the US): emptied, ``conflict``
  (never moved to the other country);
- a stand-in (``N/A``, ``-``): emptied, ``placeholder``; anything else: emptied, ``invalid``.

Two extra columns help the caller infer a missing country: ``state_country``, the country the
value was resolved in, and ``state_candidates``, every country in which the value names a
subdivision exactly (comma-separated, sorted; null when none). Normalising the output again
with ``state_country`` as the country changes nothing. :func:`state_code` answers for a single
value, without near matching.

Example:
    >>> import polars as pl
    >>> out = normalize_state(pl.Series(["Calif.", "Ontario", "TX"]), "US")
    >>> out.value.to_list(), out.code.to_list()
    (['CA', None, 'TX'], ['fixed', 'conflict', None])
    >>> out.message[1]
    "'Ontario' is a province of CA, not of US; left empty"
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache, partial

import polars as pl
import pycountry

from custclean.errors import InputError
from custclean.normalize._core import Normalized, map_unique
from custclean.normalize.country import (
    _ISO_CODE,
    _PARTS,
    _add,
    _Choices,
    _derived_forms,
    _display_with_article,
    _key,
    _light_key,
    _make_choices,
    _names_country,
    _near_matches,
    _spellings,
    _tokens,
    _worth_near_matching,
    country_code,
    is_country_code,
)
from custclean.normalize.text import show
from custclean.reference import load_table

__all__ = ["normalize_state", "state_code"]

# Languages whose subdivision names pycountry translates and that are read here.
_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")
_TIER_CODE, _TIER_ALIAS, _TIER_NAME, _TIER_DERIVED, _TIER_LANG = range(5)
# Generic words around a name, dropped when the whole value matches nothing ("County Cork").
_PREFIXES = tuple(
    tuple(p.split())
    for p in (
        "state of", "province of", "county of", "county", "co", "provincia de", "provincia",
        "province de", "province", "estado de", "estado", "edo de", "edo", "departement de",
        "departement", "region de", "region", "canton de", "canton", "kanton", "land",
    )
)  # fmt: skip
_SUFFIXES = frozenset(("county", "state", "province", "region", "territory", "canton", "kanton"))
_PREFIX_HEADS: dict[str, tuple[tuple[str, ...], ...]] = {
    head: tuple(sorted((p for p in _PREFIXES if p[0] == head), key=len, reverse=True))
    for head in {p[0] for p in _PREFIXES}
}
# A leading abbreviated direction, tried when the value as written matches nothing.
_DIRECTIONS = {
    "n": "north", "no": "north", "nth": "north", "s": "south", "so": "south", "sth": "south",
    "w": "west", "e": "east",
}  # fmt: skip
_MAX_LISTED = 12
_PLACEHOLDER_LENGTH = 30  # no stand-in is longer; longer values skip that lookup
_PREFIXED = re.compile(r"^([A-Za-z]{2})\s*[-_]\s*([A-Za-z0-9]{1,3})$")
_BRACKETS = re.compile(r"\s*\[[^\]]*\]")
_Answer = tuple[str | None, str | None, str | None, str | None, str | None]


@dataclass(frozen=True)
class _Subdivision:
    country: str
    code: str  # without the country prefix
    name: str  # ISO's name without bracketed alternatives ("Wales [Cymru GB-CYM]" → "Wales")
    kind: str  # "state", "province", "two-tier county"…


@dataclass(frozen=True)
class _StateIndex:
    subdivisions: dict[tuple[str, str], _Subdivision]
    by_country: dict[str, dict[str, tuple[str, ...]]]  # country → key → codes
    anywhere: dict[str, tuple[tuple[str, str], ...]]  # key → (country, code) pairs
    candidates: dict[str, str]  # key → the countries of its pairs, comma-separated
    codes: dict[str, dict[str, str]]  # country → code as written → its candidates
    choices: dict[str, _Choices]  # country → near-match candidates
    placeholders: frozenset[str]  # light keys
    placeholder_heads: frozenset[str]  # their folded keys: a value whose key is not here is none
    placeholder_keys: frozenset[str]  # folded keys that name no subdivision anywhere


def _load_aliases(
    known: dict[tuple[str, str], _Subdivision],
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Return state_aliases.csv as (alias, country, code) rows, and the placeholder aliases."""
    table = load_table("state_aliases")
    rows: list[tuple[str, str, str]] = []
    placeholders: list[str] = []
    for alias, country, state in table.select("alias", "country", "state").iter_rows():
        if not alias or not alias.strip():
            continue
        country = (country or "").strip().upper()
        state = (state or "").strip().upper()
        if state.startswith(f"{country}-"):
            state = state[len(country) + 1 :]
        if not state and country in ("", "*"):
            placeholders.append(alias)
        elif (country, state) not in known:
            raise InputError(
                f"state_aliases.csv maps {alias!r} to {country}-{state}, "
                "which is not an ISO 3166-2 subdivision",
                hint="give the country's alpha-2 code and the subdivision code without prefix",
            )
        else:
            rows.append((alias, country, state))
    return rows, placeholders


def _prefer_children(codes: set[str], country: str, parents: dict[str, str | None]) -> set[str]:
    """Of codes sharing a name, drop those that are the parent of another (Cantabria → ES-S)."""
    if len(codes) < 2:
        return codes
    parent_codes = {parents.get(f"{country}-{c}") for c in codes}
    kept = {c for c in codes if f"{country}-{c}" not in parent_codes}
    return kept or codes


@cache
def _state_index() -> _StateIndex:
    # (country, code, ISO name, type, parent) read once: pycountry's attributes are slow.
    iso: list[tuple[str, str, str, str, str | None]] = []
    for sub in pycountry.subdivisions:
        country, code = sub.code.split("-", 1)
        iso.append((country, code, sub.name, sub.type, sub.parent_code))
    subdivisions: dict[tuple[str, str], _Subdivision] = {}
    parents: dict[str, str | None] = {}
    for country, code, raw, kind, parent in iso:
        name = _BRACKETS.sub("", raw).strip() or raw
        subdivisions[(country, code)] = _Subdivision(country, code, name, kind.lower())
        parents[f"{country}-{code}"] = parent
    tables: dict[str, dict[str, tuple[int, set[str]]]] = {}
    as_written: dict[str, dict[str, str]] = {}  # country → code → its key
    labels: dict[str, list[tuple[str, str, str]]] = {}

    def add(country: str, text: str, code: str, tier: int, fuzzy: bool = True) -> None:
        table = tables.setdefault(country, {})
        for spelling in _spellings(text):
            key = _key(spelling)
            _add(table, key, code, tier)
            if fuzzy and tier > _TIER_CODE:
                labels.setdefault(country, []).append((key, code, text))

    for country, code, raw, _, _ in iso:
        add(country, code, code, _TIER_CODE)
        as_written.setdefault(country, {})[code] = _key(code)
        for other in _ISO_CODE.findall(raw):  # Wales [Cymru GB-CYM]: CYM is Wales too
            if other.startswith(f"{country}-"):
                add(country, other.split("-", 1)[1], code, _TIER_ALIAS, fuzzy=False)
    aliases, placeholder_aliases = _load_aliases(subdivisions)
    for alias, country, code in aliases:
        add(country, alias, code, _TIER_ALIAS)
    for country, code, raw, _, _ in iso:
        add(country, raw, code, _TIER_NAME)
        for form in _derived_forms(raw):
            add(country, form, code, _TIER_DERIVED)
    for language in _LANGUAGES:
        try:
            catalog = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        for country, code, raw, _, _ in iso:
            translated = catalog.gettext(raw)
            if translated != raw:
                add(country, translated, code, _TIER_LANG)
                for form in _derived_forms(translated, inner=False):
                    add(country, form, code, _TIER_LANG)
    by_country: dict[str, dict[str, tuple[str, ...]]] = {}
    anywhere_sets: dict[str, set[tuple[str, str]]] = {}
    for country, table in tables.items():
        resolved = by_country.setdefault(country, {})
        for key, (_, codes) in table.items():
            chosen = tuple(sorted(_prefer_children(codes, country, parents)))
            resolved[key] = chosen
            anywhere_sets.setdefault(key, set()).update((country, c) for c in chosen)
    choices = {
        country: _make_choices(
            (key, code, label)
            for key, code, label in items
            if by_country[country].get(key) == (code,)
        )
        for country, items in labels.items()
    }
    every_key = set(anywhere_sets)
    candidates = {k: ",".join(sorted({c for c, _ in v})) for k, v in anywhere_sets.items()}
    return _StateIndex(
        subdivisions=subdivisions,
        by_country=by_country,
        anywhere={k: tuple(sorted(v)) for k, v in anywhere_sets.items()},
        candidates=candidates,
        codes={
            country: {code: candidates[key] for code, key in codes.items()}
            for country, codes in as_written.items()
        },
        choices=choices,
        placeholders=frozenset(_light_key(p) for p in placeholder_aliases),
        placeholder_heads=frozenset(_key(p) for p in placeholder_aliases),
        placeholder_keys=frozenset(
            k for k in (_key(p) for p in placeholder_aliases) if k and k not in every_key
        ),
    )


def _keys(text: str) -> list[str]:
    """Return the value's key, then its variants tried when it matches nothing.

    The variants drop a generic word around the name (County Cork, New York State) or write
    out an abbreviated direction (N. Carolina).
    """
    words = _tokens(text)
    keys = ["".join(words)]
    if len(words) > 1:
        for prefix in _PREFIX_HEADS.get(words[0], ()):
            size = len(prefix)
            if len(words) > size and tuple(words[:size]) == prefix:
                keys.append("".join(words[size:]))
                break
        if words[-1] in _SUFFIXES:
            keys.append("".join(words[:-1]))
        if words[0] in _DIRECTIONS:
            keys.append(_DIRECTIONS[words[0]] + "".join(words[1:]))
    return keys


def _in_country(index: _StateIndex, keys: Iterable[str], country: str) -> tuple[str, ...]:
    table = index.by_country.get(country, {})
    for key in keys:
        codes = table.get(key)
        if codes:
            return codes
    return ()


def _anywhere(index: _StateIndex, keys: Iterable[str]) -> tuple[tuple[str, str], ...]:
    for key in keys:
        hits = index.anywhere.get(key)
        if hits:
            return hits
    return ()


def _candidates_of(index: _StateIndex, keys: Iterable[str]) -> str | None:
    for key in keys:
        if key in index.candidates:
            return index.candidates[key]
    return None


@lru_cache(maxsize=1024)
def _country_of_context(country: str | None) -> str | None:
    if country is None or is_country_code(country):
        return country
    return country_code(country)


def _list(codes: Iterable[str]) -> str:
    items = sorted(set(codes))
    if len(items) > _MAX_LISTED:
        return ", ".join(items[:_MAX_LISTED]) + f" and {len(items) - _MAX_LISTED} more"
    if len(items) > 1:
        return ", ".join(items[:-1]) + " and " + items[-1]
    return items[0] if items else ""


def _article(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def _where(country: str) -> str:
    return f"{_display_with_article(country)} ({country})"


def _from_parts(index: _StateIndex, text: str, country: str | None) -> tuple[str, str] | None:
    """Return the one subdivision all parts of ``CA - California``/``Ontario, Canada`` name."""
    parts = [p for p in _PARTS.split(text) if p and p.strip()]
    if len(parts) < 2:
        return None
    common: set[tuple[str, str]] | None = None
    countries: set[str] = set() if country is None else {country}
    for part in parts:
        hits = set(_anywhere(index, _keys(part)))
        if country is not None:
            hits = {h for h in hits if h[0] == country}
        if hits:
            common = hits if common is None else common & hits
            continue
        named = country_code(part)
        if named is None:
            return None
        countries.add(named)
    if not common or len(countries) > 1:
        return None
    if countries:
        common = {h for h in common if h[0] in countries}
    return next(iter(common)) if len(common) == 1 else None


def _empty(code: str, message: str, candidates: str | None = None) -> _Answer:
    return None, code, message, None, candidates


def _kept(value: str, message: str, candidates: str | None) -> _Answer:
    """Keep a value that names subdivisions in several countries while the row has none.

    It is kept as written (white space tidied), flagged ``ambiguous``: it is real evidence, and
    emptying it would let a second cleaning run infer a country from weaker evidence. Once the
    row's country is known, the value resolves.
    """
    return " ".join(value.split()), "ambiguous", message, None, candidates


def _resolved(
    index: _StateIndex, value: str, pair: tuple[str, str], inferred: bool, candidates: str | None
) -> _Answer:
    country, code = pair
    if value == code:
        return code, None, None, country, candidates
    sub = index.subdivisions[pair]
    what = f"{sub.name}, {_article(sub.kind)} of {_where(country)}" if inferred else sub.name
    return code, "fixed", f"{show(value)} is {what}: {code}", country, candidates


def _is_placeholder(index: _StateIndex, text: str) -> bool:
    return len(text) <= _PLACEHOLDER_LENGTH and _light_key(text) in index.placeholders


def _placeholder(value: str) -> _Answer:
    return _empty("placeholder", f"{show(value)} is a placeholder, not a state; left empty")


def _one_of(index: _StateIndex, value: str, country: str, codes: Iterable[str]) -> str:
    named = " or ".join(f"{c} ({index.subdivisions[(country, c)].name})" for c in codes)
    return f"{show(value)} could be {named} in {_where(country)}; left empty"


def _normalize_one(value: str, country: str | None, threshold: float) -> _Answer:
    index = _state_index()
    if country is not None:
        country = _country_of_context(country)
        candidates = index.codes.get(country or "", {}).get(value)
        if candidates is not None:  # already the code of a subdivision of the row's country
            return value, None, None, country, candidates
    text = value.strip()
    keys = _keys(text)
    if not keys[0] or (
        keys[0] in index.placeholder_heads  # cheap sieve before the exact stand-in test
        and _is_placeholder(index, text)
        and text.upper() not in index.codes.get(country or "", {})  # NA is Navarra in ES
    ):
        return _placeholder(value)
    prefixed = _PREFIXED.match(text) if len(text) <= 8 else None
    if prefixed is not None:  # US-CA, or GB-CYM (another ISO code of Wales)
        prefix = prefixed.group(1).upper()
        codes = _in_country(index, [_key(prefixed.group(2))], prefix)
        pair = (prefix, codes[0] if len(codes) == 1 else "")
        if pair in index.subdivisions:
            if country is None or country == pair[0]:
                return _resolved(index, value, pair, country is None, pair[0])
            kind = _article(index.subdivisions[pair].kind)
            message = f"{show(value)} is {kind} of {pair[0]}, not of {country}; left empty"
            return _empty("conflict", message, pair[0])
    if country is not None:
        return _with_country(index, value, text, keys, country, threshold)
    return _without_country(index, value, text, keys)


def _with_country(
    index: _StateIndex, value: str, text: str, keys: list[str], country: str, threshold: float
) -> _Answer:
    candidates = _candidates_of(index, keys)
    codes = _in_country(index, keys, country)
    if len(codes) == 1:
        return _resolved(index, value, (country, codes[0]), False, candidates)
    if codes:
        return _empty("ambiguous", _one_of(index, value, country, codes), candidates)
    part = _from_parts(index, text, country)
    if part is not None:
        return _resolved(index, value, part, False, candidates)
    itself = country_code(text) == country  # "Canada" or "CA" in the state column of CA
    elsewhere = [pair for pair in _anywhere(index, keys) if pair[0] != country]
    if elsewhere:
        others = {c for c, _ in elsewhere}
        if len(others) == 1:
            what = f"{_article(index.subdivisions[elsewhere[0]].kind)} of {elsewhere[0][0]}"
        else:
            what = f"a subdivision of {_list(others)}"
        if itself:
            message = f"{show(value)} is {_where(country)} itself, and elsewhere {what}"
        else:
            message = f"{show(value)} is {what}, not of {country}"
        return _empty("conflict", f"{message}; left empty", candidates)
    if itself:
        message = f"{show(value)} is the country {_where(country)}, not a subdivision of it"
        return _empty("invalid", f"{message}; left empty", candidates)
    if keys[0] in index.placeholder_keys:
        return _placeholder(value)
    choices = index.choices.get(country)
    if choices is not None and _worth_near_matching(text):
        matches = _near_matches(keys[0], choices, threshold)
        if len(matches) == 1:
            match = matches[0]
            name = index.subdivisions[(country, match.target)].name
            also = "" if match.label == name else f", {name}"
            message = (
                f"{show(value)} is a near match to '{match.label}'{also} "
                f"(score {match.score:.0f}): {match.target}"
            )
            return match.target, "fuzzy", message, country, None
        if matches:
            close = " and ".join(
                f"{index.subdivisions[(country, m.target)].name} ({m.target}, score {m.score:.0f})"
                for m in matches
            )
            return _empty("ambiguous", f"{show(value)} is close to {close}; left empty")
    where = _where(country)
    return _empty(
        "invalid",
        f"{show(value)} is not a state, province or region of {where} that we know; left empty",
    )


def _without_country(index: _StateIndex, value: str, text: str, keys: list[str]) -> _Answer:
    hits = _anywhere(index, keys)
    candidates = _candidates_of(index, keys)
    countries = sorted({c for c, _ in hits})
    if len(countries) == 1:
        country = countries[0]
        if len(hits) > 1:
            message = _one_of(index, value, country, [c for _, c in hits])
            return _kept(value, message.replace("; left empty", "; kept as written"), candidates)
        also = [c for c in _names_country(text) if c != country]
        if also:
            kind = _article(index.subdivisions[hits[0]].kind)
            message = (
                f"{show(value)} is {kind} of {_where(country)} and also the country "
                f"{_where(also[0])}; give the country; kept as written"
            )
            return _kept(value, message, candidates)
        return _resolved(index, value, hits[0], True, candidates)
    if countries:
        message = (
            f"{show(value)} names a subdivision in {_list(countries)}; give the country; "
            "kept as written"
        )
        return _kept(value, message, candidates)
    part = _from_parts(index, text, None)
    if part is not None:
        return _resolved(index, value, part, True, candidates)
    if keys[0] in index.placeholder_keys:
        return _placeholder(value)
    if country_code(text) is not None:
        return _empty("invalid", f"{show(value)} is a country, not a state or province; left empty")
    return _empty(
        "invalid",
        f"{show(value)} is not a state, province or region we know in any country; left empty",
    )


def state_code(text: str, country: str | None) -> str | None:
    """Return the subdivision code ``text`` names exactly in ``country``, else None.

    Reads what :func:`normalize_state` reads, without near matching; with no country, only a
    value naming a subdivision in exactly one country gives a code. Stand-ins, conflicts and
    ambiguous values give None.

    Example:
        >>> state_code("Calif.", "US"), state_code("Bayern", None), state_code("Ontario", "US")
        ('CA', 'BY', None)
    """
    if not isinstance(text, str) or not text.strip():
        return None
    answer = _normalize_one(text, country, 101.0)  # a threshold above 100 turns near matches off
    return None if answer[1] == "ambiguous" else answer[0]


def normalize_state(
    values: pl.Series,
    country: pl.Series | str | None,
    *,
    fuzzy_threshold: float = 90.0,
) -> Normalized:
    """Normalise a column of states/provinces to ISO 3166-2 codes without the country prefix.

    ``country`` is the row's country (a Series, or one code for every row, or None): an
    alpha-2 code, or anything :func:`custclean.normalize.country.country_code` reads; a value
    it cannot read counts as no country. Near misses within the row's country are accepted at
    ``fuzzy_threshold`` (0–100) with a clear margin. Extra columns: ``state_country`` and
    ``state_candidates`` (see the module documentation). Codes: ``fixed``, ``fuzzy``,
    ``ambiguous``, ``conflict``, ``placeholder``, ``invalid``.

    Example:
        >>> out = normalize_state(
        ...     pl.Series(["Bayern", "N.Y.", "Calfornia", "CA", "Ontario"]),
        ...     pl.Series([None, "US", "US", None, "CA"]),
        ... )
        >>> out.value.to_list()
        ['BY', 'NY', 'CA', 'CA', 'ON']
        >>> out.code.to_list()
        ['fixed', 'fixed', 'fuzzy', 'ambiguous', 'fixed']
        >>> out.extra["state_country"].to_list()
        ['DE', 'US', 'US', None, 'CA']
    """
    return map_unique(
        partial(_normalize_one, threshold=float(fuzzy_threshold)),
        values,
        country,
        extra_names=("state_country", "state_candidates"),
    )
