from __future__ import annotations

import polars as pl
import pytest

import custclean as cc
from custclean.demo import generate
from custclean.errors import InputError
from custclean.link import find_duplicates
from custclean.link.existing import VERDICTS, load_existing


@pytest.fixture(scope="module")
def demo():
    d = generate(1000, seed=31)
    cleaned = cc.clean(cc.map_columns(d.messy))
    res = find_duplicates(cleaned, existing=d.existing, target="franpos")
    return d, cleaned, res


def test_every_incoming_record_gets_a_verdict(demo):
    _, cleaned, res = demo
    links = res.existing_links
    assert links.columns == [
        "source_row",
        "existing_id_fuzzy",
        "probability",
        "existing_id_server",
        "server_key",
        "verdict",
        "message",
    ]
    assert links["source_row"].to_list() == sorted(cleaned.data["source_row"])
    assert set(links["verdict"]) <= set(VERDICTS)
    assert links["message"].null_count() == 0
    assert links["existing_id_fuzzy"].dtype == pl.String
    # records and existing customers are kept apart: no negative rows in the outputs
    assert res.pairs["source_row_l"].min() > 0
    assert res.clusters["source_row"].min() > 0


def test_fuzzy_links_find_the_existing_customer(demo):
    d, _, res = demo
    owner = d.existing.select(pl.col("existing_id").cast(pl.String), pl.col("entity_id"))
    truth = d.truth.select("source_row", "entity_id").join(owner, on="entity_id", how="left")
    got = res.existing_links.join(truth, on="source_row")
    known = got.filter(pl.col("existing_id").is_not_null())
    unknown = got.filter(pl.col("existing_id").is_null())
    assert known.height > 200
    right = (known["existing_id_fuzzy"] == known["existing_id"]).fill_null(False).mean()
    assert right >= 0.95
    wrong = unknown["existing_id_fuzzy"].is_not_null().mean()
    assert wrong <= 0.02
    # when it names someone, it is almost always the right customer
    named = known.filter(pl.col("existing_id_fuzzy").is_not_null())
    assert (named["existing_id_fuzzy"] == named["existing_id"]).mean() >= 0.99


def existing_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "existing_id": [123, 456, 789],
            "first_name": ["Margaret", "Paul", "Nora"],
            "last_name": ["Walsh", "Novak", "Quinn"],
            "email": ["mwalsh@gmail.com", "pnovak@yahoo.com", "nora.quinn@gmail.com"],
            "cell_phone": ["+13125550111", "+13125550122", "+13125550133"],
            "dob": ["1961-05-17", "1979-09-01", "1985-12-12"],
            "address1": ["10 Oak St", "22 Pine Ave", "5 Birch Rd"],
            "zip": ["60614", "60615", "60616"],
            "country": ["US", "US", "US"],
        }
    )


def incoming_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_row": [1, 2, 3, 4],
            # Margaret again, as Peggy, new e-mail and no phone: no key in common
            "first_name": ["Peggy", "Lena", "Nora", "Oscar"],
            "last_name": ["Walsh", "Novak", "Quinn", "Ibarra"],
            "email": ["peggy.walsh@aol.com", "lena.novak@gmail.com", "nora.quinn@gmail.com", None],
            # Lena is Paul's daughter and uses the family cell phone
            "cell_phone": [None, "+13125550122", "+13125550133", "+13125550199"],
            "dob": ["1961-05-17", "2004-02-29", "1985-12-12", "1990-01-01"],
            "address1": ["10 Oak St", "22 Pine Ave", "5 Birch Rd", "9 Elm St"],
            "zip": ["60614", "60615", "60616", "60617"],
            "country": ["US", "US", "US", "US"],
        }
    )


def test_verdicts_and_messages_for_the_four_cases():
    res = find_duplicates(incoming_frame(), existing=existing_frame(), target="franpos")
    links = {r["source_row"]: r for r in res.existing_links.iter_rows(named=True)}
    assert links[1]["verdict"] == "duplicate-would-be-added"
    assert links[1]["existing_id_fuzzy"] == "123"
    assert links[1]["existing_id_server"] is None
    assert links[1]["message"].startswith("same person as existing #123")
    assert links[1]["message"].endswith("but no shared key: the server would add a duplicate")

    assert links[2]["verdict"] == "would-overwrite-different-person"
    assert links[2]["existing_id_fuzzy"] is None
    assert links[2]["existing_id_server"] == "456"
    assert links[2]["server_key"] == "cell_phone"
    assert links[2]["message"] == (
        "shares a cell phone with existing #456, a different person: "
        "the server would overwrite them"
    )

    assert links[3]["verdict"] == "same-customer"
    assert links[3]["existing_id_fuzzy"] == links[3]["existing_id_server"] == "789"
    assert links[3]["server_key"] == "email+cell_phone"
    assert "the server would update #789" in links[3]["message"]

    assert links[4]["verdict"] == "new"
    assert links[4]["existing_id_fuzzy"] is None and links[4]["existing_id_server"] is None

    summary = dict(res.summary().iter_rows())
    assert summary["existing_new"] == 1
    assert summary["existing_would-overwrite-different-person"] == 1
    # explain works against an existing customer too (negative rows)
    table = res.explain(1, -1)
    assert table.filter(pl.col("comparison") == "dob")["level"].item() == "exact"


def test_wasp_only_looks_at_the_customer_number():
    incoming = incoming_frame().with_columns(customer_code=pl.lit(None, dtype=pl.String))
    res = find_duplicates(incoming, existing=existing_frame(), target="wasp")
    links = {r["source_row"]: r for r in res.existing_links.iter_rows(named=True)}
    # the shared cell phone does not matter to Wasp
    assert links[2]["verdict"] == "new"
    assert links[3]["verdict"] == "duplicate-would-be-added"


def test_existing_from_a_file_with_customer_id(tmp_path):
    path = tmp_path / "franpos-customers.csv"
    existing_frame().rename({"existing_id": "CustomerId"}).with_columns(
        pl.col("CustomerId").cast(pl.String)
    ).rename(
        {
            "first_name": "First Name",
            "last_name": "Last Name",
            "email": "Email",
            "cell_phone": "Cell Phone",
            "dob": "Birthday",
            "address1": "Address",
            "zip": "Zip",
            "country": "Country",
        }
    ).write_csv(path)
    old = load_existing(path)
    assert old["existing_id"].to_list() == ["123", "456", "789"]
    assert old["source_row"].to_list() == [-1, -2, -3]
    assert old["email"].to_list()[0] == "mwalsh@gmail.com"
    res = find_duplicates(incoming_frame(), existing=path, target="franpos")
    assert res.existing_links.filter(pl.col("source_row") == 3)["verdict"].item() == (
        "same-customer"
    )


def test_existing_ids_fall_back_to_the_customer_code_and_must_exist():
    frame = (
        existing_frame()
        .drop("existing_id")
        .with_columns(customer_code=pl.Series(["C1", "C2", "C3"]))
    )
    assert load_existing(frame)["existing_id"].to_list() == ["C1", "C2", "C3"]
    with pytest.raises(InputError, match="no id column"):
        load_existing(existing_frame().drop("existing_id"))
    with pytest.raises(InputError, match="have no id"):
        load_existing(existing_frame().with_columns(existing_id=pl.lit(None, dtype=pl.String)))


def test_an_existing_customer_sharing_only_household_details_is_a_review():
    # no first name and no birth date: the surname, e-mail, phone and address are what a
    # household shares, so the record is not called existing #789 however strong the rest
    incoming = pl.DataFrame(
        {
            "source_row": [5],
            "first_name": [None],
            "last_name": ["Quinn"],
            "email": ["nora.quinn@gmail.com"],
            "cell_phone": ["+13125550133"],
            "dob": [None],
            "address1": ["5 Birch Rd"],
            "zip": ["60616"],
            "country": ["US"],
        },
        schema_overrides={"first_name": pl.String, "dob": pl.String},
    )
    res = find_duplicates(incoming, existing=existing_frame(), target="franpos")
    link = res.existing_links.row(0, named=True)
    assert link["existing_id_fuzzy"] is None
    assert link["existing_id_server"] == "789"
    assert link["message"].startswith("shares an e-mail with existing #789, probably the same")
    assert link["message"].endswith("; review")
