"""The shared pieces every normaliser stands on: blank handling and map_unique."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from custclean.normalize._core import blank_to_null, map_unique

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
