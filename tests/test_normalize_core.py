"""The shared pieces every normaliser stands on: blank handling and map_unique."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from custclean.normalize._core import (
    Normalized,
    blank_to_null,
    distinct_rows,
    map_unique,
    on_distinct,
)

WHITE = [" ", "\t", "\n", "\r", "\u00a0", "\u2003", "\u3000", "\u2028", "\u200b", "\ufeff"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | st.text(alphabet=st.sampled_from([*WHITE, "a", "é"])), max_size=30))
def test_blank_to_null_is_null_exactly_where_stripping_leaves_nothing(values):
    out = blank_to_null(pl.Series(values, dtype=pl.String)).to_list()
    # Python's str.strip() knows the same Unicode white space as polars' strip_chars, except
    # the zero-width characters (U+200B, U+FEFF), which neither counts as white space
    want = [None if v is None or v.strip() == "" else v for v in values]
    assert out == want


def test_blank_to_null_leaves_a_column_without_blanks_as_it_is_and_casts_numbers():
    values = pl.Series(["a", "b"])
    assert blank_to_null(values).to_list() == ["a", "b"]
    assert blank_to_null(pl.Series([1, None, 3])).to_list() == ["1", None, "3"]


def test_map_unique_reads_each_distinct_value_once_and_answers_blank_rows_with_null():
    seen: list[str] = []

    def upper(value: str) -> tuple[str, str | None, str | None]:
        seen.append(value)
        return value.upper(), "fixed", f"{value} upper-cased"

    out = map_unique(upper, pl.Series(["ab", " ", "ab", None, "cd", "ab"]))
    assert sorted(seen) == ["ab", "cd"]
    assert out.value.to_list() == ["AB", None, "AB", None, "CD", "AB"]
    assert out.code.to_list() == ["fixed", None, "fixed", None, "fixed", "fixed"]


CELLS = st.one_of(st.none(), st.sampled_from(["a", "b", "", " ", "é", "ab"]), st.text(max_size=4))


def _exact(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[int]]:
    seen: dict[tuple[object, ...], int] = {}
    where = [seen.setdefault(row, len(seen)) for row in frame.rows()]
    return pl.DataFrame(list(seen), schema=frame.schema, orient="row"), where


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(CELLS, CELLS), max_size=30), st.booleans())
def test_distinct_rows_are_the_first_appearances_and_where_maps_back(rows, two_columns):
    frame = pl.DataFrame(rows, schema={"v": pl.String, "c": pl.String}, orient="row")
    frame = frame if two_columns else frame.select("v")
    distinct, where = distinct_rows(frame)
    expected, expected_where = _exact(frame)
    assert distinct.equals(expected)
    assert where.to_list() == expected_where


def test_distinct_rows_survive_a_hash_collision(monkeypatch):
    # every row gets the same hash: the check catches it and the exact way answers
    monkeypatch.setattr(
        pl.Series, "hash", lambda self, *a, **k: pl.zeros(self.len(), pl.UInt64, eager=True)
    )
    monkeypatch.setattr(
        pl.DataFrame,
        "hash_rows",
        lambda self, *a, **k: pl.zeros(self.height, pl.UInt64, eager=True),
    )
    frame = pl.DataFrame({"v": ["b", "a", "b", None, "a"]})
    distinct, where = distinct_rows(frame)
    assert distinct["v"].to_list() == ["b", "a", None]
    assert where.to_list() == [0, 1, 0, 2, 1]
    two = frame.with_columns(c=pl.Series(["x", "x", "y", None, "x"]))
    distinct, where = distinct_rows(two)
    assert distinct.rows() == [("b", "x"), ("a", "x"), ("b", "y"), (None, None)]
    assert where.to_list() == [0, 1, 2, 3, 1]


def test_on_distinct_answers_every_row_as_the_column_function_would():
    def shout(v: pl.Series) -> Normalized:
        up = v.str.to_uppercase()
        return Normalized(
            up,
            pl.Series([None] * v.len(), dtype=pl.String),
            up,
            {"n": v.str.len_chars().cast(pl.String)},
        )

    values = pl.Series(["ab", None, "ab", "c", "c", ""])
    out = on_distinct(shout, values)
    assert out.value.to_list() == ["AB", None, "AB", "C", "C", ""]
    assert out.extra["n"].to_list() == ["2", None, "2", "1", "1", "0"]
