"""Profile prepare → compare → estimate → score on cached demo data (scoring-speed helper).

Usage: .venv/bin/python benchmarks/prof_scoring.py N [--profile STEP] [--save NAME]
Cleaned records and blocked pairs are cached as parquet in benchmarks/_data/.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

DATA = Path(__file__).parent / "_data"


def cleaned(n: int) -> pl.DataFrame:
    path = DATA / f"scoring_clean_{n}.parquet"
    if path.exists():
        return pl.read_parquet(path)
    from _link_data import clean_frame, demo_data

    t = time.perf_counter()
    records = clean_frame(demo_data(n).messy, region="US")
    print(f"cleaned {n} in {time.perf_counter() - t:.1f}s", flush=True)
    records.write_parquet(path)
    return records


def blocked(n: int, records: pl.DataFrame) -> pl.DataFrame:
    path = DATA / f"scoring_pairs_{n}.parquet"
    if path.exists():
        return pl.read_parquet(path)
    from custclean.link.blocking import block_pairs

    t = time.perf_counter()
    pairs = block_pairs(records).pairs
    print(f"blocked {pairs.height} pairs in {time.perf_counter() - t:.1f}s", flush=True)
    pairs.write_parquet(path)
    return pairs


def wide(n: int, records: pl.DataFrame) -> pl.DataFrame:
    """Pairs sharing last-name soundex + zip prefix (the stress set: millions of pairs)."""
    path = DATA / f"scoring_widepairs_{n}.parquet"
    if path.exists():
        return pl.read_parquet(path)
    from custclean.link.comparisons import prepare

    keys = prepare(records).select("source_row", "last_soundex", "zip_prefix").drop_nulls()
    pairs = (
        keys.join(keys, on=["last_soundex", "zip_prefix"], suffix="_r")
        .filter(pl.col("source_row") < pl.col("source_row_r"))
        .select(pl.col("source_row").alias("source_row_l"), "source_row_r")
        .sort("source_row_l", "source_row_r")
    )
    pairs.write_parquet(path)
    return pairs


def main() -> None:
    n = int(sys.argv[1])
    profile = sys.argv[sys.argv.index("--profile") + 1] if "--profile" in sys.argv else None
    save = sys.argv[sys.argv.index("--save") + 1] if "--save" in sys.argv else None
    records = cleaned(n)
    pairs = wide(n, records) if "--wide" in sys.argv else blocked(n, records)
    from custclean.link.comparisons import compare, prepare
    from custclean.link.scoring import MatchModel

    print(f"load {os.getloadavg()}  records={records.height} pairs={pairs.height}", flush=True)
    results: dict[str, object] = {}
    steps = {
        "prepare": lambda: prepare(records),
        "compare": lambda: compare(results["prepare"], pairs),
        "estimate": lambda: MatchModel.estimate(results["compare"], results["prepare"]),
        "score": lambda: results["estimate"].score(results["compare"], results["prepare"]),
    }
    for name, step in steps.items():
        t, c = time.perf_counter(), time.process_time()
        if name == profile:
            prof = cProfile.Profile()
            results[name] = prof.runcall(step)
        else:
            results[name] = step()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        print(f"{name:9s} wall {wall:7.2f}s  cpu {cpu:7.2f}s", flush=True)
        if name == profile:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    if save:
        out = results["score"]
        out.write_parquet(DATA / f"scoring_out_{n}_{save}.parquet")
        results["prepare"].write_parquet(DATA / f"scoring_prep_{n}_{save}.parquet")
        print(results["estimate"])


if __name__ == "__main__":
    main()
