"""The shape every target shares: options, value formatting, length limits and batching.

A target module (:mod:`custclean.targets.franpos`, :mod:`custclean.targets.wasp`) declares its
options as :class:`Option` objects and turns the records into request bodies; the helpers here
do the parts both need:

- :func:`resolve_options` checks the keyword options a user passed (unknown name or bad value →
  :class:`~custclean.errors.CustcleanError` naming it and the valid choices) and returns the
  resolved, JSON-serialisable options, defaults included, so that a run can be replayed;
- :func:`format_phones`, :func:`format_countries`, :func:`format_states` write canonical values
  (E.164, ISO codes) the way an API wants them;
- :func:`length_issues` flags values longer than the limits in ``reference_data/field_limits.csv``
  (the APIs publish no lengths: those limits are assumptions an analyst may change);
- :func:`body_records` turns a frame of API columns into request-body dicts that omit every
  key without a value, in the column order given (the seed's order).

Example:
    >>> opts = {"size": Option("size", 100, positive_int(500), "records per batch")}
    >>> resolve_options(opts, {"size": 20}, target="demo")
    {'size': 20}
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers as pn
import polars as pl
import pycountry

from custclean.errors import CustcleanError
from custclean.issues import ISSUE_SCHEMA, empty_issues
from custclean.reference import load_table

__all__ = [
    "PHONE_FORMATS",
    "Built",
    "Option",
    "body_records",
    "boolean",
    "choice",
    "field_limits",
    "format_countries",
    "format_phone",
    "format_phones",
    "format_states",
    "length_issues",
    "optional_int",
    "positive_int",
    "resolve_options",
    "split_batches",
]

#: How a phone can be written: ``e164`` ``+13125550123``; ``national`` ``(312) 555-0123``;
#: ``digits`` the national format with every non-digit removed, ``3125550123``.
PHONE_FORMATS: tuple[str, ...] = ("e164", "national", "digits")


# --------------------------------------------------------------------------------------------
# Options.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One keyword option of a target: its default, its check and what it does.

    ``check(value, name)`` returns the resolved (JSON-serialisable) value or raises
    :class:`~custclean.errors.CustcleanError`.

    Example:
        >>> Option("phone_format", "e164", choice(*PHONE_FORMATS), "phones").check("digits", "x")
        'digits'
    """

    name: str
    default: Any
    check: Callable[[Any, str], Any]
    doc: str


def choice(*values: Any) -> Callable[[Any, str], Any]:
    """Return a check that accepts exactly one of ``values``.

    Example:
        >>> choice("code", "name")("name", "country_format")
        'name'
    """

    def check(value: Any, name: str) -> Any:
        if isinstance(value, bool) and not any(isinstance(v, bool) for v in values):
            ok = False
        else:
            ok = value in values
        if not ok:
            listing = ", ".join(repr(v) for v in values)
            raise CustcleanError(
                f"option {name}={value!r} is not valid", hint=f"use one of: {listing}"
            )
        return value

    return check


def boolean(value: Any, name: str) -> bool:
    """Accept True or False only (not 0, 1 or "yes").

    Example:
        >>> boolean(True, "RequireDob")
        True
    """
    if not isinstance(value, bool):
        raise CustcleanError(f"option {name}={value!r} is not valid", hint="use True or False")
    return value


def positive_int(maximum: int | None = None) -> Callable[[Any, str], int]:
    """Return a check for an integer from 1 to ``maximum`` (no upper bound when None).

    Example:
        >>> positive_int(500)(500, "batch_size")
        500
    """

    def check(value: Any, name: str) -> int:
        bound = "" if maximum is None else f" and at most {maximum}"
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CustcleanError(
                f"option {name}={value!r} is not valid", hint=f"use an integer of at least 1{bound}"
            )
        if maximum is not None and value > maximum:
            raise CustcleanError(
                f"option {name}={value!r} is above the limit of {maximum}",
                hint=f"use an integer from 1 to {maximum}",
            )
        return value

    return check


def optional_int(value: Any, name: str) -> int | None:
    """Accept None or an integer (a digit string such as ``"7"`` is read as 7).

    Example:
        >>> optional_int("7", "location_id"), optional_int(None, "location_id")
        (7, None)
    """
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise CustcleanError(f"option {name}={value!r} is not valid", hint="use an integer or None")
    return value


def resolve_options(
    spec: Mapping[str, Option], given: Mapping[str, Any], *, target: str
) -> dict[str, Any]:
    """Check ``given`` against ``spec`` and return every option resolved, defaults included.

    The result is JSON-serialisable (it is written to ``manifest.json``) and passing it back
    as keyword options reproduces the run.

    Example:
        >>> spec = {"phone_format": Option("phone_format", "e164", choice(*PHONE_FORMATS), "")}
        >>> resolve_options(spec, {}, target="franpos")
        {'phone_format': 'e164'}
        >>> resolve_options(spec, {"phone": "e164"}, target="franpos")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        custclean.errors.CustcleanError: unknown option 'phone' for target 'franpos'. Valid ...
    """
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise CustcleanError(
            f"unknown option {unknown[0]!r} for target {target!r}",
            hint="valid options: " + ", ".join(spec),
        )
    resolved: dict[str, Any] = {}
    for name, option in spec.items():
        value = given.get(name, option.default)
        resolved[name] = option.check(value, name)
    try:
        json.dumps(resolved)
    except TypeError as exc:  # pragma: no cover - every check returns plain values
        raise CustcleanError(f"options are not JSON-serialisable: {exc}") from exc
    return resolved


# --------------------------------------------------------------------------------------------
# What a target builds.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    """What a target's ``build`` returns; :func:`custclean.export` wraps it in an ``Export``.

    Example:
        >>> Built([], [], pl.DataFrame(), pl.DataFrame(), empty_issues()).batches
        []
    """

    batches: list[dict[str, Any]]
    address_batches: list[dict[str, Any]]
    preview: pl.DataFrame
    rejected: pl.DataFrame
    issues: pl.DataFrame


#: Column types of every ``rejected`` frame.
REJECTED_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    "source_rows": pl.List(pl.Int64()),
    "field": pl.String(),
    "reason": pl.String(),
}


# --------------------------------------------------------------------------------------------
# Value formatting (once per distinct value).
# --------------------------------------------------------------------------------------------


def _map_distinct(values: pl.Series, func: Callable[[str], str | None]) -> pl.Series:
    """Apply ``func`` once per distinct non-null value and map the answers back to the rows."""
    distinct = values.drop_nulls().unique(maintain_order=True)
    if distinct.len() == 0:
        return pl.Series(values.name, [None] * values.len(), dtype=pl.String)
    answers = pl.Series([func(v) for v in distinct.to_list()], dtype=pl.String)
    return values.replace_strict(distinct, answers, default=None, return_dtype=pl.String)


@lru_cache(maxsize=65536)
def format_phone(value: str, fmt: str) -> str | None:
    """Write an E.164 number as ``fmt`` (see :data:`PHONE_FORMATS`); None when not E.164.

    Example:
        >>> [format_phone("+13125550123", f) for f in PHONE_FORMATS]
        ['+13125550123', '(312) 555-0123', '3125550123']
        >>> format_phone("+447560799179", "digits"), format_phone("555-0123", "e164")
        ('07560799179', None)
    """
    try:
        number = pn.parse(value, None)
    except pn.NumberParseException:
        return None
    if not pn.is_possible_number(number):
        return None
    if fmt == "e164":
        return pn.format_number(number, pn.PhoneNumberFormat.E164)
    national = pn.format_number(number, pn.PhoneNumberFormat.NATIONAL)
    if fmt == "national":
        return national
    return re.sub(r"\D", "", national)


def format_phones(values: pl.Series, fmt: str) -> tuple[pl.Series, pl.Series]:
    """Format a column of E.164 phones; also return which non-empty values were not E.164.

    A value that cannot be read as E.164 is kept as given (the API stores text) and flagged.

    Example:
        >>> out, bad = format_phones(pl.Series(["+13125550123", None, "call me"]), "national")
        >>> out.to_list(), bad.to_list()
        (['(312) 555-0123', None, 'call me'], [False, False, True])
    """
    values = values.cast(pl.String)
    formatted = _map_distinct(values, lambda v: format_phone(v.strip(), fmt))
    bad = values.is_not_null() & formatted.is_null()
    return formatted.fill_null(values), bad


@lru_cache(maxsize=4096)
def _country(value: str, fmt: str) -> str | None:
    from custclean.normalize.country import country_code, country_name

    text = value.strip()
    code = text.upper() if len(text) == 2 and country_name(text) else country_code(text)
    if code is None:
        return None
    if fmt == "code":
        return code
    return country_name(code)


def format_countries(values: pl.Series, fmt: str) -> tuple[pl.Series, pl.Series]:
    """Write countries as ISO alpha-2 ``code`` or ISO English ``name``; flag unresolvable ones.

    A value that names no country is not sent (null) and flagged as unresolved.

    Example:
        >>> out, bad = format_countries(pl.Series(["DE", "Atlantis", None]), "name")
        >>> out.to_list(), bad.to_list()
        (['Germany', None, None], [False, True, False])
    """
    values = values.cast(pl.String)
    out = _map_distinct(values, lambda v: _country(v, fmt))
    return out, values.is_not_null() & out.is_null()


@lru_cache(maxsize=8192)
def _state(value: str, country: str | None, fmt: str) -> str | None:
    text = value.strip()
    if fmt == "code" or not country:
        return text
    sub = pycountry.subdivisions.get(code=f"{country.strip().upper()}-{text.upper()}")
    return text if sub is None else str(sub.name)


def format_states(states: pl.Series, countries: pl.Series, fmt: str) -> pl.Series:
    """Write states as the ISO 3166-2 ``code`` (as cleaned) or its ISO ``name``.

    With ``name``, a code that is not an ISO subdivision of the row's country is sent as given
    (both APIs accept a code), so no value is lost.

    Example:
        >>> states, countries = pl.Series(["GA", "BY", "ZZ"]), pl.Series(["US", "DE", "US"])
        >>> format_states(states, countries, "name").to_list()
        ['Georgia', 'Bayern', 'ZZ']
    """
    frame = pl.DataFrame({"s": states.cast(pl.String), "c": countries.cast(pl.String)})
    distinct = frame.drop_nulls("s").unique(maintain_order=True)
    answers = [_state(s, c, fmt) for s, c in distinct.iter_rows()]
    table = distinct.with_columns(pl.Series("out", answers, dtype=pl.String))
    joined = frame.join(table, on=["s", "c"], how="left", nulls_equal=True, maintain_order="left")
    return joined["out"].alias(states.name)


# --------------------------------------------------------------------------------------------
# Length limits.
# --------------------------------------------------------------------------------------------


def field_limits(target: str) -> dict[str, int]:
    """Return ``{api_field: max_length}`` for ``target`` from ``reference_data/field_limits.csv``.

    Neither API publishes field lengths: the shipped limits are conservative assumptions
    (typical database column widths). An analyst who learns the real ones edits the CSV.

    Example:
        >>> field_limits("franpos")["FirstName"] > 0
        True
    """
    table = load_table("field_limits").filter(pl.col("target") == target)
    limits: dict[str, int] = {}
    for field, length in table.select("field", "max_length").iter_rows():
        limits.setdefault(field, int(length))  # the analyst's own rows come first and win
    return limits


def length_issues(
    frame: pl.DataFrame, target: str, *, field_of: Mapping[str, str]
) -> tuple[pl.DataFrame, pl.Series]:
    """Flag every value longer than its assumed limit; return the issues and a per-row mask.

    ``frame`` holds ``source_row`` and API columns; ``field_of`` names the canonical field of
    each API column (for the issue's ``field``). Issues have code ``implausible``.

    Example:
        >>> f = pl.DataFrame({"source_row": [1, 2], "FirstName": ["Ann", "A" * 300]})
        >>> issues, long = length_issues(f, "franpos", field_of={"FirstName": "first_name"})
        >>> issues["source_row"].to_list(), long.to_list()
        ([2], [False, True])
    """
    limits = field_limits(target)
    parts: list[pl.DataFrame] = []
    mask = pl.repeat(False, frame.height, eager=True, dtype=pl.Boolean)
    for column, limit in limits.items():
        if column not in frame.columns or frame.schema[column] != pl.String:
            continue
        too_long = frame[column].str.len_chars().fill_null(0) > limit
        if not too_long.any():
            continue
        mask = mask | too_long
        hits = frame.filter(too_long)
        parts.append(
            hits.select(
                pl.col("source_row").cast(pl.Int64),
                pl.lit(field_of.get(column, column)).alias("field"),
                pl.lit("implausible").alias("code"),
                pl.col(column).alias("value"),
                pl.lit(None, dtype=pl.String).alias("result"),
                (
                    pl.lit(f"{column} is ")
                    + pl.col(column).str.len_chars().cast(pl.String)
                    + pl.lit(
                        f" characters long, over the assumed limit of {limit} for {target}"
                        " (reference_data/field_limits.csv); the server may cut or refuse it"
                    )
                ).alias("message"),
            )
        )
    issues = pl.concat(parts) if parts else empty_issues()
    return issues.cast(ISSUE_SCHEMA), mask.alias("too_long")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Bodies and batches.
# --------------------------------------------------------------------------------------------


def body_records(frame: pl.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Return one dict per row with the given columns, in that order, omitting empty values.

    A key without a value is left out rather than sent as null, so that an update never
    blanks a value the account holds.

    Example:
        >>> body_records(pl.DataFrame({"A": [1, None], "B": ["x", "y"]}), ["B", "A"])
        [{'B': 'x', 'A': 1}, {'B': 'y'}]
    """
    present = [c for c in columns if c in frame.columns]
    return [
        {k: v for k, v in row.items() if v is not None and v != []}
        for row in frame.select(present).iter_rows(named=True)
    ]


def split_batches(n: int, size: int) -> list[range]:
    """Return the index ranges of ``n`` records split into batches of at most ``size``.

    Example:
        >>> [len(r) for r in split_batches(1001, 500)], split_batches(0, 100)
        ([500, 500, 1], [])
    """
    return [range(start, min(start + size, n)) for start in range(0, n, size)]
