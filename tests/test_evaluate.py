"""Tests of custclean.evaluate: scoring a cleaning run against the truth."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import custclean as cc
from custclean import demo
from custclean.evaluate import cleaning_accuracy, cleaning_errors


def scores_of(result: pl.DataFrame, truth: pl.DataFrame, source=None) -> dict[str, dict]:
    frame = cleaning_accuracy(result, truth, source)
    return {row["field"]: row for row in frame.iter_rows(named=True)}


def test_counts_each_outcome_once():
    truth = pl.DataFrame(
        {"source_row": [1, 2, 3, 4, 5, 6], "zip": ["02134", "02134", None, None, None, "10115"]}
    )
    source = pl.DataFrame(
        {"source_row": [1, 2, 3, 4, 5, 6], "zip": ["2134", "2134", "021", "abc", "021", None]}
    )
    got = pl.DataFrame(
        {"source_row": [1, 2, 3, 4, 5, 6], "zip": ["02134", None, "0021", "abc", None, "10115"]}
    )
    zip_ = scores_of(got, truth, source)["zip"]
    assert (zip_["present"], zip_["resolvable"], zip_["correct"]) == (5, 2, 1)
    assert (zip_["unresolvable"], zip_["invented"], zip_["kept_unvalidated"]) == (3, 1, 1)
    assert (zip_["emptied"], zip_["blank_inferable"], zip_["inferred_right"]) == (1, 1, 1)


def test_rows_are_matched_by_source_row_not_position():
    truth = pl.DataFrame({"source_row": [2, 1], "email": [None, "a@b.com"]})
    got = pl.DataFrame({"source_row": [1, 2], "email": ["a@b.com", None]})
    email = scores_of(got, truth)["email"]
    assert (email["correct"], email["invented"]) == (1, 0)


# The cells that made the cleaner invent values on 1,000,000 demo rows (seed 2026): a local
# number 310-xxxx read as a Canadian universal access number (+13105170), and a Sydney
# postcode 2000 cut to '200' padded to the ACT's 0200. The truth of each is empty.
MESSY = pl.DataFrame(
    {
        "First Name": ["Ann", "Luc", "Bob", "Joe", "Kim"],
        "Mobile #": ["310-5170", "310-2903", None, "(312) 555-0123", None],
        "Work Phone": [None, None, "310-5359", None, None],
        "Province/State": ["NY", "PE", "MA", "IL", "NSW"],
        "Zip/Postal Code": ["10001", "C1A 4P3", "02134", "60601", "200"],
        "Country": ["United States", "ca", "US", "US", "AU"],
    }
)
TRUTH = pl.DataFrame(
    {
        "source_row": [1, 2, 3, 4, 5],
        "cell_phone": [None, None, None, "+13125550123", None],
        "work_phone": [None, None, None, None, None],
        "zip": ["10001", "C1A 4P3", "02134", "60601", None],
    },
    schema_overrides={"work_phone": pl.String},
)


def test_unresolvable_demo_cells_are_not_invented():
    mapped = cc.map_columns(MESSY)
    result = cc.clean(mapped, region="US", today=dt.date(2026, 11, 23))
    scores = scores_of(result, TRUTH, mapped.data)
    assert {f: scores[f]["invented"] for f in ("cell_phone", "work_phone", "zip")} == {
        "cell_phone": 0,
        "work_phone": 0,
        "zip": 0,
    }
    assert scores["cell_phone"]["unresolvable"] == 2 and scores["zip"]["unresolvable"] == 1
    assert scores["cell_phone"]["accuracy"] == scores["zip"]["accuracy"] == 1.0
    issues = result.issues.filter(pl.col("source_row").is_in([1, 2, 3, 5]))
    flagged = set(issues.filter(pl.col("field").is_in(["cell_phone", "work_phone", "zip"])).rows())
    assert {(r[0], r[1], r[2]) for r in flagged} == {
        (1, "cell_phone", "invalid"),
        (2, "cell_phone", "invalid"),
        (3, "work_phone", "invalid"),
        (5, "zip", "conflict"),
    }


@pytest.mark.parametrize("seed", [3])
def test_nothing_invented_on_demo_data(seed):
    d = demo.generate(3000, seed=seed)
    mapped = cc.map_columns(d.messy)
    result = cc.clean(mapped, region="US", today=dt.date(2026, 11, 23))
    scores = cleaning_accuracy(result, d.truth, mapped.data)
    invented = scores.filter(pl.col("invented") > 0)
    assert invented.is_empty(), invented
    assert scores["unresolvable"].sum() > 0


def test_cleaning_errors_lists_only_wrong_values():
    mapped = cc.map_columns(MESSY)
    result = cc.clean(mapped, region="US", today=dt.date(2026, 11, 23))
    wrong = cleaning_errors(result, TRUTH, mapped.data, "zip")
    assert wrong.is_empty()
    off = result.data.with_columns(zip=pl.lit("99999"))
    listed = cleaning_errors(off, TRUTH, mapped.data, "zip")
    assert listed["source_row"].to_list() == [1, 2, 3, 4, 5]  # 5: want empty, got 99999
