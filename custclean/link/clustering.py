"""Clustering: accepted pairs → groups of records that are one customer.

Connected components over the "match" pairs are found in polars by iterative minimum-label
propagation with pointer jumping (no Python loop over pairs). Then a **chaining guard** checks
that every cluster holds together: every two members of a cluster are compared directly, and
a pair whose own evidence says "different people" (total weight below ``conflict_weight``,
e.g. different dates of birth and different first names) or that an analyst rejected is a
*cannot-link*. A cluster with a cannot-link is rebuilt from its match edges, strongest first,
never joining two groups that hold a cannot-link (so a weak middle record cannot chain two
people together); its members get status "review" and a reason. Only the few clusters with
conflicts go through that Python step.

Cluster ids are stable: ``"c"`` + the smallest member fingerprint (see
:mod:`custclean.link.fingerprint`), so re-runs, re-ordered and appended inputs keep the ids of
clusters whose members did not change; ``previous=`` (an earlier clusters frame with
``fingerprint, cluster_id``) pins ids even for clusters that gained or lost members.

Example:
    >>> import polars as pl
    >>> edges = pl.DataFrame({"source_row_l": [1, 2, 7], "source_row_r": [2, 3, 8]})
    >>> components(edges, pl.Series([1, 2, 3, 4, 7, 8])).rows()
    [(1, 1), (2, 1), (3, 1), (4, 4), (7, 7), (8, 7)]
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

__all__ = [
    "CLUSTER_SCHEMA",
    "ClusterOptions",
    "assign_ids",
    "cluster_records",
    "components",
    "constrained_split",
    "outweighed",
]

#: Columns and types of the clusters frame.
CLUSTER_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    "cluster_id": pl.String(),
    "cluster_size": pl.Int64(),
    "status": pl.String(),
    "reason": pl.String(),
    "fingerprint": pl.String(),
}

_EDGE = ["source_row_l", "source_row_r"]


def components(edges: pl.DataFrame, nodes: pl.Series | None = None) -> pl.DataFrame:
    """Label every node with the smallest node of its connected component.

    ``edges``: ``source_row_l, source_row_r`` (Int64). ``nodes``: every node (isolated ones
    get their own label); default the nodes of the edges. Returns ``source_row, component``
    sorted by ``source_row``.

    Example:
        >>> import polars as pl
        >>> e = pl.DataFrame({"source_row_l": [5, 3], "source_row_r": [3, 9]})
        >>> components(e).rows()
        [(3, 3), (5, 3), (9, 3)]
    """
    e = edges.select(pl.col("source_row_l").cast(pl.Int64), pl.col("source_row_r").cast(pl.Int64))
    both = pl.concat(
        [
            e.select(a="source_row_l", b="source_row_r"),
            e.select(a="source_row_r", b="source_row_l"),
        ]
    )
    node_list = pl.concat([e["source_row_l"], e["source_row_r"]])
    if nodes is not None:
        node_list = pl.concat([node_list, nodes.cast(pl.Int64)])
    labels = pl.DataFrame({"source_row": node_list.unique().sort()}).with_columns(
        component=pl.col("source_row")
    )
    if both.height == 0:
        return labels
    while True:
        # each node takes the smallest label among its neighbours
        via = (
            both.join(labels, left_on="b", right_on="source_row")
            .group_by("a")
            .agg(pl.col("component").min().alias("_n"))
        )
        new = labels.join(via, left_on="source_row", right_on="a", how="left").select(
            "source_row", component=pl.min_horizontal("component", "_n")
        )
        # pointer jumping: a node takes its label's label
        hop = new.select(pl.col("source_row").alias("component"), pl.col("component").alias("_h"))
        new = (
            new.join(hop, on="component", how="left")
            .select("source_row", component=pl.min_horizontal("component", "_h"))
            .sort("source_row")
        )
        if new["component"].equals(labels["component"]):
            return new
        labels = new


def _find(parent: dict[int, int], x: int) -> int:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


def constrained_split(
    members: list[int],
    edges: list[tuple[int, int]],
    cannot: list[tuple[int, int]],
) -> dict[int, int]:
    """Rebuild one cluster from its edges (strongest first), never joining a cannot-link.

    ``edges`` are in the order to try them (strongest first). Returns member → group label
    (the smallest member of its group).

    Example:
        >>> constrained_split([1, 2, 3], [(1, 2), (2, 3)], [(1, 3)])
        {1: 1, 2: 1, 3: 3}
    """
    parent = {m: m for m in members}
    forbidden: dict[int, set[int]] = {m: set() for m in members}
    for a, b in cannot:
        forbidden[a].add(b)
        forbidden[b].add(a)
    groups: dict[int, set[int]] = {m: {m} for m in members}
    for a, b in edges:
        ra, rb = _find(parent, a), _find(parent, b)
        if ra == rb:
            continue
        if any(forbidden[x] & groups[rb] for x in groups[ra]):
            continue
        if len(groups[ra]) < len(groups[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        groups[ra] |= groups.pop(rb)
    out: dict[int, int] = {}
    for root, group in groups.items():
        del root
        label = min(group)
        for m in group:
            out[m] = label
    return dict(sorted(out.items()))


def outweighed(conflicts: pl.DataFrame, matches: pl.DataFrame, min_paths: int = 2) -> pl.DataFrame:
    """Drop the conflicts that independent match paths through other members outweigh.

    ``conflicts``: ``source_row_l, source_row_r, evidence`` (direct evidence against the pair);
    ``matches``: the match edges ``source_row_l, source_row_r, evidence``. A conflict stays
    unless at least ``min_paths`` other records are matched to *both* ends and the sum, over
    those records, of the weaker of their two edges outweighs the evidence against the pair.

    One weak record linking two people is a chain (the conflict stands). Several records
    that each match both ends strongly say that the two are one customer whose own two
    records are badly recorded (a typo in the name *and* the birth date): keeping them apart
    would split a well-supported cluster. The paths must be independent records, so twins
    reached through one shared sparse record are still cut.

    Example:
        >>> import polars as pl
        >>> edges = pl.DataFrame({"source_row_l": [1, 1, 2, 2, 1], "source_row_r": [3, 4, 3, 4, 5],
        ...                       "evidence": [20.0, 20.0, 20.0, 20.0, 9.0]})
        >>> cut = pl.DataFrame({"source_row_l": [1, 2], "source_row_r": [2, 5],
        ...                     "evidence": [-15.0, -15.0]})
        >>> outweighed(cut, edges).select("source_row_l", "source_row_r").rows()
        [(2, 5)]
    """
    if conflicts.height == 0 or matches.height == 0:
        return conflicts
    e = matches.select(
        pl.col("source_row_l").cast(pl.Int64),
        pl.col("source_row_r").cast(pl.Int64),
        pl.col("evidence").cast(pl.Float64).fill_null(0.0),
    )
    both = pl.concat(
        [
            e.select(a="source_row_l", m="source_row_r", ev="evidence"),
            e.select(a="source_row_r", m="source_row_l", ev="evidence"),
        ]
    )
    support = (
        conflicts.select(_EDGE)
        .join(both.rename({"a": "source_row_l", "ev": "_ev_l"}), on="source_row_l")
        .join(both.rename({"a": "source_row_r", "ev": "_ev_r"}), on=["source_row_r", "m"])
        .group_by(_EDGE)
        .agg(
            _paths=pl.len(),
            _support=pl.min_horizontal("_ev_l", "_ev_r").clip(lower_bound=0.0).sum(),
        )
    )
    held = (
        conflicts.join(support, on=_EDGE, how="left")
        .with_columns(pl.col("_paths").fill_null(0), pl.col("_support").fill_null(0.0))
        .filter(
            (pl.col("_paths") < min_paths)
            | (pl.col("_support") + pl.col("evidence").fill_null(-1e9) < 0)
        )
    )
    return held.drop("_paths", "_support")


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """Knobs of the chaining guard.

    ``conflict_weight``: a direct pair whose total evidence (sum of log2 Bayes factors,
    without the prior) is below this is a cannot-link, unless it is outweighed (see
    :func:`outweighed`) by at least ``min_support_paths`` other members matched to both.
    ``max_checked_size``: clusters bigger than this are not checked pair by pair; they go to
    review.

    Example:
        >>> ClusterOptions().conflict_weight < 0
        True
    """

    conflict_weight: float = -4.0
    max_checked_size: int = 40
    min_support_paths: int = 2


ScorePairs = Callable[[pl.DataFrame], pl.DataFrame]


def _within_pairs(labels: pl.DataFrame, max_size: int) -> pl.DataFrame:
    multi = labels.filter(pl.len().over("component").is_between(3, max_size))
    return (
        multi.join(multi, on="component", suffix="_r")
        .filter(pl.col("source_row") < pl.col("source_row_r"))
        .select("component", source_row_l="source_row", source_row_r="source_row_r")
    )


def _fmt_p(p: float | None) -> str:
    return "?" if p is None else f"{p:.3f}"


def cluster_records(
    rows: pl.Series,
    pairs: pl.DataFrame,
    *,
    score_pairs: ScorePairs | None = None,
    cannot_link: pl.DataFrame | None = None,
    options: ClusterOptions | None = None,
) -> pl.DataFrame:
    """Group records into clusters from decided pairs, with the chaining guard.

    ``rows``: every record's ``source_row``. ``pairs``: ``source_row_l, source_row_r,
    decision`` ("match" pairs are the edges), ``probability`` and ``evidence`` (the summed
    weights; used to order edges and to find conflicts), optional ``decided_by``.
    ``score_pairs``: scores member pairs the blocking did not produce (returns them with
    ``evidence`` and ``probability``); without it only scored pairs are checked.
    ``cannot_link``: ``source_row_l, source_row_r, reason`` that must end apart (an
    analyst's rejects). Returns ``source_row, group, status, reason`` (``group`` is the
    smallest member; ids come from :func:`assign_ids`).

    Example:
        >>> import polars as pl
        >>> pairs = pl.DataFrame({"source_row_l": [1, 2], "source_row_r": [2, 3],
        ...     "decision": ["match", "match"], "probability": [0.999, 0.995],
        ...     "evidence": [30.0, 12.0]})
        >>> cut = pl.DataFrame({"source_row_l": [1], "source_row_r": [3], "reason": ["twins"]})
        >>> out = cluster_records(pl.Series([1, 2, 3]), pairs, cannot_link=cut)
        >>> out.select("source_row", "group", "status").rows()
        [(1, 1, 'review'), (2, 1, 'review'), (3, 3, 'review')]
    """
    opts = options or ClusterOptions()
    rows = rows.cast(pl.Int64)
    if "decided_by" not in pairs.columns:
        pairs = pairs.with_columns(decided_by=pl.lit("model"))
    matches = pairs.filter(pl.col("decision") == "match")
    labels = components(matches.select(_EDGE), rows)

    # the chaining guard: direct evidence between every two members of a small cluster
    within = _within_pairs(labels, opts.max_checked_size)
    known = pairs.select(*_EDGE, "evidence", "probability", "decision", "decided_by")
    direct = within.join(known, on=_EDGE, how="left")
    unscored = direct.filter(pl.col("evidence").is_null()).select(*_EDGE)
    if unscored.height and score_pairs is not None:
        extra = score_pairs(unscored).select(*_EDGE, "evidence", "probability")
        direct = direct.join(extra, on=_EDGE, how="left", suffix="_x").with_columns(
            evidence=pl.coalesce("evidence", "evidence_x"),
            probability=pl.coalesce("probability", "probability_x"),
        )
    analyst_ok = (pl.col("decided_by") == "analyst") & (pl.col("decision") == "match")
    conflicts = direct.filter(
        (pl.col("evidence") < opts.conflict_weight) & ~analyst_ok.fill_null(False)
    )
    conflicts = outweighed(conflicts, matches, opts.min_support_paths).select(
        "component",
        *_EDGE,
        reason=pl.format(
            "rows {} and {} look like different people (p={})",
            "source_row_l",
            "source_row_r",
            pl.col("probability").round(3),
        ),
    )
    if cannot_link is not None and cannot_link.height:
        cut = cannot_link.select(*_EDGE, "reason")
        cut = (
            cut.join(labels, left_on="source_row_l", right_on="source_row")
            .join(labels.rename({"component": "_c"}), left_on="source_row_r", right_on="source_row")
            .filter(pl.col("component") == pl.col("_c"))
            .select("component", *_EDGE, "reason")
        )
        conflicts = pl.concat([cut, conflicts]).unique(_EDGE, keep="first", maintain_order=True)

    groups = labels.rename({"component": "group"})
    flagged: dict[int, str] = {}
    if conflicts.height:
        groups, flagged = _split(groups, labels, matches, conflicts)

    big = labels.filter(pl.len().over("component") > opts.max_checked_size)
    for row in big["source_row"].to_list():
        flagged.setdefault(
            row, f"cluster of more than {opts.max_checked_size} records: too big to check"
        )
    return _statuses(groups, pairs, flagged)


def _split(
    groups: pl.DataFrame,
    labels: pl.DataFrame,
    matches: pl.DataFrame,
    conflicts: pl.DataFrame,
) -> tuple[pl.DataFrame, dict[int, str]]:
    """Rebuild the clusters holding a conflict; return the new groups and flagged rows."""
    comps = conflicts["component"].unique().sort()
    members = labels.filter(pl.col("component").is_in(comps.implode()))
    forced = (pl.col("decided_by") == "analyst").cast(pl.Int8)
    edges = (
        matches.join(members, left_on="source_row_l", right_on="source_row")
        .with_columns(_forced=forced)
        .sort(
            ["_forced", "evidence", "source_row_l", "source_row_r"],
            descending=[True, True, False, False],
            nulls_last=True,
        )
    )
    member_map = members.group_by("component").agg(pl.col("source_row").sort())
    edge_map = dict(
        edges.group_by("component", maintain_order=True)
        .agg(pl.struct(_EDGE).alias("e"))
        .iter_rows()
    )
    cut_map = dict(
        conflicts.group_by("component", maintain_order=True)
        .agg(pl.struct(_EDGE).alias("c"), pl.col("reason").first())
        .select("component", pl.struct("c", "reason"))
        .iter_rows()
    )
    new_labels: dict[int, int] = {}
    flagged: dict[int, str] = {}
    for comp, rows in member_map.iter_rows():
        comp_edges = [(e["source_row_l"], e["source_row_r"]) for e in edge_map.get(comp, [])]
        info = cut_map[comp]
        cuts = [(c["source_row_l"], c["source_row_r"]) for c in info["c"]]
        split = constrained_split(rows, comp_edges, cuts)
        new_labels.update(split)
        held = any(split[a] == split[b] for a, b in cuts)
        pieces = len(set(split.values()))
        what = (
            f"chain split into {pieces} clusters: {info['reason']}"
            if pieces > 1
            else f"does not hold together: {info['reason']}"
        )
        if held:
            what += " (kept together by analyst decisions)"
        for r in rows:
            flagged[r] = what
    relabel = pl.DataFrame(
        {"source_row": list(new_labels), "_g": list(new_labels.values())},
        schema={"source_row": pl.Int64, "_g": pl.Int64},
    )
    groups = (
        groups.join(relabel, on="source_row", how="left")
        .select("source_row", group=pl.coalesce("_g", "group"))
        .sort("source_row")
    )
    return groups, flagged


def _statuses(groups: pl.DataFrame, pairs: pl.DataFrame, flagged: dict[int, str]) -> pl.DataFrame:
    """Status and reason of every record from its group and its pairs."""
    groups = groups.with_columns(_size=pl.len().over("group"))
    ends = pl.concat(
        [
            pairs.select(
                source_row="source_row_l",
                other="source_row_r",
                decision="decision",
                probability="probability",
                decided_by="decided_by",
            ),
            pairs.select(
                source_row="source_row_r",
                other="source_row_l",
                decision="decision",
                probability="probability",
                decided_by="decided_by",
            ),
        ]
    )
    # the strongest link of a record inside its own group
    g = groups.select("source_row", "group")
    inside = (
        ends.filter(pl.col("decision") == "match")
        .join(g, on="source_row")
        .join(g.rename({"source_row": "other", "group": "_og"}), on="other")
        .filter(pl.col("group") == pl.col("_og"))
        .sort("source_row", "probability", "other", descending=[False, True, False])
        .unique("source_row", keep="first")
        .select(
            "source_row",
            _match=pl.format(
                "{} with {} (p={})",
                pl.when(pl.col("decided_by") == "analyst")
                .then(pl.lit("accepted by analyst"))
                .otherwise(pl.lit("match")),
                "other",
                pl.col("probability").round(3),
            ),
        )
    )
    review = (
        ends.filter(pl.col("decision") == "review")
        .sort("source_row", "probability", "other", descending=[False, True, False])
        .unique("source_row", keep="first")
        .select(
            "source_row",
            _review=pl.format(
                "possible match with {} (p={})", "other", pl.col("probability").round(3)
            ),
        )
    )
    flags = pl.DataFrame(
        {"source_row": list(flagged), "_flag": list(flagged.values())},
        schema={"source_row": pl.Int64, "_flag": pl.String},
    )
    out = (
        groups.join(inside, on="source_row", how="left")
        .join(review, on="source_row", how="left")
        .join(flags, on="source_row", how="left")
        .with_columns(
            status=pl.when(pl.col("_flag").is_not_null() | pl.col("_review").is_not_null())
            .then(pl.lit("review"))
            .when(pl.col("_size") > 1)
            .then(pl.lit("merged"))
            .otherwise(pl.lit("single")),
            reason=pl.concat_str(
                [
                    pl.col("_flag"),
                    pl.col("_match"),
                    pl.col("_review"),
                    pl.when(pl.col("_size") == 1)
                    .then(pl.lit("no match"))
                    .when(pl.col("_match").is_null())
                    .then(pl.lit("linked through other members")),
                ],
                separator="; ",
                ignore_nulls=True,
            ),
        )
    )
    # a lone record with nothing but "no match" when a review exists reads better without it
    out = out.with_columns(
        reason=pl.when(pl.col("_review").is_not_null() & (pl.col("_size") == 1))
        .then(pl.concat_str(["_flag", "_review"], separator="; ", ignore_nulls=True))
        .otherwise("reason")
    )
    return out.select("source_row", "group", "status", "reason").sort("source_row")


def _hash_id(fingerprints: list[str]) -> str:
    text = "\x1f".join(sorted(fingerprints))
    return "c" + hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def assign_ids(
    groups: pl.DataFrame,
    fingerprints: pl.DataFrame,
    previous: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Give every group a stable ``cluster_id`` from its members' fingerprints.

    ``groups``: ``source_row, group``. ``fingerprints``: ``source_row, fingerprint``.
    The id is ``"c"`` + the smallest member fingerprint. With ``previous`` (``fingerprint,
    cluster_id`` of an earlier run) a group keeps the earlier id most of its members had
    (each earlier id goes to one group only). Returns ``source_row, cluster_id,
    cluster_size``.

    Example:
        >>> import polars as pl
        >>> g = pl.DataFrame({"source_row": [1, 2, 3], "group": [1, 1, 3]})
        >>> fp = pl.DataFrame({"source_row": [1, 2, 3], "fingerprint": ["b7", "a1", "ff"]})
        >>> assign_ids(g, fp)["cluster_id"].to_list()
        ['ca1', 'ca1', 'cff']
        >>> prev = pl.DataFrame({"fingerprint": ["b7"], "cluster_id": ["c-old"]})
        >>> assign_ids(g, fp, prev)["cluster_id"].to_list()
        ['c-old', 'c-old', 'cff']
    """
    g = groups.join(fingerprints, on="source_row", how="left")
    per = g.group_by("group").agg(
        _default=pl.lit("c") + pl.col("fingerprint").min(),
        cluster_size=pl.len().cast(pl.Int64),
    )
    per = per.with_columns(_pinned=pl.lit(None, dtype=pl.String))
    if previous is not None and previous.height:
        prev = previous.select("fingerprint", pl.col("cluster_id").alias("_prev")).unique(
            "fingerprint", keep="first"
        )
        votes = (
            g.join(prev, on="fingerprint")
            .group_by("group", "_prev")
            .len()
            .join(per.select("group", "_default"), on="group")
            # every earlier id goes to the group holding most of its members
            .sort(["len", "_default", "_prev"], descending=[True, False, False])
            .unique("_prev", keep="first", maintain_order=True)
            .unique("group", keep="first", maintain_order=True)
            .select("group", _pinned="_prev")
        )
        per = per.drop("_pinned").join(votes, on="group", how="left")
    per = per.with_columns(cluster_id=pl.coalesce("_pinned", "_default"))
    clash = per.filter(
        pl.col("_pinned").is_null()
        & pl.col("cluster_id").is_in(per["_pinned"].drop_nulls().implode())
    )
    if clash.height:
        members = (
            g.filter(pl.col("group").is_in(clash["group"].implode()))
            .group_by("group")
            .agg(pl.col("fingerprint"))
        )
        fresh = {grp: _hash_id(fps) for grp, fps in members.iter_rows()}
        per = per.with_columns(
            cluster_id=pl.col("group")
            .replace_strict(fresh, default=None, return_dtype=pl.String)
            .fill_null(pl.col("cluster_id"))
        )
    return (
        g.select("source_row", "group")
        .join(per.select("group", "cluster_id", "cluster_size"), on="group")
        .select("source_row", "cluster_id", "cluster_size")
        .sort("source_row")
    )
