from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custclean as cc
from custclean.demo import generate
from custclean.link.blocking import (
    DEFAULT_RULES,
    NAME_RULES,
    BlockingError,
    BlockingRule,
    block_keys,
    block_pairs,
    count_pairs,
)

EDGE = ["source_row_l", "source_row_r"]


@pytest.fixture(scope="module")
def demo():
    d = generate(2000, seed=21)
    return d, cc.clean(cc.map_columns(d.messy)).data


def truth_pairs(truth: pl.DataFrame) -> pl.DataFrame:
    t = truth.select("source_row", "entity_id")
    return (
        t.join(t, on="entity_id", suffix="_r")
        .filter(pl.col("source_row") < pl.col("source_row_r"))
        .select(source_row_l="source_row", source_row_r="source_row_r")
    )


def test_demo_recall_near_complete_and_cheap(demo):
    d, cleaned = demo
    res = block_pairs(cleaned)
    truth = truth_pairs(d.truth)
    kept = truth.join(res.pairs, on=EDGE, how="semi").height
    assert kept / truth.height >= 0.995
    # far fewer pairs than the cross product: about one per record
    assert res.pairs.height < 2 * cleaned.height
    assert res.report["pass"].to_list() == [r.name for r in DEFAULT_RULES]
    assert res.report["new_pairs"].sum() == res.pairs.height


def test_pairs_are_ordered_distinct_and_named(demo):
    _, cleaned = demo
    pairs = block_pairs(cleaned).pairs
    assert pairs.schema == {
        "source_row_l": pl.Int64,
        "source_row_r": pl.Int64,
        "blocked_by": pl.String,
    }
    assert (pairs["source_row_l"] < pairs["source_row_r"]).all()
    assert pairs.select(EDGE).is_duplicated().sum() == 0
    assert set(pairs["blocked_by"]) <= {r.name for r in DEFAULT_RULES}


def test_count_pairs_reports_cost_before_scoring(demo):
    _, cleaned = demo
    counts = count_pairs(cleaned, DEFAULT_RULES + NAME_RULES)
    assert counts["pass"].to_list()[-1] == "total"
    body = counts.filter(pl.col("pass") != "total")
    total = counts.filter(pl.col("pass") == "total").row(0, named=True)
    assert total["pairs"] == body["pairs"].sum()
    assert total["new_pairs"] == block_pairs(cleaned, DEFAULT_RULES + NAME_RULES).pairs.height
    # the name passes cost more than all the default passes together
    names = body.filter(pl.col("pass").is_in([r.name for r in NAME_RULES]))["pairs"].sum()
    assert names > body.filter(pl.col("pass") == "email")["pairs"].item()


def test_placeholder_email_and_call_centre_phone_are_capped():
    n = 90
    frame = pl.DataFrame(
        {
            "source_row": list(range(1, n + 1)),
            "first_name": [f"Person{i}" for i in range(n)],
            "email": ["noemail@store.com"] * 80 + [f"p{i}@x.org" for i in range(10)],
            "cell_phone": ["+18005550100"] * 70 + [f"+1312555{i:04d}" for i in range(20)],
        }
    )
    rules = [BlockingRule("email", ("email",)), BlockingRule("phone", ("phone",))]
    res = block_pairs(frame, rules)
    assert res.pairs.height == 0
    report = {r["pass"]: r for r in res.report.iter_rows(named=True)}
    assert report["email"]["skipped_blocks"] == 1
    assert report["email"]["skipped_records"] == 80
    assert report["phone"]["skipped_records"] == 70
    assert report["phone"]["largest_block"] == 70
    # a bigger cap lets the block through
    wide = block_pairs(frame, [BlockingRule("email", ("email",), max_block_size=100)])
    assert wide.pairs.height == 80 * 79 // 2


def test_full_cross_product_is_an_error():
    frame = pl.DataFrame(
        {"source_row": list(range(1, 31)), "country": ["US"] * 30, "email": [None] * 30}
    )
    with pytest.raises(BlockingError, match="full cross product"):
        block_pairs(frame, [BlockingRule("country", ("country",), max_block_size=1000)])
    with pytest.raises(BlockingError, match="no key columns"):
        block_pairs(frame, [BlockingRule("nothing", ())])
    with pytest.raises(BlockingError, match="unknown column"):
        block_pairs(frame, [BlockingRule("typo", ("emial",))])
    with pytest.raises(BlockingError, match="unique"):
        block_pairs(frame, [BlockingRule("a", ("email",)), BlockingRule("a", ("zip",))])


def test_existing_customers_are_not_paired_with_each_other():
    frame = pl.DataFrame(
        {"source_row": [-2, -1, 1, 2], "email": ["a@x.org"] * 4, "first_name": ["A"] * 4}
    )
    pairs = block_pairs(frame, [BlockingRule("email", ("email",))]).pairs
    assert pairs.select(EDGE).rows() == [(-2, 1), (-2, 2), (-1, 1), (-1, 2), (1, 2)]


def test_swapped_names_and_wrong_country_code_are_found():
    frame = pl.DataFrame(
        {
            "source_row": [1, 2, 3, 4],
            "first_name": ["Ximena", "Flores", "Conchita", "Concepción"],
            "last_name": ["Flores", "Ximena", "Morales", "Morales"],
            "dob": ["1975-10-15", "1975-10-15", None, None],
            "cell_phone": [None, None, "+15598718476", "+525598718476"],
            "country": ["MX", "MX", "MX", "MX"],
        }
    )
    res = block_pairs(frame)
    got = {(a, b): by for a, b, by in res.pairs.rows()}
    assert got[(1, 2)] == "dob_initials"
    assert got[(3, 4)] == "phone_tail"


def test_name_passes_reach_swaps_and_mistyped_postal_codes():
    # a list without contacts gets the name passes; each reports its cost
    frame = pl.DataFrame(
        {
            "source_row": [1, 2, 3, 4, 5, 6],
            "first_name": ["Riley", "Gloster", "Nathan", "Nathab", "Ann", "Bo"],
            "last_name": ["Gloster", "Mia", "Priest", "Priest", "Lee", "Wu"],
            "dob": ["1959-01-24", None, "1971-04-28", "1916-05-03", None, None],
            "address1": [None, None, "363 Banks Street", "363 Banks Street", "1 Elm", "2 Oak"],
            "zip": ["3178", "3178", "4750", "4570", "2000", "3000"],
            "country": ["AU"] * 6,
        }
    )
    res = block_pairs(frame)
    got = {(a, b): by for a, b, by in res.pairs.rows()}
    assert got[(1, 2)] == "any_name_zip"  # Gloster as surname and as first name
    assert (3, 4) in got  # same street and house number, postal code mistyped
    assert res.pairs.height == 2
    report = res.report.filter(pl.col("pass").is_in(["street", "any_name_zip"]))
    assert report["pairs"].to_list() == [1, 1]


def test_missing_country_still_blocks_on_dob():
    frame = pl.DataFrame(
        {
            "source_row": [1, 2],
            "first_name": ["Robert", "Bob"],
            "last_name": ["Smith", "Smith"],
            "dob": ["1980-02-03", "1980-02-03"],
        }
    )
    # and the nickname Bob of Robert gives the same initials
    assert block_pairs(frame).pairs["blocked_by"].to_list() == ["dob_initials"]


def test_block_keys_fold_accents_and_phones():
    frame = pl.DataFrame(
        {
            "source_row": [1],
            "first_name": ["Zoë"],
            "last_name": ["Müller-Lüdenscheidt"],
            "cell_phone": ["+4915112345678"],
            "work_phone": ["+4915112345678"],
            "address1": ["Hauptstraße 12a"],
            "zip": ["10115"],
            "country": ["DE"],
        }
    )
    row = block_keys(frame).row(0, named=True)
    assert row["first_norm"] == "zoe"
    assert row["last_norm"] == "mullerludenscheidt"
    assert set(row["phone"]) == {"+4915112345678"}
    assert set(row["phone_tail"]) == {"2345678"}
    assert row["address_key"] == "DE|10115|12|hauptstrasse"
    assert row["initials_sorted"] == "mz"


names = st.sampled_from(["ann", "bob", "cy", None])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(names, st.sampled_from(["a@x", "b@x", None])), min_size=0, max_size=25))
def test_pairs_equal_brute_force_on_a_key(rows):
    frame = pl.DataFrame(
        {
            "source_row": list(range(1, len(rows) + 1)),
            "first_name": [r[0] for r in rows],
            "email": [r[1] for r in rows],
        },
        schema={"source_row": pl.Int64, "first_name": pl.String, "email": pl.String},
    )
    rule = BlockingRule("email_first", ("email", "first_norm"), max_block_size=5)
    try:
        got = set(block_pairs(frame, [rule]).pairs.select(EDGE).rows())
    except BlockingError:
        # only when every record shares one key and there are many of them
        assert len(rows) > 20
        return
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (first, email) in enumerate(rows, start=1):
        if first and email:
            groups.setdefault((email, first), []).append(i)
    want = {
        (a, b)
        for members in groups.values()
        if len(members) <= 5
        for a in members
        for b in members
        if a < b
    }
    assert got == want
