"""Dates of birth and other dates: any common written form becomes ISO ``YYYY-MM-DD``.

Forms read (anything else is left empty with code ``invalid``):

- ISO dates and timestamps: ``1980-05-17`` (kept as is, no code), ``1980-5-17``,
  ``1980/05/17``, ``1980.05.17``, ``1980-05-17T13:30:00``, ``1980-05-17 00:00:00``,
  ``1980-05-17T00:00:00Z``, ``…+02:00``: the date is kept as written, the time dropped;
- ``YYYYMMDD`` (8 digits starting 19 or 20 that make a real date);
- day and month in either order before the year, ``A/B/Y``: ``05/17/1980``, ``5/17/80``,
  ``17/05/1980``, ``17.05.1980``, ``17-05-1980``, ``17 05 1980``, also with a time
  (``5/17/1980 12:00:00 AM``) and as 6 or 8 digits without separators (``051780``,
  ``05171980``);
- a month written in words, in English, Spanish, German, French, Italian, Portuguese or
  Dutch (``reference_data/month_names.csv``): ``17 May 1980``, ``May 17, 1980``,
  ``17-May-80``, ``Sat, 17 May 1980``, ``17 de mayo de 1980``, ``17. Mai 1980``,
  ``le 17 mai 1980``. Every word must be a month, a weekday or a joining word ("de", "le",
  "the"); a value with any other word is not read, so no date is ever fished out of free text.
  A weekday is skipped, not checked against the date;
- Excel serial day numbers (``29358`` or ``29358.0`` → 1980-05-17).

**Day and month order.** ``A/B/Y`` is month-first in the US and day-first almost everywhere
else, so with ``order="auto"`` the column decides. Over its distinct values, one that can only
be read day-first (``25/12/1980``) is evidence for day-first, one that can only be read
month-first (``12/25/1980``) for month-first. Then, for the values that read both ways
(``05/06/1980``):

- evidence on one side only: the whole column follows it;
- no evidence: each row follows its country's custom (month-first in US, PH, FM, MH, PW, BZ
  and the US territories; Canada writes both and gives no tie-break; day-first elsewhere), and
  a row without such a country is left empty with code ``ambiguous``;
- evidence on both sides (a column mixing US and European rows): first the evidence of the
  rows whose countries share the row's custom (if it is one-sided or a 95 % majority), then the
  column's own 95 % majority, then the row's country; otherwise ``ambiguous``.

A value with one possible reading is always read that way, even against the column's order
(the message says so); ``05/05/1980`` reads the same both ways. The separator is no evidence:
``01.02.1990`` is as open as ``01/02/1990`` until the column or the country settles it.
``order="mdy"`` or ``"dmy"`` imposes the order; ``order="ymd"`` reads values made only of
two-digit parts (``05/06/07``) as year, month, day, and settles the others as ``auto`` does.
In ``auto`` a value of two-digit parts is read year-first only when its first part cannot be a
day (``80/05/17``).

The decision is recorded in :attr:`Normalized.notes`: ``order`` (``"mdy"``, ``"dmy"``,
``"ymd"``, or None when nothing decided it), ``decided_by`` (``"option"``, ``"unambiguous
values"``, ``"country"``, or ``"default"`` when nothing decided and any value that reads both
ways was left empty), ``mdy_evidence``, ``dmy_evidence``, ``mixed`` (both sides have evidence)
and ``excel_serials`` (distinct values read as serial numbers). ``country`` may hold ISO codes
or country names.

**Two-digit years.** For a birth date the century is the latest that does not put the date in
the future (with today 2025-06-01, ``5/17/20`` is 2020 and ``5/17/80`` is 1980). For other
dates a sliding window is used: from 80 years before today's year to 19 years after.

**Excel serials.** Only a value of 4 or 5 digits without a leading zero (an optional fraction
is the time of day) is a serial candidate, and only inside a plausible range: from the earliest
birth date allowed by ``max_age`` (``kind="dob"``; 1900-01-01 for other dates) to today. The
rest of the column is the evidence: a 5-digit value is read as a serial unless the column also
holds dates written as 6 to 8 digits without separators, in which case it may be such a date
that lost its leading zero in a spreadsheet (``051780`` → ``51780``) and is left empty as
``ambiguous``. A 4-digit value is read as a serial only when the column holds 5-digit serials
too; one that looks like a year (1800 to this year) is then ``ambiguous``, and otherwise
``invalid`` ("only a year").

**Codes.** Already ISO: no code. Read from any other form: ``fixed``. Unreadable or not a real
date (``1985-02-30``, ``31/04/1980``, ``13/13/1980``): ``invalid``. All zeros (``00/00/0000``,
``0000-00-00``), any date in year 9999 and the system stand-ins 0001-01-01, 1753-01-01,
1800-01-01, 1899-12-30, 1899-12-31, 1900-01-01, 1901-01-01, 1904-01-01: ``placeholder``
(1970-01-01 is a real birthday for many people and is kept). For ``kind="dob"``: a date in the
future, an age over ``max_age`` or under ``min_age``: ``implausible``; for other dates, a year
before 1000 or more than 100 years after today's: ``implausible``. Every rejected value
becomes null, so the output read again gives no codes.

Example:
    >>> out = normalize_date(pl.Series(["17.05.1980", "05/06/1980"]), today=dt.date(2025, 6, 1))
    >>> out.value.to_list(), out.notes["order"]
    (['1980-05-17', '1980-06-05'], 'dmy')
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

import polars as pl

from custclean.normalize._core import Normalized, blank_to_null, distinct_rows, map_unique
from custclean.reference import load_table

__all__ = ["DateReading", "excel_serial_to_date", "normalize_date", "read_dates"]

Order = Literal["auto", "mdy", "dmy", "ymd"]
Kind = Literal["dob", "date"]

#: Countries that write the month before the day (plus the US territories).
MDY_COUNTRIES = frozenset({"US", "PH", "FM", "MH", "PW", "BZ", "AS", "GU", "MP", "UM", "VI"})
#: Countries where both orders are common: their rows give no tie-break.
EITHER_COUNTRIES = frozenset({"CA"})
#: Share of the evidence one order needs to win a column that has evidence on both sides.
MAJORITY = 0.95
#: Dates that systems store when no date was given (as year*10000 + month*100 + day).
PLACEHOLDER_DATES = frozenset(
    {10101, 17530101, 18000101, 18991230, 18991231, 19000101, 19010101, 19040101}
)

#: For ``kind="date"``: a year outside FIRST_YEAR to today's year + YEARS_AHEAD is a typo.
_FIRST_YEAR = 1000
_YEARS_AHEAD = 100
_EXCEL_ZERO = dt.date(1899, 12, 30)
_EXCEL_LAST = 2_958_465  # 9999-12-31
_MONTH_NAMES = dict(
    enumerate(
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        1,
    )
)
_WORD = {"mdy": "month-first", "dmy": "day-first", "ymd": "year-first"}

# The vectorised first pass (Rust regex syntax). A time of day may follow any numeric form.
_TIME = (
    r"(?:(?:\s*T\s*|\s+)(?P<hh>[0-9]{1,2}):(?P<mi>[0-9]{2})"
    r"(?::(?P<ss>[0-9]{2})(?:[.,][0-9]{1,9})?)?"
    r"(?:\s*(?P<ap>[AP])\.?\s?M\.?)?"
    r"(?:\s*(?:Z|UTC|GMT))?"
    r"(?:\s*[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
_ISO_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_YMD_RE = (
    r"(?i)^\s*(?P<y>[0-9]{4})\s*(?P<s1>[-/.])\s*(?P<m>[0-9]{1,2})\s*(?P<s2>[-/.])\s*"
    r"(?P<d>[0-9]{1,2})\.?" + _TIME + r"\s*$"
)
_ABY_RE = (
    r"(?i)^\s*(?P<a>[0-9]{1,2})\s*(?P<s1>[-/.]|\s)\s*(?P<b>[0-9]{1,2})\s*(?P<s2>[-/.]|\s)\s*"
    r"(?P<c>[0-9]{4}|[0-9]{2})\.?" + _TIME + r"\s*$"
)
_NUM_RE = r"^\s*(?P<i>[0-9]+)(?:[.,](?P<f>[0-9]+))?\s*$"

# The per-value reader for dates with a month in words.
_TEXT_TIME = re.compile(
    r"\b(?P<hh>\d{1,2})[:h](?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,]\d+)?)?"
    r"(?:\s*(?P<ap>[ap])\.?\s?m\b\.?)?",
    re.IGNORECASE,
)
_TEXT_ZONE = re.compile(
    r"^\s*(?:z|utc|gmt)?\s*(?:[+-]\d{2}(?::?\d{2})?)?\s*(?:\([^()]*\))?\s*$", re.IGNORECASE
)
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_DIGIT = re.compile(r"\d")
_AMBIGUOUS_MONTH = -1
_TEXT_MAX = 200


def excel_serial_to_date(serial: int) -> dt.date | None:
    """Return the date of an Excel serial day number (1900 date system), or None.

    Serial 1 is 1900-01-01. Excel counts a 29 February 1900 that never was, so serial 60 has
    no date and serials from 61 on are one day ahead of a plain count. Serials below 1 or after
    9999-12-31 have no date either.

    Example:
        >>> excel_serial_to_date(29358), excel_serial_to_date(60), excel_serial_to_date(59)
        (datetime.date(1980, 5, 17), None, datetime.date(1900, 2, 28))
    """
    if serial < 1 or serial == 60 or serial > _EXCEL_LAST:
        return None
    if serial < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=serial)
    return _EXCEL_ZERO + dt.timedelta(days=serial)


def _serial_of(day: dt.date) -> int:
    """Excel serial of a date from 1900-03-01 on (earlier dates give the serial of day 1)."""
    return max((day - _EXCEL_ZERO).days, 1)


@lru_cache(maxsize=8192)
def _fold(word: str) -> str:
    """Case-fold, strip accents and dots: the key under which month words are matched."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch != ".")


@cache
def _date_words() -> Mapping[str, int | None]:
    """Folded word → month number, None for a word to skip, or -1 for an ambiguous name."""
    table = load_table("month_names")
    months: dict[str, set[int]] = {}
    for name, month in zip(table["name"], table["month"], strict=True):
        if not name or not name.strip():
            continue
        key = _fold(name.strip())
        bucket = months.setdefault(key, set())
        if month and month.strip().isdigit() and 1 <= int(month) <= 12:
            bucket.add(int(month))
    out: dict[str, int | None] = {}
    for key, found in months.items():
        out[key] = None if not found else next(iter(found)) if len(found) == 1 else _AMBIGUOUS_MONTH
    return out


@lru_cache(maxsize=4096)
def _country_code(text: str) -> str | None:
    """ISO alpha-2 code of a country written as a code or a name, or None if unknown."""
    text = text.strip()
    if not text:
        return None
    if text.upper() == "UK":
        return "GB"
    import pycountry

    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None


def _custom(code: str | None) -> str | None:
    """Return the order a country writes dates in: "mdy", "dmy", or None (unknown or mixed)."""
    if code is None or code in EITHER_COUNTRIES:
        return None
    return "mdy" if code in MDY_COUNTRIES else "dmy"


def _country_codes(country: pl.Series | str | None, n: int) -> pl.Series:
    """One ISO alpha-2 code (or null) per row."""
    if country is None:
        return pl.Series("cc", [None] * n, dtype=pl.String)
    if isinstance(country, str):
        return pl.Series("cc", [_country_code(country)] * n, dtype=pl.String)
    if country.len() != n:
        raise ValueError(f"country has {country.len()} rows but the dates have {n}")
    text = country.cast(pl.String)
    mapping = {v: _country_code(v) for v in text.drop_nulls().unique().to_list()}
    return text.replace_strict(mapping, default=None, return_dtype=pl.String).alias("cc")


# ---------------------------------------------------------------- expression helpers


def _leap(y: pl.Expr, two_digit: pl.Expr) -> pl.Expr:
    proper = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    return pl.when(two_digit).then(y % 4 == 0).otherwise(proper)


def _days_in(y: pl.Expr, m: pl.Expr, two_digit: pl.Expr) -> pl.Expr:
    return (
        pl.when(m == 2)
        .then(pl.when(_leap(y, two_digit)).then(29).otherwise(28))
        .when(m.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )


def _possible(y: pl.Expr, m: pl.Expr, d: pl.Expr, two_digit: pl.Expr) -> pl.Expr:
    """Month 1-12 and a day that month has (a two-digit year is a leap year if divisible by 4)."""
    ok = m.is_between(1, 12) & (d >= 1) & (d <= _days_in(y, m, two_digit))
    return ok.fill_null(False)


def _int(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Int32, strict=False)


def _month_name(m: pl.Expr) -> pl.Expr:
    return m.replace_strict(_MONTH_NAMES, default=None, return_dtype=pl.String)


def _quoted() -> pl.Expr:
    """Return the value as written, trimmed and in quotes, to open a message."""
    return pl.format("'{}'", pl.col("raw").str.strip_chars())


def _tagged(frame: pl.DataFrame, messages: Mapping[str, pl.Expr]) -> pl.Series:
    """Evaluate each message only on the rows whose ``_tag`` names it; null elsewhere.

    A when/then chain would build every message on every row; building each on its own rows
    keeps a long list of messages cheap.
    """
    out = pl.Series("message", [None] * frame.height, dtype=pl.String)
    used = {"_tag"}.union(*(expr.meta.root_names() for expr in messages.values()))
    parts = frame.select(sorted(used)).with_row_index("_i").partition_by("_tag", as_dict=True)
    for (tag,), part in parts.items():
        expr = messages.get(tag) if isinstance(tag, str) else None
        if expr is not None:
            got = part.select("_i", _m=expr.cast(pl.String))
            out = out.scatter(got["_i"], got["_m"])
    return out


# ---------------------------------------------------------------- the per-value text reader


def _fail(code: str, message: str) -> tuple[str | None, ...]:
    return (None, code, message, None, None, None, None, None)


def _read_text(raw: str) -> tuple[str | None, ...]:
    """Read a date with the month in words: (None, code, message, y, m, d, two-digit, time).

    On success code and message are None and y, m, d hold the parts (the day is checked
    later, with the other forms); otherwise code and message say why it was not read.
    """
    shown = raw.strip()
    text = shown if shown.isascii() else unicodedata.normalize("NFKC", shown)
    if len(text) > _TEXT_MAX:
        return _fail("invalid", f"'{shown[:40]}…' is far too long to be a date; left empty.")
    if not _DIGIT.search(text):
        return _fail("invalid", f"'{shown}' holds no digits, so no date; left empty.")
    when = _TEXT_TIME.search(text)
    timed = "1" if when else "0"
    if when:
        hh, mi, ss = (int(when[g]) if when[g] else 0 for g in ("hh", "mi", "ss"))
        hours_ok = 1 <= hh <= 12 if when["ap"] else hh <= 23
        if not hours_ok or mi > 59 or ss > 60:
            return _fail("invalid", f"'{shown}' has an impossible time of day; left empty.")
        tail = text[when.end() :]
        text = text[: when.start()] + ("" if _TEXT_ZONE.match(tail) else " " + tail)
    words = _date_words()
    month: int | None = None
    month_at = -1
    numbers: list[tuple[int, str]] = []
    for i, token in enumerate(_TOKEN.findall(text)):
        if token[0].isdigit():
            if not token.isascii():
                return _fail(
                    "invalid", f"'{shown}' is not a date this reader recognises; left empty."
                )
            numbers.append((i, token))
            continue
        key = _fold(token)
        if key not in words:
            return _fail(
                "invalid",
                f"'{shown}' is not a date this reader recognises ('{token}' is neither a month "
                "nor a word used in dates); left empty.",
            )
        found = words[key]
        if found is None:
            continue
        if found == _AMBIGUOUS_MONTH:
            return _fail(
                "ambiguous",
                f"'{shown}': '{token}' names a different month in different languages; left empty.",
            )
        if month is not None:
            return _fail("invalid", f"'{shown}' names more than one month; left empty.")
        month, month_at = found, i
    if month is None:
        return _fail("invalid", f"'{shown}' is not a date this reader recognises; left empty.")
    if len(numbers) > 2:
        return _fail("invalid", f"'{shown}' holds more numbers than a day and a year; left empty.")
    if len(numbers) < 2:
        missing = "day or year"
        if numbers:
            missing = "year" if len(numbers[0][1]) <= 2 else "day"
        return _fail(
            "invalid", f"'{shown}' has no {missing}, so it is not a full date; left empty."
        )
    (first_at, first), (second_at, second) = numbers
    if len(first) == 4 and len(second) <= 2:
        day, year = second, first
    elif len(second) == 4 and len(first) <= 2:
        day, year = first, second
    elif (
        len(first) <= 2
        and len(second) == 2
        and (first_at < month_at < second_at or month_at < first_at)
    ):
        day, year = first, second  # 17-May-80, May 17, 80
    else:
        return _fail(
            "invalid",
            f"'{shown}' cannot be split into a day and a year of 2 or 4 digits; left empty.",
        )
    if int(day) > 31 and len(year) == 2 and int(year) <= 31:
        day, year = year, day  # 80-May-17: the first number cannot be a day
    return (None, None, None, year, str(month), day, "1" if len(year) == 2 else "0", timed)


# ---------------------------------------------------------------- the distinct-value pass
# The expressions are built once (per option) and cached: building them costs more than
# running them on a small column.


@cache
def _shape_steps() -> tuple[dict[str, pl.Expr], ...]:
    """Return the with_columns steps that read the numeric forms into their parts."""
    ymd = pl.col("_ymd").struct
    aby = pl.col("_aby").struct
    digits = pl.col("_num").struct.field("i")
    frac = pl.col("_num").struct.field("f")
    regexes = {
        "_ymd": pl.col("raw").str.extract_groups(_YMD_RE),
        "_aby": pl.col("raw").str.extract_groups(_ABY_RE),
        "_num": pl.col("raw").str.extract_groups(_NUM_RE),
    }
    flags = {
        "is_iso": pl.col("raw").str.contains(_ISO_RE),
        "padded": pl.col("raw").str.strip_chars().str.contains(_ISO_RE)
        & ~pl.col("raw").str.contains(_ISO_RE),
        "is_ymd": ymd.field("y").is_not_null() & (ymd.field("s1") == ymd.field("s2")),
        "is_aby": aby.field("a").is_not_null()
        & (aby.field("s1").str.strip_chars() == aby.field("s2").str.strip_chars()),
        "is_num": digits.is_not_null(),
        "nlen": digits.str.len_chars(),
        "frac_zero": frac.is_null() | frac.str.contains(r"^0+$"),
        "hh": _int(pl.coalesce(ymd.field("hh"), aby.field("hh"))),
        "mi": _int(pl.coalesce(ymd.field("mi"), aby.field("mi"))),
        "ss": _int(pl.coalesce(ymd.field("ss"), aby.field("ss"))),
        "twelve": pl.coalesce(ymd.field("ap"), aby.field("ap")).is_not_null(),
        "y8": _int(digits.str.slice(0, 4)),
        "m8": _int(digits.str.slice(4, 2)),
        "d8": _int(digits.str.slice(6, 2)),
    }
    # 8 digits: YYYYMMDD when it starts 19/20 and makes a date (or cannot end in a year)
    n8 = pl.col("is_num") & (pl.col("nlen") == 8) & pl.col("frac_zero")
    ymd8 = (
        n8
        & digits.str.slice(0, 2).is_in(["19", "20"])
        & (
            _possible(pl.col("y8"), pl.col("m8"), pl.col("d8"), pl.lit(False))
            | ~digits.str.slice(4, 2).is_in(["19", "20"])
        )
    )
    # Excel never writes a serial number with a leading zero
    serial = pl.col("is_num") & pl.col("nlen").is_between(4, 5) & ~digits.str.starts_with("0")
    kinds = {
        "ymd8": ymd8,
        "aby_digits": (n8 & ~ymd8)
        | (pl.col("is_num") & (pl.col("nlen") == 6) & pl.col("frac_zero")),
        "is_serial": serial,
        "n": pl.when(serial).then(_int(digits)),
    }
    parts = {
        "form": pl.when("is_iso")
        .then(pl.lit("iso"))
        .when(pl.col("is_ymd") | pl.col("ymd8"))
        .then(pl.lit("ymd"))
        .when(pl.col("is_aby") | pl.col("aby_digits"))
        .then(pl.lit("aby"))
        .when("is_serial")
        .then(pl.lit("serial"))
        .when("is_num")
        .then(pl.lit("number")),
        "y": pl.when("is_ymd").then(_int(ymd.field("y"))).when("ymd8").then("y8"),
        "m": pl.when("is_ymd").then(_int(ymd.field("m"))).when("ymd8").then("m8"),
        "d": pl.when("is_ymd").then(_int(ymd.field("d"))).when("ymd8").then("d8"),
        "a": pl.when("is_aby")
        .then(_int(aby.field("a")))
        .when("aby_digits")
        .then(_int(digits.str.slice(0, 2))),
        "b": pl.when("is_aby")
        .then(_int(aby.field("b")))
        .when("aby_digits")
        .then(_int(digits.str.slice(2, 2))),
        "c": pl.when("is_aby")
        .then(_int(aby.field("c")))
        .when("aby_digits")
        .then(_int(digits.str.slice(4))),
        "yy": pl.when("is_aby")
        .then(aby.field("c").str.len_chars() == 2)
        .when("aby_digits")
        .then(pl.col("nlen") == 6)
        .otherwise(False),
        "a2": pl.when("is_aby")
        .then(aby.field("a").str.len_chars() == 2)
        .otherwise(pl.col("aby_digits")),
        "time": pl.col("hh").is_not_null() | (pl.col("is_serial") & ~pl.col("frac_zero")),
        "how": pl.when("padded")
        .then(pl.lit("had blank space around it; trimmed to"))
        .when("ymd8")
        .then(pl.lit("read as year, month and day:"))
        .when("is_ymd")
        .then(pl.lit("rewritten as"))
        .when("is_serial")
        .then(pl.lit("read as an Excel serial number:"))
        .otherwise(pl.lit("read as")),
    }
    return regexes, flags, kinds, parts


@cache
def _failure_steps() -> tuple[pl.Expr, dict[str, pl.Expr], pl.Expr]:
    """Return the tag, messages and code of values that were read but are no dates."""
    bad_time = (
        (pl.col("mi") > 59)
        | (pl.col("ss") > 60)
        | pl.when("twelve")
        .then((pl.col("hh") > 12) | (pl.col("hh") == 0))
        .otherwise(pl.col("hh") > 23)
    ).fill_null(False)
    aby = pl.col("form") == "aby"
    zeros = (
        pl.when(aby)
        .then((pl.col("a") == 0) & (pl.col("b") == 0) & (pl.col("c") == 0))
        .otherwise((pl.col("y") == 0) & (pl.col("m") == 0) & (pl.col("d") == 0))
        .fill_null(False)
    )
    nines = ((pl.col("y") == 9999) | (aby & (pl.col("c") == 9999) & ~pl.col("yy"))).fill_null(False)
    tag = (
        pl.when(pl.col("fcode").is_not_null())
        .then(pl.lit("read"))
        .when(zeros)
        .then(pl.lit("zeros"))
        .when(nines)
        .then(pl.lit("nines"))
        .when(bad_time)
        .then(pl.lit("time"))
        .when(pl.col("form") == "number")
        .then(pl.when(pl.col("nlen") == 7).then(pl.lit("seven")).otherwise(pl.lit("number")))
    )
    raw_q = _quoted()
    messages = {
        "zeros": pl.format("{} is all zeros, a stand-in for no date; left empty.", raw_q),
        "nines": pl.format("{} is in year 9999, a stand-in for no date; left empty.", raw_q),
        "time": pl.format("{} has an impossible time of day; left empty.", raw_q),
        "seven": pl.format(
            "{} is a number of 7 digits, which cannot be split into day, month and year "
            "without guessing; left empty.",
            raw_q,
        ),
        "number": pl.format(
            "{} is a bare number of {} digit{}, not a date; left empty.",
            raw_q,
            pl.col("nlen").cast(pl.String),
            pl.when(pl.col("nlen") == 1).then(pl.lit("")).otherwise(pl.lit("s")),
        ),
    }
    codes = {"zeros": "placeholder", "nines": "placeholder"}
    code = (
        pl.when(pl.col("_tag") == "read")
        .then("fcode")
        .when(pl.col("_tag").is_not_null())
        .then(pl.col("_tag").replace_strict(codes, default="invalid", return_dtype=pl.String))
    )
    return tag, messages, code


def _parse(raw: pl.Series, order: Order, lo: int, hi: int, this_year: int) -> pl.DataFrame:
    """Read every distinct value into its parts; one row per distinct value, in their order.

    Columns: ``raw``; ``form`` (iso, ymd, aby, serial, text, or null when not read); ``y``,
    ``m``, ``d`` (one reading); ``a``, ``b``, ``c`` (the parts of ``A/B/Y``); ``yy`` (the year
    has two digits); ``a2`` (``A`` has two digits); ``time`` (a time of day was dropped);
    ``how`` (the verb of the message); ``cls`` (which readings an ``A/B/Y`` value has);
    ``fcode`` and ``fmsg`` (why it was not read).
    """
    f = pl.DataFrame({"raw": raw}, schema={"raw": pl.String})
    for step in _shape_steps():
        f = f.with_columns(**step)
    f = _read_texts(f)
    f = _judge_serials(f, lo, hi, this_year)
    f = f.with_columns(cls=_readings(order))
    tag, messages, code = _failure_steps()
    f = f.with_columns(_tag=tag)
    return f.with_columns(fcode=code, fmsg=pl.coalesce("fmsg", _tagged(f, messages))).select(
        "raw",
        "form",
        "y",
        "m",
        "d",
        "a",
        "b",
        "c",
        "yy",
        "a2",
        "time",
        "how",
        "cls",
        "fcode",
        "fmsg",
    )


def _read_texts(f: pl.DataFrame) -> pl.DataFrame:
    """Run the per-value reader over the values the numeric patterns did not take."""
    rest = f.filter(pl.col("form").is_null())["raw"]
    if rest.is_empty():
        return f.with_columns(
            fcode=pl.lit(None, dtype=pl.String), fmsg=pl.lit(None, dtype=pl.String)
        )
    quick = _read_plain_texts(rest)
    rest = rest.filter(~rest.is_in(quick["raw"].implode()))
    out = map_unique(_read_text, rest, extra_names=("ty", "tm", "td", "tyy", "ttime"))
    slow = pl.DataFrame(
        {
            "raw": rest,
            "fcode": out.code,
            "fmsg": out.message,
            "ty": out.extra["ty"].cast(pl.Int32),
            "tm": out.extra["tm"].cast(pl.Int32),
            "td": out.extra["td"].cast(pl.Int32),
            "tyy": out.extra["tyy"] == "1",
            "ttime": out.extra["ttime"] == "1",
        }
    )
    text = pl.concat([quick, slow])
    f = f.join(text, on="raw", how="left", maintain_order="left")
    got = pl.col("ty").is_not_null()
    return f.with_columns(
        form=pl.when(got).then(pl.lit("text")).otherwise("form"),
        y=pl.coalesce("y", "ty"),
        m=pl.coalesce("m", "tm"),
        d=pl.coalesce("d", "td"),
        yy=pl.when(got).then("tyy").otherwise("yy"),
        time=pl.when(got).then("ttime").otherwise("time"),
    ).drop("ty", "tm", "td", "tyy", "ttime")


# Values the vectorised text reader takes: ASCII letters, digits, spaces and ``,.-/'`` only;
# no time of day (no ``:``, no ``17h30``). It answers only those that :func:`_read_text` reads
# as a date, with the same parts; the rest go to :func:`_read_text`.
_PLAIN_TEXT = r"^[A-Za-z0-9 ,./'-]{1,200}$"
_TEXT_TOKEN = r"[0-9]+|[A-Za-z]+"


def _read_plain_texts(rest: pl.Series) -> pl.DataFrame:
    """Read, in polars, the plain ASCII dates with a month in words that :func:`_read_text` reads.

    Same columns and answers as :func:`_read_text` gives for them (tests hold the two together):
    every word a month, weekday or joining word of ``month_names.csv``, exactly one month and
    two numbers, split into day and year by the same rules.
    """
    schema = {
        "raw": pl.String,
        "fcode": pl.String,
        "fmsg": pl.String,
        "ty": pl.Int32,
        "tm": pl.Int32,
        "td": pl.Int32,
        "tyy": pl.Boolean,
        "ttime": pl.Boolean,
    }
    words = _date_words()
    table = pl.DataFrame(
        {"_w": list(words), "_month": [-2 if v is None else v for v in words.values()]},
        schema={"_w": pl.String, "_month": pl.Int64},
    )
    candidates = rest.filter(
        rest.str.contains(_PLAIN_TEXT)
        & rest.str.contains("[0-9]")
        & ~rest.str.contains("(?i)[0-9]h[0-9]")
    ).unique()
    if candidates.is_empty():
        return pl.DataFrame(schema=schema)
    tokens = (
        pl.DataFrame({"raw": candidates})
        .with_row_index("_v")
        .with_columns(_t=pl.col("raw").str.extract_all(_TEXT_TOKEN))
        .with_columns(_at=pl.int_ranges(pl.col("_t").list.len()))
        .explode("_t", "_at")
        .with_columns(_num=pl.col("_t").str.contains("^[0-9]"), _w=pl.col("_t").str.to_lowercase())
        .join(table, on="_w", how="left")
    )
    num, month = pl.col("_num"), pl.col("_month")
    named = month.fill_null(0) > 0
    per = tokens.group_by("_v").agg(
        bad=((~num & month.is_null()) | (month == -1)).any(),
        months=named.sum(),
        numbers=num.sum(),
        month=month.filter(named).first(),
        month_at=pl.col("_at").filter(named).first(),
        first=pl.col("_t").filter(num).first(),
        first_at=pl.col("_at").filter(num).first(),
        second=pl.col("_t").filter(num).last(),
        second_at=pl.col("_at").filter(num).last(),
    )
    per = per.filter(~pl.col("bad") & (pl.col("months") == 1) & (pl.col("numbers") == 2))
    first, second = pl.col("first"), pl.col("second")
    n1, n2 = first.str.len_chars(), second.str.len_chars()
    m_at, f_at, s_at = pl.col("month_at"), pl.col("first_at"), pl.col("second_at")
    year_first = (n1 == 4) & (n2 <= 2)
    day_first = ((n2 == 4) & (n1 <= 2)) | (
        (n1 <= 2) & (n2 == 2) & (((f_at < m_at) & (m_at < s_at)) | (m_at < f_at))
    )
    per = per.with_columns(
        day=pl.when(year_first).then(second).when(day_first).then(first),
        year=pl.when(year_first).then(first).when(day_first).then(second),
    ).filter(pl.col("day").is_not_null())
    day, year = pl.col("day"), pl.col("year")
    swap = (day.cast(pl.Int64) > 31) & (year.str.len_chars() == 2) & (year.cast(pl.Int64) <= 31)
    per = per.with_columns(
        day=pl.when(swap).then(year).otherwise(day),
        year=pl.when(swap).then(day).otherwise(year),
    )
    found = per.select(
        "_v",
        fcode=pl.lit(None, dtype=pl.String),
        fmsg=pl.lit(None, dtype=pl.String),
        ty=pl.col("year").cast(pl.Int32),
        tm=pl.col("month").cast(pl.Int32),
        td=pl.col("day").cast(pl.Int32),
        tyy=pl.col("year").str.len_chars() == 2,
        ttime=pl.lit(False),
    )
    return (
        pl.DataFrame({"raw": candidates})
        .with_row_index("_v")
        .join(found, on="_v", how="inner")
        .sort("_v")
        .select(list(schema))
        .cast(schema)
    )


def _judge_serials(f: pl.DataFrame, lo: int, hi: int, this_year: int) -> pl.DataFrame:
    """Decide which 4- and 5-digit values are Excel serials, from the rest of the column."""
    compact = pl.col("is_num") & pl.col("nlen").is_between(6, 8) & ~pl.col("ymd8")
    fives = pl.col("is_serial") & (pl.col("nlen") == 5) & pl.col("n").is_between(lo, hi)
    zero_loss, five_serials = f.select(compact.any(), fives.any()).row(0)
    step, messages, update = _serial_steps(lo, hi, this_year, bool(zero_loss), bool(five_serials))
    f = f.with_columns(**step)
    return f.with_columns(
        **update,
        fmsg=pl.when(pl.col("_tag").is_not_null()).then(_tagged(f, messages)).otherwise("fmsg"),
    )


@lru_cache(maxsize=64)
def _serial_steps(
    lo: int, hi: int, this_year: int, zero_loss: bool, five_serials: bool
) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr], dict[str, pl.Expr]]:
    """Return the expressions of :func:`_judge_serials` for this range and column evidence.

    ``zero_loss``: the column holds dates of 6 to 8 digits without separators, so a 5-digit
    value may be one that lost its leading zero. ``five_serials``: it holds 5-digit values in
    the range, the evidence that 4-digit values may be serials too.
    """
    n = pl.col("n")
    in_range = n.is_between(lo, hi).fill_null(False)
    five = pl.col("is_serial") & (pl.col("nlen") == 5)
    four = pl.col("is_serial") & (pl.col("nlen") == 4)
    serials = five_serials and not zero_loss
    year_like = four & n.is_between(1800, this_year)
    ok = (five & in_range & pl.lit(not zero_loss)) | (
        four & in_range & pl.lit(serials) & ~year_like
    )
    step = {
        "_ok": ok.fill_null(False),
        "_sd": pl.when(pl.col("is_serial") & (n >= 61)).then(
            pl.lit(_EXCEL_ZERO) + pl.duration(days=n)
        ),
        "_tag": pl.when(~pl.col("is_serial") | ok)
        .then(pl.lit(None, dtype=pl.String))
        .when(five & in_range)
        .then(pl.lit("zero_loss"))
        .when(year_like & in_range & pl.lit(serials))
        .then(pl.lit("year_or_serial"))
        .when(year_like)
        .then(pl.lit("year"))
        .when(in_range)
        .then(pl.lit("lone"))
        .otherwise(pl.lit("range")),
    }
    raw_q = _quoted()
    sd = pl.col("_sd")
    iso = sd.dt.strftime("%Y-%m-%d")
    window = f"{excel_serial_to_date(lo)} to {excel_serial_to_date(hi)}"
    messages = {
        "zero_loss": pl.format(
            "{} could be an Excel serial number ({}) or a date written without separators "
            "that lost its leading zero, like the column's other all-digit dates; left empty.",
            raw_q,
            iso,
        ),
        "year_or_serial": pl.format(
            "{} could be the year {} (not a full date) or an Excel serial number ({}) like the "
            "column's other values; left empty.",
            raw_q,
            n.cast(pl.String),
            iso,
        ),
        "year": pl.format("{} is only a year, not a full date; left empty.", raw_q),
        "lone": pl.format(
            "{} is a bare number; as an Excel serial number it would be {}, but no other value "
            "in the column is a serial number; left empty.",
            raw_q,
            iso,
        ),
        "range": pl.format(
            "{} is a bare number, not a date: as an Excel serial number it would fall outside "
            "the plausible range {}; left empty.",
            raw_q,
            pl.lit(window),
        ),
    }
    failed = pl.col("_tag").is_not_null()
    ok = pl.col("_ok")
    update = {
        "fcode": pl.when(failed)
        .then(
            pl.col("_tag").replace_strict(
                {"zero_loss": "ambiguous", "year_or_serial": "ambiguous"},
                default="invalid",
                return_dtype=pl.String,
            )
        )
        .otherwise("fcode"),
        "form": pl.when(failed).then(pl.lit(None, dtype=pl.String)).otherwise("form"),
        "y": pl.when(ok).then(sd.dt.year().cast(pl.Int32)).otherwise("y"),
        "m": pl.when(ok).then(sd.dt.month().cast(pl.Int32)).otherwise("m"),
        "d": pl.when(ok).then(sd.dt.day().cast(pl.Int32)).otherwise("d"),
    }
    return step, messages, update


@cache
def _readings(order: Order) -> pl.Expr:
    """Name the readings of an ``A/B/Y`` value: mdy, dmy or ymd (its only one), same, two, none.

    ``ymd_option`` is a year-first reading asked for with ``order="ymd"``.
    """
    a, b, c, yy = pl.col("a"), pl.col("b"), pl.col("c"), pl.col("yy")
    mdy = _possible(c, a, b, yy)
    dmy = _possible(c, b, a, yy)
    ymd = pl.col("a2") & yy & _possible(a, b, c, pl.lit(True))
    return (
        pl.when(pl.col("form") != "aby")
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.lit(order == "ymd") & pl.col("a2") & yy)
        .then(pl.when(ymd).then(pl.lit("ymd_option")).otherwise(pl.lit("none")))
        .when(mdy & dmy)
        .then(pl.when(a == b).then(pl.lit("same")).otherwise(pl.lit("two")))
        .when(mdy)
        .then(pl.lit("mdy"))
        .when(dmy)
        .then(pl.lit("dmy"))
        .when(ymd & (a > 31))
        .then(pl.lit("ymd"))
        .otherwise(pl.lit("none"))
    )


# ---------------------------------------------------------------- the column decision


def _decisive(mdy: int, dmy: int) -> str | None:
    """Return the order the evidence settles (one-sided, or a MAJORITY share), else None."""
    total = mdy + dmy
    if total == 0:
        return None
    if mdy >= MAJORITY * total:
        return "mdy"
    if dmy >= MAJORITY * total:
        return "dmy"
    return None


def _evidence(rows: pl.DataFrame) -> tuple[int, int, dict[str | None, tuple[int, int]]]:
    """Column evidence (distinct values) and evidence per country custom (distinct pairs)."""
    seen = rows.filter(pl.col("cls").is_in(["mdy", "dmy"]))
    col = seen.unique("raw")
    mdy = int((col["cls"] == "mdy").sum())
    dmy = int((col["cls"] == "dmy").sum())
    groups: dict[str | None, tuple[int, int]] = {}
    per = (
        seen.unique(["raw", "grp"])
        .group_by("grp")
        .agg(mdy=(pl.col("cls") == "mdy").sum(), dmy=(pl.col("cls") == "dmy").sum())
    )
    for grp, g_mdy, g_dmy in per.iter_rows():
        groups[grp] = (int(g_mdy), int(g_dmy))
    return mdy, dmy, groups


# ---------------------------------------------------------------- the public function


def normalize_date(
    values: pl.Series,
    *,
    country: pl.Series | str | None = None,
    order: Order = "auto",
    kind: Kind = "dob",
    today: dt.date | None = None,
    min_age: int = 0,
    max_age: int = 120,
) -> Normalized:
    """Rewrite dates as ISO ``YYYY-MM-DD``; the column decides between day- and month-first.

    ``country`` (a column of ISO codes or names, or one for all rows) breaks ties for values
    that read both ways when the column's own values do not settle the order. ``kind="dob"``
    adds the birth-date rules (not in the future, age between ``min_age`` and ``max_age`` on
    ``today``) and places two-digit years in the latest century that is not in the future.
    See the module documentation for every form, rule and message.

    Example:
        >>> out = normalize_date(
        ...     pl.Series(["5/17/80", "05/06/1980", "1980-05-17", "1985-02-30", "29358"]),
        ...     today=dt.date(2025, 6, 1),
        ... )
        >>> out.value.to_list()
        ['1980-05-17', '1980-05-06', '1980-05-17', None, '1980-05-17']
        >>> out.code.to_list()
        ['fixed', 'fixed', None, 'invalid', 'fixed']
        >>> out.notes["order"], out.notes["decided_by"]
        ('mdy', 'unambiguous values')
    """
    reading = read_dates(values, order=order, kind=kind, today=today, max_age=max_age)
    return reading.settle(country, min_age=min_age)


@dataclass(frozen=True)
class DateReading:
    """A date column read into its parts, before the row's country settles A/B/Y values.

    Made by :func:`read_dates`; :meth:`settle` finishes the work of :func:`normalize_date`.
    Reading is the larger part of the work and needs no other column, so a pipeline can
    read early and settle once the countries are final.

    Example:
        >>> reading = read_dates(pl.Series(["05/06/1980", "1980-05-17"]), today=dt.date(2025, 6, 1))
        >>> reading.settle(pl.Series(["GB", "GB"])).value.to_list()
        ['1980-06-05', '1980-05-17']
    """

    parsed: pl.DataFrame  # one row per distinct non-blank value (see _parse)
    rid: pl.Series  # each row's position in parsed; null for a blank cell
    order: Order
    kind: Kind
    today: dt.date
    max_age: int

    def settle(self, country: pl.Series | str | None = None, *, min_age: int = 0) -> Normalized:
        """Settle the order of A/B/Y values with the rows' ``country`` and write every date.

        See :func:`normalize_date` for ``country`` and ``min_age``.
        """
        return _settle(self, country, min_age)


def read_dates(
    values: pl.Series,
    *,
    order: Order = "auto",
    kind: Kind = "dob",
    today: dt.date | None = None,
    max_age: int = 120,
) -> DateReading:
    """Read a date column into its parts, once per distinct value (see :class:`DateReading`).

    The arguments are those of :func:`normalize_date`, which is
    ``read_dates(values, …).settle(country, min_age=…)``.

    Example:
        >>> reading = read_dates(pl.Series(["29358", None, "29358"]), today=dt.date(2025, 6, 1))
        >>> reading.rid.to_list(), reading.parsed["form"].to_list()
        ([0, None, 0], ['serial'])
    """
    if order not in ("auto", "mdy", "dmy", "ymd"):
        raise ValueError(f"order must be 'auto', 'mdy', 'dmy' or 'ymd', not {order!r}")
    if kind not in ("dob", "date"):
        raise ValueError(f"kind must be 'dob' or 'date', not {kind!r}")
    today = today or dt.date.today()
    if isinstance(today, dt.datetime):
        today = today.date()
    text = blank_to_null(values).alias("raw")
    hi = _serial_of(today)
    lo = _serial_of(_earliest_birth(today, max_age)) if kind == "dob" else 1
    distinct, where = distinct_rows(text.to_frame())
    present = distinct["raw"].is_not_null()
    parsed = _parse(distinct["raw"].filter(present), order, lo, hi, today.year)
    # each row's reading: its position in parsed (null for a blank cell)
    rid = pl.select(
        pl.when(present).then(present.cast(pl.Int64).cum_sum() - 1).gather(where)
    ).to_series()
    return DateReading(parsed, rid, order, kind, today, max_age)


def _settle(reading: DateReading, country: pl.Series | str | None, min_age: int) -> Normalized:
    """:meth:`DateReading.settle`."""
    parsed, rid, order, kind = reading.parsed, reading.rid, reading.order, reading.kind
    today, max_age = reading.today, reading.max_age
    n = rid.len()
    cc = _country_codes(country, n)
    # The country matters only to values in A/B/Y form: every other value is settled once per
    # distinct value, the others once per distinct (value, country). Integer keys keep it fast.
    codes = sorted(cc.drop_nulls().unique().to_list())
    code_ids = {code: i for i, code in enumerate(codes, 1)}
    width = len(codes) + 1
    by_country = parsed["cls"].is_in(["two", "mdy", "dmy"]).fill_null(False)
    found = pl.select(
        rid * width
        + pl.when(by_country.gather(rid.fill_null(0)) if parsed.height else pl.lit(False))
        .then(cc.replace_strict(code_ids, default=0, return_dtype=pl.Int64))
        .otherwise(0)
    ).to_series()
    keys = found.drop_nulls().unique().sort()
    pairs = parsed.select(pl.all().gather(keys // width)).with_columns(
        key=keys,
        cc=(keys % width).replace_strict(
            dict(enumerate(codes, 1)), default=None, return_dtype=pl.String
        ),
    )
    customs = {code: _custom(code) for code in codes}
    pairs = pairs.with_columns(
        grp=pl.col("cc").replace_strict(customs, default=None, return_dtype=pl.String)
    )
    mdy_ev, dmy_ev, groups = _evidence(pairs)
    rule = _Rule(order, mdy_ev, dmy_ev, groups)
    pairs = _finish(pairs.with_columns(**rule.resolve()), kind, today, min_age, max_age, rule)
    notes = rule.notes(pairs)
    notes["excel_serials"] = parsed.filter(pl.col("form") == "serial").height
    out = pairs.select("value", "code", "message").select(
        pl.all().gather(_dense_index(found, keys))
    )
    return Normalized(
        value=out["value"].alias("value"),
        code=out["code"].alias("code"),
        message=out["message"].alias("message"),
        notes=notes,
    )


def _dense_index(found: pl.Series, keys: pl.Series) -> pl.Series:
    """Return, for each of ``found``, its position in the sorted distinct ``keys`` (null: null).

    A gather through a table indexed by key when the keys are compact, else a binary search;
    either costs far less than a join of the rows' results.
    """
    top = int(keys.max() or 0) if keys.len() else 0
    if top <= 8 * found.len() + 1024:
        table = pl.zeros(top + 1, dtype=pl.Int64, eager=True).scatter(
            keys, pl.int_range(keys.len(), dtype=pl.Int64, eager=True)
        )
        return pl.select(table.gather(found)).to_series()
    return pl.select(
        pl.when(found.is_not_null()).then(keys.search_sorted(found.fill_null(0)))
    ).to_series()


def _earliest_birth(today: dt.date, max_age: int) -> dt.date:
    """Return the earliest birth date whose age on ``today`` is at most ``max_age``."""
    year = today.year - max_age - 1
    if year < 1:
        return dt.date(1, 1, 1)
    try:
        day = dt.date(year, today.month, today.day)
    except ValueError:  # 29 February
        day = dt.date(year, 2, 28)
    return day + dt.timedelta(days=1)


class _Rule:
    """How values that read both ways are settled, row by row."""

    def __init__(
        self,
        order: Order,
        mdy_ev: int,
        dmy_ev: int,
        groups: dict[str | None, tuple[int, int]],
    ) -> None:
        self.order = order
        self.mdy_ev = mdy_ev
        self.dmy_ev = dmy_ev
        self.groups = groups
        self.mixed = mdy_ev > 0 and dmy_ev > 0
        self.column = _decisive(mdy_ev, dmy_ev)
        self.group_order = {
            grp: _decisive(*counts) for grp, counts in groups.items() if grp is not None
        }

    def _row_order(self) -> tuple[pl.Expr, pl.Expr]:
        """Per row: the order for a value that reads both ways, and the reason."""
        grp = pl.col("grp")
        if self.order in ("mdy", "dmy"):
            return pl.lit(self.order), pl.lit("option")
        if not self.mixed and self.column is not None:
            return pl.lit(self.column), pl.lit("column")
        if not self.mixed:
            return grp, pl.when(grp.is_not_null()).then(pl.lit("country")).otherwise(
                pl.lit("no evidence")
            )
        g_order = grp.replace_strict(self.group_order, default=None, return_dtype=pl.String)
        column = pl.lit(self.column, dtype=pl.String)
        chosen = pl.coalesce(g_order, column, grp)
        reason = (
            pl.when(g_order.is_not_null())
            .then(pl.lit("group"))
            .when(column.is_not_null())
            .then(pl.lit("column"))
            .when(grp.is_not_null())
            .then(pl.lit("country"))
            .otherwise(pl.lit("mixed"))
        )
        return chosen, reason

    def resolve(self) -> dict[str, pl.Expr]:
        """Columns ``rd`` (reading used), ``why`` (its reason), ``against`` and parts."""
        row_order, reason = self._row_order()
        cls = pl.col("cls")
        rd = (
            pl.when(cls.is_in(["mdy", "dmy", "ymd"]))
            .then(cls)
            .when(cls == "ymd_option")
            .then(pl.lit("ymd"))
            .when(cls == "same")
            .then(pl.lit("mdy"))
            .when(cls == "two")
            .then(row_order)
        )
        against = (
            cls.is_in(["mdy", "dmy"]) & row_order.is_not_null() & (cls != row_order)
        ).fill_null(False)
        a, b, c = pl.col("a"), pl.col("b"), pl.col("c")
        return {
            "rd": rd,
            "why": pl.when(cls == "two").then(reason).when(against).then(reason),
            "against": against,
            "row_order": row_order,
            "y": pl.when(rd == "ymd").then(a).when(rd.is_not_null()).then(c).otherwise("y"),
            "m": pl.when(rd == "mdy").then(a).when(rd.is_in(["dmy", "ymd"])).then(b).otherwise("m"),
            "d": pl.when(rd == "mdy")
            .then(b)
            .when(rd == "dmy")
            .then(a)
            .when(rd == "ymd")
            .then(c)
            .otherwise("d"),
        }

    def explain(self) -> pl.Expr:
        """Say why a value that reads both ways was read as it was (a message clause)."""
        why = pl.col("why")
        g_mdy = pl.col("grp").replace_strict(
            {g: v[0] for g, v in self.groups.items() if g is not None},
            default=0,
            return_dtype=pl.Int64,
        )
        g_dmy = pl.col("grp").replace_strict(
            {g: v[1] for g, v in self.groups.items() if g is not None},
            default=0,
            return_dtype=pl.Int64,
        )
        counts = f"{self.mdy_ev} month-first, {self.dmy_ev} day-first"
        column_state = (
            f"the column mixes both orders: {counts}"
            if self.mixed
            else "the column has no value that reads only one way"
        )
        return (
            pl.when(why == "option")
            .then(pl.format(", as order='{}' asks", pl.col("row_order")))
            .when(why == "column")
            .then(pl.lit(f", the order of the column's values that read only one way ({counts})"))
            .when(why == "group")
            .then(
                pl.format(
                    ", the order of the values that read only one way in rows from {} countries "
                    "({} month-first, {} day-first)",
                    pl.col("row_order").replace_strict(_WORD, default=None),
                    g_mdy.cast(pl.String),
                    g_dmy.cast(pl.String),
                )
            )
            .when(why == "country")
            .then(
                pl.format(
                    ", the usual order in country {} ({})", pl.col("cc"), pl.lit(column_state)
                )
            )
        )

    def explain_against(self) -> pl.Expr:
        """Say that a value was read its only possible way, against the row's order."""
        why = pl.col("why")
        other = pl.col("row_order").replace_strict(_WORD, default=None)
        return (
            pl.when(why == "option")
            .then(
                pl.format(
                    ", its only possible reading, although order='{}' was given",
                    pl.col("row_order"),
                )
            )
            .when(why == "column")
            .then(
                pl.format(", its only possible reading, although the column is otherwise {}", other)
            )
            .when(why == "group")
            .then(
                pl.format(
                    ", its only possible reading, although rows from {} countries are otherwise "
                    "written that way",
                    other,
                )
            )
            .when(why == "country")
            .then(
                pl.format(
                    ", its only possible reading, although country {} usually writes {}",
                    pl.col("cc"),
                    other,
                )
            )
        )

    def ambiguity(self) -> pl.Expr:
        """Say why a value that reads both ways was left empty (a message clause)."""
        if self.mixed:
            state = (
                f"the column mixes both orders ({self.mdy_ev} month-first, {self.dmy_ev} day-first)"
            )
        else:
            state = "the column gives no evidence"
        row = (
            pl.when(pl.col("cc").is_not_null())
            .then(pl.format("the row's country, {}, writes dates both ways", pl.col("cc")))
            .otherwise(pl.lit("the row has no country"))
        )
        return pl.format("; {} and {}; pass order='mdy' or 'dmy'; left empty.", pl.lit(state), row)

    def notes(self, rows: pl.DataFrame) -> dict[str, Any]:
        """Return the column-level decision, for the run's manifest."""
        two = rows.filter(pl.col("cls") == "two")
        reasons = set(two["why"].drop_nulls().to_list())
        order: str | None
        if self.order != "auto":
            order, by = self.order, "option"
        elif not self.mixed and self.column is not None:
            order, by = self.column, "unambiguous values"
        elif reasons & {"group", "country"}:
            used = two.filter(pl.col("why").is_in(["group", "country"]))["rd"]
            order = "mdy" if int((used == "mdy").sum()) * 2 > used.len() else "dmy"
            by = "country"
        elif self.column is not None:
            order, by = self.column, "unambiguous values"
        else:
            order, by = None, "default"
        return {
            "order": order,
            "decided_by": by,
            "mdy_evidence": self.mdy_ev,
            "dmy_evidence": self.dmy_ev,
            "mixed": self.mixed,
        }


def _finish(
    pairs: pl.DataFrame, kind: Kind, today: dt.date, min_age: int, max_age: int, rule: _Rule
) -> pl.DataFrame:
    """Place two-digit years, check the date and the kind's rules, write value/code/message."""
    steps, tag, code, messages = _check_steps(kind, today, min_age, max_age)
    for step in steps:
        pairs = pairs.with_columns(**step)
    pairs = pairs.with_columns(_tag=tag)
    tail = messages["tail"]
    raw_q, iso, one_way = _quoted(), pl.col("iso"), pl.col("rd").replace_strict(_WORD, default=None)
    messages = {
        **messages,
        "ambiguous": pl.format(
            "{} could be {} {} or {} {}{}",
            raw_q,
            pl.col("b").cast(pl.String),
            _month_name(pl.col("a")),
            pl.col("a").cast(pl.String),
            _month_name(pl.col("b")),
            rule.ambiguity(),
        ),
        "two": pl.format("{} read {} as {}{}{}", raw_q, one_way, iso, rule.explain(), tail),
        "against": pl.format(
            "{} read {} as {}{}{}", raw_q, one_way, iso, rule.explain_against(), tail
        ),
    }
    pairs = pairs.with_columns(code=code, message=_tagged(pairs, messages))
    return pairs.with_columns(
        message=pl.when(pl.col("_tag") == "read").then("fmsg").otherwise("message"),
        value=pl.when(pl.col("code").is_null() | (pl.col("code") == "fixed")).then("iso"),
    )


@lru_cache(maxsize=64)
def _check_steps(
    kind: Kind, today: dt.date, min_age: int, max_age: int
) -> tuple[tuple[dict[str, pl.Expr], ...], pl.Expr, pl.Expr, dict[str, pl.Expr]]:
    """Return the steps, tag, code and messages of :func:`_finish` that depend on no evidence."""
    y, m, d = pl.col("y"), pl.col("m"), pl.col("d")
    md = m * 100 + d
    today_key = today.year * 10000 + today.month * 100 + today.day
    two_digit = pl.col("yy").fill_null(False)
    if kind == "dob":
        latest = (today.year // 100) * 100 + y
        full = pl.when(latest * 10000 + md > today_key).then(latest - 100).otherwise(latest)
        year_note = pl.format(
            " The two-digit year {} was taken as {}, the latest such year not in the future.",
            pl.col("yy_text"),
            y.cast(pl.String),
        )
    else:
        base = today.year - 80
        start = (base // 100) * 100 + y
        full = pl.when(start < base).then(start + 100).otherwise(start)
        year_note = pl.format(
            " The two-digit year {} was taken as {} (two-digit years are placed between {} "
            "and {}).",
            pl.col("yy_text"),
            y.cast(pl.String),
            pl.lit(str(base)),
            pl.lit(str(base + 99)),
        )
    century = {
        "yy_text": pl.when(two_digit).then(y.cast(pl.String).str.zfill(2)),
        "y": pl.when(two_digit).then(full).otherwise(y).cast(pl.Int32),
    }
    valid = ((y >= 1) & (y <= 9999) & _possible(y, m, d, pl.lit(False))).fill_null(False)
    date = {
        "iso": pl.when(valid).then(
            pl.format(
                "{}-{}-{}",
                y.cast(pl.String).str.zfill(4),
                m.cast(pl.String).str.zfill(2),
                d.cast(pl.String).str.zfill(2),
            )
        ),
        "age": pl.lit(today.year) - y - (md > today.month * 100 + today.day).cast(pl.Int32),
    }
    dob = pl.lit(kind == "dob")
    age = pl.col("age")
    tag = (
        pl.when(pl.col("fcode").is_not_null())
        .then(pl.lit("read"))
        .when((pl.col("cls") == "two") & pl.col("rd").is_null())
        .then(pl.lit("ambiguous"))
        .when(pl.col("cls") == "none")
        .then(pl.lit("none"))
        .when(pl.col("iso").is_null())
        .then(pl.lit("impossible"))
        .when((y * 10000 + md).is_in(sorted(PLACEHOLDER_DATES)))
        .then(pl.lit("placeholder"))
        .when(~dob & ~y.is_between(_FIRST_YEAR, today.year + _YEARS_AHEAD))
        .then(pl.lit("years"))
        .when(dob & (y * 10000 + md > today_key))
        .then(pl.lit("future"))
        .when(dob & (age > max_age))
        .then(pl.lit("old"))
        .when(dob & (age < min_age))
        .then(pl.lit("young"))
        .when(pl.col("form") == "iso")
        .then(pl.lit("iso"))
        .when(pl.col("form") != "aby")
        .then(pl.lit("form"))
        .when(pl.col("cls").is_in(["same", "two", "ymd_option", "ymd"]))
        .then("cls")
        .when(pl.col("against"))
        .then(pl.lit("against"))
        .otherwise(pl.lit("one"))
    )
    codes = {
        "ambiguous": "ambiguous",
        "none": "invalid",
        "impossible": "invalid",
        "placeholder": "placeholder",
        "years": "implausible",
        "future": "implausible",
        "old": "implausible",
        "young": "implausible",
    }
    code = (
        pl.when(pl.col("_tag") == "read")
        .then("fcode")
        .when(pl.col("_tag") == "iso")
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col("_tag").replace_strict(codes, default="fixed", return_dtype=pl.String))
    )
    return (century, date), tag, code, _messages(today, min_age, max_age, year_note)


def _messages(today: dt.date, min_age: int, max_age: int, year_note: pl.Expr) -> dict[str, pl.Expr]:
    """Return the message of each outcome of :func:`_finish` that needs no evidence, by tag.

    ``tail`` is the end of every ``fixed`` message: a dropped time, a placed century.
    """
    raw_q = _quoted()
    iso = pl.col("iso")
    y, m, d = pl.col("y"), pl.col("m"), pl.col("d")
    named = (
        pl.when(pl.col("raw").str.strip_chars() == iso)
        .then(raw_q)
        .otherwise(pl.format("{} (read as {})", raw_q, iso))
    )
    one_way = pl.col("rd").replace_strict(_WORD, default=None)
    tail = pl.format(
        "{}.{}",
        pl.when(pl.col("time")).then(pl.lit("; the time of day was dropped")).otherwise(pl.lit("")),
        pl.when(pl.col("yy_text").is_not_null()).then(year_note).otherwise(pl.lit("")),
    )
    impossible = (
        pl.when(m.is_between(1, 12).not_())
        .then(pl.format("there is no month {}", m.cast(pl.String)))
        .when(d < 1)
        .then(pl.format("there is no day {}", d.cast(pl.String)))
        .when(y < 1)
        .then(pl.lit("there is no year 0"))
        .otherwise(
            pl.format(
                "{} {} has {} days",
                _month_name(m),
                y.cast(pl.String),
                _days_in(y, m, pl.lit(False)).cast(pl.String),
            )
        )
    )
    return {
        "tail": tail,
        "none": pl.format(
            "{} is not a real date whichever way it is read (day-first or month-first); "
            "left empty.",
            raw_q,
        ),
        "impossible": pl.format("{} is not a real date: {}; left empty.", raw_q, impossible),
        "placeholder": pl.format(
            "{} is a stand-in date that systems store when none was given; left empty.", named
        ),
        "years": pl.format(
            "{} is outside the years {} to {} that a date in a customer list can have; left empty.",
            named,
            pl.lit(str(_FIRST_YEAR)),
            pl.lit(str(today.year + _YEARS_AHEAD)),
        ),
        "future": pl.format(
            "{} is in the future (today is {}); a birth date cannot be; left empty.",
            named,
            pl.lit(today.isoformat()),
        ),
        "old": pl.format(
            "{} would make the customer {} years old, over the limit of {}; left empty.",
            named,
            pl.col("age").cast(pl.String),
            pl.lit(str(max_age)),
        ),
        "young": pl.format(
            "{} would make the customer {} years old, under the minimum of {}; left empty.",
            named,
            pl.col("age").cast(pl.String),
            pl.lit(str(min_age)),
        ),
        "form": pl.format("{} {} {}{}", raw_q, pl.col("how"), iso, tail),
        "same": pl.format("{} read as {} (day and month are the same){}", raw_q, iso, tail),
        "ymd_option": pl.format(
            "{} read year-first as {}, as order='ymd' asks{}", raw_q, iso, tail
        ),
        "ymd": pl.format(
            "{} read year-first as {} ({} cannot be a day or a month){}",
            raw_q,
            iso,
            pl.col("a").cast(pl.String),
            tail,
        ),
        "one": pl.format(
            "{} read {} as {} ({} cannot be a month){}",
            raw_q,
            one_way,
            iso,
            pl.when(pl.col("rd") == "mdy").then("b").otherwise("a").cast(pl.String),
            tail,
        ),
    }
