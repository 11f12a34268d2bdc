"""Benchmark and accuracy of custclean.clean on demo data.

Prints, for N demo rows (default 1,000,000): the end-to-end time of read-free cleaning
(map_columns + clean), rows per second of each normaliser run on its own, the same work done
the naive way (a Python loop calling phonenumbers / pycountry per row, timed on a sample and
scaled), and the accuracy of every field against the demo truth.

    python benchmarks/bench_clean.py            # 1,000,000 rows
    python benchmarks/bench_clean.py 200000     # fewer rows

The generated data is cached in benchmarks/_data/ (git-ignored). Exit code 1 when the
end-to-end time misses the 15 s goal or a field's accuracy is below 99%.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import warnings
from pathlib import Path

import phonenumbers
import polars as pl
import pycountry

import custclean as cc
from custclean import demo
from custclean.evaluate import cleaning_accuracy
from custclean.normalize.country import normalize_country
from custclean.normalize.dates import normalize_date
from custclean.normalize.email import normalize_email
from custclean.normalize.gender import normalize_gender
from custclean.normalize.name import normalize_name
from custclean.normalize.note_type import normalize_note_type
from custclean.normalize.phone import normalize_phone
from custclean.normalize.postal import normalize_postal
from custclean.normalize.state import normalize_state

DATA = Path(__file__).parent / "_data"
TODAY = dt.date(2026, 11, 23)
GOAL_SECONDS = 15.0
NAIVE_SAMPLE = 100_000


def load(n: int) -> demo.DemoData:
    DATA.mkdir(exist_ok=True)
    stem = DATA / f"demo_{n}"
    parts = {k: stem.with_suffix(f".{k}.parquet") for k in ("messy", "truth")}
    if all(p.exists() for p in parts.values()):
        frames = {k: pl.read_parquet(p) for k, p in parts.items()}
        return demo.DemoData(frames["messy"], frames["truth"], pl.DataFrame(), pl.DataFrame())
    started = time.perf_counter()
    data = demo.generate(n, seed=2026)
    print(f"generated {n:,} demo rows in {time.perf_counter() - started:.1f}s (cached)")
    data.messy.write_parquet(parts["messy"])
    data.truth.write_parquet(parts["truth"])
    return data


def timed(label: str, rows: int, func, results: list) -> object:
    started = time.perf_counter()
    out = func()
    seconds = time.perf_counter() - started
    results.append((label, rows, seconds, rows / seconds if seconds else float("inf")))
    return out


def naive_phone(values: list[str | None], regions: list[str | None]) -> list[str | None]:
    out = []
    for value, region in zip(values, regions, strict=True):
        try:
            number = phonenumbers.parse(value or "", region or "US")
            ok = phonenumbers.is_valid_number(number)
            out.append(phonenumbers.format_number(number, 0) if ok else None)
        except phonenumbers.NumberParseException:
            out.append(None)
    return out


def naive_country(values: list[str | None]) -> list[str | None]:
    out = []
    for value in values:
        try:
            out.append(pycountry.countries.lookup((value or "").strip()).alpha_2)
        except LookupError:
            out.append(None)
    return out


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000, help="demo rows")
    n = parser.parse_args().rows
    data = load(n)
    known = sorted(set(data.truth["note_type"].drop_nulls().to_list()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        mapped = cc.map_columns(data.messy)
        mapped_s = time.perf_counter() - started
        started = time.perf_counter()
        result = cc.clean(mapped, region="US", note_types=known, today=TODAY)
        clean_s = time.perf_counter() - started
    total = mapped_s + clean_s
    print(
        f"\n{n:,} rows: map_columns {mapped_s:.2f}s + clean {clean_s:.2f}s = {total:.2f}s "
        f"({n / total:,.0f} rows/s; goal under {GOAL_SECONDS:.0f}s)"
    )

    d = mapped.data
    country = result.data["country"]
    per: list[tuple[str, int, float, float]] = []
    timed("country", n, lambda: normalize_country(d["country"]), per)
    timed("state", n, lambda: normalize_state(d["state"], country), per)
    timed(
        "cell_phone",
        n,
        lambda: normalize_phone(d["cell_phone"], country, default_region="US", expect="mobile"),
        per,
    )
    timed(
        "work_phone", n, lambda: normalize_phone(d["work_phone"], country, default_region="US"), per
    )
    timed("dob", n, lambda: normalize_date(d["dob"], country=country, today=TODAY), per)
    timed("email", n, lambda: normalize_email(d["email"]), per)
    timed(
        "first+last name",
        2 * n,
        lambda: (normalize_name(d["first_name"]), normalize_name(d["last_name"])),
        per,
    )
    timed("city", n, lambda: normalize_name(d["city"], kind="place"), per)
    timed("address1", n, lambda: normalize_name(d["address1"], kind="address"), per)
    timed("gender", n, lambda: normalize_gender(d["gender"]), per)
    timed("zip", n, lambda: normalize_postal(d["zip"], country, result.data["state"]), per)
    timed("note_type", n, lambda: normalize_note_type(d["note_type"], known), per)

    k = min(NAIVE_SAMPLE, n)
    phones, regions = d["cell_phone"].head(k).to_list(), country.head(k).to_list()
    naive: list[tuple[str, int, float, float]] = []
    timed("cell_phone (naive loop)", k, lambda: naive_phone(phones, regions), naive)
    timed("country (naive loop)", k, lambda: naive_country(d["country"].head(k).to_list()), naive)

    print("\nper normaliser, on its own (distinct values computed once, mapped back):")
    print(f"{'step':24} {'rows':>10} {'seconds':>8} {'rows/s':>12}")
    for label, rows, seconds, rate in per:
        print(f"{label:24} {rows:>10,} {seconds:>8.2f} {rate:>12,.0f}")
    print(f"\nthe naive way, a Python loop per row (timed on {k:,} rows):")
    rates = {label: rate for label, _, _, rate in per}
    for label, rows, seconds, rate in naive:
        ours = rates[label.split(" ")[0]]
        print(
            f"{label:24} {rows:>10,} {seconds:>8.2f} {rate:>12,.0f}   custclean is "
            f"{ours / rate:,.1f}x faster"
        )
    naive_total = n / naive[0][3] * 2 + n / naive[1][3]
    print(
        f"naive phones (2 columns) + country alone for {n:,} rows: ~{naive_total:.0f}s "
        f"vs custclean's whole clean {clean_s:.1f}s"
    )

    scores = cleaning_accuracy(result, data.truth, d)
    with pl.Config(tbl_rows=40, tbl_cols=-1, tbl_width_chars=250, tbl_hide_dataframe_shape=True):
        print("\naccuracy against the demo truth:")
        print(scores)
    worst = scores.filter(pl.col("accuracy") < 0.99)
    bad = total > GOAL_SECONDS or worst.height > 0 or scores["invented"].sum() > 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
