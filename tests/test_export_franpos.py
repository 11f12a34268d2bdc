"""Franpos export: the CustomersModel body, its options, and the pre-flight simulation."""

from __future__ import annotations

import polars as pl
import pytest

from custclean.errors import CustcleanError
from custclean.exporting import export
from custclean.targets import franpos as target


def frame(**columns: list) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    data = {"source_row": list(range(1, n + 1))} | columns
    return pl.DataFrame(data, schema_overrides={k: pl.String for k in columns})


def customers(ex) -> list[dict]:
    return [c for body in ex.batches for c in body["Customers"]]


def outcomes(sim) -> list[tuple]:
    return sim.table.select("source_row", "outcome", "existing_id").rows()


# ------------------------------------------------------------------------------------ body
def test_body_is_the_seeds_customers_model_in_order():
    ex = export(
        frame(
            first_name=["Zoë"],
            last_name=["O'Brien"],
            email=["zoe@x.ie"],
            cell_phone=["+353861234567"],
            dob=["1990-02-01"],
            gender=["female"],
            customer_code=["C1"],
            address1=["1 Main St"],
            city=["Cork"],
            zip=["T12 X2Y3"],
            country=["IE"],
            state=["CO"],
            notes=['Said "hi"'],
            location_id=["4"],
        ),
        "franpos",
        require_dob=True,
    )
    body = ex.batches[0]
    assert list(body) == [*target.FLAGS, "Customers"]
    assert body["RequireDob"] is True and body["RequireGender"] is False
    record = body["Customers"][0]
    order = list(target.CUSTOMER_FIELDS)
    assert list(record) == sorted(record, key=order.index)
    assert record == {
        "LocationId": 4,
        "FirstName": "Zoë",
        "LastName": "O'Brien",
        "Email": "zoe@x.ie",
        "CellPhone": "+353861234567",
        "Dob": "1990-02-01",
        "Gender": 2,
        "CustomerCode": "C1",
        "Address": "1 Main St",
        "City": "Cork",
        "Zip": "T12 X2Y3",
        "Country": "IE",
        "State": "CO",
        "Notes": 'Said "hi"',
    }
    assert ex.validate() == []


def test_missing_values_are_omitted_never_null():
    ex = export(frame(email=["a@x.com", None], last_name=[None, "Ng"]), "franpos")
    assert customers(ex) == [{"Email": "a@x.com"}, {"LastName": "Ng"}]
    assert all(v is not None for c in customers(ex) for v in c.values())


def test_gender_map_default_custom_and_empty_gender_not_sent():
    rows = frame(email=["a@x", "b@x", "c@x"], gender=["male", "female", None])
    assert [c.get("Gender") for c in customers(export(rows, "franpos"))] == [1, 2, None]
    custom = export(rows, "franpos", gender_map={"male": 10, "female": 20, "unknown": 0})
    assert [c.get("Gender") for c in customers(custom)] == [10, 20, None]
    assert custom.options["gender_map"] == {"female": 20, "male": 10, "unknown": 0}


def test_unmapped_gender_is_flagged_and_not_sent():
    ex = export(frame(email=["a@x"], gender=["diverse"]), "franpos")
    assert "Gender" not in customers(ex)[0]
    assert ex.issues.filter(pl.col("field") == "gender")["code"].to_list() == ["invalid"]


@pytest.mark.parametrize(
    "bad", [{"male": 1}, {"male": "1", "female": 2}, ["male"], {"male": True, "female": 2}]
)
def test_bad_gender_map_is_refused(bad):
    with pytest.raises(CustcleanError, match="gender_map"):
        export(frame(email=["a@x"]), "franpos", gender_map=bad)


def test_country_and_state_as_code_or_name():
    rows = frame(country=["DE", "US", "GB"], state=["BY", "GA", "NIR"], city=["a", "b", "c"])
    codes = customers(export(rows, "franpos"))
    assert [(c["Country"], c["State"]) for c in codes] == [
        ("DE", "BY"),
        ("US", "GA"),
        ("GB", "NIR"),
    ]
    names = customers(export(rows, "franpos", country_format="name", state_format="name"))
    assert [(c["Country"], c["State"]) for c in names] == [
        ("Germany", "Bayern"),
        ("United States", "Georgia"),
        ("United Kingdom", "Northern Ireland"),
    ]


def test_unresolvable_country_is_not_sent_and_flagged():
    ex = export(frame(country=["Atlantis"], city=["x"]), "franpos")
    assert "Country" not in customers(ex)[0]
    assert ex.issues.filter(pl.col("field") == "country")["value"].to_list() == ["Atlantis"]


@pytest.mark.parametrize(
    ("fmt", "cell", "work"),
    [
        ("e164", "+13125550123", "+17735550199 x45"),
        ("national", "(312) 555-0123", "(773) 555-0199 x45"),
        ("digits", "3125550123", "7735550199 x45"),
    ],
)
def test_phone_formats_with_the_work_extension_appended(fmt, cell, work):
    rows = frame(cell_phone=["+13125550123"], work_phone=["+17735550199"], work_phone_ext=["45"])
    record = customers(export(rows, "franpos", phone_format=fmt))[0]
    assert (record["CellPhone"], record["WorkPhone"]) == (cell, work)


def test_extensions_dropped_on_request_and_never_on_the_cell():
    rows = frame(
        cell_phone=["+13125550123"],
        cell_phone_ext=["9"],
        work_phone=["+17735550199"],
        work_phone_ext=["45"],
    )
    ex = export(rows, "franpos", phone_extension="drop")
    assert customers(ex)[0]["WorkPhone"] == "+17735550199"
    assert customers(ex)[0]["CellPhone"] == "+13125550123"
    assert ex.issues.filter(pl.col("field") == "cell_phone_ext").height == 1


def test_a_phone_not_in_e164_is_sent_as_given_and_flagged():
    ex = export(frame(cell_phone=["call after 5"]), "franpos")
    assert customers(ex)[0]["CellPhone"] == "call after 5"
    assert ex.issues.filter(pl.col("field") == "cell_phone")["code"].to_list() == ["invalid"]


def test_location_id_from_column_option_and_bad_values_rejected():
    rows = frame(email=["a@x", "b@x", "c@x", "d@x"], location_id=["3", None, "three", "2.5"])
    ex = export(rows, "franpos", location_id=9)
    assert [c["LocationId"] for c in customers(ex)] == [3, 9]
    assert ex.rejected.select("source_row", "field").rows() == [
        (3, "location_id"),
        (4, "location_id"),
    ]
    assert "'three' is not an integer" in ex.rejected["reason"][0]
    with pytest.raises(CustcleanError, match="location_id"):
        export(rows, "franpos", location_id="nine")


def test_note_types_checked_case_insensitively_unknown_dropped_or_rejected():
    rows = frame(note_type=["vip", "General", "Birthday"], notes=["a", "b", "c"])
    ex = export(rows, "franpos", note_types=["General", "VIP"])
    assert [c.get("NoteType") for c in customers(ex)] == ["VIP", "General", None]
    assert [c["Notes"] for c in customers(ex)] == ["a", "b", "c"]
    flagged = ex.issues.filter(pl.col("field") == "note_type")
    assert flagged.select("source_row", "code", "value").rows() == [(3, "invalid", "Birthday")]
    rejecting = export(rows, "franpos", note_types=["General", "VIP"], unknown_note_type="reject")
    assert rejecting.rejected["source_row"].to_list() == [3]
    assert rejecting.preview["source_row"].to_list() == [1, 2]


def test_without_known_note_types_values_pass_unchecked():
    ex = export(frame(note_type=["Whatever"]), "franpos")
    assert customers(ex)[0]["NoteType"] == "Whatever"
    assert ex.issues.height == 0


def test_over_long_values_are_flagged_or_rejected():
    limit = target_limit = 50
    rows = frame(first_name=["A" * (limit + 1), "Ann"], email=["a@x", "b@x"])
    ex = export(rows, "franpos")
    assert ex.preview.height == 2
    flagged = ex.issues.filter(pl.col("code") == "implausible")
    assert flagged.select("source_row", "field").rows() == [(1, "first_name")]
    assert f"limit of {target_limit}" in flagged["message"][0]
    strict = export(rows, "franpos", too_long="reject")
    assert strict.rejected["source_row"].to_list() == [1]


def test_extra_fields_from_named_columns():
    rows = frame(email=["a@x", "b@x"], pts=["12.5", "lots"], lead=["7", None])
    ex = export(rows, "franpos", extra_fields={"pts": "RewardPoints", "lead": "LeadSourceId"})
    assert customers(ex) == [
        {"Email": "a@x", "RewardPoints": 12.5, "LeadSourceId": 7},
        {"Email": "b@x"},
    ]
    assert ex.issues.filter(pl.col("field") == "pts").height == 1
    assert ex.validate() == []
    with pytest.raises(CustcleanError, match="Balance"):
        export(rows, "franpos", extra_fields={"pts": "Points"})
    with pytest.raises(CustcleanError, match="nope"):
        export(rows, "franpos", extra_fields={"nope": "Balance"})


def test_a_record_with_nothing_to_send_is_rejected():
    ex = export(frame(email=[None, "a@x"], location_id=["1", "1"]), "franpos")
    assert ex.rejected.select("source_row", "field").rows() == [(1, "*")]


def test_batch_size_default_and_option():
    rows = frame(email=[f"p{i}@x.com" for i in range(250)])
    assert [len(b["Customers"]) for b in export(rows, "franpos").batches] == [100, 100, 50]
    assert [len(b["Customers"]) for b in export(rows, "franpos", batch_size=250).batches] == [250]
    with pytest.raises(CustcleanError, match="batch_size"):
        export(rows, "franpos", batch_size=0)


# ------------------------------------------------------------------------------ simulation
EXISTING = pl.DataFrame(
    {
        "existing_id": ["100", "200", "300"],
        "email": ["ann@x.com", "Bob@Y.org", None],
        "customer_code": ["C100", None, "C300"],
        "cell_phone": [None, None, "(312) 555-0123"],
    }
)


def test_seed_rule_email_or_code_or_cell_updates_otherwise_added():
    # "Search customer by Email or Customer Code or Cell Phone and update if found,
    # otherwise add new."
    rows = frame(
        email=["ann@x.com", None, None, "new@x.com"],
        customer_code=[None, "C300", None, None],
        cell_phone=[None, None, "+13125550123", None],
    )
    sim = export(rows, "franpos", phone_format="national").simulate(EXISTING)
    assert outcomes(sim) == [
        (1, "Updated", "100"),
        (2, "Updated", "300"),
        (3, "Updated", "300"),
        (4, "Added", None),
    ]
    assert sim.counts().rows() == [("Added", 1), ("Updated", 3), ("Error", 0)]


def test_a_record_whose_only_key_is_a_phone_in_another_format_would_be_duplicated():
    rows = frame(cell_phone=["+13125550123"], first_name=["Al"])
    sim = export(rows, "franpos").simulate(EXISTING)  # e164 against a stored "(312) 555-0123"
    (row,) = sim.table.to_dicts()
    assert row["outcome"] == "Added"
    assert "stored as '(312) 555-0123' on existing customer 300" in row["reason"]
    assert "duplicate" in row["reason"]
    matched = export(rows, "franpos", phone_format="national").simulate(EXISTING)
    assert outcomes(matched) == [(1, "Updated", "300")]


def test_an_email_stored_in_another_case_is_reported():
    sim = export(frame(email=["bob@y.org"]), "franpos").simulate(EXISTING)
    (row,) = sim.table.to_dicts()
    assert row["outcome"] == "Added" and "'Bob@Y.org'" in row["reason"]


def test_two_records_with_one_email_the_second_overwrites_the_first():
    rows = frame(email=["same@x.com", "same@x.com", "ann@x.com", "ann@x.com"])
    sim = export(rows, "franpos", batch_size=2).simulate(EXISTING)
    assert outcomes(sim) == [
        (1, "Added", None),
        (2, "Updated", None),
        (3, "Updated", "100"),
        (4, "Updated", "100"),
    ]
    reasons = sim.table["reason"].to_list()
    assert reasons[0] is None
    assert "source row 1" in reasons[1] and "overwrites" in reasons[1]
    assert "source row 3" in reasons[3] and "overwrites" in reasons[3]


def test_records_chained_through_different_keys_hit_one_customer():
    rows = frame(
        email=["a@x.com", "a@x.com", None], cell_phone=[None, "+13125550100", "+13125550100"]
    )
    sim = export(rows, "franpos").simulate()
    assert [o for _, o, _ in outcomes(sim)] == ["Added", "Updated", "Updated"]
    assert "CellPhone" in sim.table["reason"][2]


@pytest.mark.parametrize(
    ("option", "columns", "reason"),
    [
        ("require_dob", {"email": ["n@x"], "dob": [None]}, "RequireDob: no Dob"),
        (
            "require_country",
            {"email": ["n@x"], "country": ["Atlantis"]},
            "RequireCountry: Country 'Atlantis' cannot be resolved",
        ),
        ("require_state", {"email": ["n@x"]}, "RequireState: no State"),
        ("require_gender", {"email": ["n@x"], "gender": [None]}, "RequireGender: no Gender"),
        (
            "require_note",
            {"email": ["n@x"], "note_type": ["Birthday"]},
            "RequireNote: NoteType 'Birthday' cannot be resolved",
        ),
    ],
)
def test_require_flags_make_an_add_an_error(option, columns, reason):
    ex = export(frame(**columns), "franpos", note_types=["General"], **{option: True})
    (row,) = ex.simulate().table.to_dicts()
    assert row["outcome"] == "Error"
    assert row["reason"].startswith(reason)
    flag = {v: k for k, v in target.FLAGS.items()}[option]
    assert ex.batches[0][flag] is True


def test_require_flags_apply_to_adding_only():
    # "For adding only (not for update)"
    rows = frame(email=["ann@x.com", "new@x.com"])
    sim = export(rows, "franpos", require_dob=True, require_gender=True).simulate(EXISTING)
    assert outcomes(sim) == [(1, "Updated", "100"), (2, "Error", None)]


def test_a_failed_add_does_not_capture_a_later_record():
    rows = frame(email=["n@x.com", "n@x.com"], dob=[None, "1990-01-01"])
    sim = export(rows, "franpos", require_dob=True).simulate()
    assert [o for _, o, _ in outcomes(sim)] == ["Error", "Added"]


def test_keys_pointing_to_different_customers_are_reported():
    rows = frame(email=["ann@x.com"], customer_code=["C300"])
    (row,) = export(rows, "franpos").simulate(EXISTING).table.to_dicts()
    assert (row["outcome"], row["existing_id"]) == ("Updated", "100")
    assert "different customers" in row["reason"]


def test_rejected_records_appear_in_the_simulation_as_errors():
    rows = frame(email=["a@x", "b@x"], location_id=["1", "x"])
    table = export(rows, "franpos").simulate().table
    assert table.select("source_row", "outcome", "batch").rows() == [
        (1, "Added", 1),
        (2, "Error", None),
    ]
    assert table["reason"][1].startswith("not sent: LocationId")


def test_existing_needs_an_existing_id():
    with pytest.raises(CustcleanError, match="existing_id"):
        export(frame(email=["a@x"]), "franpos").simulate(pl.DataFrame({"email": ["a@x"]}))


def test_simulation_on_demo_data_accounts_for_every_record():
    from custclean import clean, map_columns
    from custclean.demo import generate

    d = generate(200, seed=3)
    cleaned = clean(map_columns(d.messy))
    ex = export(cleaned, "franpos", batch_size=50)
    sim = ex.simulate(d.existing)
    assert sim.table["source_row"].to_list() == sorted(cleaned.data["source_row"].to_list())
    assert sim.counts()["count"].sum() == 200
    assert sim.counts().filter(pl.col("outcome") == "Updated")["count"][0] > 0
    assert ex.validate() == []
