"""Measure a cleaning run against known truth (the demo data's, or an analyst's own sample).

Per field, a value is *resolvable* when the source has one and the truth holds its clean form,
and *unresolvable* when the source has one but the truth is empty (a 7-digit phone, an
impossible date). Accuracy is the share of resolvable values that come out exactly right; an
*invented* value is an unresolvable one that came out non-empty — the one thing the cleaner
must never do.

Example:
    >>> import custclean as cc
    >>> from custclean import demo
    >>> d = demo.generate(300, seed=5)
    >>> scores = cleaning_accuracy(cc.clean(cc.map_columns(d.messy)), d.truth, d.messy)
    >>> scores.filter(pl.col("field") == "email")["invented"].item()
    0
"""

from __future__ import annotations

from typing import Any

import polars as pl

from custclean.fields import CANONICAL_FIELDS

__all__ = ["cleaning_accuracy", "cleaning_errors"]

_EXTRA = ("cell_phone_ext", "work_phone_ext")


def _fields(truth: pl.DataFrame, data: pl.DataFrame) -> list[str]:
    return [f for f in (*CANONICAL_FIELDS, *_EXTRA) if f in truth.columns and f in data.columns]


def _source_present(mapped_source: pl.DataFrame | None, name: str, n: int) -> pl.Series:
    if mapped_source is None or name not in mapped_source.columns:
        return pl.Series([True] * n)
    col = mapped_source[name].cast(pl.String)
    return col.is_not_null() & (col.str.strip_chars() != "")


def _aligned(result: Any, truth: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    data = result.data if hasattr(result, "data") else result
    joined = truth.select("source_row").join(data, on="source_row", how="left")
    return joined, truth.sort("source_row")


def cleaning_accuracy(
    result: Any, truth: pl.DataFrame, source: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Score a cleaning run field by field against the truth.

    ``result`` is a :class:`~custclean.cleaning.CleanResult` (or its data), ``truth`` a frame with
    ``source_row`` and the clean value of each field, ``source`` the mapped input (its
    canonical columns tell which values were present). Returns one row per field: ``present``
    (non-empty in the source), ``resolvable``, ``correct``, ``accuracy``, ``unresolvable``,
    ``invented`` (unresolvable but filled with something other than the source value),
    ``kept_unvalidated`` (unresolvable, kept exactly as written because nothing could check
    it, e.g. a postal code of a row whose country is unknown), ``emptied`` (resolvable but
    left empty) and, for
    values blank in the source, ``blank_inferable`` (the truth has one), ``inferred_right``
    and ``inferred_wrong`` (filled with another value than the truth — a made-up value).

    Example:
        >>> t = pl.DataFrame({"source_row": [1, 2], "email": ["a@b.com", None]})
        >>> r = pl.DataFrame({"source_row": [1, 2], "email": ["a@b.com", "x@y.com"]})
        >>> cleaning_accuracy(r, t).select("field", "correct", "invented").row(0)
        ('email', 1, 1)
    """
    data, truth = _aligned(result, truth.sort("source_row"))
    if source is not None and "source_row" not in source.columns:
        source = source.with_row_index("source_row", offset=1).with_columns(
            pl.col("source_row").cast(pl.Int64)
        )
    src = None
    if source is not None:
        from custclean.mapping import map_columns

        mapped = source if "email" in source.columns else map_columns(source).data
        src = truth.select("source_row").join(mapped, on="source_row", how="left")
    rows = []
    for name in _fields(truth, data):
        present = _source_present(src, name, truth.height)
        want = truth[name].cast(pl.String)
        got = data[name].cast(pl.String)
        resolvable = present & want.is_not_null()
        unresolvable = present & want.is_null()
        correct = resolvable & (got == want).fill_null(False)
        raw = (
            src[name].cast(pl.String).str.strip_chars()
            if src is not None and name in src.columns
            else pl.Series([None] * truth.height, dtype=pl.String)
        )
        kept = unresolvable & got.is_not_null() & (got == raw).fill_null(False)
        invented = unresolvable & got.is_not_null() & ~kept
        emptied = resolvable & got.is_null()
        blank = ~present
        filled_right = blank & want.is_not_null() & (got == want).fill_null(False)
        filled_wrong = blank & got.is_not_null() & ~(got == want).fill_null(False)
        n_res = int(resolvable.sum())
        rows.append(
            (
                name,
                int(present.sum()),
                n_res,
                int(correct.sum()),
                (int(correct.sum()) / n_res) if n_res else None,
                int(unresolvable.sum()),
                int(invented.sum()),
                int(kept.sum()),
                int(emptied.sum()),
                int((blank & want.is_not_null()).sum()),
                int(filled_right.sum()),
                int(filled_wrong.sum()),
            )
        )
    return pl.DataFrame(
        rows,
        schema=[
            ("field", pl.String),
            ("present", pl.Int64),
            ("resolvable", pl.Int64),
            ("correct", pl.Int64),
            ("accuracy", pl.Float64),
            ("unresolvable", pl.Int64),
            ("invented", pl.Int64),
            ("kept_unvalidated", pl.Int64),
            ("emptied", pl.Int64),
            ("blank_inferable", pl.Int64),
            ("inferred_right", pl.Int64),
            ("inferred_wrong", pl.Int64),
        ],
        orient="row",
    )


def cleaning_errors(
    result: Any, truth: pl.DataFrame, source: pl.DataFrame, field: str
) -> pl.DataFrame:
    """List the rows of one field where the cleaned value differs from the truth.

    ``source`` is the mapped input (canonical column names). Columns: ``source_row``,
    ``source`` (the raw value), ``got``, ``want``.

    Example:
        >>> t = pl.DataFrame({"source_row": [1], "zip": ["02134"]})
        >>> r = pl.DataFrame({"source_row": [1], "zip": ["2134"]})
        >>> cleaning_errors(r, t, pl.DataFrame({"source_row": [1], "zip": ["2134"]}), "zip").row(0)
        (1, '2134', '2134', '02134')
    """
    data, truth = _aligned(result, truth.sort("source_row"))
    src = truth.select("source_row").join(
        source.select("source_row", field), on="source_row", how="left"
    )
    frame = pl.DataFrame(
        {
            "source_row": truth["source_row"],
            "source": src[field].cast(pl.String),
            "got": data[field].cast(pl.String),
            "want": truth[field].cast(pl.String),
        }
    )
    present = frame["source"].is_not_null() & (frame["source"].str.strip_chars() != "")
    differs = ~(frame["got"] == frame["want"]).fill_null(
        frame["got"].is_null() & frame["want"].is_null()
    )
    return frame.filter(present & differs)
