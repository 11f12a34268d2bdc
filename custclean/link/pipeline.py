"""``find_duplicates``: blocking → comparisons → scoring → decisions → clusters, in one call.

The steps, each vectorised over polars frames:

1. the incoming records (and, with ``existing=``, the account's customers as rows ``-1, -2,
   …``) get fingerprints and the comparison columns;
2. blocking passes (:mod:`custclean.link.blocking`) produce the candidate pairs;
3. every pair is compared field by field and scored by a Fellegi–Sunter model estimated from
   the pairs themselves (no training step; ``labels=`` refine it);
4. probability ≥ ``match_threshold`` is a match, ≥ ``review_threshold`` a review, else a
   non-match (a match with no agreeing first name or birth date, only what a household
   shares, is a review at most); an analyst's decisions file overrules the model; pairs
   sharing a phone, an e-mail or an address but judged different people are flagged
   ``household``;
5. matches are clustered with the chaining guard (:mod:`custclean.link.clustering`) and get
   stable cluster ids;
6. with ``target=``, the groups the server would collapse by its own keys; with
   ``existing=``, per incoming record, the existing customer it is and the one the server
   would touch (:mod:`custclean.link.existing`).

Example:
    >>> import custclean as cc
    >>> from custclean.demo import generate
    >>> d = generate(400, seed=3)
    >>> links = find_duplicates(cc.clean(cc.map_columns(d.messy)))
    >>> links.clusters.height == 400 and links.clusters["cluster_id"].n_unique() < 400
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from custclean.errors import InputError
from custclean.fields import field_names
from custclean.link.blocking import BlockingRule, block_pairs
from custclean.link.clustering import ClusterOptions, assign_ids, cluster_records
from custclean.link.decisions import apply_decisions, load_decisions, resolve_decisions
from custclean.link.existing import existing_links, load_existing
from custclean.link.fingerprint import fingerprints
from custclean.link.households import flag_households
from custclean.link.result import EXISTING_LINK_SCHEMA, LinkResult
from custclean.link.scoring import person_evidence

__all__ = ["decide", "find_duplicates"]

_EXTRAS = ("honorific", "suffix", "cell_phone_ext", "work_phone_ext")
_EDGE = ["source_row_l", "source_row_r"]


def _frame(value: Any, what: str) -> pl.DataFrame:
    data = getattr(value, "data", value)
    if isinstance(data, pl.DataFrame):
        return data
    if type(data).__module__.startswith("pandas"):
        return pl.from_pandas(data)
    raise TypeError(f"{what} must be a CleanResult or a polars/pandas frame, not {type(value)}")


def _incoming(cleaned: Any) -> pl.DataFrame:
    data = _frame(cleaned, "cleaned")
    if "source_row" not in data.columns:
        data = data.with_row_index("source_row", offset=1)
    data = data.with_columns(pl.col("source_row").cast(pl.Int64))
    if data["source_row"].null_count() or (
        data["source_row"].min() is not None
        and (
            data["source_row"].min() < 1  # type: ignore[operator]
        )
    ):
        raise InputError("source_row must be 1-based row numbers without gaps filled by nulls")
    if data["source_row"].is_duplicated().any():
        raise InputError("source_row must be unique: each record needs its own row number")
    keep = ["source_row", *field_names(), *(e for e in _EXTRAS if e in data.columns)]
    data = data.with_columns(
        pl.lit(None, dtype=pl.String).alias(f) for f in field_names() if f not in data.columns
    ).select(keep)
    return data.with_columns(fingerprint=fingerprints(data))


def decide(probability: pl.Expr, match_threshold: float, review_threshold: float) -> pl.Expr:
    """Return the decision expression: "match", "review" or "non-match".

    Example:
        >>> import polars as pl
        >>> frame = pl.DataFrame({"p": [0.999, 0.9, 0.1]})
        >>> frame.select(decide(pl.col("p"), 0.99, 0.8).alias("d"))["d"].to_list()
        ['match', 'review', 'non-match']
    """
    return (
        pl.when(probability >= match_threshold)
        .then(pl.lit("match"))
        .when(probability >= review_threshold)
        .then(pl.lit("review"))
        .otherwise(pl.lit("non-match"))
    )


def _at_most_review(decision: pl.Expr, person: pl.Series) -> pl.Expr:
    """Turn a match without any agreeing first name or birth date into a review.

    Such a pair agrees only on what a household shares (surname, e-mail, phone, address);
    however strong, that cannot tell a person from the one they live with.
    """
    return (
        pl.when((decision == "match") & ~pl.lit(person)).then(pl.lit("review")).otherwise(decision)
    )


def _fit(gammas: pl.DataFrame, prepared: pl.DataFrame, labels: pl.DataFrame | None) -> Any:
    from custclean.link.scoring import U_PAIRS, MatchModel

    # a small file has few distinct random pairs: do not sample more than exist
    n = prepared.height
    u_pairs = min(U_PAIRS, max(2_000, n * (n - 1) // 2))
    return MatchModel.estimate(gammas, prepared, labels=labels, u_pairs=u_pairs)


def _scorer(
    prepared: pl.DataFrame, model: Any, comparisons: tuple[Any, ...]
) -> Callable[[pl.DataFrame], pl.DataFrame]:
    from custclean.link.comparisons import compare

    weights = [f"weight_{c.name}" for c in comparisons]

    def score(pairs: pl.DataFrame) -> pl.DataFrame:
        scored = model.score(compare(prepared, pairs, comparisons), prepared)
        return scored.with_columns(evidence=pl.sum_horizontal(weights))

    return score


def _guard_scorer(
    prepared: pl.DataFrame, model: Any, comparisons: tuple[Any, ...]
) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """Score member pairs for the chaining guard on who they are, not where they live.

    Two members of a cluster that no blocking pass paired usually differ in e-mail, phone and
    address (that is why they were not paired); what tells two people apart is first name,
    date of birth, gender and surname. Only those are compared (the others count as missing),
    which is also much cheaper.
    """
    from custclean.link.comparisons import compare

    used = tuple(c for c in comparisons if c.role == "identity" or c.name == "last_name")
    rest = [c.column for c in comparisons if c not in used]
    weights = [f"weight_{c.name}" for c in comparisons]

    def score(pairs: pl.DataFrame) -> pl.DataFrame:
        gammas = compare(prepared, pairs, used).with_columns(
            pl.lit(-1, dtype=pl.Int8).alias(col) for col in rest
        )
        scored = model.score(gammas, prepared)
        return scored.with_columns(evidence=pl.sum_horizontal(weights))

    return score


def find_duplicates(
    cleaned: Any,
    *,
    target: str | None = None,
    existing: Any = None,
    match_threshold: float = 0.90,
    review_threshold: float = 0.80,
    decisions: str | Path | None = None,
    labels: pl.DataFrame | None = None,
    blocking: Sequence[BlockingRule] | None = None,
    previous: pl.DataFrame | None = None,
    region: str | None = "US",
    cluster_options: ClusterOptions | None = None,
) -> LinkResult:
    """Find the records that are one customer, and what the target server would collapse.

    ``cleaned``: a ``CleanResult`` or a frame of cleaned records (``source_row`` + canonical
    fields). ``target``: "franpos" or "wasp" to list the server collisions. ``existing``: the
    account's customers — a ``CleanResult``, a frame of cleaned records, or a file path
    (read, mapped and cleaned with ``region``); it needs an id column: ``existing_id``, else
    a ``CustomerId`` / ``customer_id`` / ``id`` column, else the customer code is the id.
    ``decisions``: the analyst's decisions CSV (:mod:`custclean.link.decisions`).
    ``labels``: ``source_row_l, source_row_r, is_match`` pairs that refine the model.
    ``blocking``: blocking rules (default ``DEFAULT_RULES``). ``previous``: an earlier
    ``clusters`` frame (``fingerprint, cluster_id``) whose ids are kept.

    Example:
        >>> import polars as pl
        >>> from custclean.demo import generate
        >>> d = generate(300, seed=1, headers="canonical")
        >>> res = find_duplicates(d.truth, target="franpos")
        >>> set(res.pairs["decision"]) <= {"match", "review", "non-match"}
        True
        >>> res.clusters.height
        300
    """
    from custclean.link.comparisons import COMPARISONS, compare, prepare

    if not 0 <= review_threshold <= match_threshold <= 1:
        raise ValueError("need 0 ≤ review_threshold ≤ match_threshold ≤ 1")
    records = _incoming(cleaned)
    old = load_existing(existing, region=region) if existing is not None else None
    combined = records.drop("fingerprint")
    if old is not None:
        combined = pl.concat([combined, old.drop("existing_id")], how="diagonal_relaxed").select(
            combined.columns
        )
    comparisons = tuple(COMPARISONS)
    prepared = prepare(combined)

    blocked = block_pairs(combined, blocking)
    gammas = compare(prepared, blocked.pairs, comparisons)
    model = _fit(gammas, prepared, labels)
    score = _scorer(prepared, model, comparisons)
    weights = [f"weight_{c.name}" for c in comparisons]
    scored = model.score(gammas, prepared)
    scored = scored.with_columns(
        evidence=pl.sum_horizontal(weights),
        decision=_at_most_review(
            decide(pl.col("probability"), match_threshold, review_threshold),
            person_evidence(scored, comparisons, model.released),
        ),
    )
    incoming_pairs = scored.filter(pl.col("source_row_l") > 0)
    existing_pairs = scored.filter(pl.col("source_row_l") < 0)

    # the analyst's decisions: accepted pairs the blocking missed are scored and added
    resolved = resolve_decisions(load_decisions(decisions), records)
    if resolved.height:
        missing = resolved.filter(pl.col("decision") == "accept").join(
            incoming_pairs.select(_EDGE), on=_EDGE, how="anti"
        )
        if missing.height:
            extra = score(missing.select(_EDGE)).with_columns(
                blocked_by=pl.lit("analyst"), decision=pl.lit("non-match")
            )
            incoming_pairs = pl.concat([incoming_pairs, extra.select(incoming_pairs.columns)])
    pairs = apply_decisions(incoming_pairs, resolved)
    pairs = flag_households(pairs, records).sort(_EDGE)

    cannot = resolved.filter(pl.col("decision") == "reject").select(
        *_EDGE, reason=pl.format("analyst rejected rows {} and {}", *_EDGE)
    )
    groups = cluster_records(
        records["source_row"],
        pairs,
        score_pairs=_guard_scorer(prepared, model, comparisons),
        cannot_link=cannot,
        options=cluster_options,
    )
    ids = assign_ids(groups.select("source_row", "group"), records, previous)
    clusters = (
        ids.join(groups.select("source_row", "status", "reason"), on="source_row")
        .join(records.select("source_row", "fingerprint"), on="source_row")
        .sort("source_row")
    )

    links = pl.DataFrame(schema=EXISTING_LINK_SCHEMA)
    if old is not None:
        links = existing_links(
            records,
            old,
            existing_pairs,
            clusters,
            target=target,
            match_threshold=match_threshold,
            review_threshold=review_threshold,
        )
    collisions = _collisions(records, target, clusters, links, old)
    pairs = pairs.drop("evidence")
    return LinkResult(
        records=records,
        pairs=pairs,
        clusters=clusters,
        server_collisions=collisions,
        existing_links=links,
        blocking=blocked.report,
        match_threshold=match_threshold,
        review_threshold=review_threshold,
        model=model,
        target=target,
        comparisons=comparisons,
        existing=old,
        scorer=score,
    )


def _collisions(
    records: pl.DataFrame,
    target: str | None,
    clusters: pl.DataFrame,
    links: pl.DataFrame,
    old: pl.DataFrame | None,
) -> pl.DataFrame:
    from custclean.link import server_keys

    if target is None:
        return pl.DataFrame(schema=server_keys.COLLISION_SCHEMA)
    fuzzy = clusters.select("source_row", "cluster_id")
    if links.height:
        fuzzy = fuzzy.join(
            links.select("source_row", "existing_id_fuzzy"), on="source_row", how="left"
        )
    return server_keys.server_collisions(
        records,
        target,
        clusters=fuzzy,
        existing=None if old is None else old.drop("source_row"),
    )
