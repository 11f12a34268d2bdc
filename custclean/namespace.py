"""The ``custclean`` namespace on polars expressions and series: one column at a time.

Registered when :mod:`custclean` is imported. Each method is a thin wrapper over the matching
normaliser in :mod:`custclean.normalize` and returns the normalised values only; use the
normaliser itself (or :func:`custclean.clean`) for the issue codes and messages.

Example:
    >>> import polars as pl
    >>> import custclean  # noqa: F401  (registers the namespace)
    >>> df = pl.DataFrame({"Mobile": ["(312) 555-0123"], "Mail": [" Ann@X.COM "]})
    >>> df.select(
    ...     pl.col("Mobile").custclean.phone(region="US"), pl.col("Mail").custclean.email()
    ... ).row(0)
    ('+13125550123', 'ann@x.com')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Literal

import polars as pl

from custclean.normalize._core import Normalized

__all__ = ["CustcleanExprNamespace", "CustcleanSeriesNamespace"]


def _country(s: pl.Series) -> Normalized:
    from custclean.normalize.country import normalize_country

    return normalize_country(s)


def _state(s: pl.Series, country: str | None) -> Normalized:
    from custclean.normalize.state import normalize_state

    return normalize_state(s, country)


def _phone(s: pl.Series, region: str | None, expect: Literal["any", "mobile"]) -> Normalized:
    from custclean.normalize.phone import normalize_phone

    return normalize_phone(s, region, default_region=region, expect=expect, parallel=False)


def _date(
    s: pl.Series,
    order: Literal["auto", "mdy", "dmy", "ymd"],
    kind: Literal["dob", "date"],
    country: str | None,
    today: dt.date | None,
) -> Normalized:
    from custclean.normalize.dates import normalize_date

    return normalize_date(s, country=country, order=order, kind=kind, today=today)


def _email(s: pl.Series) -> Normalized:
    from custclean.normalize.email import normalize_email

    return normalize_email(s)


def _name(s: pl.Series, kind: Literal["person", "company", "place", "address"]) -> Normalized:
    from custclean.normalize.name import normalize_name

    return normalize_name(s, kind=kind)


def _gender(s: pl.Series) -> Normalized:
    from custclean.normalize.gender import normalize_gender

    return normalize_gender(s)


def _postal(s: pl.Series, country: str | None) -> Normalized:
    from custclean.normalize.postal import normalize_postal

    return normalize_postal(s, country)


def _note_type(s: pl.Series, known: Sequence[str] | None) -> Normalized:
    from custclean.normalize.note_type import normalize_note_type

    return normalize_note_type(s, known)


class _Methods:
    """The methods shared by the expression and the series namespace."""

    def _apply(self, func: Callable[[pl.Series], Normalized]) -> pl.Expr | pl.Series:
        raise NotImplementedError

    def country(self) -> pl.Expr | pl.Series:
        """ISO 3166-1 alpha-2 country code ("U.S.A." → "US").

        Example:
            >>> pl.Series(["Deutschland"]).custclean.country().to_list()
            ['DE']
        """
        return self._apply(_country)

    def state(self, country: str | None = None) -> pl.Expr | pl.Series:
        """ISO 3166-2 subdivision code without the prefix ("Calif." → "CA" in the US).

        Example:
            >>> pl.Series(["Bayern"]).custclean.state(country="DE").to_list()
            ['BY']
        """
        return self._apply(lambda s: _state(s, country))

    def phone(
        self, region: str | None = None, *, expect: Literal["any", "mobile"] = "any"
    ) -> pl.Expr | pl.Series:
        """E.164 phone number ("(312) 555-0123" → "+13125550123"), extension dropped.

        Example:
            >>> pl.Series(["020 7946 0958"]).custclean.phone(region="GB").to_list()
            ['+442079460958']
        """
        return self._apply(lambda s: _phone(s, region, expect))

    def date(
        self,
        *,
        order: Literal["auto", "mdy", "dmy", "ymd"] = "auto",
        kind: Literal["dob", "date"] = "date",
        country: str | None = None,
        today: dt.date | None = None,
    ) -> pl.Expr | pl.Series:
        """ISO date; the column's month/day order is decided from its unambiguous values.

        Example:
            >>> pl.Series(["17.05.1980"]).custclean.date().to_list()
            ['1980-05-17']
        """
        return self._apply(lambda s: _date(s, order, kind, country, today))

    def email(self) -> pl.Expr | pl.Series:
        """Trimmed, lower-case e-mail address; display names and ``mailto:`` removed.

        Example:
            >>> pl.Series(["John <John@X.com>"]).custclean.email().to_list()
            ['john@x.com']
        """
        return self._apply(_email)

    def name(
        self, kind: Literal["person", "company", "place", "address"] = "person"
    ) -> pl.Expr | pl.Series:
        """Tidy name: white space collapsed, ALL-CAPS and all-lower put in proper case.

        Example:
            >>> pl.Series(["MCDONALD"]).custclean.name().to_list()
            ['McDonald']
        """
        return self._apply(lambda s: _name(s, kind))

    def gender(self) -> pl.Expr | pl.Series:
        """``male`` / ``female`` / null from spellings in several languages.

        Example:
            >>> pl.Series(["Weiblich", "H"]).custclean.gender().to_list()
            ['female', 'male']
        """
        return self._apply(_gender)

    def postal(self, country: str | None = None) -> pl.Expr | pl.Series:
        """Postal code in the country's format ("2134" → "02134" in the US).

        Example:
            >>> pl.Series(["k1a0b1"]).custclean.postal(country="CA").to_list()
            ['K1A 0B1']
        """
        return self._apply(lambda s: _postal(s, country))

    def note_type(self, known: Sequence[str] | None = None) -> pl.Expr | pl.Series:
        """Note type resolved against the names the account knows.

        Example:
            >>> pl.Series([" vip "]).custclean.note_type(known=["General", "VIP"]).to_list()
            ['VIP']
        """
        return self._apply(lambda s: _note_type(s, known))


@pl.api.register_expr_namespace("custclean")
class CustcleanExprNamespace(_Methods):
    """``pl.col(...).custclean``: the normalisers as expressions.

    Example:
        >>> pl.DataFrame({"c": ["usa"]}).select(pl.col("c").custclean.country()).item()
        'US'
    """

    def __init__(self, expr: pl.Expr) -> None:
        self._expr = expr

    def _apply(self, func: Callable[[pl.Series], Normalized]) -> pl.Expr:
        return self._expr.map_batches(lambda s: func(s).value.alias(s.name), return_dtype=pl.String)


@pl.api.register_series_namespace("custclean")
class CustcleanSeriesNamespace(_Methods):
    """``series.custclean``: the normalisers on a series.

    Example:
        >>> pl.Series(["FEMME"]).custclean.gender().to_list()
        ['female']
    """

    def __init__(self, series: pl.Series) -> None:
        self._series = series

    def _apply(self, func: Callable[[pl.Series], Normalized]) -> pl.Series:
        return func(self._series).value.alias(self._series.name)
