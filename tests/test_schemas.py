"""The shipped JSON Schemas, checked against the seed documents they are derived from."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from custclean.errors import CustcleanError
from custclean.targets import SCHEMA_NAMES, schema
from custclean.targets import franpos as franpos_target
from custclean.targets import wasp as wasp_target

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
FRANPOS_SEED = SEEDS / "000_bf5675abd64c5831.txt"
WASP_SEED = SEEDS / "002_d7749061cb750e22.txt"


def _first_json(text: str, after: str) -> dict:
    """Return the first JSON object in ``text`` after the marker ``after``."""
    start = text.index("{", text.index(after))
    obj, _ = json.JSONDecoder().raw_decode(text[start:])
    return obj


@pytest.fixture(scope="module")
def franpos_sample() -> dict:
    return _first_json(FRANPOS_SEED.read_text(encoding="utf-8"), "Sample:")


@pytest.fixture(scope="module")
def wasp_sample() -> dict:
    text = WASP_SEED.read_text(encoding="utf-8")
    return _first_json(text, "Sample:")


def _errors(name: str, body: object) -> list[str]:
    return [e.message for e in Draft202012Validator(schema(name)).iter_errors(body)]


def test_every_shipped_schema_is_valid_draft_2020_12():
    for name in SCHEMA_NAMES:
        s = schema(name)
        assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(s)


def test_schema_returns_a_fresh_copy_and_refuses_unknown_names():
    s = schema("franpos-customers")
    s["properties"].clear()
    assert schema("franpos-customers")["properties"]
    with pytest.raises(CustcleanError, match="wasp-addresses"):
        schema("franpos")


def test_franpos_schema_property_names_are_exactly_the_seeds(franpos_sample):
    s = schema("franpos-customers")
    assert list(s["properties"]) == list(franpos_sample)
    customer = s["properties"]["Customers"]["items"]
    assert list(customer["properties"]) == list(franpos_sample["Customers"][0])
    assert list(customer["properties"]) == list(franpos_target.CUSTOMER_FIELDS)
    assert list(franpos_target.FLAGS) == list(franpos_sample)[:-1]


def test_wasp_schema_property_names_are_exactly_the_seeds(wasp_sample):
    s = schema("wasp-customers")
    assert list(s["properties"]) == list(wasp_sample)
    model = s["properties"]["Data"]["items"]
    assert list(model["properties"]) == list(wasp_sample["Data"][0])
    # every field custclean writes is a seed property, in the seed's relative order
    seed_order = list(wasp_sample["Data"][0])
    written = list(wasp_target.CUSTOMER_FIELDS)
    assert written == sorted(written, key=seed_order.index)
    address = wasp_sample["Data"][0]["Addresses"][0]
    assert set(wasp_target.ADDRESS_FIELDS) - {"ImportRowNumber", "CustomerNumber"} <= set(address)


def test_franpos_seed_sample_validates_once_dob_is_a_date(franpos_sample):
    body = copy.deepcopy(franpos_sample)
    # the sample shows a date-time; the seed's text says "Dob format: yyyy-mm-dd"
    assert any("does not match" in e for e in _errors("franpos-customers", body))
    for customer in body["Customers"]:
        customer["Dob"] = customer["Dob"][:10]
    assert _errors("franpos-customers", body) == []


def test_wasp_seed_sample_validates_once_applicable_fields_are_property_names(wasp_sample):
    body = copy.deepcopy(wasp_sample)
    assert _errors("wasp-customers", body)  # "sample string 1" is no property name
    body["ApplicableFields"] = ["CustomerEmail", "CustomerNote"]
    assert _errors("wasp-customers", body) == []


def test_wasp_seed_address_shape_validates_against_the_address_schema(wasp_sample):
    address = dict(wasp_sample["Data"][0]["Addresses"][0])
    address["CustomerNumber"] = "C-1"
    assert _errors("wasp-addresses", {"Data": [address]}) == []
    del address["CustomerNumber"]
    assert any("CustomerNumber" in e for e in _errors("wasp-addresses", {"Data": [address]}))


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("franpos-customers", {"Customers": [{"Email": "a@x.com"}], "RequireZip": True}),
        ("franpos-customers", {"Customers": [{"Email": "a@x.com", "Mobile": "1"}]}),
        ("wasp-customers", {"ApplicableFields": [], "Data": [{"CustomerNumber": "1"}], "X": 1}),
        ("wasp-customers", {"Data": [{"CustomerNumber": "1", "CustomerPhone": "1"}]}),
        ("wasp-addresses", {"Data": [{"CustomerNumber": "1", "AddressLine5": "x"}]}),
    ],
)
def test_an_unknown_property_fails(name, body):
    assert any("Additional properties" in e for e in _errors(name, body))


def test_wasp_data_holds_at_most_500_records():
    records = [{"ImportRowNumber": i, "CustomerNumber": str(i)} for i in range(1, 502)]
    assert _errors("wasp-customers", {"ApplicableFields": [], "Data": records[:500]}) == []
    assert any("too long" in e for e in _errors("wasp-customers", {"Data": records}))
    assert any("too long" in e for e in _errors("wasp-addresses", {"Data": records}))


@pytest.mark.parametrize(
    ("value", "ok"),
    [("1990-02-01", True), ("1990-2-1", False), ("02/01/1990", False), ("1990-02-01T00:00", False)],
)
def test_franpos_dob_pattern(value, ok):
    errors = _errors("franpos-customers", {"Customers": [{"Dob": value}]})
    assert (errors == []) is ok


def test_wrong_types_fail():
    assert _errors("franpos-customers", {"Customers": [{"Gender": "male"}]})
    assert _errors("franpos-customers", {"Customers": [{"LocationId": "3"}]})
    assert _errors("franpos-customers", {"RequireDob": "true", "Customers": [{}]})
    assert _errors("franpos-customers", {"Customers": []})  # an empty batch is never sent
    assert _errors("wasp-customers", {"Data": [{"ImportRowNumber": "1"}]})
    assert _errors("franpos-customers", {"Customers": [{"Email": None}]})  # never null


def test_schema_files_are_stable_json():
    folder = Path(franpos_target.__file__).parent / "schemas"
    for name in SCHEMA_NAMES:
        text = (folder / f"{name}.json").read_text(encoding="utf-8")
        assert text.endswith("\n")
        assert re.search(r'"additionalProperties": false', text)


def test_the_fast_validator_agrees_with_jsonschema(franpos_sample, wasp_sample):
    from custclean.exporting import _fast_check

    bodies = {
        "franpos-customers": [
            {"Customers": [{"Email": "a@x", "Gender": 1, "Dob": "1990-01-01"}]},
            {"Customers": [{"Gender": True}]},
            {"Customers": [{"Gender": 1.5}]},
            {"Customers": [{"Dob": "1990-01-01T00:00:00"}]},
            {"Customers": [{"Email": None}]},
            {"Customers": [], "RequireDob": False},
            franpos_sample,
        ],
        "wasp-customers": [
            {"ApplicableFields": ["CustomerEmail"], "Data": [{"CustomerNumber": "1"}]},
            {"ApplicableFields": ["CustomerEmail", "CustomerEmail"], "Data": [{}]},
            {"ApplicableFields": None, "Data": [{"ImportRowNumber": False}]},
            {"Data": [{"CustomFields": [{"DcfLabel": "x", "DCFDataType": "1"}]}]},
            wasp_sample,
        ],
    }
    for name, cases in bodies.items():
        fast = _fast_check(name)
        if fast is None:
            pytest.skip("fastjsonschema is not installed")
        for body in cases:
            assert fast(body) is (_errors(name, body) == []), (name, body)
