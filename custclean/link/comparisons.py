"""Field-by-field comparison of candidate pairs: the gammas a Fellegi–Sunter model scores.

``prepare(records)`` derives the columns the comparisons read (folded names, nickname keys,
phonetic keys, e-mail local part, phones' last seven digits, house number, …; see
``PREPARED_COLUMNS``). ``compare(prepared, pairs)`` adds one ``gamma_<name>`` Int8 column per
comparison in ``COMPARISONS``: -1 when the value is missing on either side (neither for nor
against), 0 for "else" (disagree) and higher values for stronger agreement. A comparison's
``levels`` are listed strongest first, so ``levels[0]`` has the highest gamma and "else" is 0;
``Comparison.label(gamma)`` turns one into the other.

Fuzzy scores are computed with rapidfuzz once per distinct pair of values, so a few million
candidate pairs cost seconds. Every rule is symmetric in left and right.

Example:
    >>> import polars as pl
    >>> rec = pl.DataFrame({
    ...     "source_row": [1, 2, 3],
    ...     "first_name": ["Robert", "Bob", "Mary"],
    ...     "last_name": ["Smith", "Smith", "Smith"],
    ...     "dob": ["1970-03-04", "1970-04-03", "1972-11-30"],
    ...     "email": ["bob.smith@gmail.com", "bobsmith@yahoo.com", "bob.smith@gmail.com"],
    ... })
    >>> pairs = pl.DataFrame({"source_row_l": [1, 1], "source_row_r": [2, 3]})
    >>> g = compare(prepare(rec), pairs)
    >>> g.select("gamma_first_name", "gamma_last_name", "gamma_dob", "gamma_email").rows()
    [(5, 5, 3, 2), (0, 5, 1, 3)]
    >>> comparison("first_name").label(5)
    'nickname'
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from custclean.link import _cmp_levels as lv
from custclean.link._cmp_context import PairContext
from custclean.link._cmp_prepare import PREPARED_COLUMNS, prepare_records

__all__ = ["COMPARISONS", "PREPARED_COLUMNS", "Comparison", "compare", "comparison", "prepare"]

Role = Literal["identity", "contact", "key"]


@dataclass(frozen=True)
class Comparison:
    """One named part of the comparison of two records, with its ordered agreement levels.

    ``levels`` are strongest first and end with ``"else"``; the gamma of ``levels[i]`` is
    ``len(levels) - 1 - i``. ``notes`` explain each level to a person. ``role`` tells the model
    how the part behaves in a household: ``identity`` parts (first name, date of birth, gender)
    tell people apart, ``contact`` parts (surname, e-mail, phone, address, postal code, city,
    company) are shared by people who live or work together, ``key`` parts are record ids.
    ``m_start`` are the starting m-probabilities for EM and ``m_bounds`` the (low, high) bounds
    EM keeps them in; ``tf_column`` names the prepared column whose value frequency adjusts the
    weight of the ``tf_levels`` (a shared rare value weighs more than a shared common one).
    ``against`` names the levels above "else" that are disagreements, not partial
    agreements: their weight may be negative (every other level above "else" is floored at 0).

    Example:
        >>> c = comparison("dob")
        >>> c.levels[-2:], c.gamma("exact"), c.label(0), c.label(-1)
        (('under_15_years', 'else'), 4, 'else', 'missing')
    """

    name: str
    fields: tuple[str, ...]
    levels: tuple[str, ...]
    notes: tuple[str, ...]
    columns: tuple[str, ...]
    rule: Callable[[PairContext], np.ndarray] = field(repr=False)
    role: Role = "contact"
    m_start: tuple[float, ...] = ()
    m_bounds: tuple[tuple[float, float], ...] = ()
    tf_column: str | None = None
    tf_levels: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()
    against: tuple[str, ...] = ()

    @property
    def display_fields(self) -> tuple[str, ...]:
        """The fields whose values an explanation shows (``shown``, else the first field).

        Example:
            >>> comparison("phone").display_fields
            ('cell_phone', 'work_phone')
        """
        return self.shown or self.fields[:1]

    @property
    def column(self) -> str:
        """The gamma column's name, ``gamma_<name>``.

        Example:
            >>> comparison("email").column
            'gamma_email'
        """
        return f"gamma_{self.name}"

    def gamma(self, label: str) -> int:
        """Return the gamma value of the level ``label`` (``"missing"`` → -1).

        Example:
            >>> comparison("first_name").gamma("else")
            0
        """
        if label == "missing":
            return -1
        return len(self.levels) - 1 - self.levels.index(label)

    def label(self, gamma: int | None) -> str:
        """Return the level label of a gamma value (-1 or null → ``"missing"``).

        Example:
            >>> comparison("phone").label(3)
            'cell_exact'
        """
        if gamma is None or gamma < 0:
            return "missing"
        return self.levels[len(self.levels) - 1 - gamma]

    def note(self, gamma: int | None) -> str:
        """Return the explanation of a gamma value.

        Example:
            >>> comparison("last_name").note(0)
            'different surnames'
        """
        if gamma is None or gamma < 0:
            return "missing on one side: counts neither for nor against"
        return self.notes[len(self.levels) - 1 - gamma]

    def describe(self, gamma: int | None, value_a: object, value_b: object) -> tuple[str, str]:
        """Return the level and note to show for a pair with these values.

        A pair whose values are both present but that this comparison did not judge (the city
        when both records have a postal code) says so, instead of calling them missing.

        Example:
            >>> comparison("city").describe(-1, "Cambridge", "London")[0]
            'not compared'
            >>> comparison("city").describe(-1, "Cambridge", None)[0]
            'missing'
        """
        if (gamma is None or gamma < 0) and value_a is not None and value_b is not None:
            if self.name == "city":
                return "not compared", (
                    "the postal code decides; the city counts only when a postal code is "
                    "missing, or for a match when it agrees where the postal codes differ"
                )
            return "not compared", "both present but not compared for this pair"
        return self.label(gamma), self.note(gamma)

    def __repr__(self) -> str:
        return f"Comparison({self.name!r}, levels={list(self.levels)})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{self.gamma(lev)}</td><td>{html.escape(lev)}</td>"
            f"<td>{html.escape(note)}</td></tr>"
            for lev, note in zip(self.levels, self.notes, strict=True)
        )
        return (
            f"<b>{html.escape(self.name)}</b> ({html.escape(', '.join(self.fields))})"
            f"<table><tr><th>gamma</th><th>level</th><th>meaning</th></tr>{rows}</table>"
        )


def _c(
    name: str,
    fields: tuple[str, ...],
    levels: tuple[tuple[str, str, float, tuple[float, float]], ...],
    columns: tuple[str, ...],
    rule: Callable[[PairContext], np.ndarray],
    role: Role = "contact",
    tf_column: str | None = None,
    tf_levels: tuple[str, ...] = (),
    shown: tuple[str, ...] = (),
    against: tuple[str, ...] = (),
) -> Comparison:
    return Comparison(
        name=name,
        fields=fields,
        levels=tuple(lev[0] for lev in levels),
        notes=tuple(lev[1] for lev in levels),
        columns=columns,
        rule=rule,
        role=role,
        m_start=tuple(lev[2] for lev in levels),
        m_bounds=tuple(lev[3] for lev in levels),
        tf_column=tf_column,
        tf_levels=tf_levels,
        shown=shown,
        against=against,
    )


_FREE = (1e-4, 0.9999)

#: The comparisons, Splink-style: name, canonical fields read, levels strongest first.
COMPARISONS: tuple[Comparison, ...] = (
    _c(
        "first_name",
        ("first_name", "last_name"),
        (
            ("exact", "same first name", 0.80, _FREE),
            ("nickname", "one is a nickname of the other (Bob / Robert)", 0.06, _FREE),
            ("swapped", "first and last name swapped", 0.02, (1e-4, 0.2)),
            ("jaro_winkler>=0.92", "nearly the same first name (a typo)", 0.06, _FREE),
            ("jaro_winkler>=0.80", "similar first names", 0.03, _FREE),
            ("initial", "an initial that fits the other first name", 0.01, (1e-4, 0.2)),
            ("else", "different first names", 0.005, (1e-4, 0.01)),
        ),
        ("first_norm", "last_norm"),
        lv.first_name_gamma,
        role="identity",
        tf_column="first_norm",
        tf_levels=("exact",),
    ),
    _c(
        "last_name",
        ("last_name", "first_name"),
        (
            ("exact", "same surname", 0.85, _FREE),
            ("swapped", "first and last name swapped", 0.02, (1e-4, 0.2)),
            ("jaro_winkler>=0.92", "nearly the same surname (a typo)", 0.05, _FREE),
            ("contains", "one surname is part of the other (double or married name)", 0.02, _FREE),
            ("jaro_winkler>=0.80", "similar surnames", 0.02, _FREE),
            ("else", "different surnames", 0.04, (0.01, 0.3)),
        ),
        ("last_norm", "first_norm"),
        lv.last_name_gamma,
        tf_column="last_norm",
        tf_levels=("exact",),
    ),
    _c(
        "email",
        ("email",),
        (
            ("exact", "same e-mail address", 0.80, _FREE),
            ("local_part", "same mailbox name at another domain", 0.05, _FREE),
            ("edit_distance<=2", "e-mail addresses one or two typos apart", 0.03, _FREE),
            ("else", "different e-mail addresses", 0.12, (0.01, 0.9)),
        ),
        ("email_norm", "email_local", "email_domain"),
        lv.email_gamma,
        tf_column="email_local",
        tf_levels=("exact", "local_part"),
    ),
    _c(
        "phone",
        ("cell_phone", "work_phone"),
        (
            ("cell_exact", "same cell phone", 0.75, _FREE),
            ("exact", "a phone number in common (cell or work)", 0.05, _FREE),
            ("last_7", "same last seven digits", 0.02, _FREE),
            ("else", "no phone number in common", 0.18, (0.01, 0.9)),
        ),
        ("cell_e164", "work_e164", "cell_last7", "work_last7"),
        lv.phone_gamma,
        shown=("cell_phone", "work_phone"),
    ),
    _c(
        "dob",
        ("dob", "suffix"),
        (
            ("exact", "same date of birth", 0.92, _FREE),
            ("day_month_swapped", "day and month swapped", 0.03, _FREE),
            ("one_digit_or_year_off", "one digit or one year apart", 0.04, _FREE),
            (
                "under_15_years",
                "different dates of birth, under 15 years apart (a wrong date, not a parent "
                "and child)",
                0.005,
                (1e-4, 0.05),
            ),
            ("else", "dates of birth a generation apart (or Jr / Sr)", 0.005, (1e-4, 0.01)),
        ),
        ("dob_digits", "suffix_norm"),
        lv.dob_gamma,
        role="identity",
        against=("under_15_years",),
    ),
    _c(
        "address",
        ("address1",),
        (
            ("exact", "same street address", 0.70, _FREE),
            (
                "token_set>=0.90",
                "same house number, nearly the same street (address2 read with address1 when "
                "the lines are split differently)",
                0.08,
                _FREE,
            ),
            ("token_set>=0.70", "same house number, similar street", 0.04, _FREE),
            (
                "street_number_missing",
                "nearly the same street, the house number missing on one side",
                0.02,
                _FREE,
            ),
            ("else", "different addresses", 0.18, (0.01, 0.9)),
        ),
        ("address_norm", "house_number", "address_lines", "line_numbers"),
        lv.address_gamma,
    ),
    _c(
        "postal",
        ("zip", "country"),
        (
            ("exact", "same postal code", 0.80, _FREE),
            ("transposed", "two neighbouring characters swapped (6285 / 6258)", 0.02, _FREE),
            ("prefix_3", "same postal area (first three characters)", 0.05, _FREE),
            ("else", "different postal codes", 0.15, (0.01, 0.9)),
        ),
        ("zip_norm", "zip_prefix"),
        lv.postal_gamma,
    ),
    _c(
        "city",
        ("city",),
        (
            (
                "exact",
                "same city (compared only when the postal codes are missing or differ)",
                0.82,
                _FREE,
            ),
            ("jaro_winkler>=0.90", "nearly the same city name", 0.03, _FREE),
            ("else", "different cities", 0.15, (0.01, 0.9)),
        ),
        ("city_norm", "zip_norm"),
        lv.city_gamma,
        tf_column="city_norm",
        tf_levels=("exact",),
    ),
    _c(
        "company",
        ("company",),
        (
            ("exact", "same company", 0.80, _FREE),
            ("token_set>=0.85", "nearly the same company name", 0.08, _FREE),
            ("else", "different companies", 0.12, (0.01, 0.9)),
        ),
        ("company_norm",),
        lv.company_gamma,
    ),
    _c(
        "gender",
        ("gender",),
        (
            ("exact", "same gender", 0.99, _FREE),
            ("else", "different genders", 0.01, (1e-4, 0.02)),
        ),
        ("gender_norm",),
        lv.gender_gamma,
        role="identity",
    ),
    _c(
        "customer_code",
        ("customer_code",),
        (
            ("exact", "same customer code", 0.6, _FREE),
            ("else", "different customer codes", 0.4, (0.01, 0.99)),
        ),
        ("code_norm",),
        lv.code_gamma,
        role="key",
    ),
)


def comparison(name: str, comparisons: Sequence[Comparison] = COMPARISONS) -> Comparison:
    """Return the comparison called ``name``.

    Example:
        >>> comparison("address").fields
        ('address1',)
    """
    for c in comparisons:
        if c.name == name:
            return c
    raise KeyError(f"no comparison named {name!r}; known: {[c.name for c in comparisons]}")


def prepare(records: pl.DataFrame) -> pl.DataFrame:
    """Return cleaned ``records`` with the derived columns the comparisons read.

    Keeps every input column and row (in order); adds ``PREPARED_COLUMNS``. Idempotent.
    Canonical fields that are absent count as missing.

    Example:
        >>> rec = pl.DataFrame({"source_row": [7], "last_name": ["García López"]})
        >>> prepare(rec).select("source_row", "last_norm", "last_soundex").row(0)
        (7, 'garcia lopez', 'G624')
    """
    return prepare_records(records)


def compare(
    prepared: pl.DataFrame,
    pairs: pl.DataFrame,
    comparisons: Sequence[Comparison] = COMPARISONS,
) -> pl.DataFrame:
    """Return ``pairs`` with one ``gamma_<name>`` Int8 column added per comparison.

    ``pairs`` needs ``source_row_l`` and ``source_row_r`` (its other columns are kept, rows in
    order); ``prepared`` is ``prepare(records)`` and may hold negative or offset source rows.
    A pair whose row is not in ``prepared`` gets -1 (missing) everywhere.

    Example:
        >>> rec = prepare(pl.DataFrame({"source_row": [1, 2], "first_name": ["Ann", None]}))
        >>> compare(rec, pl.DataFrame({"source_row_l": [1], "source_row_r": [2]}),
        ...         [comparison("first_name")])["gamma_first_name"].to_list()
        [-1]
    """
    missing = sorted({col for c in comparisons for col in c.columns} - set(prepared.columns))
    if missing:
        raise ValueError(f"prepared frame lacks {missing}: run prepare() on the records first")
    records = prepared.select(
        pl.col("source_row").cast(pl.Int64),
        *sorted({col for c in comparisons for col in c.columns}),
    )
    if records["source_row"].n_unique() < records.height:
        records = records.unique("source_row", keep="first", maintain_order=True)
    context = PairContext(records, pairs)
    gammas = [pl.Series(c.column, c.rule(context), dtype=pl.Int8) for c in comparisons]
    return pairs.drop([c.column for c in comparisons if c.column in pairs.columns]).with_columns(
        gammas
    )
