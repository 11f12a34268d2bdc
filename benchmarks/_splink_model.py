"""The Splink 5 model ``bench_link.py`` runs beside custclean (DuckDB backend, EM-trained).

Splink gets exactly the frame custclean gets (cleaned records, ``source_row`` as unique id)
and the usual Splink recipe from its own documentation (the ``febrl3`` and
``deduplicate_50k_synthetic`` DuckDB examples), adapted to customer records:

Comparisons (only for columns that hold any value in the dataset):
    first_name, last_name   ``cl.NameComparison`` (exact / Jaro-Winkler 0.92 / 0.88 / 0.70),
                            term-frequency adjusted
    dob                     ``cl.DateOfBirthComparison`` on the ISO string (exact, Levenshtein 1,
                            within 1 month, 1 year, 10 years)
    email                   ``cl.EmailComparison`` (exact, same user name, Jaro-Winkler)
    cell_phone, work_phone  ``cl.ExactMatch`` on E.164, term-frequency adjusted
    customer_code           ``cl.ExactMatch``
    address1                ``cl.JaroWinklerAtThresholds`` 0.95 / 0.88, term-frequency adjusted
    city                    ``cl.JaroWinklerAtThresholds`` 0.9, term-frequency adjusted
    zip                     ``cl.LevenshteinAtThresholds`` 1, term-frequency adjusted
                            (``PostcodeComparison`` is written for UK postcodes)
    (state is left out: the zip implies it, and counting both double-counts one fact, which
    a naive-Bayes model cannot afford; city stays, it helps on FEBRL, whose suburbs and
    postcodes are drawn independently)

Blocking for predictions: the single-field rules of Splink's FEBRL example (first name,
last name, dob, zip; plus address, email, cell phone, customer code), then two-field rules
(first+last name, last name+dob, first name+dob, zip+last name, zip+first name, zip+dob,
address+zip) and a first/last swap with the same dob. Each rule is counted first (as
Splink's ``count_comparisons_from_blocking_rule`` would) and kept only when it generates at
most ``PAIRS_PER_RECORD`` (10) pairs per record: on FEBRL every rule is kept; on a million
demo records ``block_on("first_name")`` (4·10⁹ pairs) is not, and the pairs carry recall.

Training: the prior from deterministic rules (first+last+dob; email; cell phone) with recall
0.7; u by random sampling (``max_pairs`` 1e6 up to 50k records as in Splink's FEBRL example,
5e6 above; fixed seed); m by two EM sessions (without term frequencies, for speed; above 200k
records each samples ~5e6 pairs with ``max_pairs``): first blocked on first name + dob, then
on customer code when the data has one, else on last name + zip. Splink's own examples train
on dob and on first+last name; on the demo data (households share a surname, an address and
a phone or e-mail) that lets EM take households for the match class and clusters nearly every
record together (F1 < 0.01), so the model blocks EM on fields that hold a person, not a family.
``predict()`` keeps every scored pair (so the pair count is comparable with custclean's),
then connected components at ``match_probability >= threshold`` give the clusters: 0.5
(the benchmark's default) and 0.95 (the threshold of Splink's 50k deduplication example).

How the model was chosen (pairwise F1 from clusters at p>=0.5 / 0.95; measured while writing
this, so the choice saw the truth; one model for every dataset, none tuned per dataset):

    variant                                              demo 20k         febrl3
    docs' EM (dob; first+last), with city and state      0.0002 / 0.14    0.998 / -
    EM (first+dob; code or last+zip), city and state     0.650 / 0.854    0.998 / 0.996
    same, without state                      <- used     0.866 / 0.917    0.996 / 0.995
    same, without city and state                         0.933 / 0.946    0.987 / 0.978
    same, without city and state, e-mail and phones
    merged in one "contact" comparison                   0.922 / 0.925    0.987 / 0.978
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import polars as pl

#: Columns Splink may compare, in the order of the settings.
SPLINK_FIELDS = (
    "first_name",
    "last_name",
    "dob",
    "email",
    "cell_phone",
    "work_phone",
    "customer_code",
    "address1",
    "city",
    "zip",
)

#: Records above which EM sessions sample their pairs.
LARGE = 200_000


@dataclass(frozen=True)
class SplinkRun:
    """What one Splink run produced: clusters per threshold and where the time went."""

    clusters: dict[float, pl.DataFrame]  # threshold -> source_row, cluster_id
    pairs_scored: int
    true_pairs_scored: int | None  # true pairs among the scored ones (blocking recall)
    seconds: dict[float, float]  # threshold -> setup + training + predict + that clustering
    comparisons: tuple[str, ...]
    blocking: tuple[str, ...]
    training: tuple[str, ...]
    timings: dict[str, float]

    def __repr__(self) -> str:
        return (
            f"SplinkRun(thresholds={sorted(self.clusters)}, pairs={self.pairs_scored:,}, "
            f"seconds={ {t: round(v, 1) for t, v in self.seconds.items()} })"
        )


def splink_available() -> bool:
    """True when ``splink`` (and ``duckdb``) can be imported."""
    try:
        import splink  # noqa: F401
        from splink import DuckDBAPI  # noqa: F401
    except ImportError:
        return False
    return True


def present_fields(records: pl.DataFrame) -> list[str]:
    """The comparable fields that hold at least one value."""
    counts = records.select(pl.col(c).is_not_null().sum() for c in SPLINK_FIELDS if c in records)
    return [c for c in counts.columns if counts[c].item() > 0]


def _comparisons(fields: list[str]) -> list:
    import splink.comparison_library as cl

    make = {
        "first_name": lambda: cl.NameComparison("first_name").configure(
            term_frequency_adjustments=True
        ),
        "last_name": lambda: cl.NameComparison("last_name").configure(
            term_frequency_adjustments=True
        ),
        "dob": lambda: cl.DateOfBirthComparison(
            "dob", input_is_string=True, datetime_format="%Y-%m-%d"
        ),
        "email": lambda: cl.EmailComparison("email"),
        "cell_phone": lambda: cl.ExactMatch("cell_phone").configure(
            term_frequency_adjustments=True
        ),
        "work_phone": lambda: cl.ExactMatch("work_phone").configure(
            term_frequency_adjustments=True
        ),
        "customer_code": lambda: cl.ExactMatch("customer_code"),
        "address1": lambda: cl.JaroWinklerAtThresholds("address1", [0.95, 0.88]).configure(
            term_frequency_adjustments=True
        ),
        "city": lambda: cl.JaroWinklerAtThresholds("city", [0.9]).configure(
            term_frequency_adjustments=True
        ),
        "zip": lambda: cl.LevenshteinAtThresholds("zip", [1]).configure(
            term_frequency_adjustments=True
        ),
    }
    return [make[f]() for f in fields]


#: Candidate blocking rules, in order: Splink's FEBRL-example single-field rules, then pairs.
CANDIDATE_RULES: tuple[tuple[str, ...], ...] = (
    ("first_name",),
    ("last_name",),
    ("dob",),
    ("zip",),
    ("address1",),
    ("email",),
    ("cell_phone",),
    ("customer_code",),
    ("first_name", "last_name"),
    ("last_name", "dob"),
    ("first_name", "dob"),
    ("zip", "last_name"),
    ("zip", "first_name"),
    ("zip", "dob"),
    ("address1", "zip"),
)

#: A candidate rule is used when it generates at most this many pairs per record.
PAIRS_PER_RECORD = 10


def rule_pairs(records: pl.DataFrame, cols: tuple[str, ...]) -> int:
    """How many pairs ``block_on(*cols)`` generates (records with a null key excluded)."""
    sizes = records.select(cols).drop_nulls().group_by(cols).len()
    total = sizes.select((pl.col("len").cast(pl.Int64) * (pl.col("len") - 1) // 2).sum()).item()
    return int(total or 0)


def _blocking(records: pl.DataFrame, fields: list[str]) -> list[tuple[str, object, int]]:
    from splink import block_on

    has = set(fields)
    budget = max(PAIRS_PER_RECORD * records.height, 10_000)
    rules: list[tuple[str, object, int]] = []
    for cols in CANDIDATE_RULES:
        if has.issuperset(cols):
            pairs = rule_pairs(records, cols)
            if pairs <= budget:
                rules.append(("+".join(cols), block_on(*cols), pairs))
    if has.issuperset({"first_name", "last_name", "dob"}):
        swap = "l.first_name = r.last_name and l.last_name = r.first_name and l.dob = r.dob"
        rules.append(("swapped names+dob", swap, -1))
    return rules


def _deterministic(fields: list[str]) -> list:
    from splink import block_on

    has = set(fields)
    rules = []
    if has.issuperset({"first_name", "last_name", "dob"}):
        rules.append(block_on("first_name", "last_name", "dob"))
    if "email" in has:
        rules.append(block_on("email"))
    if "cell_phone" in has:
        rules.append(block_on("cell_phone"))
    return rules


def run_splink(
    records: pl.DataFrame,
    *,
    thresholds: tuple[float, ...] = (0.5, 0.95),
    truth: pl.DataFrame | None = None,
    seed: int = 42,
    threads: int | None = None,
) -> SplinkRun:
    """Train, predict and cluster ``records`` with Splink 5 on DuckDB; timed end to end.

    ``truth`` (``source_row_l, source_row_r``), when given, is used after the clock stops to
    count how many true pairs the blocking rules reached (``true_pairs_scored``).
    """
    import duckdb
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    fields = present_fields(records)
    frame = records.select(pl.col("source_row").cast(pl.Int64), *fields)
    large = frame.height > LARGE
    timings: dict[str, float] = {}
    mark = started

    def lap(label: str) -> float:
        nonlocal mark
        now = time.perf_counter()
        timings[label] = now - mark
        mark = now
        return timings[label]

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    db_api = DuckDBAPI(connection=con)
    table = db_api.register(frame.to_arrow())
    blocking = _blocking(frame, fields)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="source_row",
        comparisons=_comparisons(fields),
        blocking_rules_to_generate_predictions=[rule for _, rule, _ in blocking],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(table, settings, log_level=logging.ERROR)
    lap("setup")
    training: list[str] = []
    deterministic = _deterministic(fields)
    if deterministic:
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
        training.append("prior: deterministic rules, recall 0.7")
    u_pairs = 1e6 if frame.height <= 50_000 else 5e6
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    training.append(f"u: random sampling, max_pairs={u_pairs:g}, seed={seed}")
    lap("u")
    second = ("customer_code",) if "customer_code" in fields else ("last_name", "zip")
    for cols in (("first_name", "dob"), second):
        if set(cols) <= set(fields):
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*cols),
                estimate_without_term_frequencies=True,
                max_pairs=5e6 if large else None,
            )
            training.append(f"EM blocked on {'+'.join(cols)}")
    lap("em")
    predictions = linker.inference.predict()
    pairs_scored = int(predictions.as_duckdbpyrelation().aggregate("count(*)").fetchall()[0][0])
    base = lap("predict") + timings["em"] + timings["u"] + timings["setup"]
    clusters: dict[float, pl.DataFrame] = {}
    seconds: dict[float, float] = {}
    for threshold in thresholds:
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        arrow = clustered.as_duckdbpyrelation().select("source_row, cluster_id").to_arrow_table()
        found = pl.DataFrame(pl.from_arrow(arrow))
        clusters[threshold] = found.select(
            pl.col("source_row").cast(pl.Int64), pl.col("cluster_id").cast(pl.String)
        ).sort("source_row")
        seconds[threshold] = base + lap(f"cluster@{threshold:g}")
    true_scored = None
    if truth is not None:
        con.register("bench_truth", truth.select("source_row_l", "source_row_r").to_arrow())
        scored = predictions.physical_name
        true_scored = con.execute(
            f"select count(*) from bench_truth t join {scored} p on "
            "least(p.source_row_l, p.source_row_r) = t.source_row_l and "
            "greatest(p.source_row_l, p.source_row_r) = t.source_row_r"
        ).fetchall()[0][0]
    con.close()
    return SplinkRun(
        clusters=clusters,
        pairs_scored=pairs_scored,
        true_pairs_scored=true_scored,
        seconds=seconds,
        comparisons=tuple(fields),
        blocking=tuple(
            f"{label} ({pairs:,} pairs)" if pairs >= 0 else f"{label} (not counted)"
            for label, _, pairs in blocking
        ),
        training=tuple(training),
        timings=timings,
    )
