"""Run every normaliser over a mapped frame and collect the audit trail.

The order matters because fields inform each other: the country is read first, then the state
within it and the phones with it as their region; a blank country is then inferred from an
unambiguous state, the phones' country codes, or the run's default region — in that order, and
only when the evidence agrees — and the state and phones of those rows are read again. Postal
codes are checked against the final country and state, dates use the country as tie-breaker.

Example:
    >>> import polars as pl
    >>> import custclean as cc
    >>> raw = pl.DataFrame({"E-mail": [" Ann@X.com "], "Country": ["U.S.A."], "Zip": ["2134"]})
    >>> result = cc.clean(cc.map_columns(raw), region="US")
    >>> result.data.select("email", "country", "zip").row(0)
    ('ann@x.com', 'US', '02134')
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, Literal, TypeVar

import polars as pl

from custclean.fields import CANONICAL_FIELDS
from custclean.issues import ISSUE_SCHEMA
from custclean.normalize._core import Normalized, blank_to_null, distinct_rows, put_rows

__all__ = ["EXTRA_FIELDS", "CleanResult", "clean"]

#: Columns the cleaner adds beside the canonical fields, after them in this order.
EXTRA_FIELDS: tuple[str, ...] = (
    "honorific",
    "suffix",
    "cell_phone_ext",
    "cell_phone_type",
    "work_phone_ext",
    "work_phone_type",
)


@dataclass(frozen=True)
class CleanResult:
    """The cleaned frame and the issues that explain every change.

    ``data``: ``source_row``, the canonical fields in their normalised forms, the extra fields
    (:data:`EXTRA_FIELDS`), then every other column untouched. ``issues``: one row per change
    or rejection (``source_row, field, code, value, result, message``), including those of the
    read and mapping steps when they were passed in. ``notes``: column-level decisions, such
    as the date order chosen for each date column and the countries inferred.

    Example:
        >>> r = clean(pl.DataFrame({"Sex": ["W"]}))
        >>> gender = r.issues.filter(pl.col("field") == "gender")
        >>> r.data["gender"].to_list(), gender["code"].to_list()
        (['female'], ['fixed'])
    """

    data: pl.DataFrame
    issues: pl.DataFrame
    notes: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> pl.DataFrame:
        """Count, per canonical field, the values that are valid, fixed, inferred, rejected, empty.

        ``valid`` counts non-empty values that needed no change; ``rejected`` counts values
        that were emptied (invalid, ambiguous, implausible, placeholder…).

        Example:
            >>> clean(pl.DataFrame({"Sex": ["W", "male", "?"]})).summary().filter(
            ...     pl.col("field") == "gender"
            ... ).row(0)
            ('gender', 3, 1, 1, 0, 0, 1, 1)
        """
        rows = []
        by_field = self.issues.filter(pl.col("source_row").is_not_null())
        n = self.data.height
        for name in CANONICAL_FIELDS:
            issues = by_field.filter(pl.col("field") == name)
            filled = int(self.data[name].is_not_null().sum())
            changed_rows = issues.filter(pl.col("result").is_not_null())
            fixed = changed_rows.filter(pl.col("code").is_in(["fixed", "fuzzy"]))
            inferred = issues.filter(pl.col("code") == "inferred")
            emptied = issues.filter(pl.col("result").is_null())["source_row"].n_unique()
            touched = changed_rows["source_row"].n_unique()
            rows.append(
                (
                    name,
                    n,
                    filled - touched if filled >= touched else 0,
                    fixed["source_row"].n_unique(),
                    inferred["source_row"].n_unique(),
                    int(issues.filter(pl.col("code") == "conflict").height),
                    emptied,
                    n - filled,
                )
            )
        return pl.DataFrame(
            rows,
            schema=[
                ("field", pl.String),
                ("rows", pl.Int64),
                ("valid", pl.Int64),
                ("fixed", pl.Int64),
                ("inferred", pl.Int64),
                ("conflict", pl.Int64),
                ("rejected", pl.Int64),
                ("empty", pl.Int64),
            ],
            orient="row",
        )

    def __repr__(self) -> str:
        return (
            f"CleanResult({self.data.height} rows, {self.issues.height} issues: "
            + ", ".join(
                f"{code} {count}"
                for code, count in self.issues.group_by("code").len().sort("code").iter_rows()
            )
            + ")"
        )

    def _repr_html_(self) -> str:
        from custclean._display import summary_html

        codes = self.issues.group_by("code").len().sort("len", descending=True)
        facts = [("rows", f"{self.data.height:,}"), ("issues", f"{self.issues.height:,}")]
        facts += [(code, f"{count:,}") for code, count in codes.iter_rows()]
        return summary_html(
            "CleanResult",
            facts,
            [("per field", self.summary()), ("issues", self.issues), ("data", self.data)],
            max_rows=20,
        )


_T = TypeVar("_T")
_NONE = pl.Series("none", [], dtype=pl.String)


class _Task(Generic[_T]):
    """One piece of work given to :class:`_Helper`: run by whichever thread gets to it first."""

    def __init__(self, func: Callable[[], _T]) -> None:
        self.func = func
        self.done = threading.Event()
        self._value: _T | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        """Run the work, keeping its answer or its exception for :meth:`get`."""
        try:
            self._value = self.func()
        except BaseException as exc:  # handed to whoever asks for the answer
            self._error = exc
        finally:
            self.done.set()

    def get(self) -> _T:
        """Return the answer (the work has run), or raise what the work raised."""
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class _Helper:
    """A second thread for the fields read beside the chain, which the calling thread helps.

    The second thread runs the queued tasks in order. When a thread waits for a task, it
    takes it off the queue and runs it itself if it has not started; if it has, the waiting
    thread runs the last task of the queue, and so on, until the one it waits for is done.
    Neither thread idles while work is queued, whatever each field costs. Every task is a
    pure function of the data, so which thread ran it changes no answer.

    Example:
        >>> helper = _Helper()
        >>> tasks = [helper.submit(lambda i=i: i * i) for i in range(4)]
        >>> [helper.result(t) for t in tasks]
        [0, 1, 4, 9]
        >>> helper.shutdown()
    """

    def __init__(self) -> None:
        self._queue: list[_Task[Any]] = []  # not started, in order
        self._changed = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._work, name="custclean-clean", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            with self._changed:
                while not self._queue and not self._closed:
                    self._changed.wait()
                if not self._queue:
                    return
                task = self._queue.pop(0)
            task.run()

    def submit(self, func: Callable[[], _T], *, first: bool = False) -> _Task[_T]:
        """Queue ``func``; with ``first``, ahead of every task not started yet.

        Waiting threads take tasks from the end of the queue, so a large task put first
        goes to the second thread while the other works through the smaller ones.
        """
        task = _Task(func)
        with self._changed:
            if first:
                self._queue.insert(0, task)
            else:
                self._queue.append(task)
            self._changed.notify()
        return task

    def _take(self, task: _Task[Any] | None = None) -> bool:
        """Run ``task`` (or the last queued task) on this thread if it has not started."""
        with self._changed:
            if task is None and self._queue:
                task = self._queue.pop()
            elif task is not None and task in self._queue:
                self._queue.remove(task)
            else:
                return False
        task.run()
        return True

    def result(self, task: _Task[_T]) -> _T:
        """Return the task's answer, helping with the queued work while it is not there."""
        self._take(task)
        while not task.done.is_set():
            if not self._take():
                task.done.wait()
        return task.get()

    def shutdown(self, *, cancel: bool = False) -> None:
        """Stop the second thread once its queue is done (dropped, with ``cancel``)."""
        with self._changed:
            if cancel:
                self._queue.clear()
            self._closed = True
            self._changed.notify()
        self._thread.join()


def _as_mapped(frame: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (data with canonical columns, earlier issues) from whatever was passed."""
    from custclean.mapping import MappedFrame, map_columns

    if isinstance(frame, CleanResult):
        frame = frame.data
    if isinstance(frame, MappedFrame):
        return frame.data, frame.issues
    mapped = map_columns(frame)
    return mapped.data, mapped.issues


def _issue_rows(
    source_row: pl.Series, field_name: str, original: pl.Series, result: Normalized
) -> pl.DataFrame:
    # only the rows with a code are picked out (a gather), not the whole column filtered
    idx = result.code.is_not_null().arg_true()
    return pl.DataFrame(
        {
            "source_row": source_row.gather(idx).cast(pl.Int64),
            "field": pl.repeat(field_name, idx.len(), dtype=pl.String, eager=True),
            "code": result.code.gather(idx).cast(pl.String),
            "value": original.gather(idx).cast(pl.String),
            "result": result.value.gather(idx).cast(pl.String),
            "message": result.message.gather(idx).cast(pl.String),
        }
    )


def _infer_country(
    given: pl.Series,
    country: Normalized,
    state: Normalized,
    phones: Sequence[Normalized],
    region: str | None,
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Infer blank countries. Returns (country, code, message) for every row."""
    phone_regions = [p.extra.get("region") for p in phones]
    n = country.value.len()
    blank = blank_to_null(given).is_null()
    none = pl.repeat(None, n, dtype=pl.String, eager=True)
    if not blank.any():
        return country.value, none, none
    # only the blank rows are looked at, once per distinct evidence
    evidence = pl.DataFrame(
        {
            "state_country": state.extra["state_country"],
            "candidates": state.extra["state_candidates"],
            **{f"p{i}": r for i, r in enumerate(phone_regions) if r is not None},
        }
    ).filter(blank)
    distinct, where = distinct_rows(evidence.cast(pl.String))
    answers = [
        _decide_country(st_country, cands, regions, region)
        for st_country, cands, *regions in distinct.iter_rows()
    ]
    table = pl.DataFrame(answers, schema=["value", "code", "message"], orient="row", strict=False)
    table = table.cast(pl.String).select(pl.all().gather(where))
    rows = blank.arg_true()
    inferred = {name: none.clone().scatter(rows, table[name]) for name in table.columns}
    value = pl.select(pl.coalesce(inferred["value"], country.value)).to_series()
    return value, inferred["code"], inferred["message"]


def _supported(frame: pl.DataFrame, value_cols: Sequence[str], check: Any) -> pl.DataFrame:
    """For each row, the candidate countries in which every given value checks out.

    ``frame`` has ``row``, ``cand`` (comma-separated candidates) and the value columns;
    ``check(values, countries)`` returns a boolean Series. Returns ``row, support`` (a sorted
    list of countries), only for rows with at least one value and one supported country.
    """
    tries = (
        frame.select("row", "cand", *value_cols)
        .with_columns(pl.col("cand").str.split(","))
        .explode("cand")
        .unpivot(index=["row", "cand"], value_name="v")
        .filter(pl.col("v").is_not_null())
    )
    if tries.height == 0:
        return pl.DataFrame(schema={"row": pl.Int64, "support": pl.List(pl.String)})
    ok = check(tries["v"], tries["cand"])
    return (
        tries.with_columns(ok=ok, n=pl.col("variable").n_unique().over("row"))
        .group_by("row", "cand")
        .agg(pl.col("ok").sum(), pl.col("n").first())
        .filter(pl.col("ok") == pl.col("n"))
        .group_by("row")
        .agg(pl.col("cand").sort().alias("support"))
    )


def _phone_support(
    frame: pl.DataFrame, zips: pl.DataFrame, phone_ok: Callable[[pl.Series, pl.Series], pl.Series]
) -> pl.DataFrame:
    """:func:`_supported` for the phone columns of ``frame``, trying only what can matter.

    The evidence combines as the intersection of what the phones and the postal code fit
    (``zips``: ``row, support``), so where the postal code fits some candidates the phones
    are tried in those alone. Where it fits exactly one, that settles the row unless the
    phones fit other candidates instead: only those rows are tried in the other candidates.
    The answer is the same as trying every candidate, with a fraction of the phone reads.

    Example:
        >>> frame = pl.DataFrame({"row": [0, 1], "cand": ["DE,NG", "DE,NG"], "p0": ["a", "b"]})
        >>> zips = pl.DataFrame({"row": [0], "support": [["DE"]]})
        >>> fits = {("a", "NG"), ("b", "NG")}
        >>> def ok(v: pl.Series, c: pl.Series) -> pl.Series:
        ...     return pl.Series([(x, y) in fits for x, y in zip(v, c)])
        >>> _phone_support(frame, zips, ok).sort("row").rows()
        [(0, ['NG']), (1, ['NG'])]
    """
    columns = [c for c in frame.columns if c.startswith("p")]
    cand, support = pl.col("cand"), pl.col("support")
    narrowed = frame.join(zips, on="row", how="left").select(
        "row",
        *columns,
        cand=pl.when(support.is_not_null()).then(support.list.join(",")).otherwise(cand),
    )
    phones = _supported(narrowed, columns, phone_ok)
    lone = zips.filter(support.list.len() == 1).join(phones, on="row", how="anti")
    elsewhere = frame.join(lone, on="row", how="inner").select(
        "row",
        *columns,
        cand=cand.str.split(",").list.set_difference(support).list.sort().list.join(","),
    )
    elsewhere = elsewhere.filter(cand != "")
    if elsewhere.height == 0:
        return phones
    return pl.concat([phones, _supported(elsewhere, columns, phone_ok)])


def _long_enough(phones: pl.Series) -> pl.Series:
    """Keep phone numbers of 8 digits or more (as text); shorter ones become null."""
    text = phones.cast(pl.String)
    return text.set((text.str.count_matches(r"\d") < 8).fill_null(False), None)  # type: ignore[arg-type]


def _settle_by_evidence(
    inferred: tuple[pl.Series, pl.Series, pl.Series],
    candidates: pl.Series,
    raw_phones: Sequence[pl.Series],
    raw_zip: pl.Series,
    parallel: bool,
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Settle rows whose state names a subdivision in several countries by phones and ZIP.

    Each kind of evidence gives the state's countries it fits: the phones ("0176 93256064")
    those in which every phone of the row is a valid number, the postal code ("M5V 2T6")
    those whose known postal format it fits (see below). Evidence that fits none of them says
    nothing.
    The country is inferred only when what the evidence fits narrows to exactly one country;
    if phones and postal code point to different countries, nothing is inferred.
    """
    from custclean.normalize.phone import phone_region
    from custclean.normalize.postal import _formats, normalize_postal

    value, code, message = inferred
    open_rows = (code == "ambiguous") & candidates.is_not_null()
    if not open_rows.any():
        return inferred
    frame = pl.DataFrame(
        {
            "row": open_rows.arg_true().cast(pl.Int64),
            "cand": candidates.filter(open_rows),
            # A number of fewer than 8 digits is a local number without its area code: it
            # is valid somewhere by chance (7 digits in Eritrea), so it is no evidence.
            **{f"p{i}": _long_enough(p.filter(open_rows)) for i, p in enumerate(raw_phones)},
            "zip": raw_zip.cast(pl.String).filter(open_rows),
        }
    )

    def phone_ok(values: pl.Series, countries: pl.Series) -> pl.Series:
        # only whether the number is valid and is the candidate's (no messages needed)
        own = phone_region(values, countries, parallel=parallel)
        return (own == countries).fill_null(False)

    known = set(_formats())

    postal_reads: dict[int, Normalized] = {}

    def zip_fits(values: pl.Series, countries: pl.Series, *, as_written: bool) -> pl.Series:
        # Both calls explode the same rows in the same order: read the codes once.
        if values.len() not in postal_reads:
            postal_reads[values.len()] = normalize_postal(values, countries)
        read = postal_reads[values.len()]
        fits = read.value.is_not_null() & countries.is_in(list(known))
        if as_written:
            fits &= (
                read.value.str.replace_all(r"[^0-9A-Za-z]", "").str.to_uppercase()
                == values.str.replace_all(r"[^0-9A-Za-z]", "").str.to_uppercase()
            ).fill_null(False)
        return fits

    # A postal code is evidence only if it fits some candidate as written ("1067" fits HU);
    # it then supports every candidate it fits with lost zeros restored ("01067" in DE), so a
    # code that is ambiguous that way settles nothing, and "402" (fits nowhere as written)
    # says nothing at all.
    exact = _supported(frame, ["zip"], lambda v, c: zip_fits(v, c, as_written=True))
    padded = _supported(frame, ["zip"], lambda v, c: zip_fits(v, c, as_written=False))
    zips = padded.join(exact.select("row"), on="row", how="semi")
    phones = _phone_support(frame, zips, phone_ok)
    both = (
        frame.select("row")
        .join(phones.rename({"support": "by_phone"}), on="row", how="left")
        .join(zips.rename({"support": "by_zip"}), on="row", how="left")
        .with_columns(
            pl.when(pl.col("by_phone").is_null())
            .then(pl.col("by_zip"))
            .when(pl.col("by_zip").is_null())
            .then(pl.col("by_phone"))
            .otherwise(pl.col("by_phone").list.set_intersection(pl.col("by_zip")))
            .alias("support")
        )
        .filter(pl.col("support").list.len() == 1)
        .with_columns(
            pl.col("support").list.first(),
            pl.concat_str(
                pl.when(pl.col("by_phone").is_not_null()).then(pl.lit("the phones")),
                pl.when(pl.col("by_zip").is_not_null()).then(pl.lit("the postal code")),
                separator=" and ",
                ignore_nulls=True,
            ).alias("by"),
        )
        .sort("row")
    )
    if both.height == 0:
        return inferred
    idx = both["row"]
    notes = pl.Series(
        [
            f"country {c} inferred: the state names a subdivision in several countries and "
            f"{by} fit only {c} of them"
            for c, by in both.select("support", "by").iter_rows()
        ],
        dtype=pl.String,
    )
    return (
        value.clone().scatter(idx, both["support"]),
        code.clone().scatter(idx, pl.Series(["inferred"] * idx.len(), dtype=pl.String)),
        message.clone().scatter(idx, notes),
    )


def _decide_country(
    state_country: str | None,
    candidates: str | None,
    phone_regions: Sequence[str | None],
    region: str | None,
) -> tuple[str | None, str | None, str | None]:
    phones = sorted({r for r in phone_regions if r and r != "ZZ" and r != "001"})
    cands = set(candidates.split(",")) if candidates else set()
    if state_country:
        cands = {state_country}
    if len(phones) > 1:
        return None, "conflict", f"the phones belong to {' and '.join(phones)}: country left empty"
    phone = phones[0] if phones else None
    if len(cands) == 1:
        (only,) = cands
        if phone and phone != only:
            return (
                None,
                "conflict",
                f"the state belongs to {only} but the phone to {phone}: country left empty",
            )
        why = "the state and the phone agree" if phone else "from the state"
        return only, "inferred", f"country {only} inferred: {why}"
    if cands:
        shown = ", ".join(sorted(cands))
        if phone and phone in cands:
            return phone, "inferred", f"country {phone} inferred: the state and the phone agree"
        if phone:
            return None, "conflict", f"the state exists in {shown} but the phone is from {phone}"
        if region and region in cands:
            return (
                region,
                "inferred",
                f"country {region} inferred: the state exists in the run's region {region}",
            )
        return None, "ambiguous", f"the state exists in {shown}; country left empty"
    if phone:
        return phone, "inferred", f"country {phone} inferred from the phone's country code"
    if region:
        return region, "inferred", f"country {region} is the run's default region"
    return None, None, None


def _chain(
    data: pl.DataFrame,
    region: str | None,
    date_order: Literal["auto", "mdy", "dmy", "ymd"],
    today: dt.date | None,
    infer_country: bool,
    parallel: bool,
    notes: dict[str, Any],
    side: _Helper,
    side_tasks: Callable[[], None],
    record: Callable[[str, Normalized], Normalized],
) -> dict[str, Normalized]:
    """Read the fields that inform each other, in order (see the module docstring).

    Returns the results of country, state, both phones, zip and dob; adds the column-level
    decisions to ``notes``. ``side`` is a second thread: as soon as the countries are read, the
    work phones go to it first, then the birth dates' reading and ``side_tasks`` (the fields
    that need no other field) are queued behind them; the settling of the birth dates and
    the postal codes follow once the countries are final. This thread meanwhile reads the
    states and the cell phones, and takes back queued work whenever it would wait (see
    :class:`_Helper`). Each final result is passed to ``record`` (which picks out its issue
    rows) in the thread that has it.
    """
    from custclean.normalize.country import normalize_country
    from custclean.normalize.dates import read_dates
    from custclean.normalize.phone import normalize_phone
    from custclean.normalize.postal import normalize_postal
    from custclean.normalize.state import normalize_state

    results: dict[str, Normalized] = {}
    expect: dict[str, Literal["any", "mobile"]] = {"cell_phone": "mobile", "work_phone": "any"}

    def phone(name: str, countries: pl.Series, rows: pl.Series | None = None) -> Normalized:
        """Read one phone column (only ``rows`` when given) with the rows' countries."""
        return normalize_phone(
            data[name] if rows is None else data[name].filter(rows),
            countries if rows is None else countries.filter(rows),
            default_region=region,
            expect=expect[name],
            parallel=parallel,
        )

    def phones(countries: pl.Series, rows: pl.Series | None = None) -> tuple[Normalized, ...]:
        """Read both phone columns, the work phones in the second thread."""
        other = side.submit(lambda: phone("work_phone", countries, rows))
        return phone("cell_phone", countries, rows), side.result(other)

    country = normalize_country(data["country"])
    later_work = side.submit(lambda: phone("work_phone", country.value))
    # the birth dates are read now; the countries settle their day-month order at the end
    later_dates = side.submit(
        lambda: read_dates(data["dob"], order=date_order, kind="dob", today=today)
    )
    side_tasks()
    state = normalize_state(data["state"], country.value)
    cell, work = phone("cell_phone", country.value), side.result(later_work)
    country_value = country.value
    if infer_country:
        country_value, inf_code, inf_message = _infer_country(
            data["country"], country, state, [cell, work], region
        )
        country_value, inf_code, inf_message = _settle_by_evidence(
            (country_value, inf_code, inf_message),
            state.extra["state_candidates"],
            [data["cell_phone"], data["work_phone"]],
            data["zip"],
            parallel,
        )
        inferred = inf_code.is_not_null()
        country = Normalized(
            value=country_value,
            code=pl.select(pl.coalesce(inf_code, country.code)).to_series(),
            message=pl.select(pl.coalesce(inf_message, country.message)).to_series(),
            extra=country.extra,
        )
        changed = inferred & country_value.is_not_null()
        if changed.any():
            state = put_rows(
                state,
                changed,
                normalize_state(data["state"].filter(changed), country_value.filter(changed)),
            )
            new_cell, new_work = phones(country_value, changed)
            cell = put_rows(cell, changed, new_cell)
            work = put_rows(work, changed, new_work)
        notes["countries_inferred"] = int(changed.sum())
    final_country = country.value

    def dob_read() -> Normalized:
        return record("dob", side.result(later_dates).settle(final_country))

    final_state = state.value

    def zip_read() -> Normalized:
        return record("zip", normalize_postal(data["zip"], final_country, final_state))

    # the second thread takes the dates next; this one the postal codes, then helps
    later_dob = side.submit(dob_read, first=True)
    later_zip = side.submit(zip_read)
    results["country"] = country
    results["state"] = state
    results["cell_phone"] = cell
    results["work_phone"] = work
    for name, read in results.items():
        results[name] = record(name, read)
    results["zip"] = side.result(later_zip)
    dob = side.result(later_dob)
    results["dob"] = dob
    notes["dob"] = dob.notes
    return results


def clean(
    mapped: Any,
    region: str | None = "US",
    *,
    note_types: Sequence[str] | None = None,
    date_order: Literal["auto", "mdy", "dmy", "ymd"] = "auto",
    dates: Sequence[str] = (),
    today: dt.date | None = None,
    infer_country: bool = True,
    parallel: bool = False,
) -> CleanResult:
    """Normalise every canonical field and explain every change.

    ``mapped`` is a :class:`~custclean.mapping.MappedFrame` (its issues are carried over), a
    frame with canonical column names, or any frame :func:`~custclean.map_columns` can map.
    ``region`` is the run's default country (alpha-2) for phones without a country code and
    for rows with no country at all. ``note_types`` lists the note type names the account
    knows. ``dates`` names further date columns (not dob) to normalise as plain dates.
    ``today`` fixes the reference date for birth-date plausibility (default: today).
    ``parallel=True`` reads the phone numbers the vectorised path leaves over in worker
    processes; it pays only with many such numbers and more than two cores (in a script it
    needs an ``if __name__ == "__main__":`` guard, else it falls back to one process).

    Example:
        >>> r = clean(pl.DataFrame({"Mobile": ["(312) 555-0123"], "State": ["Calif."]}))
        >>> r.data.select("cell_phone", "state", "country").row(0)
        ('+13125550123', 'CA', 'US')
    """
    from custclean.normalize.dates import normalize_date
    from custclean.normalize.email import normalize_email
    from custclean.normalize.gender import normalize_gender
    from custclean.normalize.name import normalize_name
    from custclean.normalize.note_type import normalize_note_type
    from custclean.normalize.text import normalize_integer, normalize_text

    data, earlier = _as_mapped(mapped)
    region = region.upper() if region else None
    rows = data["source_row"]
    results: dict[str, Normalized] = {}
    notes: dict[str, Any] = {"region": region}

    # The fields that need no other field are queued on a second thread while this one works
    # through the chain country → state → phones → inferred countries, which queues the work
    # phones, the birth dates and the postal codes there too (see _chain); whenever this
    # thread would wait, it takes queued work back (see _Helper). Most of the work is in
    # polars, which releases the GIL: the two run side by side on two cores. Each normaliser
    # is a pure function, so the result is the same in any order.
    background = _Helper()
    on_the_side: dict[str, _Task[Normalized]] = {}
    issue_parts: dict[str, pl.DataFrame] = {}

    def record(name: str, read: Normalized) -> Normalized:
        # The issue rows are picked out in the thread that has the result; the full columns
        # of codes and messages are then let go (only the values and extras are kept), so
        # their memory serves the fields still being read.
        issue_parts[name] = _issue_rows(rows, name, data[name], read)
        return Normalized(read.value, _NONE, _NONE, read.extra, read.notes)

    def read_side(
        name: str, func: Callable[..., Normalized], *args: Any, **kwargs: Any
    ) -> Normalized:
        return record(name, func(data[name], *args, **kwargs))

    def queue_side_tasks() -> None:
        for name, func, args, kwargs in (
            ("email", normalize_email, (), {}),
            ("first_name", normalize_name, (), {"kind": "person"}),
            ("last_name", normalize_name, (), {"kind": "person"}),
            ("company", normalize_name, (), {"kind": "company"}),
            ("city", normalize_name, (), {"kind": "place"}),
            ("address1", normalize_name, (), {"kind": "address"}),
            ("address2", normalize_name, (), {"kind": "address"}),
            ("gender", normalize_gender, (), {}),
            ("note_type", normalize_note_type, (note_types,), {}),
            ("customer_code", normalize_text, (), {}),
            ("notes", normalize_text, (), {}),
            ("location_id", normalize_integer, (), {}),
        ):
            on_the_side[name] = background.submit(partial(read_side, name, func, *args, **kwargs))

    try:
        chain = _chain(
            data,
            region,
            date_order,
            today,
            infer_country,
            parallel,
            notes,
            background,
            queue_side_tasks,
            record,
        )
        results.update(chain)
        results.update({name: background.result(task) for name, task in on_the_side.items()})
    except BaseException:
        background.shutdown(cancel=True)
        raise
    background.shutdown()
    first, last = results["first_name"], results["last_name"]
    cell, work, country = results["cell_phone"], results["work_phone"], results["country"]

    extra_date_results: dict[str, Normalized] = {}
    for name in dates:
        if name not in data.columns:
            from custclean.errors import MappingError

            raise MappingError(
                "dates names a column the data does not have",
                column=name,
                hint=f"the columns are: {', '.join(data.columns)}",
            )
        out = normalize_date(data[name], country=country.value, order=date_order, kind="date")
        extra_date_results[name] = out
        notes[name] = out.notes

    columns: dict[str, pl.Series] = {"source_row": rows}
    for name in CANONICAL_FIELDS:
        columns[name] = results[name].value.alias(name)

    def pick(*candidates: pl.Series | None) -> pl.Series | None:
        present = [c for c in candidates if c is not None]
        if not present:
            return None
        return pl.select(pl.coalesce(present)).to_series()

    extras: dict[str, pl.Series | None] = {
        "honorific": pick(first.extra.get("honorific"), last.extra.get("honorific")),
        "suffix": pick(last.extra.get("suffix"), first.extra.get("suffix")),
        "cell_phone_ext": cell.extra.get("ext"),
        "cell_phone_type": cell.extra.get("type"),
        "work_phone_ext": work.extra.get("ext"),
        "work_phone_type": work.extra.get("type"),
    }
    riding = [c for c in data.columns if c != "source_row" and c not in CANONICAL_FIELDS]
    for name in EXTRA_FIELDS:
        new = extras[name]
        if new is None:
            new = pl.Series(name, [None] * data.height, dtype=pl.String)
        if name in riding:  # a frame cleaned before: keep what it held
            new = pick(new, data[name]) if new is not None else data[name]
            riding.remove(name)
        assert new is not None
        columns[name] = new.cast(pl.String).alias(name)
    for name in riding:
        if name in extra_date_results:
            columns[name] = extra_date_results[name].value.alias(name)
        else:
            columns[name] = data[name]
    cleaned = pl.DataFrame(columns)

    # Issues are ordered by source row, then field (canonical fields in their order, any
    # other field after them by name), then code; on one row and field, a read or mapping
    # issue comes before the cleaning's own. The canonical fields' parts hold at most one row
    # per source row each, so they only need a stable sort on (source row, field's rank);
    # the few other rows (read and mapping issues, further date columns) are ordered first.
    order = {name: i for i, name in enumerate(CANONICAL_FIELDS)}
    # one sort key: source row, then the field's rank (others rank after the canonical ones)
    ranks = len(order) + 1
    others = [earlier.cast(ISSUE_SCHEMA)] if earlier.height else []
    others += [_issue_rows(rows, name, data[name], out) for name, out in extra_date_results.items()]
    parts = []
    if others:
        rank = pl.col("field").replace_strict(order, default=len(order), return_dtype=pl.Int64)
        parts.append(
            pl.concat(others)
            .with_columns(_o=pl.col("source_row") * ranks + rank)
            .sort(["_o", "field", "code"], nulls_last=False, maintain_order=True)
        )
    for rank_of, name in enumerate(CANONICAL_FIELDS):
        part = issue_parts[name]
        parts.append(part.with_columns(_o=pl.col("source_row") * ranks + rank_of))
    issues = pl.concat(parts).sort("_o", nulls_last=False, maintain_order=True).drop("_o")
    return CleanResult(data=cleaned, issues=issues, notes=notes)
