"""What both targets share: inputs, options, batches, files, the manifest and invariants."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custclean.cleaning import CleanResult
from custclean.errors import CustcleanError
from custclean.exporting import Export, Simulation, export
from custclean.issues import ISSUE_SCHEMA

TEXT_FIELDS = (
    "customer_code",
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "zip",
    "notes",
    "note_type",
)
NASTY = 'Zoë "Zed" O\'Brien — 東京 \\ \t 😀 ‘x’'


def people(n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_row": list(range(1, n + 1)),
            "customer_code": [f"C{i:05d}" for i in range(n)],
            "first_name": [f"Ann{i}" for i in range(n)],
            "email": [f"p{i}@x.com" for i in range(n)],
        },
        schema={
            "source_row": pl.Int64,
            "customer_code": pl.String,
            "first_name": pl.String,
            "email": pl.String,
        },
    )


@dataclass(frozen=True)
class MergeStandIn:
    """What merge() returns, as far as export reads it (contract D)."""

    data: pl.DataFrame


# ------------------------------------------------------------------------------ inputs
def test_accepts_clean_result_merge_result_polars_and_pandas():
    base = people(2)
    clean = CleanResult(data=base, issues=pl.DataFrame(schema=ISSUE_SCHEMA))
    merged = MergeStandIn(
        base.with_columns(
            pl.Series("cluster_id", ["k1", "k2"]),
            pl.Series("source_rows", [[1, 5], [2]], dtype=pl.List(pl.Int64)),
        )
    )
    for source in (base, clean, merged, base.to_pandas()):
        ex = export(source, "franpos")
        assert ex.preview["source_row"].to_list() == [1, 2]
    assert export(merged, "wasp").preview["source_rows"].to_list() == [[1, 5], [2]]
    assert export(base, "wasp").preview["source_rows"].to_list() == [[1], [2]]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (pl.DataFrame({"email": ["a@x"]}), "no source_row"),
        (pl.DataFrame({"source_row": [1, 1], "email": ["a@x", "b@x"]}), "more than once"),
        (pl.DataFrame({"source_row": ["1", "x"], "email": ["a@x", "b@x"]}), "non-integer"),
        ([{"email": "a@x"}], "cannot export a list"),
    ],
)
def test_bad_input_is_a_clear_error(source, message):
    with pytest.raises(CustcleanError, match=message):
        export(source, "franpos")


def test_unknown_target_and_options_name_the_choices():
    with pytest.raises(CustcleanError, match=r"(?i)use one of: franpos, wasp"):
        export(people(1), "shopify")
    with pytest.raises(CustcleanError, match=r"unknown option 'batchsize'.*batch_size"):
        export(people(1), "franpos", batchsize=10)
    with pytest.raises(CustcleanError, match="'code', 'name'"):
        export(people(1), "wasp", country_format="iso")
    with pytest.raises(CustcleanError, match="True or False"):
        export(people(1), "franpos", require_dob=1)


@pytest.mark.parametrize("target", ["franpos", "wasp"])
def test_resolved_options_are_json_and_replay_the_run(target):
    ex = export(people(30), target, batch_size=7, phone_format="digits")
    assert json.loads(json.dumps(ex.options)) == ex.options
    assert ex.options["batch_size"] == 7
    again = export(people(30), target, **ex.options)
    assert again.batches == ex.batches and again.options == ex.options


# ------------------------------------------------------------------------- record counts
@pytest.mark.parametrize("target", ["franpos", "wasp"])
@pytest.mark.parametrize("n", [0, 1, 500, 501, 1000])
def test_record_counts(target, n, tmp_path):
    ex = export(people(n), target, batch_size=500)
    sizes = [len(b["Customers" if target == "franpos" else "Data"]) for b in ex.batches]
    assert sum(sizes) == n and all(s <= 500 for s in sizes)
    assert len(sizes) == -(-n // 500)
    assert ex.preview.height == n and ex.rejected.height == 0
    assert ex.validate() == []
    manifest = json.loads(ex.write(tmp_path).read_text(encoding="utf-8"))
    assert manifest["counts"]["customers"] == n
    assert [f["records"] for f in manifest["files"]] == sizes
    assert ex.simulate().counts()["count"].sum() == n


# -------------------------------------------------------------------------- Unicode, quotes
SENT_AS = {
    "franpos": {
        "customer_code": "CustomerCode",
        "first_name": "FirstName",
        "last_name": "LastName",
        "address1": "Address",
        "address2": "Address2",
        "city": "City",
        "zip": "Zip",
        "notes": "Notes",
        "note_type": "NoteType",
        "email": "Email",
    },
    "wasp": {
        "customer_code": "CustomerNumber",
        "first_name": "CustomerFirstName",
        "last_name": "CustomerLastName",
        "company": "CustomerCompanyName",
        "email": "CustomerEmail",
    },
}


@pytest.mark.parametrize("target", ["franpos", "wasp"])
def test_unicode_and_quotes_in_every_text_field_survive_the_files(target, tmp_path):
    rows = pl.DataFrame({"source_row": [1], **{f: [f"{f} {NASTY}"] for f in TEXT_FIELDS}})
    rows = rows.with_columns(email=pl.lit(f"email {NASTY}"))
    options = {"custom_fields": {"notes": "Note copy"}} if target == "wasp" else {}
    ex = export(rows, target, **options)
    ex.write(tmp_path)
    raw = (tmp_path / f"{target}-customers-0001.json").read_bytes()
    assert "東京".encode() in raw and b"\\u" not in raw  # UTF-8, not \u-escaped
    body = json.loads(raw.decode("utf-8"))
    assert body == ex.batches[0]
    (record,) = body["Customers" if target == "franpos" else "Data"]
    for field, api in SENT_AS[target].items():
        assert record[api] == f"{field} {NASTY}"
    if target == "wasp":
        assert record["CustomerNote"] == f"note_type {NASTY}: notes {NASTY}"
        assert record["CustomFields"][0]["DcfTextValue"] == f"notes {NASTY}"
        address = json.loads((tmp_path / "wasp-addresses-0001.json").read_text(encoding="utf-8"))
        for field, api in [
            ("address1", "AddressLine1"),
            ("address2", "AddressLine2"),
            ("city", "AddressCity"),
            ("zip", "AddressPostalCode"),
        ]:
            assert address["Data"][0][api] == f"{field} {NASTY}"


# ---------------------------------------------------------------------------- files
def test_write_files_manifest_and_byte_identical_rerun(tmp_path):
    rows = people(250).with_columns(
        pl.Series("source_rows", [[i, i + 1000] for i in range(1, 251)], dtype=pl.List(pl.Int64))
    )
    ex = export(MergeStandIn(rows), "franpos", batch_size=100)
    first = tmp_path / "a"
    second = tmp_path / "b"
    ex.write(first)
    export(MergeStandIn(rows), "franpos", batch_size=100).write(second)
    names = sorted(p.name for p in first.iterdir())
    assert names == [
        "franpos-customers-0001.json",
        "franpos-customers-0002.json",
        "franpos-customers-0003.json",
        "manifest.json",
    ]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes()
        assert (first / name).read_bytes().endswith(b"}\n")
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest) == ["target", "options", "counts", "files", "rejected"]
    assert manifest["target"] == "franpos" and manifest["options"] == ex.options
    one = manifest["files"][0]
    assert one["file"] == "franpos-customers-0001.json" and one["records"] == 100
    assert one["record_rows"] == list(range(1, 101))
    assert one["source_rows"] == sorted(list(range(1, 101)) + list(range(1001, 1101)))
    digest = hashlib.sha256((first / one["file"]).read_bytes()).hexdigest()
    assert one["sha256"] == digest
    text = (first / "franpos-customers-0001.json").read_text(encoding="utf-8")
    assert text.startswith('{\n  "RequireCountry": false,')


def test_write_removes_stale_batch_files_only(tmp_path):
    export(people(30), "wasp", batch_size=10).write(tmp_path)
    (tmp_path / "wasp-customers-0003.response.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    export(people(5), "wasp", batch_size=10).write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "manifest.json",
        "notes.txt",
        "wasp-customers-0001.json",
        "wasp-customers-0003.response.json",
    ]


def test_write_refuses_an_invalid_body_and_writes_nothing(tmp_path):
    ex = export(people(2), "franpos")
    ex.batches[0]["Customers"][0]["Mobile"] = "555"
    ex.batches[0]["Customers"][1]["Dob"] = "01/02/1990"
    problems = ex.validate()
    assert len(problems) == 2
    assert problems[0].startswith("franpos-customers-0001.json: Customers/0")
    with pytest.raises(CustcleanError, match="2 schema problem"):
        ex.write(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_manifest_lists_rejections_and_addresses(tmp_path):
    rows = pl.DataFrame(
        {
            "source_row": [1, 2],
            "customer_code": ["A", None],
            "email": ["a@x", "b@x"],
            "city": ["Cork", "Derry"],
        }
    )
    ex = export(rows, "wasp")
    manifest = json.loads(ex.write(tmp_path).read_text(encoding="utf-8"))
    assert manifest["counts"]["rejected"] == 1
    assert manifest["rejected"][0]["source_row"] == 2
    assert [f["file"] for f in manifest["files"]] == [
        "wasp-customers-0001.json",
        "wasp-addresses-0001.json",
    ]
    assert manifest["files"][1]["record_rows"] == [1]


# ---------------------------------------------------------------------------- subset, display
@pytest.mark.parametrize("target", ["franpos", "wasp"])
def test_subset_rebuilds_only_the_given_records(target):
    rows = people(12).with_columns(
        pl.Series("source_rows", [[i] for i in range(1, 12)] + [[12, 40]], dtype=pl.List(pl.Int64))
    )
    ex = export(MergeStandIn(rows), target, batch_size=5)
    retry = ex.subset([3, 11, 40])
    assert retry.preview["source_row"].to_list() == [3, 11, 12]
    assert retry.options == ex.options and retry.target == target
    assert retry.preview["batch"].to_list() == [1, 1, 1]
    assert ex.subset([]).batches == []


def test_reprs_are_short_and_html_escaped():
    rows = pl.DataFrame({"source_row": [1, 2], "email": ["a@x", None], "location_id": ["1", "<b>"]})
    ex = export(rows, "franpos")
    assert repr(ex).startswith("Export(target='franpos', records=2, customers=1")
    page = ex._repr_html_()
    assert "&lt;b&gt;" in page and "<b>" not in page
    sim = ex.simulate()
    assert isinstance(sim, Simulation)
    assert repr(sim) == "Simulation(target='franpos', Added=1, Updated=0, Error=1)"
    assert "&lt;b&gt;" in sim._repr_html_()


def test_export_is_frozen():
    ex = export(people(1), "franpos")
    assert isinstance(ex, Export)
    with pytest.raises(AttributeError):
        ex.target = "wasp"  # type: ignore[misc]


# ---------------------------------------------------------------------------- invariants
_values = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["", " ", "x" * 120]))


@st.composite
def record_frames(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(0, 20))
    rows = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    columns = {
        "source_row": rows,
        "customer_code": [
            draw(st.one_of(st.none(), st.sampled_from(["A", "B", "c"]))) for _ in rows
        ],
        "email": [
            draw(st.one_of(st.none(), st.sampled_from(["a@x.com", "b@x.com"]))) for _ in rows
        ],
        "cell_phone": [draw(st.one_of(st.none(), st.just("+13125550123"), _values)) for _ in rows],
        "first_name": [draw(_values) for _ in rows],
        "dob": [draw(st.one_of(st.none(), st.just("1990-01-02"), _values)) for _ in rows],
        "gender": [draw(st.sampled_from([None, "male", "female", "x"])) for _ in rows],
        "country": [draw(st.sampled_from([None, "US", "DE", "Narnia"])) for _ in rows],
        "location_id": [draw(st.sampled_from([None, "1", "2", "x"])) for _ in rows],
        "city": [draw(_values) for _ in rows],
    }
    schema = {k: pl.String for k in columns} | {"source_row": pl.Int64}
    return pl.DataFrame(columns, schema=schema)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=record_frames(),
    target=st.sampled_from(["franpos", "wasp"]),
    size=st.integers(1, 7),
    flags=st.booleans(),
)
def test_every_record_is_sent_once_or_rejected_and_every_body_validates(rows, target, size, flags):
    options = {"batch_size": size}
    if target == "wasp":
        options["autogenerate_customer_number"] = flags
    else:
        options["require_dob"] = flags
    ex = export(rows, target, **options)
    sent = ex.preview["source_row"].to_list()
    rejected = ex.rejected["source_row"].to_list()
    assert sorted(sent + rejected) == sorted(rows["source_row"].to_list())
    assert not set(sent) & set(rejected)
    assert ex.validate() == []
    key = "Customers" if target == "franpos" else "Data"
    assert all(1 <= len(b[key]) <= size for b in ex.batches)
    assert sum(len(b[key]) for b in ex.batches) == len(sent)
    # the preview points at the body entry of each record
    for batch, position, source_row in ex.preview.select("batch", "position", "source_row").rows():
        entry = ex.batches[batch - 1][key][position]
        if target == "wasp":
            assert entry["ImportRowNumber"] == source_row
    assert all(v is not None for b in ex.batches for r in b[key] for v in r.values())
    table = ex.simulate().table
    assert sorted(table["source_row"].to_list()) == sorted(rows["source_row"].to_list())
