from __future__ import annotations

import polars as pl
import pytest

import custclean as cc
from custclean.demo import generate
from custclean.errors import InputError
from custclean.link import find_duplicates
from custclean.link.decisions import (
    DECISIONS_SCHEMA,
    apply_decisions,
    load_decisions,
    record_decision,
    resolve_decisions,
)

EDGE = ["source_row_l", "source_row_r"]


@pytest.fixture(scope="module")
def demo():
    d = generate(800, seed=17)
    cleaned = cc.clean(cc.map_columns(d.messy)).data
    return cleaned, find_duplicates(cleaned)


def cluster_of(res, row: int) -> str:
    return res.clusters.filter(pl.col("source_row") == row)["cluster_id"].item()


def renumbered(frame: pl.DataFrame, seed: int) -> tuple[pl.DataFrame, dict[int, int]]:
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    new = shuffled.with_columns(source_row=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    return new, dict(zip(shuffled["source_row"], new["source_row"], strict=True))


def test_reject_splits_a_cluster_and_survives_reordering(demo, tmp_path):
    cleaned, res = demo
    # a pair of a two-record cluster the model merged
    twos = res.clusters.filter(pl.col("cluster_size") == 2)
    a, b = twos.group_by("cluster_id", maintain_order=True).agg("source_row").row(0)[1]
    path = tmp_path / "decisions.csv"
    record_decision(path, res, a, b, "reject", note="different people, checked by phone")
    again = find_duplicates(cleaned, decisions=path)
    pair = again.pairs.filter((pl.col("source_row_l") == a) & (pl.col("source_row_r") == b))
    assert pair.select("decision", "decided_by").row(0) == ("non-match", "analyst")
    assert cluster_of(again, a) != cluster_of(again, b)
    assert again.clusters.filter(pl.col("source_row") == a)["status"].item() == "single"
    # the file is keyed by content: the same decision holds on a shuffled, renumbered file
    shuffled, moved = renumbered(cleaned, seed=5)
    third = find_duplicates(shuffled, decisions=path)
    assert cluster_of(third, moved[a]) != cluster_of(third, moved[b])
    assert third.pairs.filter(pl.col("decided_by") == "analyst").height == 1


def test_reject_inside_a_bigger_cluster_cuts_the_chain(demo, tmp_path):
    cleaned, res = demo
    threes = res.clusters.filter(pl.col("cluster_size") >= 3)
    members = threes.group_by("cluster_id", maintain_order=True).agg("source_row").row(0)[1]
    a, b = members[0], members[1]
    path = tmp_path / "decisions.csv"
    record_decision(path, res, a, b, "reject")
    again = find_duplicates(cleaned, decisions=path)
    assert cluster_of(again, a) != cluster_of(again, b)
    assert set(again.clusters.filter(pl.col("source_row").is_in(members))["status"]) <= {
        "review",
        "single",
        "merged",
    }


def test_accept_forces_a_match_even_without_a_candidate_pair(demo, tmp_path):
    cleaned, res = demo
    lone = res.clusters.filter(pl.col("cluster_size") == 1)["source_row"]
    a, b = lone[0], lone[-1]
    assert (
        res.pairs.filter((pl.col("source_row_l") == a) & (pl.col("source_row_r") == b)).height == 0
    )
    path = tmp_path / "decisions.csv"
    record_decision(path, res, a, b, "accept", note="same customer, moved")
    again = find_duplicates(cleaned, decisions=path)
    assert cluster_of(again, a) == cluster_of(again, b)
    pair = again.pairs.filter((pl.col("source_row_l") == a) & (pl.col("source_row_r") == b))
    assert pair.select("blocked_by", "decision", "decided_by").row(0) == (
        "analyst",
        "match",
        "analyst",
    )
    reason = again.clusters.filter(pl.col("source_row") == a)["reason"].item()
    assert "accepted by analyst" in reason
    # changing one's mind is one more line: the last one wins
    record_decision(path, res, b, a, "reject")
    third = find_duplicates(cleaned, decisions=path)
    assert cluster_of(third, a) != cluster_of(third, b)


def test_file_format_round_trip_and_last_line_wins(tmp_path):
    path = tmp_path / "d.csv"
    fps = pl.DataFrame({"source_row": [1, 2, 3], "fingerprint": ["f1", "f2", "f3"]})
    record_decision(path, fps, 2, 1, "accept")
    record_decision(path, fps, 3, 1, "no", note="twins")
    record_decision(path, fps, 1, 2, "reject", note="changed my mind")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(DECISIONS_SCHEMA)
    assert len(lines) == 4
    loaded = load_decisions(path)
    assert loaded.schema == DECISIONS_SCHEMA
    assert loaded.select("fingerprint_a", "fingerprint_b", "decision", "note").rows() == [
        ("f1", "f3", "reject", "twins"),
        ("f1", "f2", "reject", "changed my mind"),
    ]
    resolved = resolve_decisions(loaded, fps)
    assert resolved.rows() == [(1, 2, "reject", "changed my mind"), (1, 3, "reject", "twins")]
    # decisions about records that left the file are ignored
    assert resolve_decisions(loaded, fps.filter(pl.col("source_row") != 3)).height == 1


def test_bad_files_and_arguments_are_explained(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("fingerprint_a,fingerprint_b,decision\naa,bb,maybe\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: unknown decision 'maybe'"):
        load_decisions(bad)
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a decisions file"):
        load_decisions(bad)
    bad.write_text("fingerprint_a,fingerprint_b,decision\n,bb,accept\n", encoding="utf-8")
    with pytest.raises(InputError, match="both fingerprints"):
        load_decisions(bad)
    fps = pl.DataFrame({"source_row": [1, 2], "fingerprint": ["f1", "f2"]})
    with pytest.raises(ValueError, match="accept"):
        record_decision(tmp_path / "x.csv", fps, 1, 2, "perhaps")
    with pytest.raises(ValueError, match="not among"):
        record_decision(tmp_path / "x.csv", fps, 1, 9, "accept")
    assert load_decisions(tmp_path / "missing.csv").height == 0


def test_apply_decisions_marks_the_analyst():
    pairs = pl.DataFrame(
        {"source_row_l": [1, 1, 2], "source_row_r": [2, 3, 3], "decision": ["review"] * 3}
    )
    resolved = pl.DataFrame(
        {
            "source_row_l": [1, 2],
            "source_row_r": [2, 3],
            "decision": ["accept", "reject"],
            "note": ["", ""],
        }
    )
    out = apply_decisions(pairs, resolved)
    assert out.select("decision", "decided_by").rows() == [
        ("match", "analyst"),
        ("review", "model"),
        ("non-match", "analyst"),
    ]
