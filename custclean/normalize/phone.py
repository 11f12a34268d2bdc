"""Normalise phone numbers to E.164 (``+13125550123``) with the ``phonenumbers`` library.

A number is read with the row's country (``region``, ISO alpha-2) or, when that is empty,
``default_region``; a number written with its country code (``+44 …``, ``0044 …``) needs
neither. What :func:`normalize_phone` does:

- national and international formats, spaces, dots, dashes, brackets, ``(0)``, letters of
  vanity numbers (``1-800-FLOWERS``) → the E.164 number, ``fixed`` ("written as …"); an
  E.164 value that is already valid gets no code;
- extensions (``x123``, ``ext. 45``, ``extension 45``, ``#45``, ``;ext=45``) go to the extra
  column ``ext``;
- international prefixes: ``+``; ``00`` everywhere (no national number starts with 00, so it
  can only be the international prefix); ``011`` only in the North American Numbering Plan
  (US, CA and the other +1 countries), where it is the international prefix — elsewhere a
  leading 0 is the trunk prefix (``0114 496 0000`` is a Sheffield number), so ``011…`` is read
  as a national number there;
- spreadsheet damage: ``3125550123.0`` (a number stored as a decimal) and ``3.125550123E9``
  (scientific notation that still holds every digit) are repaired → ``fixed``;
  ``3.12555E+09`` lost its last digits → empty, ``invalid``;
- Mexican mobiles still written with the ``1`` after ``+52`` (dropped in 2019) → ``fixed``;
- a number that is not valid (phonenumbers' ``is_valid_number``) → empty, ``invalid``, with the
  reason (a 7-digit local number without its area code, too short, too long, not in a range in
  use); ``310-5170`` too, which phonenumbers would take for a Canadian universal access number
  (+13105170) but which in a customer list is a local number that lost its area code; a
  national number that is invalid for the row's country but valid for
  ``default_region`` → empty, ``ambiguous`` (which of number and country is wrong is not
  guessed);
- stand-ins: no digits at all (``n/a``, ``none``), one repeated digit (``000-000-0000``,
  ``(999) 999-9999``) or a run of consecutive digits (``123-456-7890``) → empty,
  ``placeholder``;
- several numbers in one cell (``312-555-0123 / 773-555-0199``): the first valid one is kept;
  ``ambiguous`` when two or more are valid, else ``fixed``; the message names the others;
- ``expect="mobile"`` (a cell-phone column): a number whose type is clearly not a mobile
  (``fixed_line``, ``toll_free``, ``premium_rate``, ``shared_cost``, ``uan``) is kept with
  code ``conflict``. ``fixed_line_or_mobile`` (US, CA…) is never a conflict. Being an
  observation rather than a change, this code recurs when the output is normalised again.

A number whose country differs from the row's (``+44 …`` for a US customer) is kept: its
country code is explicit. Extra columns: ``ext``, ``type`` (phonenumbers' number type in
lower case: ``mobile``, ``fixed_line``, ``fixed_line_or_mobile``, ``toll_free``, ``voip``…)
and ``region`` (the number's own country, ISO alpha-2, for filling a blank country; empty for
non-geographic numbers such as +800).

Parsing is the slowest step of the cleaner. Cells are first reduced in polars to a key
without spaces, dots, dashes and brackets; the plain, valid numbers among them (most of a real
list) are then read by :mod:`custclean.normalize.phone_fast` with polars expressions over the
whole column, which reproduces phonenumbers' reading exactly. Only the other keys are parsed
with phonenumbers, once per distinct (key, region, default region), so ``1-800-FLOWERS``
and ``1 (800) FLOWERS`` share one parse, and large inputs are spread over a process pool.

Example:
    >>> import polars as pl
    >>> out = normalize_phone(
    ...     pl.Series(["(312) 555-0123 x45", "+44 20 7946 0958", "555-0123", "n/a"]), "US"
    ... )
    >>> out.value.to_list()
    ['+13125550123', '+442079460958', None, None]
    >>> out.code.to_list()
    ['fixed', 'fixed', 'invalid', 'placeholder']
    >>> out.extra["ext"].to_list(), out.extra["region"].to_list()
    (['45', None, None, None], ['US', 'GB', None, None])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

import phonenumbers as pn
import polars as pl

from custclean.normalize import phone_fast
from custclean.normalize._core import BLANK, Normalized, map_unique, positions
from custclean.normalize.phone_fast import FAST_COLUMNS

__all__ = ["NOT_MOBILE_TYPES", "PHONE_TYPES", "normalize_phone", "phone_region"]

#: phonenumbers' number types by the lower-case name used in the ``type`` column.
PHONE_TYPES: dict[int, str] = {
    getattr(pn.PhoneNumberType, name): name.lower()
    for name in (
        "FIXED_LINE",
        "MOBILE",
        "FIXED_LINE_OR_MOBILE",
        "TOLL_FREE",
        "PREMIUM_RATE",
        "SHARED_COST",
        "VOIP",
        "PERSONAL_NUMBER",
        "PAGER",
        "UAN",
        "VOICEMAIL",
        "UNKNOWN",
    )
}

#: Types that are clearly not a person's mobile: ``conflict`` in a cell-phone column.
NOT_MOBILE_TYPES: dict[str, str] = {
    "fixed_line": "a fixed line",
    "toll_free": "a toll-free number",
    "premium_rate": "a premium-rate number",
    "shared_cost": "a shared-cost number",
    "uan": "a company's universal access number",
}

Answer = tuple[str | None, str | None, str | None, str | None, str | None, str | None]

_MAX_KEY = 100
_NANP = frozenset(pn.COUNTRY_CODE_TO_REGION_CODE[1])
_SUPPORTED = frozenset(pn.SUPPORTED_REGIONS)
_NON_GEOGRAPHIC = pn.REGION_CODE_FOR_NON_GEO_ENTITY
_UNKNOWN = pn.PhoneNumberType.UNKNOWN
_TYPE_HELPER: Callable[[str, Any], int] | None = getattr(
    pn.phonenumberutil, "_number_type_helper", None
)
_ASCENDING = "01234567890123456789"
_DESCENDING = _ASCENDING[::-1]

# Vectorised key: everything a format may add that says nothing about the number.
_SEPARATORS = r"[\s.\-\u2010-\u2015\u2212()\[\]]"
# the characters _SEPARATORS matches (\s is Unicode's White_Space), removed as literals: a
# multi-pattern literal search is cheaper than a regex replace (a test checks the two agree)
_SEPARATOR_CHARS = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000.-\u2010\u2011\u2012\u2013\u2014\u2015\u2212()[]"
)
_DECIMAL = r"^\+?\d+\.0+$"
_SCIENTIFIC = r"^\+?\d(?:\.\d+)?e[+-]?\d+$"
_SPREADSHEET = f"{_DECIMAL}|{_SCIENTIFIC}"  # a key kept as it is: one regex for the two
_FLOAT_RE = re.compile(r"^(\+?\d+)\.0+$")
_SCI_RE = re.compile(r"^(\+?)(\d)(?:\.(\d+))?e([+-]?)(\d+)$")
_NANP_PLAIN = re.compile(r"^(?:\+?1)?([2-9]\d{9})$")
_E164_NANP = re.compile(r"^\+1([2-9]\d{9})$")
_SHORT_NANP = r"^\+1\d{7}$"
_SHORT_NANP_TAIL = (
    "has 7 digits: a local number without its area code, which is not guessed (phonenumbers "
    "would read it as a Canadian 310 number, which works only inside its province); left empty"
)
_SPLIT = re.compile(r"[/,;&|]|(?<=\d)(?:or|and|y|oder|ou)(?=\+?\d)")
_DIGITS = re.compile(r"\d")
_TRAILING_WORD = re.compile(r"^(.*\d)([^\W\d_]{2,})$")
_MX_TRUNK = re.compile(r"^(01|044|045)(\d{10}(?:\D.*)?)$")
_VANITY = re.compile(r"\d.*[a-z].*[a-z].*[a-z]")

_REASONS = {
    pn.ValidationResult.TOO_SHORT: "is too short for {where} ({n} digits)",
    pn.ValidationResult.TOO_LONG: "is too long for {where} ({n} digits)",
    pn.ValidationResult.INVALID_LENGTH: "has a number of digits ({n}) that no number of {r} has",
    pn.ValidationResult.IS_POSSIBLE: (
        "has the length of {where} but is not in a range in use (unknown area code or prefix)"
    ),
}
_PARSE_ERRORS = {
    pn.NumberParseException.NOT_A_NUMBER: "is not a phone number",
    pn.NumberParseException.TOO_SHORT_AFTER_IDD: "has too few digits after the international "
    "prefix",
    pn.NumberParseException.TOO_SHORT_NSN: "is too short to be a phone number",
    pn.NumberParseException.TOO_LONG: "is too long to be a phone number",
    pn.NumberParseException.INVALID_COUNTRY_CODE: "does not start with a country calling code",
}


def _dummy(digits: str) -> str | None:
    """Say why ``digits`` look like a stand-in (one repeated digit, a run), or None."""
    if not digits:
        return None
    if len(set(digits)) == 1:
        return "one digit repeated"
    if len(digits) >= 6 and (digits in _ASCENDING or digits in _DESCENDING):
        return "consecutive digits"
    return None


def _region_name(number: pn.PhoneNumber) -> str:
    """Name the country of ``number`` for a message: 'GB', or '+999' when it has none."""
    region = pn.region_code_for_country_code(number.country_code)
    return region if region not in ("ZZ", _NON_GEOGRAPHIC) else f"+{number.country_code}"


def _parse(key: str, region: str | None) -> pn.PhoneNumber:
    """Parse ``key`` like ``pn.parse(key, region)``, skipping the parser for plain NANP digits."""
    plain = _E164_NANP.match(key) or (region in _NANP and _NANP_PLAIN.match(key))
    if plain:
        return pn.PhoneNumber(country_code=1, national_number=int(plain[1]))
    return pn.parse(key, region)


def _e164(number: pn.PhoneNumber) -> str:
    return f"+{number.country_code}{pn.national_significant_number(number)}"


def _classify(number: pn.PhoneNumber) -> tuple[int, str | None]:
    """Return the number's type and own region; the type is ``UNKNOWN`` iff it is invalid.

    This is ``pn.number_type`` and ``pn.region_code_for_number`` in one: phonenumbers'
    ``is_valid_number`` is ``number_type(...) != UNKNOWN``, and ``number_type`` looks the region
    up first, so asking for both separately would match the number against the patterns of
    its country up to three times. Without phonenumbers' type helper (a private function)
    this falls back to the two public calls.
    """
    own = pn.region_code_for_number(number)
    if own is None:
        return _UNKNOWN, None
    if _TYPE_HELPER is None:  # pragma: no cover - only if phonenumbers renames its helper
        return pn.number_type(number), own
    metadata = pn.PhoneMetadata.metadata_for_region_or_calling_code(number.country_code, own)
    if metadata is None:
        return _UNKNOWN, own
    return _TYPE_HELPER(pn.national_significant_number(number), metadata), own


def _describe(number: pn.PhoneNumber, kind: int, own: str | None, notes: list[str]) -> Answer:
    """Answer for a valid number: E.164, the notes as a ``fixed`` message, ext, type, region."""
    value = _e164(number)
    if number.extension:
        notes.append(f"extension {number.extension} kept apart")
    tail = f"written as {value}: " + "; ".join(notes) if notes else None
    return (
        value,
        "fixed" if notes else None,
        tail,
        number.extension or None,
        PHONE_TYPES.get(kind, "unknown"),
        own if own and own != _NON_GEOGRAPHIC else None,
    )


def _invalid(code: str, tail: str) -> Answer:
    return None, code, tail, None, None, None


def _read_one(key: str, region: str | None, default: str | None, notes: list[str]) -> Answer:
    """Read one number (no separators between numbers left in ``key``)."""
    notes = list(notes)  # the caller may try other readings with its own notes
    key = key.replace("/", "")
    where = region or default
    known = where if where in _SUPPORTED else None
    international = key.startswith("+")
    if not international and known is None and key.startswith("00"):
        key, international = "+" + key[2:], True
        notes.append("'00' read as the international prefix")
    if not international and known is None:
        if where:
            return _invalid(
                "invalid",
                f"has no country code (+…) and phonenumbers has no numbering plan for "
                f"'{where}'; left empty",
            )
        return _invalid(
            "invalid",
            "has no country code (+…) and the row has no country; which country's number it "
            "is cannot be told; left empty",
        )
    try:
        number = _parse(key, known)
    except pn.NumberParseException as exc:
        return _invalid("invalid", _PARSE_ERRORS.get(exc.error_type, str(exc)) + "; left empty")
    main = key.split(";")[0]
    why = _dummy(pn.national_significant_number(number)) or _dummy("".join(_DIGITS.findall(main)))
    if why:
        return _invalid("placeholder", f"is a dummy number ({why}); left empty")
    if number.extension is None and _VANITY.search(key):
        notes.append("letters read as keypad digits")
    kind, own = _classify(number)
    if kind != _UNKNOWN:
        if number.country_code == 1 and len(pn.national_significant_number(number)) == 7:
            return _invalid("invalid", _SHORT_NANP_TAIL)  # a 310 number: see _no_short_nanp
        return _describe(number, kind, own, notes)

    nsn = pn.national_significant_number(number)
    if number.country_code == 52 and len(nsn) == 11 and nsn.startswith("1"):
        mexican = pn.PhoneNumber(country_code=52, national_number=int(nsn[1:]))
        mexican.extension = number.extension
        kind, own = _classify(mexican)
        if kind != _UNKNOWN:
            notes.append("the '1' that Mexican mobiles carried after +52 until 2019 was dropped")
            return _describe(mexican, kind, own, notes)
    mexican_trunk = _MX_TRUNK.match(key) if known == "MX" and not international else None
    if mexican_trunk:
        answer = _read_one(
            mexican_trunk[2],
            "MX",
            None,
            [*notes, f"the '{mexican_trunk[1]}' prefix Mexico used until 2019 was dropped"],
        )
        if answer[0] is not None:
            return answer
    if not international and key.startswith("00"):
        answer = _read_one(
            "+" + key[2:], None, None, [*notes, "'00' read as the international prefix"]
        )
        if answer[0] is not None:
            return answer
    if not international and key.startswith("011") and known not in _NANP:
        # Dialled from North America ("011 44 20 …") but the row is not: accept it only when
        # the national reading failed and the country code it gives is the row's own.
        answer = _read_one(
            "+" + key[3:],
            None,
            None,
            [*notes, "'011' read as the international prefix dialled from North America"],
        )
        if answer[0] is not None and (region is None or answer[5] == region):
            return answer
    if not international and region and default and default != region and default in _SUPPORTED:
        try:
            other = _parse(key, default)
        except pn.NumberParseException:
            other = None
        if other is not None and _classify(other)[0] != _UNKNOWN:
            return _invalid(
                "ambiguous",
                f"is not a valid number of {region} (the row's country) but would be "
                f"{_e164(other)} in {default}; left empty rather than guess which of the two "
                "is wrong",
            )
    return _invalid("invalid", _why_invalid(number, None if international else known))


def _why_invalid(number: pn.PhoneNumber, region: str | None) -> str:
    """Say why phonenumbers rejects ``number`` (read as a national number of ``region``)."""
    reason = pn.is_possible_number_with_reason(number)
    digits = len(pn.national_significant_number(number))
    if reason == pn.ValidationResult.INVALID_COUNTRY_CODE:
        return f"starts with +{number.country_code}, which is no country's calling code; left empty"
    if reason == pn.ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return (
            f"has {digits} digits: a local number without its area code, which is not guessed; "
            "left empty"
        )
    name = region or _region_name(number)
    text = _REASONS.get(reason, "is not a valid number of {r}")
    return text.format(where=f"a {name} number", n=digits, r=name) + "; left empty"


def _phone_value(key: str, region: str | None, default: str | None) -> Answer:
    """Normalise one distinct key: (value, code, message tail, ext, type, region).

    The message tail follows the quoted cell, added by :func:`normalize_phone`.
    """
    try:
        return _phone_key(key, region, default)
    except Exception as exc:  # the contract: never raise on a value
        return _invalid("invalid", f"could not be read ({type(exc).__name__}); left empty")


def _phone_key(key: str, region: str | None, default: str | None) -> Answer:
    if len(key) > _MAX_KEY:
        return _invalid("invalid", "is too long to be a phone number; left empty")
    notes: list[str] = []
    decimal = _FLOAT_RE.match(key)
    if decimal:
        key = decimal[1]
        notes.append("a spreadsheet had stored it as a decimal number")
    scientific = _SCI_RE.match(key)
    if scientific:
        plus, first, fraction, sign, exponent = scientific.groups()
        fraction, power = fraction or "", int(exponent)
        if sign == "-" and power:
            return _invalid("invalid", "is a decimal number, not a phone number; left empty")
        if len(fraction) < power:
            return _invalid(
                "invalid",
                f"is in scientific notation with {1 + len(fraction)} significant digits: a "
                f"spreadsheet shortened it and the last {power - len(fraction)} digits are lost; "
                "left empty",
            )
        if len(fraction) > power:
            return _invalid("invalid", "is a decimal number, not a phone number; left empty")
        key = plus + first + fraction
        notes.append("a spreadsheet had shown it in scientific notation; every digit was there")
    if not _DIGITS.search(key):
        return _invalid("placeholder", "has no digits: it stands for no number; left empty")

    parts = [p for p in _SPLIT.split(key) if p]
    numbered = [p for p in parts if len(_DIGITS.findall(p)) >= 7]
    if len(numbered) < 2:
        whole = _read_one(key, region, default, notes)
        if whole[0] is None and (word := _TRAILING_WORD.match(key)):
            # "312-555-0123 (cell)": phonenumbers would read the word as vanity letters
            bare = _read_one(word[1], region, default, [*notes, f"the word '{word[2]}' dropped"])
            if bare[0] is not None:
                return bare
        if whole[0] is not None or len(parts) == 1 or not numbered:
            return whole
        alone = _read_one(numbered[0], region, default, notes)
        if alone[0] is None:
            return whole
        if any(_DIGITS.search(p) for p in parts if p is not numbered[0]):
            return (
                alone[0],
                "ambiguous",
                f"holds the number {alone[0]} and more digits that do not form a number; kept "
                f"{alone[0]}, the rest of the cell was not read",
                *alone[3:],
            )
        tail = alone[2] or f"written as {alone[0]}"
        return alone[0], "fixed", f"{tail}; the other text in the cell was dropped", *alone[3:]
    return _several(parts, region, default, notes)


def _several(parts: list[str], region: str | None, default: str | None, notes: list[str]) -> Answer:
    """Read a cell holding two or more numbers: keep the first valid one, name the others."""
    answers = [(p, _read_one(p, region, default, list(notes))) for p in parts]
    valid = [a for _, a in answers if a[0] is not None]
    if not valid:
        return _invalid(
            answers[0][1][1] or "invalid",
            f"holds {len(parts)} numbers and none is valid; the first {answers[0][1][2]}",
        )
    chosen = valid[0]
    distinct = {a[0] for a in valid}
    others = [
        a[0] if a[0] is not None else f"'{p}' ({(a[2] or '').removesuffix('; left empty')})"
        for p, a in answers
        if a[0] != chosen[0]
    ]
    if len(distinct) > 1:
        return (
            chosen[0],
            "ambiguous",
            f"holds {len(distinct)} numbers; kept the first, {chosen[0]}; not kept: "
            + ", ".join(others),
            *chosen[3:],
        )
    if not others:
        tail = f"written as {chosen[0]}: the same number given {len(parts)} times"
    else:
        tail = f"written as {chosen[0]}, the one valid number; not kept: {', '.join(others)}"
    return chosen[0], "fixed", tail, *chosen[3:]


def _context(region: pl.Series | str | None, n: int) -> pl.Series:
    """Return the row regions as an upper-case String Series of length ``n`` (blank → null).

    Example:
        >>> _context(pl.Series([" us", "", None, "GB"]), 4).to_list()
        ['US', None, None, 'GB']
    """
    if isinstance(region, pl.Series):
        if region.len() != n:
            raise ValueError(f"region has {region.len()} rows, the values have {n}")
        text = region.cast(pl.String)
        # the usual column is clean already ('US', 'GB'): tested on its distinct values
        distinct = text.unique()
        cleaned = distinct.str.strip_chars().str.to_uppercase()
        if (cleaned == distinct).all() and not (cleaned == "").any():
            return text
        text = text.str.strip_chars().str.to_uppercase()
        return text.set(text.fill_null("") == "", None)  # type: ignore[arg-type]
    text = (region or "").strip().upper() or None
    return pl.repeat(text, n, dtype=pl.String, eager=True)


def _keys(raw: pl.Series) -> pl.Series:
    """Reduce cells to the keys the per-value path reads: trimmed, lower case, no separators.

    A number a spreadsheet stored as a decimal or in scientific notation keeps its dot.

    Example:
        >>> _keys(pl.Series([" (312) 555-0123 X45", "3.12555E+09", None])).to_list()
        ['3125550123x45', '3.12555e+09', None]
    """
    frame = pl.DataFrame({"low": raw.cast(pl.String).str.strip_chars().str.to_lowercase()})
    low = pl.col("low")
    removed = dict.fromkeys(_SEPARATOR_CHARS, "")
    return frame.select(
        pl.when(low.str.contains(_SPREADSHEET)).then(low).otherwise(low.str.replace_many(removed))
    ).to_series()


def _no_short_nanp(answers: pl.DataFrame) -> pl.DataFrame:
    """Empty the +1 numbers of 7 digits: local numbers without their area code.

    phonenumbers reads ``310-xxxx`` as a Canadian universal access number (dialled without
    an area code inside a province), whatever the row's country. In a customer list such a
    cell is a local number whose area code was left out; reading it as a company's number
    would present a guess as fact.
    """
    value = answers["value"]
    # the pattern is tested on the values of its length only (few)
    rows = (value.str.len_chars() == 9).arg_true()
    rows = rows.filter(value.gather(rows).str.contains(_SHORT_NANP))
    if not rows.len():
        return answers
    short = pl.repeat(False, answers.height, eager=True).scatter(rows, True)
    empty = {
        name: pl.when(short).then(None).otherwise(name)
        for name in ("value", "ext", "type", "region")
    }
    return answers.with_columns(
        **empty,
        code=pl.when(short).then(pl.lit("invalid")).otherwise("code"),
        message=pl.when(short).then(pl.lit(_SHORT_NANP_TAIL)).otherwise("message"),
    )


def phone_region(
    values: pl.Series, region: pl.Series | str | None = None, *, parallel: bool = False
) -> pl.Series:
    """Return the country (alpha-2) of each cell's valid phone number; null where there is none.

    The cells are read as :func:`normalize_phone` reads them with ``region`` and no default
    region, and the answer is its ``region`` column (null also for non-geographic numbers
    such as +800). Only validity and the number's country are asked for, so the vectorised
    path (:func:`custclean.normalize.phone_fast.valid_fast`) settles far more cells than
    for :func:`normalize_phone`, invalid numbers of every country included; the rest are
    read by :func:`normalize_phone`. This is what trying a number in several candidate
    countries needs.

    Example:
        >>> import polars as pl
        >>> cells = pl.Series(["0176 93256064", "0176 93256064", "+44 20 7946 0958", "n/a"])
        >>> phone_region(cells, pl.Series(["DE", "GB", "US", "DE"])).to_list()
        ['DE', None, 'GB', None]
    """
    n = values.len()
    regions = _context(region, n)
    keys = _keys(values)
    # The vectorised path pays a set-up per region; a region with few distinct keys (as when
    # one number is tried in dozens of candidate countries) is read key by key instead.
    few = (
        pl.DataFrame({"key": keys, "region": regions})
        .select(pl.col("key").n_unique().over("region") < FEW_PER_REGION)
        .to_series()
    )
    found = pl.repeat(None, n, dtype=pl.String, eager=True)
    if few.any():
        found = found.scatter(few.arg_true(), _slow_regions(keys.filter(few), regions.filter(few)))
    many = ~few
    if not many.any():
        return found.alias("region")
    keys_many, regions_many = keys.filter(many), regions.filter(many)
    fast = phone_fast.valid_fast(keys_many, regions_many)
    # a +1 number of 7 digits is valid to the fast path (a Canadian 310 number) but not here
    short = fast["region"].is_in(list(_NANP)) & (
        keys_many.str.count_matches(r"\d").fill_null(0) <= 8
    )
    open_rows = (fast["valid"].is_null() | short) & (keys_many.fill_null("") != "")
    found_many = fast["region"]
    if open_rows.any():
        slow = normalize_phone(
            values.filter(many).filter(open_rows),
            regions_many.filter(open_rows),
            parallel=parallel,
        )
        found_many = found_many.scatter(open_rows.arg_true(), slow.extra["region"])
    return found.scatter(many.arg_true(), found_many).alias("region")


#: Distinct keys of one region below which :func:`phone_region` reads them one by one.
FEW_PER_REGION = 300


def _slow_regions(keys: pl.Series, regions: pl.Series) -> pl.Series:
    """Return the valid numbers' regions as :func:`normalize_phone` reads them, key by key."""
    slow = map_unique(_phone_value, keys, regions, None, extra_names=FAST_COLUMNS[3:])
    answers = pl.DataFrame(
        {"value": slow.value, "code": slow.code, "message": slow.message, **slow.extra}
    )
    return _no_short_nanp(answers)["region"]


def normalize_phone(
    values: pl.Series,
    region: pl.Series | str | None = None,
    *,
    default_region: str | None = None,
    expect: Literal["any", "mobile"] = "any",
    parallel: bool = False,
) -> Normalized:
    """Normalise a column of phone numbers to E.164 (see the module docstring for every rule).

    ``region`` is the row's country (alpha-2, a Series or one code for all rows);
    ``default_region`` is used where it is empty. ``expect="mobile"`` flags numbers that are
    clearly not mobiles with ``conflict``. Plain numbers are read by a vectorised fast path
    (:func:`custclean.normalize.phone_fast.read_fast`) that gives the same answers as
    phonenumbers; ``parallel`` lets large inputs (20,000 distinct keys or more left to
    phonenumbers) use a process pool; the pool starts its workers with "spawn", so a script
    that calls this at import time needs the usual ``if __name__ == "__main__":`` guard.

    Example:
        >>> import polars as pl
        >>> out = normalize_phone(
        ...     pl.Series(["020 7946 0958", "0171 1234567", "3.12555E+09"]),
        ...     pl.Series(["GB", "DE", None]),
        ...     default_region="US",
        ...     expect="mobile",
        ... )
        >>> out.value.to_list(), out.code.to_list()
        (['+442079460958', '+491711234567', None], ['conflict', 'fixed', 'invalid'])
        >>> out.message[0]
        "'020 7946 0958' is a fixed line, not a mobile: kept as +442079460958"
        >>> out.extra["type"].to_list()
        ['fixed_line', 'mobile', None]
    """
    if expect not in ("any", "mobile"):
        raise ValueError(f"expect must be 'any' or 'mobile', not {expect!r}")
    default = (default_region or "").strip().upper() or None
    if default is not None and default not in _SUPPORTED:
        raise ValueError(
            f"default_region {default_region!r} is not a region phonenumbers knows; give an "
            "ISO 3166-1 alpha-2 code such as 'US'"
        )
    n = values.len()
    raw = values.cast(pl.String)
    regions = _context(region, n)
    if raw.null_count() * 4 < n:
        answers = _read_cells(raw, regions, default, expect, parallel)
    else:
        # a null cell is null in every column: in a column with many (a quarter or more,
        # where the reading saved outweighs spreading the answers back), only the others
        # are read
        present = raw.is_not_null()
        rows = present.arg_true()
        found = _read_cells(raw.filter(present), regions.filter(present), default, expect, parallel)
        answers = found.select(pl.all().gather(positions(rows, n)))
    return Normalized(
        value=answers["value"],
        code=answers["code"],
        message=answers["message"],
        extra={name: answers[name] for name in ("ext", "type", "region")},
    )


def _read_cells(
    raw: pl.Series,
    regions: pl.Series,
    default: str | None,
    expect: Literal["any", "mobile"],
    parallel: bool,
) -> pl.DataFrame:
    """Read the cells ``raw`` (their regions checked): value, code, message, ext, type, region.

    The work of :func:`normalize_phone` once its arguments are checked.

    Example:
        >>> cells, regions = pl.Series(["020 7946 0958", "n/a"]), pl.Series(["GB", "GB"])
        >>> _read_cells(cells, regions, None, "mobile", False)["code"].to_list()
        ['conflict', 'placeholder']
    """
    keys = _keys(raw)
    # Plain numbers are read in polars (phone_fast): same answers, no parse. The slow path
    # reads the other keys (only those: the rows it needs are picked out first).
    fast = phone_fast.read_fast(keys, regions, default)
    # the keys the fast path left, if not blank (a regex test on those keys only)
    rows = (~fast["claimed"] & keys.is_not_null()).arg_true()
    rows = rows.filter(~keys.gather(rows).str.contains(BLANK))
    if rows.len():
        slow = map_unique(
            _phone_value,
            keys.gather(rows),
            regions.gather(rows),
            default,
            extra_names=("ext", "type", "region"),
            parallel=parallel,
        )
        answers = {"value": slow.value, "code": slow.code, "message": slow.message}
        answers |= {name: slow.extra[name] for name in ("ext", "type", "region")}
        fast = fast.with_columns(fast[name].scatter(rows, answers[name]) for name in FAST_COLUMNS)
    fast = _no_short_nanp(fast)
    return fast.select(
        value="value",
        code=_codes(raw, fast, expect),
        message=_messages(raw, fast, expect),
        ext="ext",
        type="type",
        region="region",
    )


def _not_mobile(expect: Literal["any", "mobile"]) -> pl.Expr:
    """Flag the rows whose number is kept but is clearly not a mobile (``expect="mobile"``).

    Example:
        >>> frame = pl.DataFrame({"type": ["fixed_line", "mobile"], "code": [None, None]})
        >>> frame.select(_not_mobile("mobile")).to_series().to_list()
        [True, False]
    """
    if expect != "mobile":
        return pl.lit(False)
    code = pl.col("code")
    return pl.col("type").is_in(list(NOT_MOBILE_TYPES)) & (code.is_null() | (code == "fixed"))


def _codes(raw: pl.Series, answers: pl.DataFrame, expect: Literal["any", "mobile"]) -> pl.Series:
    """Return the codes: ``conflict`` for non-mobiles, else the reader's, ``fixed`` if changed.

    Example:
        >>> answers = pl.DataFrame({"value": ["+13125550123"], "code": [None], "type": ["mobile"]})
        >>> _codes(pl.Series(["312 555 0123"]), answers, "any").to_list()
        ['fixed']
    """
    value, code = pl.col("value"), pl.col("code")
    changed = value.is_not_null() & (value != pl.lit(raw))
    return answers.select(
        pl.when(_not_mobile(expect))
        .then(pl.lit("conflict"))
        .when(code.is_not_null())
        .then(code)
        .when(changed)
        .then(pl.lit("fixed"))
        .alias("code")
    ).to_series()


def _messages(raw: pl.Series, answers: pl.DataFrame, expect: Literal["any", "mobile"]) -> pl.Series:
    """Return the messages: the quoted cell, then what was done to it; null where nothing was.

    ``answers`` holds the readers' value, code, message (what follows the quoted cell) and
    type. The cell is quoted whole up to 80 characters; each piece is built only for the rows
    that need it.

    Example:
        >>> answers = pl.DataFrame(
        ...     {"value": ["+13125550123", None], "code": [None, "invalid"],
        ...      "message": [None, "is too short; left empty"], "type": ["mobile", None]}
        ... )
        >>> _messages(pl.Series(["312 555 0123", "555"]), answers, "any").to_list()
        ["'312 555 0123' written as +13125550123", "'555' is too short; left empty"]
    """
    long = raw.str.len_chars() > 80
    if long.any():
        rows = long.arg_true()
        raw = raw.clone().scatter(rows, raw.gather(rows).str.slice(0, 79) + "…")
    value, tail = pl.col("value"), pl.col("message")
    changed = value.is_not_null() & (value != pl.lit(raw))
    said = answers.select(
        pl.when(tail.is_not_null())
        .then(tail)
        .when(changed)
        .then(pl.concat_str(pl.lit("written as "), value))
        .alias("said")
    ).to_series()
    not_mobile = answers.select(_not_mobile(expect)).to_series()
    if not_mobile.any():
        rows = not_mobile.arg_true()
        kept = answers[rows].select(
            pl.format(
                "is {}, not a mobile: kept as {}",
                pl.col("type").replace_strict(NOT_MOBILE_TYPES, default=None),
                value,
            )
        )
        said = said.scatter(rows, kept.to_series())
    return pl.select(
        pl.concat_str(pl.lit("'"), pl.lit(raw), pl.lit("' "), pl.lit(said)).alias("message")
    ).to_series()
