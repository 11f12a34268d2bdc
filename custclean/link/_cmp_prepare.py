"""Derive the columns the comparisons read from cleaned customer records.

Everything here is a polars expression or works on distinct values; nothing loops over rows.
The derived columns are listed in ``PREPARED_COLUMNS``; ``prepare`` drops them first, so
running it twice gives the same frame.

Example:
    >>> import polars as pl
    >>> rec = pl.DataFrame({"source_row": [1], "first_name": ["Bob"], "last_name": ["Smith"],
    ...                     "email": ["Bob.Smith+shop@gmail.com"], "address1": ["12B Elm St"]})
    >>> out = prepare_records(rec)
    >>> out.select("first_norm", "first_nick_keys", "email_local", "house_number").row(0)
    ('bob', ['bob', 'robert'], 'bobsmith', '12')
"""

from __future__ import annotations

from functools import cache

import polars as pl

from custclean.link._phonetic import fold, metaphone, soundex
from custclean.reference import load_table

__all__ = ["PREPARED_COLUMNS", "nickname_keys", "prepare_records"]

#: The canonical fields the comparisons read (missing ones are taken as all-null).
INPUT_FIELDS: tuple[str, ...] = (
    "customer_code",
    "first_name",
    "last_name",
    "company",
    "email",
    "cell_phone",
    "work_phone",
    "dob",
    "gender",
    "address1",
    "address2",
    "city",
    "zip",
    "country",
    "suffix",
)

#: Columns ``prepare`` adds, with what they hold.
PREPARED_COLUMNS: dict[str, str] = {
    "first_norm": "first name folded: lower case, no accents or punctuation",
    "last_norm": "last name folded",
    "first_initial": "first letter of first_norm",
    "first_nick_keys": "first_norm plus the full names it is a nickname of (sorted list)",
    "first_soundex": "Soundex of first_norm",
    "last_soundex": "Soundex of last_norm",
    "first_metaphone": "Metaphone of first_norm",
    "last_metaphone": "Metaphone of last_norm",
    "email_norm": "e-mail lower case, trimmed",
    "email_local": "e-mail local part without +tag and dots",
    "email_domain": "e-mail domain",
    "cell_e164": "cell phone (E.164)",
    "work_e164": "work phone (E.164)",
    "cell_last7": "last seven digits of the cell phone",
    "work_last7": "last seven digits of the work phone",
    "phones": "distinct E.164 numbers of cell_phone and work_phone (sorted list)",
    "phones_last7": "last seven digits of each phone (sorted list)",
    "dob_digits": "date of birth as YYYYMMDD",
    "address_norm": "address1 folded, digits kept",
    "house_number": "the digit groups of address1 joined by spaces",
    "address_lines": "address1 and address2 folded as one line (null without an address2)",
    "line_numbers": "the digit groups of address1 and address2, sorted, joined by spaces",
    "zip_norm": "postal code upper case without spaces or dashes (US: five digits)",
    "zip_prefix": "first three characters of zip_norm",
    "city_norm": "city folded",
    "company_norm": "company folded, digits kept",
    "gender_norm": "gender lower case",
    "suffix_norm": "generation suffix folded (jr, sr, ii, iii)",
    "code_norm": "customer code trimmed, upper case",
}


@cache
def _nickname_edges() -> pl.DataFrame:
    """Return (nickname, name) pairs from ``reference_data/nicknames.csv``, folded and distinct."""
    table = load_table("nicknames")
    return (
        table.select(
            fold(pl.col("nickname")).alias("nickname"),
            fold(pl.col("name")).alias("name"),
        )
        .drop_nulls()
        .filter(pl.col("nickname") != pl.col("name"))
        .unique()
        .sort("nickname", "name")
    )


def nickname_keys(names: pl.Series) -> pl.Series:
    """Return for each folded first name the sorted list of itself and the names it shortens.

    Two levels deep: ``hansi`` → ``hans`` → ``johannes``. Two first names are nicknames of one
    another when their key lists share an element.

    Example:
        >>> nickname_keys(pl.Series(["bill", "william", None])).to_list()
        [['bill', 'william'], ['william'], None]
    """
    edges = _nickname_edges()
    unique = pl.DataFrame({"value": names.drop_nulls().unique()})
    level1 = unique.join(edges, left_on="value", right_on="nickname", how="inner").select(
        "value", "name"
    )
    level2 = level1.join(edges, left_on="name", right_on="nickname", how="inner").select(
        "value", pl.col("name_right").alias("name")
    )
    keys = (
        pl.concat([unique.select("value", pl.col("value").alias("name")), level1, level2])
        .unique()
        .group_by("value")
        .agg(pl.col("name").sort().alias("keys"))
    )
    frame = pl.DataFrame({"value": names})
    return frame.join(keys, on="value", how="left", maintain_order="left")["keys"].rename(
        "first_nick_keys"
    )


def _text(frame: pl.DataFrame, name: str) -> pl.Expr:
    """Return the column ``name`` as String, or an all-null column when it is absent."""
    if name in frame.columns:
        return pl.col(name).cast(pl.String).str.strip_chars().replace("", None)
    return pl.lit(None, dtype=pl.String)


def _sorted_distinct_pair(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Return the sorted distinct non-null values of ``a`` and ``b`` as a list (null if none).

    The same as ``concat_list(a, b).list.drop_nulls().list.unique().list.sort()`` (empty →
    null), built as a two-slot array cut to one slot when there is one value: the list kernels
    are several times slower on a million rows.
    """
    both = a.is_not_null() & b.is_not_null()
    lo = pl.when(a.is_null()).then(b).when(b.is_null() | (a <= b)).then(a).otherwise(b)
    hi = pl.when(both & (a < b)).then(b).when(both & (b < a)).then(a).otherwise(None)
    size = hi.is_not_null().cast(pl.Int64) + 1
    return pl.when(lo.is_not_null()).then(pl.concat_arr(lo, hi).arr.to_list().list.head(size))


def _on_distinct(frame: pl.DataFrame, value: pl.Expr, derive: pl.Expr) -> pl.Series:
    """Return ``derive`` (an expression of ``pl.col("value")``) of ``value``, per row of ``frame``.

    ``derive`` runs once per distinct value (names, cities, dates repeat a lot) and the result
    is joined back in row order.
    """
    values = frame.with_columns(value.alias("__value")).select(pl.col("__value").alias("value"))
    table = values.unique().select("value", derive.alias("derived"))
    return values.join(table, on="value", how="left", maintain_order="left")["derived"]


def prepare_records(records: pl.DataFrame) -> pl.DataFrame:
    """Return ``records`` with the ``PREPARED_COLUMNS`` added (replaced when already present).

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2], "zip": ["02134-1234", "sw1a 1aa"],
        ...                     "country": ["US", "GB"], "dob": ["1980-05-17", None]})
        >>> prepare_records(rec).select("zip_norm", "zip_prefix", "dob_digits").rows()
        [('02134', '021', '19800517'), ('SW1A1AA', 'SW1', None)]
    """
    base = records.drop([c for c in PREPARED_COLUMNS if c in records.columns])
    raw = {name: _text(base, name) for name in INPUT_FIELDS}
    zip_plain = raw["zip"].str.to_uppercase().str.replace_all(r"[\s\-]", "")
    zip_norm = (
        pl.when(raw["country"].str.to_uppercase() == "US")
        .then(zip_plain.str.slice(0, 5))
        .otherwise(zip_plain)
        .replace("", None)
    )
    # inputs used several times are computed once (eager polars does not share sub-expressions)
    inputs = {
        "cell": raw["cell_phone"],
        "work": raw["work_phone"],
        "email": raw["email"].str.to_lowercase(),
        "zip_norm": zip_norm,
    }
    # with_columns broadcasts the inputs of absent fields (literals) to every row
    shared = base.with_columns(**{f"__{k}": v for k, v in inputs.items()}).select(
        [pl.col(f"__{k}").alias(k) for k in inputs]
    )
    shared = shared.with_columns(
        cell_digits=pl.col("cell").str.replace_all(r"\D", ""),
        work_digits=pl.col("work").str.replace_all(r"\D", ""),
    )
    cell, work, email = pl.col("cell"), pl.col("work"), pl.col("email")
    cell7, work7 = pl.col("cell_digits").str.slice(-7), pl.col("work_digits").str.slice(-7)
    local = email.str.extract(r"^(.*)@[^@]*$").str.replace(r"\+.*$", "").str.replace_all(r"\.", "")
    derived = shared.select(
        email_norm=email.replace("", None),
        email_local=local.replace("", None),
        email_domain=email.str.extract(r"@([^@]*)$").replace("", None),
        cell_e164=cell,
        work_e164=work,
        cell_last7=pl.when(pl.col("cell_digits").str.len_chars() >= 7).then(cell7),
        work_last7=pl.when(pl.col("work_digits").str.len_chars() >= 7).then(work7),
        phones=_sorted_distinct_pair(cell, work),
        phones_last7=_sorted_distinct_pair(cell7, work7),
        zip_norm=pl.col("zip_norm"),
        zip_prefix=pl.col("zip_norm").str.slice(0, 3),
    )
    dob = pl.col("value").str.replace_all("-", "")
    value = pl.col("value")
    distinct = {
        "first_norm": (raw["first_name"], fold(value)),
        "last_norm": (raw["last_name"], fold(value)),
        "dob_digits": (raw["dob"], pl.when(dob.str.contains(r"^\d{8}$")).then(dob)),
        "city_norm": (raw["city"], fold(value)),
        "company_norm": (raw["company"], fold(value, keep_digits=True)),
        "gender_norm": (raw["gender"], value.str.to_lowercase()),
        "suffix_norm": (raw["suffix"], fold(value, keep_digits=True)),
        "address_norm": (raw["address1"], fold(value, keep_digits=True)),
        "house_number": (
            raw["address1"],
            value.str.extract_all(r"\d+").list.join(" ").replace("", None),
        ),
    }
    lines = pl.when(raw["address2"].is_not_null()).then(
        pl.concat_str([raw["address1"], raw["address2"]], separator=" ", ignore_nulls=True)
    )
    distinct["address_lines"] = (lines, fold(value, keep_digits=True))
    distinct["line_numbers"] = (
        pl.concat_str([raw["address1"], raw["address2"]], separator=" ", ignore_nulls=True),
        value.str.extract_all(r"\d+").list.sort().list.join(" ").replace("", None),
    )
    out = base.with_columns(
        *[_on_distinct(base, v, d).alias(name) for name, (v, d) in distinct.items()],
        *derived.get_columns(),
        code_norm=raw["customer_code"].str.to_uppercase(),
    )
    out = out.with_columns(first_initial=pl.col("first_norm").str.slice(0, 1))
    first, last = out["first_norm"], out["last_norm"]
    out = out.with_columns(
        nickname_keys(first),
        soundex(first).alias("first_soundex"),
        soundex(last).alias("last_soundex"),
        metaphone(first).alias("first_metaphone"),
        metaphone(last).alias("last_metaphone"),
    )
    return out.select(*base.columns, *PREPARED_COLUMNS)
