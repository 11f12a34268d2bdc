import datetime as dt
import threading
import warnings

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import custclean as cc
from custclean import demo
from custclean.cleaning import EXTRA_FIELDS, _Helper, _phone_support, _supported
from custclean.evaluate import cleaning_accuracy, cleaning_errors
from custclean.fields import CANONICAL_FIELDS
from custclean.issues import ISSUE_CODES, ISSUE_SCHEMA

TODAY = dt.date(2026, 11, 23)


def run(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cc.clean(cc.map_columns(df), today=TODAY, parallel=False, **kw)


def row(result, n=1):
    return result.data.filter(pl.col("source_row") == n).row(0, named=True)


def issues_of(result, n, field):
    return result.issues.filter((pl.col("source_row") == n) & (pl.col("field") == field))


MESSY = pl.DataFrame(
    {
        "Cust #": [" C001 ", "C002", "C003", "C004", "C005"],
        "Name": ["MR. JOHN SMITH JR.", "García, José", "Anna Müller", "n/a", "Tremblay, Élise"],
        "E-mail": [" John.Smith@GMIAL.com ", "mailto:jose@prodigy.net.mx", "none@none.com",
                   "Anna <anna@web.de>", "elise@sympatico.ca"],
        "Mobile #": ["(617) 555-0123 x12", "55 1234 5678", "0171 1234567", "3.12555E+09",
                     "613.555.0199"],
        "DOB": ["5/17/80", "25/12/1975", "17.05.1980", "1900-01-01", "2031-01-01"],
        "Sex": ["M", "Hombre", "weiblich", "X", "F"],
        "Street": ["12 MAIN ST", "av. reforma 222", "Hauptstraße 5", "1 Test Rd", "9 rue Sainte"],
        "City": ["BOSTON", "ciudad de méxico", "Berlin", "Nowhere", "Montréal"],
        "Province/State": ["Mass.", "CDMX", "Berlin", "Ontario", "Québec"],
        "Zip": ["2134", "06600", "10115", "90210", "h2x1y4"],
        "Country": ["U.S.A.", "México", None, "USA", None],
        "Store": ["1", "2.0", "Store 3", "4", "5"],
        "Loyalty tier": ["gold", "silver", None, "gold", "bronze"],
    }
)  # fmt: skip


@pytest.fixture(scope="module")
def messy():
    return run(MESSY, region="US")


def test_values_come_out_in_their_normal_forms(messy):
    r1, r2, r3, r5 = row(messy, 1), row(messy, 2), row(messy, 3), row(messy, 5)
    assert (r1["first_name"], r1["last_name"], r1["honorific"], r1["suffix"]) == (
        "John", "Smith", "Mr.", "Jr.",
    )  # fmt: skip
    assert (r1["email"], r1["cell_phone"], r1["cell_phone_ext"]) == (
        "john.smith@gmail.com", "+16175550123", "12",
    )  # fmt: skip
    assert (r1["dob"], r1["gender"], r1["state"], r1["zip"], r1["country"]) == (
        "1980-05-17", "male", "MA", "02134", "US",
    )  # fmt: skip
    assert (r1["customer_code"], r1["location_id"]) == ("C001", "1")
    assert (r2["first_name"], r2["last_name"], r2["email"], r2["state"], r2["country"]) == (
        "José", "García", "jose@prodigy.net.mx", "CMX", "MX",
    )  # fmt: skip
    assert (r2["dob"], r2["gender"], r2["cell_phone"], r2["location_id"]) == (
        "1975-12-25", "male", "+525512345678", "2",
    )  # fmt: skip
    # Germany inferred from the state Berlin (a German Land only); then the phone reads as German.
    assert (r3["country"], r3["state"], r3["cell_phone"], r3["dob"], r3["gender"]) == (
        "DE", "BE", "+491711234567", "1980-05-17", "female",
    )  # fmt: skip
    assert r3["email"] is None  # a placeholder, emptied
    assert (r5["country"], r5["state"], r5["zip"], r5["last_name"]) == (
        "CA",
        "QC",
        "H2X 1Y4",
        "Tremblay",
    )


def test_every_change_has_an_issue_row_with_original_and_result(messy):
    issues = messy.issues
    assert issues.schema == pl.Schema(ISSUE_SCHEMA)
    assert set(issues["code"].unique()) <= set(ISSUE_CODES)
    email = issues_of(messy, 1, "email").row(0, named=True)
    assert (email["code"], email["value"], email["result"]) == (
        "fixed", " John.Smith@GMIAL.com ", "john.smith@gmail.com",
    )  # fmt: skip
    assert issues_of(messy, 3, "country")["code"].to_list() == ["inferred"]
    assert "state" in issues_of(messy, 3, "country")["message"][0]
    assert issues_of(messy, 3, "email")["code"].to_list() == ["placeholder"]
    # Every cleaned value that differs from its source has a row saying why.
    data = messy.data
    mapped = cc.map_columns(MESSY).data
    for name in CANONICAL_FIELDS:
        src, out = mapped[name], data[name]
        changed = ~((src.str.strip_chars() == out).fill_null(src.is_null() & out.is_null()))
        changed &= ~(src.is_not_null() & (src.str.strip_chars() == "") & out.is_null())
        rows = data["source_row"].filter(changed).to_list()
        logged = set(messy.issues.filter(pl.col("field") == name)["source_row"].to_list())
        assert set(rows) <= logged, (name, rows)


def test_unresolvable_values_are_emptied_not_guessed(messy):
    r4 = row(messy, 4)
    assert r4["first_name"] is None  # 'n/a'
    assert r4["cell_phone"] is None  # lost digits
    assert r4["dob"] is None  # 1900-01-01 placeholder
    assert r4["gender"] is None
    assert r4["state"] is None  # Ontario is not a US state: conflict, not moved
    assert issues_of(messy, 4, "state")["code"].to_list() == ["conflict"]
    assert issues_of(messy, 4, "dob")["code"].to_list() == ["placeholder"]
    assert row(messy, 5)["dob"] is None  # in the future
    assert issues_of(messy, 5, "dob")["code"].to_list() == ["implausible"]
    assert row(messy, 3)["location_id"] is None
    assert issues_of(messy, 3, "location_id")["code"].to_list() == ["invalid"]


def test_zip_that_contradicts_the_state_is_kept_and_flagged(messy):
    assert issues_of(messy, 4, "zip")["code"].to_list() in (["conflict"], [])
    out = run(pl.DataFrame({"Zip": ["90210"], "State": ["NY"], "Country": ["US"]}))
    assert row(out)["zip"] == "90210"
    assert issues_of(out, 1, "zip")["code"].to_list() == ["conflict"]


def test_other_columns_ride_along_untouched_and_input_is_not_modified(messy):
    before = MESSY.clone()
    run(MESSY)
    assert MESSY.equals(before)
    assert messy.data["Loyalty tier"].to_list() == MESSY["Loyalty tier"].to_list()
    assert messy.data.columns[: 1 + len(CANONICAL_FIELDS)] == ["source_row", *CANONICAL_FIELDS]
    assert messy.data.columns[1 + len(CANONICAL_FIELDS) : 1 + len(CANONICAL_FIELDS) + 6] == list(
        EXTRA_FIELDS
    )


def test_country_inference_needs_agreeing_evidence():
    df = pl.DataFrame(
        {
            "State": ["Ontario", None, None, "CA", "CA", "NW", "ON", "SK", "SN"],
            "Mobile": [None, "+44 7400 123456", None, "+1 312 555 0123", "+44 7400 123456",
                       "0176 93256064", None, "816-4859", None],
            "Zip": [None, None, None, None, None, None, "M5V 2T6", "S4P 3Y2", "1067"],
            "Country": [None] * 9,
        }
    )  # fmt: skip
    out = run(df, region="US")
    assert out.data["country"].to_list() == ["CA", "GB", "US", "US", None, "DE", "CA", "CA", None]
    codes = out.issues.filter(pl.col("field") == "country")
    assert codes["code"].to_list() == [
        "inferred",  # the state is only Canadian
        "inferred",  # the phone's country code
        "inferred",  # nothing else: the run's default region
        "inferred",  # state CA exists in the US and ES…; the phone is American
        "conflict",  # state CA (US, ES…) but a British phone
        "inferred",  # NW names several subdivisions; the phone is valid only in Germany
        "inferred",  # ON names several; the postcode fits only Canada
        "inferred",  # a 7-digit local number (valid in Eritrea by chance) is no evidence: the
        # postcode fits only Canada
        "ambiguous",  # 1067 is Hungarian as written, German with its lost zero: not settled
    ]
    assert "default region" in codes["message"][2]
    assert "postal code" in codes["message"][6]
    none = run(df, region=None)
    assert none.data["country"][2] is None


def test_note_types_resolved_against_the_known_list():
    out = run(pl.DataFrame({"Note Type": [" vip", "Alergy", "Birthday"]}),
              note_types=["General", "VIP", "Allergy"])  # fmt: skip
    assert out.data["note_type"].to_list() == ["VIP", "Allergy", None]
    assert out.issues.filter(pl.col("field") == "note_type")["code"].to_list() == [
        "fixed",
        "fuzzy",
        "invalid",
    ]


def test_extra_date_columns():
    out = run(pl.DataFrame({"Joined": ["17.05.2019", "01.02.2020"], "DOB": ["1980-01-01", None]}),
              dates=["Joined"])  # fmt: skip
    assert out.data["Joined"].to_list() == ["2019-05-17", "2020-02-01"]
    with pytest.raises(cc.MappingError, match="Nope"):
        run(pl.DataFrame({"DOB": ["1980-01-01"]}), dates=["Nope"])


def test_namespace_matches_clean():
    df = pl.DataFrame({"m": ["(312) 555-0123", "bad"], "e": [" A@B.COM", None]})
    out = df.select(
        pl.col("m").custclean.phone(region="US"),
        pl.col("e").custclean.email(),
    )
    assert out.rows() == [("+13125550123", "a@b.com"), (None, None)]
    assert pl.Series(["Bayern"]).custclean.state(country="DE").to_list() == ["BY"]
    assert pl.Series(["17 mai 1980"]).custclean.date().to_list() == ["1980-05-17"]


@pytest.fixture(scope="module")
def demo_run():
    data = demo.generate(4000, seed=21)
    mapped = cc.map_columns(data.messy)
    known = sorted(set(data.truth["note_type"].drop_nulls().to_list()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cc.clean(mapped, region="US", note_types=known, today=TODAY, parallel=False)
    return data, mapped, result


def test_accuracy_on_demo_data(demo_run):
    data, mapped, result = demo_run
    scores = cleaning_accuracy(result, data.truth, mapped.data)
    low = scores.filter(pl.col("accuracy") < 0.99)
    detail = {
        f: cleaning_errors(result, data.truth, mapped.data, f).head(5).rows() for f in low["field"]
    }
    assert low.height == 0, detail
    assert scores["invented"].sum() == 0
    assert scores["inferred_wrong"].sum() == 0


def test_no_row_lost_and_order_kept(demo_run):
    data, _, result = demo_run
    assert result.data.height == data.messy.height
    assert result.data["source_row"].to_list() == list(range(1, data.messy.height + 1))


def test_clean_is_idempotent_on_demo_data(demo_run):
    _, _, first = demo_run
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        second = cc.clean(
            first.data,
            region="US",
            today=TODAY,
            parallel=False,
            note_types=sorted(set(first.data["note_type"].drop_nulls())),
        )
    assert second.data.select(first.data.columns).equals(first.data)
    # Nothing changes the second time; only flags on values kept as they are may repeat
    # (a cell phone that is a fixed line, a ZIP that contradicts its state).
    changed = second.issues.filter(
        pl.col("source_row").is_not_null() & ~(pl.col("value").eq_missing(pl.col("result")))
    )
    assert changed.height == 0, changed.head()
    assert set(second.issues["code"].unique()) <= {"conflict", "ambiguous", "unmapped"}


def test_summary_counts(demo_run):
    _, _, result = demo_run
    summary = result.summary()
    assert summary["field"].to_list() == list(CANONICAL_FIELDS)
    email = summary.filter(pl.col("field") == "email").row(0, named=True)
    assert email["rows"] == result.data.height
    assert email["fixed"] > 0 and email["rejected"] > 0
    assert email["empty"] == result.data["email"].null_count()


cell_text = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["", " ", "N/A", "0", "1.0", "3.12555E+09", "USA", "CA", "x" * 500]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_input_crashes_clean_and_no_row_is_lost(data):
    n = data.draw(st.integers(min_value=0, max_value=6))
    cols = ["Email", "Mobile", "DOB", "Sex", "Zip", "State", "Country", "Name", "Store", "Notes"]
    df = pl.DataFrame(
        {c: data.draw(st.lists(cell_text, min_size=n, max_size=n)) for c in cols},
        schema={c: pl.String for c in cols},
    )
    out = run(df, region=data.draw(st.sampled_from(["US", "GB", None])))
    assert out.data.height == n
    assert out.data["source_row"].to_list() == list(range(1, n + 1))
    assert set(out.issues["code"].unique()) <= set(ISSUE_CODES)


def test_a_worker_pool_that_cannot_start_falls_back_with_a_warning(monkeypatch):
    from custclean.normalize import _core

    class Broken:
        def __init__(self, *args, **kwargs):
            raise OSError("no processes here")

    monkeypatch.setattr(_core, "ProcessPoolExecutor", Broken)
    monkeypatch.setattr(_core, "PARALLEL_MIN", 1)
    monkeypatch.setattr(_core.os, "cpu_count", lambda: 2)
    with pytest.warns(RuntimeWarning, match="working in one process"):
        out = _core.map_unique(lambda v: (v.upper(), None, None), pl.Series(["a", "b"]),
                               parallel=True)  # fmt: skip
    assert out.value.to_list() == ["A", "B"]


COUNTRIES = ["DE", "ID", "NG", "CH", "HU"]


def _settled(phones: pl.DataFrame, zips: pl.DataFrame, rows: list[int]) -> dict[int, object]:
    """The settling rule of _settle_by_evidence: the one country the evidence narrows to."""
    by_phone = dict(phones.rows())
    by_zip = dict(zips.rows())
    out: dict[int, object] = {}
    for row in rows:
        p, z = by_phone.get(row), by_zip.get(row)
        support = z if p is None else p if z is None else sorted(set(p) & set(z))
        out[row] = support[0] if support is not None and len(support) == 1 else None
    return out


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sets(st.sampled_from(COUNTRIES), min_size=2),  # the state's candidates
            st.lists(st.one_of(st.none(), st.sampled_from("abc")), min_size=2, max_size=2),
            st.one_of(st.none(), st.sets(st.sampled_from(COUNTRIES), min_size=1)),  # zip fits
        ),
        min_size=1,
        max_size=12,
    ),
    st.sets(st.tuples(st.sampled_from("abc"), st.sampled_from(COUNTRIES))),
)
def test_phones_tried_where_they_matter_settle_as_trying_all(rows, fits):
    frame = pl.DataFrame(
        {
            "row": list(range(len(rows))),
            "cand": [",".join(sorted(c)) for c, _, _ in rows],
            "p0": [p[0] for _, p, _ in rows],
            "p1": [p[1] for _, p, _ in rows],
        },
        schema={"row": pl.Int64, "cand": pl.String, "p0": pl.String, "p1": pl.String},
    )
    zips = pl.DataFrame(
        {
            "row": [i for i, (c, _, z) in enumerate(rows) if z and z & c],
            "support": [sorted(z & c) for c, _, z in rows if z and z & c],
        },
        schema={"row": pl.Int64, "support": pl.List(pl.String)},
    )
    reads: list[int] = []

    def ok(values: pl.Series, countries: pl.Series) -> pl.Series:
        reads.append(values.len())
        return pl.Series([(v, c) in fits for v, c in zip(values, countries, strict=True)])

    every = _supported(frame, ["p0", "p1"], ok)
    tried_all = sum(reads)
    needed = _phone_support(frame, zips, ok)
    assert _settled(needed, zips, frame["row"].to_list()) == _settled(
        every, zips, frame["row"].to_list()
    )
    assert sum(reads) - tried_all <= tried_all  # never more reads than trying every candidate


def test_the_helper_thread_is_helped_and_hands_back_answers_and_errors():
    helper = _Helper()
    gate, started = threading.Event(), threading.Event()
    ran: dict[str, str] = {}

    def work(name: str, wait: bool = False):
        def run():
            if wait:
                started.set()
                gate.wait(5)
            ran[name] = threading.current_thread().name
            if name == "bad":
                raise ValueError("bad value")
            return name.upper()

        return run

    try:
        busy = helper.submit(work("busy", wait=True))  # holds the second thread
        assert started.wait(5)
        queued = [helper.submit(work(name)) for name in ("a", "b", "bad")]
        urgent = helper.submit(work("first"), first=True)
        # waiting for "a": this thread takes it back itself, as the second thread is busy
        assert helper.result(queued[0]) == "A"
        assert ran["a"] == threading.current_thread().name
        with pytest.raises(ValueError, match="bad value"):
            helper.result(queued[2])
        gate.set()
        assert helper.result(busy) == "BUSY"
        assert helper.result(urgent) == "FIRST"
        assert helper.result(queued[1]) == "B"
    finally:
        gate.set()
        helper.shutdown()
    assert ran["busy"] == "custclean-clean"


def test_the_helper_runs_a_task_put_first_before_the_others():
    helper = _Helper()
    gate = threading.Event()
    order: list[str] = []
    started = threading.Event()
    try:
        helper.submit(lambda: (started.set(), gate.wait(5)))
        assert started.wait(5)
        tasks = [helper.submit(lambda n=n: order.append(n)) for n in ("x", "y")]
        first = helper.submit(lambda: order.append("first"), first=True)
        gate.set()
        for task in (*tasks, first):
            task.done.wait(5)
    finally:
        gate.set()
        helper.shutdown()
    assert order == ["first", "x", "y"]
