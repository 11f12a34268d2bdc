from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from custclean.link.clustering import (
    ClusterOptions,
    assign_ids,
    cluster_records,
    components,
    constrained_split,
)


def pairs_frame(rows: list[tuple[int, int, str, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "source_row_l": pl.Int64,
            "source_row_r": pl.Int64,
            "decision": pl.String,
            "probability": pl.Float64,
            "evidence": pl.Float64,
        },
        orient="row",
    )


def reference_components(n: int, edges: list[tuple[int, int]]) -> dict[int, int]:
    parent = list(range(n + 1))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    out = {}
    for node in range(1, n + 1):
        out[node] = min(m for m in range(1, n + 1) if find(m) == find(node))
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 30).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(1, n), st.integers(1, n)), max_size=40),
        )
    )
)
def test_components_agree_with_union_find(case):
    n, edges = case
    edges = [(a, b) for a, b in edges if a != b]
    frame = pl.DataFrame(
        {"source_row_l": [a for a, _ in edges], "source_row_r": [b for _, b in edges]},
        schema={"source_row_l": pl.Int64, "source_row_r": pl.Int64},
    )
    got = components(frame, pl.Series(range(1, n + 1)))
    # every node exactly once, labelled with the smallest member of its component
    assert got["source_row"].to_list() == list(range(1, n + 1))
    assert dict(got.iter_rows()) == reference_components(n, edges)


def test_long_chain_converges():
    n = 2000
    frame = pl.DataFrame({"source_row_l": range(1, n), "source_row_r": range(2, n + 1)})
    got = components(frame)
    assert got["component"].unique().to_list() == [1]


def test_constrained_split_keeps_strongest_edges():
    # 1-2 strong, 2-3 weak, 3-4 strong; 1 and 4 cannot be together
    split = constrained_split([1, 2, 3, 4], [(1, 2), (3, 4), (2, 3)], [(1, 4)])
    assert split == {1: 1, 2: 1, 3: 3, 4: 3}


def test_chaining_guard_splits_twins_linked_through_a_weak_record():
    # 1 and 3 are twins (direct evidence strongly against); 2 is a sparse record matching both
    pairs = pairs_frame(
        [
            (1, 2, "match", 0.999, 14.0),
            (2, 3, "match", 0.995, 10.0),
            (1, 3, "non-match", 0.0001, -25.0),
            (4, 5, "match", 0.9999, 30.0),
        ]
    )
    out = cluster_records(pl.Series([1, 2, 3, 4, 5, 6]), pairs)
    groups = dict(out.select("source_row", "group").iter_rows())
    assert groups[1] == groups[2] != groups[3]
    status = dict(out.select("source_row", "status").iter_rows())
    assert status == {1: "review", 2: "review", 3: "review", 4: "merged", 5: "merged", 6: "single"}
    reason = dict(out.select("source_row", "reason").iter_rows())
    assert "chain split into 2 clusters" in reason[3]
    assert "rows 1 and 3 look like different people" in reason[1]
    assert reason[6] == "no match"
    assert reason[4].startswith("match with 5")


def test_chaining_guard_scores_member_pairs_the_blocking_missed():
    pairs = pairs_frame([(1, 2, "match", 0.999, 14.0), (2, 3, "match", 0.995, 10.0)])
    asked: list[tuple[int, int]] = []

    def score(unscored: pl.DataFrame) -> pl.DataFrame:
        asked.extend(unscored.rows())
        return unscored.with_columns(evidence=pl.lit(-30.0), probability=pl.lit(1e-6))

    out = cluster_records(pl.Series([1, 2, 3]), pairs, score_pairs=score)
    assert asked == [(1, 3)]
    assert out["group"].n_unique() == 2


def test_conflict_outweighed_by_several_strong_members_stays():
    # 1 and 2 are one customer badly recorded twice (evidence -12 between them), and three
    # other records match both strongly: splitting them would break a well-held cluster
    rows = [(a, b, "match", 0.9999, 25.0) for a in (1, 2) for b in (3, 4, 5)]
    rows += [(3, 4, "match", 0.9999, 30.0), (3, 5, "match", 0.9999, 30.0)]
    rows += [(4, 5, "match", 0.9999, 30.0), (1, 2, "non-match", 0.001, -12.0)]
    out = cluster_records(pl.Series([1, 2, 3, 4, 5]), pairs_frame(rows))
    assert out["group"].to_list() == [1] * 5
    assert out["status"].to_list() == ["merged"] * 5
    # one supporting record is a chain, however strong: the conflict stands
    chain = pairs_frame(
        [
            (1, 3, "match", 0.9999, 25.0),
            (2, 3, "match", 0.9999, 25.0),
            (1, 2, "non-match", 0.001, -12.0),
        ]
    )
    assert cluster_records(pl.Series([1, 2, 3]), chain)["group"].n_unique() == 2
    # strong evidence against outweighs weak support
    weak = [(a, b, "match", 0.999, 5.0) for a in (1, 2) for b in (3, 4)]
    weak += [(3, 4, "match", 0.999, 5.0), (1, 2, "non-match", 1e-9, -40.0)]
    assert cluster_records(pl.Series([1, 2, 3, 4]), pairs_frame(weak))["group"].n_unique() == 2


def test_weak_but_not_contradicting_member_stays():
    pairs = pairs_frame([(1, 2, "match", 0.999, 14.0), (2, 3, "match", 0.995, 10.0)])

    def score(unscored: pl.DataFrame) -> pl.DataFrame:  # sparse records: little evidence either way
        return unscored.with_columns(evidence=pl.lit(-1.0), probability=pl.lit(0.3))

    out = cluster_records(pl.Series([1, 2, 3]), pairs, score_pairs=score)
    assert out["group"].to_list() == [1, 1, 1]
    assert out["status"].to_list() == ["merged"] * 3


def test_analyst_reject_separates_and_accept_holds():
    pairs = pairs_frame([(1, 2, "match", 0.999, 20.0), (2, 3, "match", 0.999, 20.0)])
    cut = pl.DataFrame({"source_row_l": [1], "source_row_r": [2], "reason": ["analyst"]})
    out = cluster_records(pl.Series([1, 2, 3]), pairs, cannot_link=cut)
    assert out["group"].to_list() == [1, 2, 2]
    # an analyst-accepted pair is never a conflict even with bad evidence
    forced = pairs_frame([(1, 2, "match", 0.01, -20.0)]).with_columns(decided_by=pl.lit("analyst"))
    out = cluster_records(pl.Series([1, 2]), forced)
    assert out["group"].to_list() == [1, 1]
    assert "accepted by analyst" in out["reason"][0]


def test_review_pairs_and_oversized_clusters_go_to_review():
    pairs = pairs_frame([(1, 2, "review", 0.9, 3.0)])
    out = cluster_records(pl.Series([1, 2, 3]), pairs)
    assert out["status"].to_list() == ["review", "review", "single"]
    assert out["reason"][0] == "possible match with 2 (p=0.9)"
    chain = pairs_frame([(i, i + 1, "match", 0.999, 20.0) for i in range(1, 8)])
    out = cluster_records(pl.Series(range(1, 9)), chain, options=ClusterOptions(max_checked_size=5))
    assert set(out["status"]) == {"review"}
    assert "too big to check" in out["reason"][0]


def test_every_row_once_even_without_pairs():
    empty = pairs_frame([])
    out = cluster_records(pl.Series([3, 1, 2]), empty)
    assert out["source_row"].to_list() == [1, 2, 3]
    assert out["status"].to_list() == ["single"] * 3


def fp(rows: dict[int, str]) -> pl.DataFrame:
    return pl.DataFrame({"source_row": list(rows), "fingerprint": list(rows.values())})


def test_ids_come_from_content_not_position():
    groups = pl.DataFrame({"source_row": [1, 2, 3], "group": [1, 1, 3]})
    a = assign_ids(groups, fp({1: "f1", 2: "a2", 3: "c3"}))
    # the same records in another order (other rows, other group labels)
    groups2 = pl.DataFrame({"source_row": [1, 2, 3], "group": [1, 2, 2]})
    b = assign_ids(groups2, fp({1: "c3", 2: "a2", 3: "f1"}))
    assert set(a["cluster_id"]) == set(b["cluster_id"]) == {"ca2", "cc3"}
    assert a["cluster_size"].to_list() == [2, 2, 1]


def test_previous_ids_are_pinned_and_never_duplicated():
    groups = pl.DataFrame({"source_row": [1, 2, 3, 4], "group": [1, 1, 3, 3]})
    fps = fp({1: "a1", 2: "b2", 3: "a0", 4: "d4"})
    # earlier: 1, 2, 3 were one cluster "cX"; now 3 left with a newcomer holding a smaller print
    previous = pl.DataFrame({"fingerprint": ["a1", "b2", "a0"], "cluster_id": ["cX"] * 3})
    out = assign_ids(groups, fps, previous)
    ids = dict(out.select("source_row", "cluster_id").iter_rows())
    assert ids[1] == ids[2] == "cX"
    assert ids[3] == ids[4] != "cX"
    # a default id that collides with a pinned one is replaced by a hash of the members
    previous = pl.DataFrame({"fingerprint": ["a1", "b2"], "cluster_id": ["ca0", "ca0"]})
    out = assign_ids(groups, fps, previous)
    ids = dict(out.select("source_row", "cluster_id").iter_rows())
    assert ids[1] == "ca0"
    assert ids[3] not in ("ca0",) and ids[3].startswith("c")
