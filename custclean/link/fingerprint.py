"""Record fingerprints: a short hash of a record's canonical content.

A fingerprint depends only on what a record says (its canonical fields, trimmed, case-folded),
never on where it sits in the file, so it survives re-ordering, appended records and re-runs.
Cluster ids and an analyst's decisions are keyed by fingerprints. Records with identical
content get the same hash; the second, third … of them get ``-2``, ``-3`` … appended (in
``source_row`` order), so every fingerprint in one input is unique.

The hash is BLAKE2b (64 bits, hex) of the fields joined with a unit separator: stable across
Python, polars and platform versions.

Example:
    >>> import polars as pl
    >>> df = pl.DataFrame({"source_row": [1, 2, 3], "first_name": ["Ann", "ANN ", "Bob"]})
    >>> fp = fingerprints(df)
    >>> fp[0] == fp[1][:16], fp[1].endswith("-2"), fp[0] != fp[2]
    (True, True, True)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import polars as pl

from custclean.fields import field_names

__all__ = ["FINGERPRINT_FIELDS", "fingerprint", "fingerprints"]

#: The fields a fingerprint covers (every canonical field; absent columns count as empty).
FINGERPRINT_FIELDS: tuple[str, ...] = field_names()

_SEP = "\x1f"


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def fingerprint(values: Sequence[str | None]) -> str:
    """Hash one record's field values (in ``FINGERPRINT_FIELDS`` order) to 16 hex digits.

    Example:
        >>> fingerprint(["C1", "Ann"]) == fingerprint(["c1 ", "ann"])
        True
        >>> len(fingerprint(["C1"]))
        16
    """
    return _digest(_SEP.join((v or "").strip().lower() for v in values))


def _content(records: pl.DataFrame, fields: Sequence[str]) -> pl.Expr:
    parts = [
        (
            pl.col(f).cast(pl.String).fill_null("").str.strip_chars().str.to_lowercase()
            if f in records.columns
            else pl.lit("")
        )
        for f in fields
    ]
    return pl.concat_str(parts, separator=_SEP).alias("content")


def fingerprints(records: pl.DataFrame, fields: Sequence[str] = FINGERPRINT_FIELDS) -> pl.Series:
    """Return the ``fingerprint`` of every record (String, unique within ``records``).

    ``records`` needs ``source_row`` (the order that numbers identical records). Lower-casing
    uses polars' Unicode lower case, the same for every run.

    Example:
        >>> import polars as pl
        >>> a = pl.DataFrame({"source_row": [1, 2], "email": ["a@x.org", "b@x.org"]})
        >>> b = pl.DataFrame({"source_row": [1, 2], "email": ["b@x.org", "a@x.org"]})
        >>> fingerprints(a).to_list() == fingerprints(b).to_list()[::-1]
        True
    """
    if records.height == 0:
        return pl.Series("fingerprint", [], dtype=pl.String)
    content = records.select(_content(records, fields))["content"]
    hashes = pl.Series("fingerprint", [_digest(c) for c in content.to_list()], dtype=pl.String)
    repeated = content.is_duplicated()
    if not repeated.any():
        return hashes
    # identical records: number the 2nd, 3rd … in source_row order
    dup = (
        pl.DataFrame({"_pos": repeated.arg_true(), "fingerprint": hashes.filter(repeated)})
        .with_columns(source_row=records["source_row"].filter(repeated))
        .sort("source_row", "_pos")
        .with_columns(_n=pl.int_range(1, pl.len() + 1).over("fingerprint"))
        .filter(pl.col("_n") > 1)
    )
    suffixed = dup["fingerprint"] + "-" + dup["_n"].cast(pl.String)
    return hashes.scatter(dup["_pos"], suffixed)
