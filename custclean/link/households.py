"""Households: pairs that share a phone, an e-mail or an address but are different people.

Spouses with one landline, a parent and child at one address, twins with one family e-mail:
the model keeps them apart (different first names and dates of birth), yet a target server
keyed on e-mail or phone would merge them. Such pairs are flagged ``household`` so they are
reported and never merged.

Example:
    >>> import polars as pl
    >>> rec = pl.DataFrame({"source_row": [1, 2], "email": ["smiths@x.org"] * 2,
    ...                     "cell_phone": ["+13125550101", None], "address1": ["1 Elm St"] * 2,
    ...                     "zip": ["60601", "60601"]})
    >>> pairs = pl.DataFrame({"source_row_l": [1], "source_row_r": [2],
    ...                       "decision": ["non-match"]})
    >>> flag_households(pairs, rec).select("shared", "household").row(0)
    ('email+address', True)
"""

from __future__ import annotations

import polars as pl

__all__ = ["flag_households", "shared_contact"]

_SIDE_COLUMNS = ("email", "cell_phone", "work_phone", "address1", "zip", "city")


def _side(records: pl.DataFrame, suffix: str) -> pl.DataFrame:
    cols = {
        c: (pl.col(c).cast(pl.String) if c in records.columns else pl.lit(None, dtype=pl.String))
        for c in _SIDE_COLUMNS
    }
    address = (
        cols["address1"].str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", "").replace("", None)
    )
    place = pl.coalesce(
        cols["zip"].str.to_uppercase().str.replace_all(r"[^0-9A-Z]", ""),
        cols["city"].str.to_lowercase(),
    )
    return records.select(
        pl.col("source_row").cast(pl.Int64).alias(f"source_row{suffix}"),
        cols["email"].str.to_lowercase().alias(f"_email{suffix}"),
        cols["cell_phone"].alias(f"_cell{suffix}"),
        cols["work_phone"].alias(f"_work{suffix}"),
        pl.when(address.is_not_null() & place.is_not_null())
        .then(pl.concat_str([address, place], separator="|"))
        .alias(f"_addr{suffix}"),
    )


def shared_contact(pairs: pl.DataFrame, records: pl.DataFrame) -> pl.Series:
    """Return what two records share: "email", "phone", "address" joined by "+" (or null).

    Example:
        >>> import polars as pl
        >>> rec = pl.DataFrame({"source_row": [1, 2], "cell_phone": ["+1312", "+1999"],
        ...                     "work_phone": [None, "+1312"]})
        >>> p = pl.DataFrame({"source_row_l": [1], "source_row_r": [2]})
        >>> shared_contact(p, rec).to_list()
        ['phone']
    """
    rows = pl.concat([pairs["source_row_l"], pairs["source_row_r"]]).unique()
    records = records.filter(pl.col("source_row").is_in(rows.implode()))
    both = (
        pairs.select("source_row_l", "source_row_r")
        .join(_side(records, "_l"), on="source_row_l", how="left", maintain_order="left")
        .join(_side(records, "_r"), on="source_row_r", how="left", maintain_order="left")
    )

    def eq(a: str, b: str) -> pl.Expr:
        return (pl.col(a) == pl.col(b)).fill_null(False)

    phone = (
        eq("_cell_l", "_cell_r")
        | eq("_cell_l", "_work_r")
        | eq("_work_l", "_cell_r")
        | eq("_work_l", "_work_r")
    )
    parts = [
        pl.when(eq("_email_l", "_email_r")).then(pl.lit("email")),
        pl.when(phone).then(pl.lit("phone")),
        pl.when(eq("_addr_l", "_addr_r")).then(pl.lit("address")),
    ]
    out = both.select(
        shared=pl.concat_str(parts, separator="+", ignore_nulls=True).replace("", None)
    )
    return out["shared"]


def flag_households(pairs: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Add ``shared`` (what the pair shares) and ``household`` (shares it, judged different).

    ``pairs`` needs ``source_row_l, source_row_r, decision``; ``household`` is true for a
    "non-match" pair that shares an e-mail, a phone or an address.

    Example:
        >>> import polars as pl
        >>> rec = pl.DataFrame({"source_row": [1, 2], "email": ["a@x.org", "a@x.org"]})
        >>> p = pl.DataFrame({"source_row_l": [1], "source_row_r": [2], "decision": ["match"]})
        >>> flag_households(p, rec)["household"].to_list()
        [False]
    """
    shared = shared_contact(pairs, records)
    return pairs.with_columns(shared=shared).with_columns(
        household=(pl.col("shared").is_not_null() & (pl.col("decision") == "non-match"))
    )
