"""Postal codes: written in the country's own format, checked against its pattern and state.

The formats come from ``reference_data/postal_formats.csv`` (one row per country: a regex, the
written templates, an example). A value is matched on its letters and digits alone, then
written in the country's template: ``'k1a0b1'`` → ``'K1A 0B1'``, ``'sw1a1aa'`` → ``'SW1A 1AA'``,
``'1012ab'`` → ``'1012 AB'``, ``'021341234'`` → ``'02134-1234'``. In detail:

- **Lost leading zeros** — a spreadsheet that stored a postal code as a number turned
  ``02134`` into ``2134`` and ``01067`` into ``1067``. For countries whose codes are digits and
  may start with 0 (column ``pad`` of the formats table: US, DE, FR, ES, IT, MX, AU…), one or
  two lost zeros are put back when the result then fits the country's pattern: ``'1067'`` →
  ``'01067'`` in Germany, ``'810'`` → ``'0810'`` in Australia, but ``'123'`` stays invalid in
  Germany (no code starts with 00). A US ZIP code must moreover start with a prefix USPS uses
  (``reference_data/us_zip_prefixes.csv``) and agree with the record's state; a padded ZIP that
  contradicts the state is left empty (``conflict``): it was never written that way, and the
  state says it is wrong (Australian postcodes likewise, see **State**). Without a country
  nothing is padded.
- **Spreadsheet numbers** — ``'2134.0'`` loses its ``.0`` for countries whose codes are digits.
- **Prefixes** — ``'D-10115'``, ``'F-75001'``, ``'NL-1012 AB'``, ``'CP 06700'`` lose the prefix.
- **O for 0** — where the letter O stands in a digit's place (``'K1A OB1'``), or a zero in a
  letter's place, and only that reading fits the country's pattern, it is corrected.
- **Placeholders** — values without a letter or digit (``'-'``), all zeros, five or more of
  one digit (``'99999'``), and stand-ins such as ``'N/A'`` or ``'unknown'`` become null,
  ``placeholder``. ``'12345'`` is a real ZIP code and is kept.
- **State** — a US ZIP whose prefix belongs to another state than the record's (``'90210'``
  with state ``'NY'``) is kept and coded ``conflict``; likewise a Canadian postal code whose
  first letter belongs to another province and an Australian postcode whose first digit
  belongs to another state (``reference_data/au_postal_prefixes.csv``). A padded code that
  contradicts the state is left empty, as for US ZIP codes: ``'200'`` with state ``'NSW'``
  is no ``0200`` (the ACT) but most likely a cut-off ``2000``.

A value that fits no template or fails the pattern becomes null, ``invalid``, with a message
naming the country's rule. Without a country (or for a country with no known format) a value
is only tidied and upper-cased; it is never rejected.

Example:
    >>> import polars as pl
    >>> out = normalize_postal(pl.Series(["2134", "k1a0b1", "123"]), pl.Series(["US", "CA", "DE"]))
    >>> out.value.to_list(), out.code.to_list()
    (['02134', 'K1A 0B1', None], ['fixed', 'fixed', 'invalid'])
    >>> out.message[2]
    "'123' is not a German postal code (5 digits, e.g. 10115); left empty"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import polars as pl

from custclean.normalize._core import Normalized, map_unique, put_rows
from custclean.normalize.country import country_code
from custclean.normalize.name import is_placeholder_text
from custclean.normalize.state import state_code
from custclean.normalize.text import show, tidy
from custclean.reference import load_table

__all__ = ["normalize_postal"]

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]")
_FLOAT = re.compile(r"(\d+)\.0+", re.ASCII)
_PADDABLE = re.compile(r"(\d+)(?:[ \-](\d+))?", re.ASCII)
_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SLOTS = {"N": _DIGITS, "A": _LETTERS, "X": _DIGITS | _LETTERS}
#: Countries whose codes are US ZIP codes; their "state" is themselves when none is given.
_ZIP_TERRITORIES = ("PR", "VI", "GU", "AS", "MP")


@dataclass(frozen=True)
class _Format:
    country: str
    label: str
    regex: re.Pattern[str]
    templates: tuple[str, ...]
    example: str
    description: str
    prefixes: tuple[str, ...]
    digits_only: bool
    pad_lengths: tuple[int, ...]


@cache
def _formats() -> dict[str, _Format]:
    table = load_table("postal_formats")
    formats: dict[str, _Format] = {}
    for row in table.iter_rows(named=True):
        country = (row["country"] or "").strip().upper()
        if not country or country in formats or not row["regex"] or not row["format"]:
            continue
        templates = tuple(t for t in row["format"].split("|") if t)
        formats[country] = _Format(
            country=country,
            label=(row.get("label") or f"postal code of {country}").strip(),
            regex=re.compile(row["regex"].strip()),
            templates=templates,
            example=(row.get("example") or "").strip(),
            description=(row.get("description") or "").strip(),
            prefixes=tuple(
                sorted(
                    {p.strip().upper() for p in (row.get("prefix") or "").split("|") if p.strip()}
                    | set(_generic_prefixes()),
                    key=len,
                    reverse=True,
                )
            ),
            digits_only=all(set(t) & set(_SLOTS) <= {"N"} for t in templates),
            pad_lengths=tuple(
                sorted({t.count("N") for t in templates if set(t) & set(_SLOTS) <= {"N"}})
            )
            if (row.get("pad") or "").strip().lower() == "yes"
            else (),
        )
    return formats


@cache
def _generic_prefixes() -> tuple[str, ...]:
    """Words for "postal code" written before one, whatever the country (row ``*``)."""
    table = load_table("postal_formats").filter(pl.col("country").str.strip_chars() == "*")
    words = {p.strip().upper() for cell in table["prefix"].drop_nulls() for p in cell.split("|")}
    return tuple(sorted(words - {""}, key=len, reverse=True))


def _strip_prefix(body: str, prefixes: tuple[str, ...]) -> str | None:
    """Return ``body`` without the first prefix (and its hyphen or space) it starts with."""
    for prefix in prefixes:
        rest = body[len(prefix) :]
        if body.startswith(prefix) and rest[:1] in ("-", " ") and rest[1:].strip(" -"):
            return rest.strip(" -")
    return None


@cache
def _zip_states() -> dict[str, tuple[str, ...]]:
    table = load_table("us_zip_prefixes")
    owners: dict[str, list[str]] = {}
    for state, start, end in table.select("state", "prefix_from", "prefix_to").iter_rows():
        if not (state and start and end and start.isdigit() and end.isdigit()):
            continue
        for prefix in range(int(start), int(end) + 1):
            states = owners.setdefault(f"{prefix:03d}", [])
            if state.strip().upper() not in states:
                states.append(state.strip().upper())
    return {prefix: tuple(states) for prefix, states in owners.items()}


@cache
def _zip_state_codes() -> frozenset[str]:
    return frozenset(s for states in _zip_states().values() for s in states)


@cache
def _ca_provinces() -> dict[str, tuple[str, ...]]:
    table = load_table("ca_postal_prefixes")
    owners: dict[str, list[str]] = {}
    for province, letter in table.select("province", "letter").iter_rows():
        if province and letter:
            owners.setdefault(letter.strip().upper(), []).append(province.strip().upper())
    return {letter: tuple(p) for letter, p in owners.items()}


@cache
def _au_states() -> dict[str, tuple[str, ...]]:
    table = load_table("au_postal_prefixes")
    owners: dict[str, list[str]] = {}
    for state, digit in table.select("state", "digit").iter_rows():
        if state and digit and state.strip().upper() not in owners.get(digit.strip(), []):
            owners.setdefault(digit.strip(), []).append(state.strip().upper())
    return {digit: tuple(states) for digit, states in owners.items()}


def _state_code(state: str, country: str) -> str | None:
    """Return the row's state as a code of ``country`` (US, CA, AU) the prefix tables know."""
    code = state_code(state, country)
    if country == "US":
        known = _zip_state_codes()
    elif country == "CA":
        known = frozenset(_ca_provinces_all())
    else:
        known = frozenset(s for states in _au_states().values() for s in states)
    return code if code in known else None


@cache
def _ca_provinces_all() -> tuple[str, ...]:
    return tuple(sorted({p for ps in _ca_provinces().values() for p in ps}))


def _fit(compact: str, fmt: _Format, *, swap: bool = False) -> str | None:
    """Write ``compact`` (letters and digits only) in the first template it fits."""
    for template in fmt.templates:
        out: list[str] = []
        chars = iter(compact)
        slots = sum(1 for t in template if t in _SLOTS)
        if slots != len(compact):
            continue
        for t in template:
            if t not in _SLOTS:
                out.append(t)
                continue
            c = next(chars)
            if c not in _SLOTS[t] and swap:
                c = "0" if (t == "N" and c == "O") else "O" if (t == "A" and c == "0") else c
            if c not in _SLOTS[t]:
                break
            out.append(c)
        else:
            return "".join(out)
    return None


def _pad(body: str, fmt: _Format, zip_system: bool) -> tuple[str | None, int]:
    """Put back one or two leading zeros a spreadsheet dropped, when the result then fits.

    ``body`` is digits, or two groups of digits ("6103-8766"); then the second group must stay
    the part after the separator ("06103-8766").
    """
    match = _PADDABLE.fullmatch(body)
    if match is None:
        return None, 0
    digits = match.group(1) + (match.group(2) or "")
    for length in fmt.pad_lengths:
        missing = length - len(digits)
        if not 1 <= missing <= 2:
            continue
        result = _fit("0" * missing + digits, fmt)
        if result is None or not fmt.regex.fullmatch(result):
            continue
        if zip_system and result[:3] not in _zip_states():
            continue
        if match.group(2) and _SEPARATORS.split(result)[-1] != match.group(2):
            continue
        return result, missing
    return None, 0


def _upper(text: str) -> str:
    """Upper-case, then tidy again until stable (upper case can make mojibake decodable)."""
    upper = text.upper()
    for _ in range(3):
        tidied, _changes = tidy(upper)
        if tidied == upper:
            break
        upper = tidied.upper()
    return upper


def _zeros(count: int) -> str:
    return "leading zero" if count == 1 else "leading zeros"


def _a(label: str) -> str:
    return f"{'an' if label[:1] in 'AEIO' else 'a'} {label}"


def _separators(text: str) -> str:
    return "".join(c for c in text if not c.isalnum())


def _separator_change(before: str, after: str) -> str | None:
    old, new = _separators(before), _separators(after)
    if old == new:
        return None
    names = {" ": "a space", "-": "a hyphen"}
    if not old:
        return f"{names[new][2:]} inserted" if new in names else "separators inserted"
    if not new:
        return "separators removed"
    return f"{names.get(old, show(old))[2:] if old in names else show(old)} replaced by " + (
        names.get(new, show(new))
    )


def _placeholder(text: str) -> str | None:
    compact = _SEPARATORS.sub("", text)
    if not any(c.isalnum() for c in text):
        return "it has no letter or digit"
    digits = set(compact)
    if digits == {"0"}:
        return "only zeros"
    if digits <= _DIGITS and len(digits) == 1 and len(compact) >= 5:
        return "one digit repeated"
    if is_placeholder_text(text):
        return "a stand-in"
    return None


def _postal_one(
    value: str, country: str | None, state: str | None
) -> tuple[str | None, str | None, str | None]:
    text, changes = tidy(value)
    if not text:
        return None, "invalid", f"{show(value)} has no visible characters; left empty"
    upper = _upper(text)
    floated = _FLOAT.fullmatch(upper)
    reason = _placeholder(floated.group(1) if floated else upper)
    if reason:
        return None, "placeholder", f"{show(value)} is a placeholder ({reason}); left empty"
    code = country_code(country) if country else None
    fmt = _formats().get(code) if code else None
    details = [c for c in changes if c != "white space collapsed"]
    if text != upper:
        details.append("upper-cased")
    if fmt is None:
        out = upper
        rest = _strip_prefix(upper, _generic_prefixes())
        if rest is not None:
            details.append(f"prefix {show(upper[: len(upper) - len(rest)].strip(' -'))} removed")
            out = rest
            floated = _FLOAT.fullmatch(out)
        if floated:
            out = floated.group(1)
            details.append(f"spreadsheet decimal {show(floated.group(0)[len(out) :])} removed")
        if out == value:
            return out, None, None
        if "white space collapsed" in changes:
            details.append("white space collapsed")
        return out, "fixed", f"{show(value)} written {show(out)} ({'; '.join(details)})"
    return _formatted(value, upper, floated, fmt, state, details)


def _formatted(
    value: str,
    upper: str,
    floated: re.Match[str] | None,
    fmt: _Format,
    state: str | None,
    details: list[str],
) -> tuple[str | None, str | None, str | None]:
    body = upper
    if floated and fmt.digits_only:
        body = floated.group(1)
        details.append(f"spreadsheet decimal {show(upper[len(body) :])} removed")
    result = _fit(_SEPARATORS.sub("", body), fmt)
    if result is None:
        rest = _strip_prefix(body, fmt.prefixes)
        if rest is not None:
            details.append(f"prefix {show(body[: len(body) - len(rest)].strip(' -'))} removed")
            body = rest
            result = _fit(_SEPARATORS.sub("", body), fmt)
    padded = 0
    compact = _SEPARATORS.sub("", body)
    zip_system = fmt.country == "US" or fmt.country in _ZIP_TERRITORIES
    if result is None and fmt.pad_lengths:
        result, padded = _pad(body, fmt, zip_system)
        if result is not None:
            details.append(
                f"lost {_zeros(padded)} restored: a spreadsheet had stored it as a number"
            )
    if result is None:
        result = _fit(compact, fmt, swap=True)
        if result is not None:
            swapped = [
                a for a, b in zip(compact, _SEPARATORS.sub("", result), strict=True) if a != b
            ]
            details.append("letter O read as zero" if "O" in swapped else "zero read as letter O")
    if result is None or not fmt.regex.fullmatch(result):
        rule = f"{fmt.description}, e.g. {fmt.example}" if fmt.description else fmt.example
        return None, "invalid", f"{show(value)} is not {_a(fmt.label)} ({rule}); left empty"
    if not padded:
        change = _separator_change(body, result)
        if change:
            details.append(change)
    elif _separators(result):
        details.append(f"{'hyphen' if '-' in result else 'space'} inserted")
    conflict = _state_conflict(result, fmt, state)
    if conflict is not None:
        if padded:
            return (
                None,
                "conflict",
                f"{show(value)} would be {result} with its lost {_zeros(padded)} restored, "
                f"but {conflict}; left empty",
            )
        written = f"{show(value)} written {show(result)}; " if result != value else ""
        return result, "conflict", f"{written}{conflict[:1].upper()}{conflict[1:]}"
    if result[:3] not in _zip_states() and zip_system:
        return (
            None,
            "invalid",
            f"{show(value)} is not {_a(fmt.label)}: no ZIP code starts with {result[:3]}; "
            "left empty",
        )
    if result == value:
        return result, None, None
    if not details:
        details.append("reformatted")
    return result, "fixed", f"{show(value)} written {show(result)} ({'; '.join(details)})"


def _state_conflict(result: str, fmt: _Format, state: str | None) -> str | None:
    """Say how the postal code contradicts the state, or return None when it does not."""
    if fmt.country == "CA":
        province = _state_code(state, "CA") if state else None
        owners = _ca_provinces().get(result[0], ())
        if province and owners and province not in owners:
            return f"postal code {result} belongs to {' or '.join(owners)}, not {province}"
        return None
    if fmt.country == "AU":
        given = _state_code(state, "AU") if state else None
        owners = _au_states().get(result[0], ())
        if given and owners and given not in owners:
            return f"postcode {result} belongs to {' or '.join(owners)}, not {given}"
        return None
    if fmt.country != "US" and fmt.country not in _ZIP_TERRITORIES:
        return None
    given = _state_code(state, "US") if state else None
    if given is None and fmt.country in _ZIP_TERRITORIES:
        given = fmt.country
    owners = _zip_states().get(result[:3], ())
    if given and owners and given not in owners:
        return f"ZIP {result[:5]} belongs to {' or '.join(owners)}, not {given}"
    return None


def normalize_postal(
    values: pl.Series,
    country: pl.Series | str | None,
    state: pl.Series | str | None = None,
) -> Normalized:
    """Write postal codes in their country's format and check them against pattern and state.

    ``country`` is the row's country (ISO alpha-2 preferred; names and alpha-3 are looked up)
    as a Series or one value for every row; ``state`` the row's state or province (code or
    name), used to catch ZIP codes and Canadian postal codes of another state. Codes: reformatted
    → ``fixed``; not the country's pattern → ``invalid``; a stand-in → ``placeholder``; the
    state says otherwise → ``conflict`` (value kept, unless it was a padded ZIP).

    Example:
        >>> zips = pl.Series(["90210", "021341234", "00000"])
        >>> out = normalize_postal(zips, "US", pl.Series(["NY", "MA", "MA"]))
        >>> out.value.to_list(), out.code.to_list()
        (['90210', '02134-1234', None], ['conflict', 'fixed', 'placeholder'])
        >>> out.message[0]
        'ZIP 90210 belongs to CA, not NY'
    """
    n = values.len()
    ready = _written_right(values, country, state)
    if ready is None or not ready.any():
        return map_unique(_postal_one, values, country, state)
    # the ZIP codes already written right (most of a US list) need no reading one by one
    rest = ~ready
    slow = map_unique(
        _postal_one,
        values.filter(rest),
        *(c.filter(rest) if isinstance(c, pl.Series) else c for c in (country, state)),
    )
    none = pl.repeat(None, n, dtype=pl.String, eager=True)
    kept = Normalized(value=values.set(rest, None), code=none, message=none)
    return put_rows(kept, rest, slow)


_US_ZIP = r"^\d{5}(?:-\d{4})?$"


def _written_right(
    values: pl.Series, country: pl.Series | str | None, state: pl.Series | str | None
) -> pl.Series | None:
    """Mark the US ZIP codes that :func:`_postal_one` would keep as they are, with no issue.

    Five digits or ZIP+4 as written, not one digit repeated, a known first three digits, and
    a row state that is missing or one of the states those digits belong to. Returns None
    when the values are not text (a spreadsheet's numbers are read one by one).
    """
    if values.dtype != pl.String or country is None:
        return None
    n = values.len()
    owners = _zip_owner_table()
    frame = pl.DataFrame(
        {
            "v": values,
            "c": country if isinstance(country, pl.Series) else pl.repeat(country, n, eager=True),
            "s": state
            if isinstance(state, pl.Series)
            else pl.repeat(state, n, dtype=pl.String, eager=True),
        }
    ).with_columns(pl.col("v").str.slice(0, 3).alias("zip3"), pl.col("s").cast(pl.String))
    checked = frame.join(owners, on="zip3", how="left", maintain_order="left")
    v = pl.col("v")
    ok = (
        (pl.col("c").cast(pl.String) == "US")
        & v.str.contains(_US_ZIP)
        & (v.str.slice(1, 4) != v.str.slice(0, 4))  # one digit repeated: a placeholder
        & pl.col("owners").is_not_null()
        & (pl.col("s").is_null() | pl.col("owners").list.contains(pl.col("s")))
    )
    return checked.select(ok.fill_null(False)).to_series()


@cache
def _zip_owner_table() -> pl.DataFrame:
    """Return the ZIP prefixes and the state codes that own them, for the vectorised check."""
    known = _zip_state_codes()
    rows = [(prefix, [s for s in states if s in known]) for prefix, states in _zip_states().items()]
    return pl.DataFrame(
        rows, schema={"zip3": pl.String, "owners": pl.List(pl.String)}, orient="row"
    )
