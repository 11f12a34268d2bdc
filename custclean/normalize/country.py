"""Countries: any way people write a country becomes its ISO 3166-1 alpha-2 code.

A value is read, in this order, as

1. an alpha-2 code already in normal form (``US``): kept, no issue;
2. a stand-in such as ``N/A``, ``unknown`` or ``-`` (rows of ``reference_data/country_aliases.csv``
   with an empty country, or text without a letter or digit): emptied, ``placeholder``;
3. an alpha-2, alpha-3 or numeric code in any case (``usa``, ``DEU``, ``840``, ``076``, ``76``),
   an alias from ``country_aliases.csv`` (``U.S.A.``, ``UK``, ``Holland``, ``Ivory Coast``), an
   English short, official or common name from pycountry (``Korea, Republic of``, ``Viet Nam``)
   or a simple re-wording of one (``Republic of Korea``), the name in German, Spanish, French,
   Italian, Dutch or Portuguese (``Deutschland``, ``Alemania``) or in Greek, Cyrillic, Chinese,
   Japanese, Korean, Arabic or Hebrew script (``Ελλάδα``, ``Россия``), or a native name listed
   in the CSV (``Polska``, ``Sverige``, ``Éire``): ``fixed``;
4. a few of those joined by brackets, slashes or dashes that all name one country
   (``Germany (DE)``, ``US - United States``): ``fixed``;
5. a near miss of a name (``Grmany``, ``Untied States``; four letters or more, no digits) whose
   best match scores at least ``fuzzy_threshold`` and clearly beats every other country:
   ``fuzzy``.

Anything else is emptied with ``invalid``; a value that names two countries (``Congo``,
``Virgin Islands``, ``USA / Canada``) is emptied with ``ambiguous``. Matching ignores case,
accents, dots, apostrophes, spaces and other punctuation, a leading or trailing "the", and reads
"St" as "Saint" and "&" as "and". An alpha-2 code is always that country, even when it is also a
US state (``CA`` is Canada, ``GA`` Gabon): the state normaliser reports the contradiction.

For single values, :func:`country_code` reads a country exactly (no near matching),
:func:`country_name` gives a code's ISO short name and :func:`is_country_code` checks a code.

Example:
    >>> import polars as pl
    >>> out = normalize_country(pl.Series(["U.S.A.", "Deutschland", "GB", "Grmany", "Xyz", None]))
    >>> out.value.to_list()
    ['US', 'DE', 'GB', 'DE', None, None]
    >>> out.code.to_list()
    ['fixed', 'fixed', None, 'fuzzy', 'invalid', None]
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache, partial

import polars as pl
import pycountry
from rapidfuzz import process
from rapidfuzz.distance import OSA

from custclean.errors import InputError
from custclean.normalize._core import Normalized, map_unique
from custclean.normalize.text import show
from custclean.reference import load_table

__all__ = ["country_code", "country_name", "is_country_code", "normalize_country"]

#: A near match must beat the best match of any other country by this many points.
FUZZY_MARGIN = 5.0
#: Values with fewer letters than this (or with a digit) are never matched fuzzily.
FUZZY_MIN_LETTERS = 4
#: Values longer than this (after folding) are never matched fuzzily.
FUZZY_MAX_LENGTH = 60

# Languages whose country names are read. A name that means two countries in two languages is
# ambiguous; names in the first group also take part in near matching.
_FUZZY_LANGUAGES = ("de", "es", "fr", "it", "nl", "pt")
# Names in these scripts cannot be mistaken for a typo of a Latin name, so every country's name
# is read in them (not Devanagari or Thai: folding away their vowel signs merges names).
# Native names in other Latin-script languages (Polska, Sverige) are rows of
# country_aliases.csv: taken wholesale they collide with typos ("Nigera" is Latvian for Niger).
_OTHER_SCRIPT_LANGUAGES = (
    "el", "ru", "uk", "bg", "mk", "sr", "zh_CN", "zh_TW", "ja", "ko", "ar", "he",
)  # fmt: skip

# Tiers: a key keeps the meaning of its lowest tier; equal tiers that disagree make it ambiguous.
_TIER_CODE, _TIER_ALIAS, _TIER_NAME, _TIER_DERIVED, _TIER_FUZZY_LANG, _TIER_OTHER_LANG = range(6)

_JOINERS = str.maketrans("", "", ".'’ʼ`´")  # removed, not split on: U.S.A. → usa
_ASCII_JOINERS = (".", "'", "`")
_WORD = re.compile(r"[^\W_]+")
_ALNUM = re.compile(r"[^\W_]")
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"^\s*0*([0-9]{1,3})(?:\.0+)?\s*$")  # 840, 076, 76, 840.0 from a spreadsheet
_FOLD_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i"})
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_WORDS = {"st": "saint", "ste": "sainte"}
_PARTS = re.compile(r"\s*[()\[\]/|;,]\s*|\s+[-–—]+\s+")
_PLACEHOLDER_LENGTH = 30  # no stand-in is longer; longer values skip that lookup
_LATIN = re.compile(r"[a-z]")
_ISO_CODE = re.compile(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b")


# --------------------------------------------------------------------------------------------
# Text folding and near matching, shared with the state normaliser.
# --------------------------------------------------------------------------------------------


@cache
def _combining_marks() -> dict[int, None]:
    """Return a ``str.translate`` table deleting every combining mark (accents NFKD split off)."""
    return {c: None for c in range(0x300, 0x1F000) if unicodedata.combining(chr(c))}


def _tokens(text: str) -> list[str]:
    """Fold text to lower-case ASCII-ish words: accents, dots and apostrophes dropped."""
    if text.isascii():  # the common case, kept cheap: str.translate and regexes are slow
        text = text.lower()
        for joiner in _ASCII_JOINERS:
            if joiner in text:
                text = text.replace(joiner, "")
        if "&" in text:
            text = text.replace("&", " and ")
        plain = text.replace(" ", "").isalnum()
        words = text.split() if plain else _WORD.findall(text)
    else:
        text = unicodedata.normalize("NFKD", text).translate(_combining_marks())
        text = text.casefold().translate(_FOLD_LETTERS).replace("&", " and ")
        words = _WORD.findall(text.translate(_JOINERS))
    if "st" in words or "ste" in words:
        words = [_WORDS.get(w, w) for w in words]
    if len(words) > 1:
        if words[0] == "the":
            del words[0]
        if words[-1] == "the" and len(words) > 1:
            del words[-1]
    return words


def _key(text: str) -> str:
    """Return the matching key of a place name: its folded words run together (usa)."""
    return "".join(_tokens(text))


def _light_key(text: str) -> str:
    """Return the key placeholders are matched on: case and spaces ignored, punctuation kept."""
    return "".join(text.casefold().split())


def _spellings(name: str) -> Iterator[str]:
    """Yield a name and, when it has German umlauts, its spelling with ae/oe/ue (Oesterreich)."""
    yield name
    if any(c in name for c in "äöüÄÖÜ"):
        yield name.translate(_UMLAUTS)


def _worth_near_matching(text: str) -> bool:
    """Say whether a value may be a misspelt name: enough letters and no digits at all."""
    return _DIGIT.search(text) is None and sum(c.isalpha() for c in text) >= FUZZY_MIN_LETTERS


def _has_alnum(text: str) -> bool:
    return _ALNUM.search(text) is not None


def _derived_forms(name: str, inner: bool = True) -> Iterator[str]:
    """Yield re-wordings of an ISO name: ``Korea, Republic of`` → ``Korea``, ``Republic of Korea``.

    Also the name without a bracketed part (``Falkland Islands (Malvinas)`` → ``Falkland
    Islands``) and, when ``inner``, the bracketed part alone (``Malvinas``) without the codes
    ISO writes in it (``Wales [Cymru GB-CYM]`` → ``Cymru``).
    """
    base = re.sub(r"\s*[(\[][^)\]]*[)\]]", "", name).strip()
    if base and base != name:
        yield base
    for part in re.findall(r"[(\[]([^)\]]*)[)\]]", name) if inner else ():
        part = _ISO_CODE.sub("", part).strip()
        if sum(c.isalpha() for c in part) >= FUZZY_MIN_LETTERS:
            yield part
    if base.count(",") == 1:
        head, tail = (p.strip() for p in base.split(","))
        if head and tail:
            yield head
            yield f"{tail} {head}"


@dataclass(frozen=True)
class _Choices:
    """Near-match candidates grouped by key length: length → (keys, targets, labels)."""

    by_length: dict[int, tuple[list[str], list[str], list[str]]]


def _make_choices(items: Iterable[tuple[str, str, str]]) -> _Choices:
    """Build near-match candidates from ``(key, target, label)``; short keys are left out."""
    grouped: dict[int, tuple[list[str], list[str], list[str]]] = {}
    seen: set[tuple[str, str]] = set()
    for key, target, label in items:
        if len(key) < FUZZY_MIN_LETTERS or not key.isascii() or (key, target) in seen:
            continue
        seen.add((key, target))
        keys, targets, labels = grouped.setdefault(len(key), ([], [], []))
        keys.append(key)
        targets.append(target)
        labels.append(label)
    return _Choices(grouped)


@dataclass(frozen=True)
class _NearMatch:
    target: str
    label: str
    score: float


def _slip_distance(a: str, b: str) -> int:
    """Count the slips that turn ``a`` into ``b``.

    A letter left out or added costs 1, a swap of two neighbouring letters 1, a wrong letter 2
    (one out and one in, as in rapidfuzz's indel distance).
    """
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = previous[j - 1] + (0 if a[i - 1] == b[j - 1] else 2)
            cost = min(cost, previous[j] + 1, current[j - 1] + 1)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cost = min(cost, previous2[j - 2] + 1)
            current[j] = cost
        previous2, previous = previous, current
    return previous[-1]


def _near_matches(key: str, choices: _Choices, threshold: float) -> list[_NearMatch]:
    """Return the targets ``key`` nearly matches, best first: one if it is clear, several if not.

    The score is ``100 × (1 − d / (len(a) + len(b)))`` with ``d`` the :func:`_slip_distance`:
    rapidfuzz's ``fuzz.ratio``, except that a swap of two neighbouring letters counts as one
    slip, not two. One letter left out of, added to or swapped in a five-letter name scores 90;
    a wrong letter costs twice as much, so a different word scores low ("South America" is 87
    against "South Africa", "Swedan" 83 against "Sweden"). The best target must
    reach ``threshold``; it is returned alone when it beats every other target by
    :data:`FUZZY_MARGIN` points, otherwise with the targets within that margin (the caller
    reports them as ambiguous). No match: an empty list.
    """
    size = len(key)
    if size < FUZZY_MIN_LETTERS or size > FUZZY_MAX_LENGTH or threshold > 100:
        return []
    floor = max(threshold - FUZZY_MARGIN, 0.0) / 100.0
    best: dict[str, _NearMatch] = {}
    for length, (keys, targets, labels) in choices.by_length.items():
        total = size + length
        max_distance = int((1.0 - floor) * total + 1e-9)
        if abs(size - length) > max_distance:
            continue
        # The optimal string alignment distance never exceeds the slip distance, so it is a
        # fast, safe first sieve; the few survivors are scored exactly.
        found = process.extract(
            key, keys, scorer=OSA.distance, score_cutoff=max_distance, limit=None
        )
        for choice, _, index in found:
            score = round(100.0 * (1.0 - _slip_distance(key, choice) / total), 6)
            target = targets[index]
            if target not in best or score > best[target].score:
                best[target] = _NearMatch(target, labels[index], score)
    ranked = sorted(best.values(), key=lambda m: (-m.score, m.target))
    if not ranked or ranked[0].score < threshold:
        return []
    return [m for m in ranked if ranked[0].score - m.score < FUZZY_MARGIN]


def _add(table: dict[str, tuple[int, set[str]]], key: str, target: str, tier: int) -> None:
    """Record that ``key`` means ``target`` at ``tier`` (lower tiers win, equal ones pile up)."""
    if not key:
        return
    current = table.get(key)
    if current is None or tier < current[0]:
        table[key] = (tier, {target})
    elif tier == current[0]:
        current[1].add(target)


# --------------------------------------------------------------------------------------------
# The country index.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CountryIndex:
    alpha2: frozenset[str]
    keys: dict[str, tuple[str, ...]]  # folded key → the alpha-2 codes it may mean
    name_keys: frozenset[str]  # keys that are names or aliases, not codes
    numeric: dict[int, str]
    placeholders: frozenset[str]  # light keys
    placeholder_keys: frozenset[str]  # folded keys of placeholders that mean no country
    choices: _Choices


@cache
def _display(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name


_THE = re.compile(
    r"^(United |Netherlands|Philippines|Bahamas|Gambia|Maldives|Comoros|Seychelles|Holy See)"
    r"|(Republic|Kingdom|Islands|Emirates|Federation|Territory|Territories)$"
)


@cache
def _display_with_article(code: str) -> str:
    name = _display(code)
    return f"the {name}" if _THE.search(name) and "," not in name else name


def _load_aliases() -> tuple[list[tuple[str, str]], list[str]]:
    """Return country_aliases.csv as (alias, alpha-2) pairs, and the placeholder aliases."""
    table = load_table("country_aliases")
    known = {c.alpha_2 for c in pycountry.countries}
    pairs: list[tuple[str, str]] = []
    placeholders: list[str] = []
    for alias, country in table.select("alias", "country").iter_rows():
        if not alias or not alias.strip():
            continue
        code = (country or "").strip().upper()
        if not code:
            placeholders.append(alias)
        elif code not in known:
            raise InputError(
                f"country_aliases.csv maps {alias!r} to {country!r}, which is not a country code",
                hint="use an ISO 3166-1 alpha-2 code such as US, GB or DE",
            )
        else:
            pairs.append((alias, code))
    return pairs, placeholders


@cache
def _country_index() -> _CountryIndex:
    table: dict[str, tuple[int, set[str]]] = {}
    labels: list[tuple[str, str, str]] = []
    numeric: dict[int, str] = {}

    def name(text: str, code: str, tier: int, fuzzy: bool = True) -> None:
        for spelling in _spellings(text):
            key = _key(spelling)
            _add(table, key, code, tier)
            if fuzzy:
                labels.append((key, code, text))

    for country in pycountry.countries:
        _add(table, _key(country.alpha_2), country.alpha_2, _TIER_CODE)
        _add(table, _key(country.alpha_3), country.alpha_2, _TIER_CODE)
        numeric[int(country.numeric)] = country.alpha_2
    aliases, placeholder_aliases = _load_aliases()
    for alias, code in aliases:
        name(alias, code, _TIER_ALIAS)
    english: list[tuple[str, str]] = []
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            text = getattr(country, attr, None)
            if text:
                english.append((text, country.alpha_2))
                name(text, country.alpha_2, _TIER_NAME)
    for text, code in english:
        for form in _derived_forms(text):
            name(form, code, _TIER_DERIVED)
    languages = ((_TIER_FUZZY_LANG, _FUZZY_LANGUAGES), (_TIER_OTHER_LANG, _OTHER_SCRIPT_LANGUAGES))
    for tier, names in languages:
        for language in names:
            try:
                catalog = gettext.translation(
                    "iso3166-1", pycountry.LOCALES_DIR, languages=[language]
                )
            except OSError:
                continue
            for text, code in english:
                translated = catalog.gettext(text)
                latin = _LATIN.search(_key(translated)) is not None
                if translated == text or (tier == _TIER_OTHER_LANG and latin):
                    continue
                fuzzy = tier == _TIER_FUZZY_LANG
                name(translated, code, tier, fuzzy)
                for form in _derived_forms(translated, inner=False):
                    name(form, code, tier, fuzzy)
    keys = {key: tuple(sorted(codes)) for key, (_, codes) in table.items()}
    name_keys = {key for key, (tier, _) in table.items() if tier >= _TIER_ALIAS}
    placeholder_keys = frozenset(
        key for key in (_key(p) for p in placeholder_aliases) if key and key not in keys
    )
    single = {key for key, codes in keys.items() if len(codes) == 1}
    return _CountryIndex(
        alpha2=frozenset(c.alpha_2 for c in pycountry.countries),
        keys=keys,
        name_keys=frozenset(name_keys),
        numeric=numeric,
        placeholders=frozenset(_light_key(p) for p in placeholder_aliases),
        placeholder_keys=placeholder_keys,
        choices=_make_choices(
            (key, code, label)
            for key, code, label in labels
            if key in single and keys[key] == (code,)
        ),
    )


def _lookup(text: str) -> tuple[str, ...]:
    """Return every country ``text`` names exactly (codes, aliases, names); empty when none."""
    index = _country_index()
    key = _key(text)
    codes = index.keys.get(key)
    if codes is not None:
        return codes
    number = _NUMBER.match(text)
    if number is not None:
        code = index.numeric.get(int(number.group(1)))
        if code is not None:
            return (code,)
    return ()


def _names_country(text: str) -> tuple[str, ...]:
    """Return the countries ``text`` names by name or alias (not by code); empty when none."""
    index = _country_index()
    key = _key(text)
    return index.keys.get(key, ()) if key in index.name_keys else ()


# --------------------------------------------------------------------------------------------
# Public helpers.
# --------------------------------------------------------------------------------------------


def is_country_code(code: object) -> bool:
    """Return True when ``code`` is an ISO 3166-1 alpha-2 code in normal form (upper case).

    Example:
        >>> [is_country_code(c) for c in ("DE", "de", "UK", None)]
        [True, False, False, False]
    """
    return isinstance(code, str) and code in _country_index().alpha2


def country_name(code: str) -> str | None:
    """Return the ISO 3166-1 English short name of an alpha-2 code (any case), else None.

    Example:
        >>> country_name("DE"), country_name("gb"), country_name("KR"), country_name("XX")
        ('Germany', 'United Kingdom', 'Korea, Republic of', None)
    """
    if not isinstance(code, str) or code.strip().upper() not in _country_index().alpha2:
        return None
    return str(pycountry.countries.get(alpha_2=code.strip().upper()).name)


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """Return the alpha-2 code ``text`` names exactly, without near matching, else None.

    Codes, aliases and names in any case are read as :func:`normalize_country` reads them; a
    stand-in (``N/A``) or a value naming two countries (``Congo``) gives None.

    Example:
        >>> country_code("U.S.A."), country_code("deu"), country_code("Österreich")
        ('US', 'DE', 'AT')
        >>> country_code("Congo") is None, country_code("Atlantis") is None
        (True, True)
    """
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    if _light_key(text) in _country_index().placeholders:
        return None
    codes = _lookup(text)
    return codes[0] if len(codes) == 1 else None


# --------------------------------------------------------------------------------------------
# The normaliser.
# --------------------------------------------------------------------------------------------


_Answer = tuple[str | None, str | None, str | None]


def _resolved(value: str, code: str) -> _Answer:
    if code == value:
        return code, None, None
    return code, "fixed", f"{show(value)} is {_display_with_article(code)}: {code}"


def _placeholder(value: str) -> _Answer:
    return None, "placeholder", f"{show(value)} is a placeholder, not a country; left empty"


def _from_parts(text: str) -> tuple[str, ...] | None:
    """Return the countries the parts of ``Germany (DE)`` name; None if a part names none."""
    parts = [p for p in _PARTS.split(text) if p and p.strip()]
    if len(parts) < 2:
        return None
    found: set[str] = set()
    for part in parts:
        codes = _lookup(part)
        if len(codes) != 1:
            return None
        found.add(codes[0])
    return tuple(sorted(found))


def _normalize_one(value: str, threshold: float) -> _Answer:
    index = _country_index()
    if value in index.alpha2:
        return value, None, None
    text = value.strip()
    if (len(text) <= _PLACEHOLDER_LENGTH and _light_key(text) in index.placeholders) or (
        not _has_alnum(text)
    ):
        return _placeholder(value)
    codes = _lookup(text)
    if len(codes) == 1:
        return _resolved(value, codes[0])
    if codes:
        named = " or ".join(f"{c} ({_display(c)})" for c in codes)
        return None, "ambiguous", f"{show(value)} could be {named}; left empty"
    key = _key(text)
    if key in index.placeholder_keys:
        return _placeholder(value)
    parts = _from_parts(text)
    if parts is not None and len(parts) == 1:
        return _resolved(value, parts[0])
    if parts is not None:
        message = f"{show(value)} names more than one country ({', '.join(parts)}); left empty"
        return None, "ambiguous", message
    matches: list[_NearMatch] = []
    if _worth_near_matching(text):
        matches = _near_matches(key, index.choices, threshold)
    if len(matches) == 1:
        match = matches[0]
        name = _display(match.target)
        also = "" if match.label == name else f", {name}"
        message = (
            f"{show(value)} is a near match to '{match.label}'{also} "
            f"(score {match.score:.0f}): {match.target}"
        )
        return match.target, "fuzzy", message
    if matches:
        close = " and ".join(
            f"{_display(m.target)} ({m.target}, score {m.score:.0f})" for m in matches
        )
        return None, "ambiguous", f"{show(value)} is close to {close}; left empty"
    return None, "invalid", f"{show(value)} is not a country we know; left empty"


def normalize_country(values: pl.Series, *, fuzzy_threshold: float = 90.0) -> Normalized:
    """Normalise a column of countries to ISO 3166-1 alpha-2 codes (upper case).

    Codes (alpha-2, alpha-3, numeric), English, native and common names and the aliases of
    ``reference_data/country_aliases.csv`` are read in any case and with stray punctuation;
    a near miss is accepted when its score reaches ``fuzzy_threshold`` (0–100) and clearly
    beats every other country. Codes: ``fixed``, ``fuzzy``, ``ambiguous``, ``placeholder``,
    ``invalid``; an alpha-2 code already in upper case gets none.

    Example:
        >>> out = normalize_country(pl.Series(["usa", "England", "276", "Canda", "N/A", "US"]))
        >>> out.value.to_list()
        ['US', 'GB', 'DE', 'CA', None, 'US']
        >>> out.message[1]
        "'England' is the United Kingdom: GB"
    """
    return map_unique(partial(_normalize_one, threshold=float(fuzzy_threshold)), values)
