"""reconcile(): saved API responses back to per-record and per-source-row outcomes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custclean._responses import load_response, parse_franpos, parse_wasp
from custclean.demo import generate
from custclean.errors import InputError
from custclean.exporting import export
from custclean.reconciling import FAILED_OUTCOMES, OUTCOME_SCHEMA, Reconciliation, reconcile

FIXTURES = Path(__file__).parent / "fixtures" / "responses"


# ----------------------------------------------------------------------------- builders


@pytest.fixture(scope="module")
def cleaned() -> pl.DataFrame:
    """Clean demo customers (duplicates sharing keys, missing keys, Unicode names)."""
    return generate(260, seed=11).truth.drop("entity_id", "household_id")


def franpos_mixed_export() -> Any:
    """Three records matching tests/fixtures/responses/franpos-mixed.response.json."""
    frame = pl.DataFrame(
        {
            "source_row": [1, 2, 4],
            "source_rows": [[1], [2, 3], [4]],
            "first_name": ["Zoë", "José", "Anna"],
            "last_name": ["O'Brien", "Núñez", "Müller"],
            "email": ["zoe.obrien@example.com", "jose@example.es", None],
            "customer_code": [None, "C-2", None],
            "cell_phone": ["+13125550101", None, "+4915112345678"],
            "country": ["US", "ES", "DE"],
        },
        schema_overrides={"source_rows": pl.List(pl.Int64)},
    )
    return export(frame, "franpos")


def franpos_status(customer: dict[str, Any]) -> str:
    """A deterministic status from what a result echoes (equal echoes, equal status)."""
    key = "|".join(
        str(customer.get(k)) for k in ("Email", "CustomerCode", "CellPhone", "FirstName")
    )
    return ("Added", "Updated", "Added", "Error", "Updated", "Added", "Added")[
        sum(key.encode()) % 7
    ]


def franpos_answer(body: dict[str, Any], status: Any = franpos_status) -> list[dict[str, Any]]:
    """The list Franpos answers for one request body: one echoing result per customer."""
    out = []
    for customer in body["Customers"]:
        result = {
            "LocationId": customer.get("LocationId", 1),
            "FirstName": customer.get("FirstName"),
            "LastName": customer.get("LastName"),
            "Email": customer.get("Email"),
            "CustomerCode": customer.get("CustomerCode"),
            "CellPhone": customer.get("CellPhone"),
            "Dob": customer.get("Dob"),
            "Status": status(customer),
        }
        if result["Status"] == "Error":
            result["Message"] = "Can't resolve State «Bayern» for RequireState"
        out.append(result)
    return out


def wasp_export(n: int, batch_size: int = 500, first_row: int = 1, **options: Any) -> Any:
    """A Wasp export of ``n`` customers W-<row> with an e-mail and an address each."""
    rows = list(range(first_row, first_row + n))
    frame = pl.DataFrame(
        {
            "source_row": rows,
            "customer_code": [f"W-{r}" for r in rows],
            "email": [f"c{r}@example.com" for r in rows],
            "address1": [f"{r} Rue de l'Église" for r in rows],
            "city": ["Montréal"] * n,
            "country": ["CA"] * n,
        },
        schema_overrides={"source_row": pl.Int64},
    )
    return export(frame, "wasp", batch_size=batch_size, **options)


def wasp_answer(body: dict[str, Any], fail: set[int] = frozenset()) -> dict[str, Any]:
    """A WaspResultOfResults answering every record, failing the ImportRowNumbers in ``fail``."""
    results = []
    for record in body["Data"]:
        row = record["ImportRowNumber"]
        if row in fail:
            results.append(
                {
                    "ResultCode": 54,
                    "Message": f"Row {row}: CustomerEmail is not valid",
                    "HttpStatusCode": 300,
                    "FieldName": "CustomerEmail",
                }
            )
        else:
            results.append(
                {
                    "ResultCode": 0,
                    "Message": f"Row {row}: customer {record['CustomerNumber']} created",
                    "HttpStatusCode": 200,
                    "FieldName": None,
                }
            )
    errors = sum(1 for r in results if r["HttpStatusCode"] != 200)
    return {
        "Data": {
            "ResultList": results,
            "SuccessfullResults": len(results) - errors,
            "TotalResults": len(results),
            "ErrorCount": errors,
        },
        "Messages": [],
        "BatchNumber": 1,
        "HasError": errors > 0,
        "HasHttpError": False,
        "HasMessage": True,
        "HasSuccessWithMoreDataRemaining": False,
        "TotalRecordsLongCount": len(results),
    }


def assert_accounted(rec: Reconciliation, ex: Any) -> None:
    """Every outgoing record has one outcome; every source row appears exactly once."""
    assert rec.outcomes.height == ex.preview.height
    assert rec.outcomes.schema == pl.Schema(OUTCOME_SCHEMA)
    assert rec.outcomes["outcome"].null_count() == 0
    rows = rec.by_source_row()["source_row"]
    assert rows.is_unique().all()
    expected = set(ex.preview["source_rows"].explode().to_list())
    if ex.rejected.height:
        expected |= set(ex.rejected["source_rows"].explode().to_list())
    assert set(rows.to_list()) == expected


def write_responses(folder: Path, answers: list[Any], target: str) -> None:
    for i, answer in enumerate(answers, start=1):
        path = folder / f"{target}-customers-{i:04d}.response.json"
        path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")


# ----------------------------------------------------------------------------- seeds


def test_wasp_seed_sample_parses_verbatim() -> None:
    seed = (FIXTURES / "wasp-seed-sample.response.json").read_bytes()
    parsed = parse_wasp(load_response(seed, where="seed"))
    assert (parsed.has_error, parsed.successful, parsed.total, parsed.errors) == (False, 1, 2, 0)
    assert parsed.results["status_code"].to_list() == [200, 200]
    ex = wasp_export(2)
    rec = reconcile(ex, [FIXTURES / "wasp-seed-sample.response.json"])
    assert rec.outcomes.select(
        "source_row", "outcome", "message", "field", "matched_by"
    ).rows() == [
        (1, "saved", "sample string 1", None, "position"),
        (2, "saved", "sample string 1", None, "position"),
    ]
    assert rec.retry_rows == []


@pytest.mark.parametrize(
    "name", ["franpos-seed-results.response.json", "franpos-seed-httpresponsemessage.response.json"]
)
def test_franpos_seed_format_parses(name: str) -> None:
    parsed = parse_franpos(load_response((FIXTURES / name).read_bytes(), where=name))
    first = parsed.results.row(0, named=True)
    assert parsed.results["status"].to_list() == ["Added", "Updated"]
    assert (first["email"], first["customer_code"], first["cell_phone"]) == (
        "sample string 5",
        "sample string 8",
        "sample string 6",
    )
    assert (first["location_id"], first["dob"]) == ("1", "2024-10-18T00:00:00")


def test_franpos_seed_customers_sharing_every_key_match_by_position() -> None:
    # The seed's two sample customers are identical: the second result updates the first.
    ex = export(
        pl.DataFrame(
            {"source_row": [1, 2], "email": ["sample5@example.com"] * 2, "customer_code": ["8"] * 2}
        ),
        "franpos",
    )
    answer = json.loads((FIXTURES / "franpos-seed-httpresponsemessage.response.json").read_text())
    for result in answer["Content"]:
        result.update(Email="sample5@example.com", CustomerCode="8", CellPhone=None)
    rec = reconcile(ex, [answer])
    assert rec.outcomes.select("source_row", "outcome", "matched_by").rows() == [
        (1, "Added", "position"),
        (2, "Updated", "position"),
    ]


# ----------------------------------------------------------------------------- franpos


def test_franpos_fixture_unicode_message_and_field() -> None:
    ex = franpos_mixed_export()
    rec = reconcile(ex, [FIXTURES / "franpos-mixed.response.json"])
    assert rec.outcomes.select("source_row", "source_rows", "outcome", "field").rows() == [
        (1, [1], "Added", None),
        (2, [2, 3], "Updated", None),
        (4, [4], "Error", "Country"),
    ]
    message = rec.outcomes["message"][2]
    assert message == 'Country «Deutschland» can\'t be resolved — "RequireCountry" is set'
    assert rec.retry_rows == [4]
    assert rec.retry.preview["source_row"].to_list() == [4]
    assert_accounted(rec, ex)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_franpos_unicode_survives_any_saved_encoding(tmp_path: Path, encoding: str) -> None:
    # PowerShell's Out-File saves UTF-16 with a byte order mark; Notepad adds a UTF-8 BOM.
    text = (FIXTURES / "franpos-mixed.response.json").read_text("utf-8")
    path = tmp_path / "franpos-customers-0001.response.json"
    path.write_bytes(text.encode(encoding))
    rec = reconcile(franpos_mixed_export(), tmp_path)
    assert rec.outcomes["message"][2].startswith("Country «Deutschland» can't")
    assert rec.outcomes["response"][0] == str(path)


def test_franpos_round_trip_every_batch(tmp_path: Path, cleaned: pl.DataFrame) -> None:
    ex = export(cleaned, "franpos", batch_size=40)
    assert len(ex.batches) > 3
    answers = [franpos_answer(body) for body in ex.batches]
    ex.write(tmp_path)
    write_responses(tmp_path, answers, "franpos")
    rec = reconcile(ex, tmp_path)
    assert_accounted(rec, ex)
    expected = [franpos_status(c) for body in ex.batches for c in body["Customers"]]
    assert rec.outcomes["outcome"].to_list() == expected
    assert set(rec.outcomes["matched_by"]) == {"position"}
    assert rec.unmatched.height == 0
    errors = rec.outcomes.filter(pl.col("outcome") == "Error")
    assert errors.height > 0
    assert set(errors["field"]) == {"State"}
    # the retry holds exactly the failed records, and writes through Export.write
    assert rec.retry.preview["source_row"].sort().to_list() == sorted(errors["source_row"])
    manifest = rec.write_retry(tmp_path / "retry")
    assert manifest.name == "manifest.json"
    retried = sorted((tmp_path / "retry").glob("franpos-customers-*.json"))
    sent = [c for p in retried for c in json.loads(p.read_text("utf-8"))["Customers"]]
    assert len(sent) == errors.height
    assert all(franpos_status(c) == "Error" for c in sent)


def test_franpos_shuffled_answers_match_by_keys(cleaned: pl.DataFrame) -> None:
    ex = export(cleaned, "franpos", batch_size=100)
    answers = [list(reversed(franpos_answer(body))) for body in ex.batches]
    rec = reconcile(ex, answers)
    expected = [franpos_status(c) for body in ex.batches for c in body["Customers"]]
    assert rec.outcomes["outcome"].to_list() == expected
    assert set(rec.outcomes["matched_by"]) <= {"keys", "names"}
    assert rec.unmatched.height == 0
    assert_accounted(rec, ex)


def test_responses_subfolder_and_sequence_of_paths_and_text(
    tmp_path: Path, cleaned: pl.DataFrame
) -> None:
    ex = export(cleaned.head(90), "franpos", batch_size=30)
    answers = [franpos_answer(body) for body in ex.batches]
    folder = tmp_path / "responses"
    folder.mkdir()
    for i, answer in enumerate(answers, start=1):  # the batch files' own names
        (folder / f"franpos-customers-{i:04d}.json").write_text(json.dumps(answer), "utf-8")
    by_folder = reconcile(ex, tmp_path).outcomes
    assert by_folder.equals(reconcile(ex, folder).outcomes.with_columns(by_folder["response"]))
    mixed = [folder / "franpos-customers-0001.json", json.dumps(answers[1]), answers[2]]
    by_sequence = reconcile(ex, mixed).outcomes
    assert by_sequence.drop("response").equals(by_folder.drop("response"))
    assert by_sequence["response"].unique().sort().to_list() == [
        str(folder / "franpos-customers-0001.json"),
        "response 2 of 3",
        "response 3 of 3",
    ]


def test_response_lacking_a_record_marks_it_missing(cleaned: pl.DataFrame) -> None:
    ex = export(cleaned.head(50), "franpos")
    answer = franpos_answer(ex.batches[0], status=lambda c: "Added")
    dropped = answer.pop(17)
    rec = reconcile(ex, [answer])
    missing = rec.outcomes.filter(pl.col("outcome") == "missing")
    assert missing["position"].to_list() == [17]
    assert missing["message"][0] == "the response has no result for this record"
    assert rec.retry_rows == missing["source_row"].to_list()
    assert rec.outcomes.filter(pl.col("outcome") == "Added").height == 49
    assert dropped["Status"] == "Added"
    assert_accounted(rec, ex)


def test_duplicated_result_is_listed_not_counted_twice(cleaned: pl.DataFrame) -> None:
    ex = export(cleaned.head(30), "franpos")
    answer = franpos_answer(ex.batches[0], status=lambda c: "Updated")
    answer.insert(5, {**answer[4], "Status": "Error", "Message": "duplicate"})
    rec = reconcile(ex, [answer])
    assert rec.outcomes["outcome"].to_list() == ["Updated"] * 30
    assert rec.unmatched.height == 1
    assert rec.unmatched["reason"][0].startswith("repeats the result of the record")
    assert rec.unmatched["result"][0] == 5
    assert "unmatched" in repr(rec)


def test_missing_response_file_marks_its_batch_missing(
    tmp_path: Path, cleaned: pl.DataFrame
) -> None:
    ex = export(cleaned.head(60), "franpos", batch_size=20)
    write_responses(tmp_path, [franpos_answer(ex.batches[0], lambda c: "Added")], "franpos")
    rec = reconcile(ex, tmp_path)
    by_batch = rec.outcomes.group_by("batch").agg(pl.col("outcome").unique()).sort("batch")
    assert by_batch["outcome"].to_list()[1:] == [["missing"], ["missing"]]
    assert rec.outcomes.filter(pl.col("batch") == 2)["message"][0] == (
        "no response was saved for batch 2 (expected franpos-customers-0002.response.json)"
    )
    assert rec.batches["note"].to_list() == [None, "no response", "no response"]
    assert len(rec.retry_rows) == 40


def test_franpos_refused_call_fails_every_record_and_names_the_field() -> None:
    ex = franpos_mixed_export()
    rec = reconcile(ex, [FIXTURES / "franpos-refused-modelstate.response.json"])
    rows = rec.outcomes.select("source_row", "outcome", "field", "batch_level").rows()
    assert rows == [(1, "Error", None, True), (2, "Error", None, True), (4, "Error", "Dob", False)]
    assert "The request is invalid" in rec.outcomes["message"][0]
    assert "31/02/1980" in rec.outcomes["message"][2]
    assert rec.retry_rows == [1, 2, 4]


def test_franpos_http_response_message_variants() -> None:
    ex = franpos_mixed_export()
    answer = json.loads((FIXTURES / "franpos-mixed.response.json").read_text("utf-8"))
    as_text = {"Content": json.dumps(answer), "StatusCode": 200, "IsSuccessStatusCode": True}
    assert reconcile(ex, [as_text]).outcomes["outcome"].to_list() == ["Added", "Updated", "Error"]
    failed = {"Content": None, "StatusCode": 429, "ReasonPhrase": "Too Many Requests"}
    rec = reconcile(ex, [failed])
    assert rec.outcomes["outcome"].unique().to_list() == ["Error"]
    assert "HTTP 429 Too Many Requests" in rec.outcomes["message"][0]
    headers_only = {"Content": {"Headers": []}, "StatusCode": 200, "IsSuccessStatusCode": True}
    with pytest.raises(InputError, match="Content holds no list of results"):
        reconcile(ex, [headers_only])


def test_franpos_unknown_status_is_an_error_that_says_so() -> None:
    ex = franpos_mixed_export()
    answer = franpos_answer(ex.batches[0], status=lambda c: "Skipped")
    rec = reconcile(ex, [answer])
    assert rec.outcomes["outcome"].unique().to_list() == ["Error"]
    assert rec.outcomes["message"][0].startswith("the server answered Status 'Skipped'")


def test_another_batch_s_response_matches_nothing_and_says_so() -> None:
    frame = pl.DataFrame({"source_row": range(1, 41), "email": [f"p{i}@x.com" for i in range(40)]})
    ex = export(frame, "franpos", batch_size=20)
    swapped = [franpos_answer(ex.batches[1]), franpos_answer(ex.batches[0])]
    rec = reconcile(ex, swapped)
    assert rec.outcomes["outcome"].unique().to_list() == ["missing"]
    assert rec.unmatched.height == 40
    assert rec.batches["note"][0].endswith("is it another batch's response?")


def test_phone_only_record_matches_in_another_format() -> None:
    ex = franpos_mixed_export()
    answer = [{"CellPhone": "0151 12345678", "Status": "Updated"}]  # national, as stored
    rec = reconcile(ex, [answer])
    assert rec.outcomes.select("source_row", "outcome").rows() == [
        (1, "missing"),
        (2, "missing"),
        (4, "Updated"),
    ]


# ----------------------------------------------------------------------------- garbage

GARBAGE = {
    "html": (FIXTURES / "bad-502.html").read_bytes(),
    "empty": b"",
    "blank": b"  \n\t ",
    "truncated": (FIXTURES / "bad-truncated.json").read_bytes(),
    "not json": b"Service Unavailable",
    "json null": b"null",
    "json number": b"42",
    "wrong object": b'{"error": "quota exceeded"}',
    "request body": json.dumps({"RequireCountry": False, "Customers": []}).encode(),
    "wasp shape": (FIXTURES / "wasp-seed-sample.response.json").read_bytes(),
    "list of strings": b'["Added", "Added"]',
    "result without status": b'[{"Email": "zoe.obrien@example.com"}]',
    "latin-1": '[{"Status": "Error", "Message": "Ung\u00fcltig"}]'.encode("latin-1"),
    "gzip": gzip.compress(b"[]"),
}


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_response_raises_input_error_naming_file_and_batch(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "franpos-customers-0001.response.json"
    path.write_bytes(GARBAGE[kind])
    with pytest.raises(InputError) as caught:
        reconcile(franpos_mixed_export(), tmp_path)
    text = str(caught.value)
    assert str(path) in text
    assert "(the response to batch 1, franpos-customers-0001.json)" in text
    assert "Expected the body Franpos returns" in text
    assert "run reconcile again" in text


def test_garbage_messages_say_what_is_wrong(tmp_path: Path) -> None:
    def problem(content: bytes) -> str:
        path = tmp_path / "franpos-customers-0001.response.json"
        path.write_bytes(content)
        with pytest.raises(InputError) as caught:
            reconcile(franpos_mixed_export(), tmp_path)
        return str(caught.value)

    assert "an HTML page ('502 Bad Gateway')" in problem(GARBAGE["html"])
    assert "looks truncated" in problem(GARBAGE["truncated"])
    assert "the response is empty" in problem(GARBAGE["empty"])
    assert "request body" in problem(GARBAGE["request body"])
    assert "Wasp response" in problem(GARBAGE["wasp shape"])
    assert "result 1 has no Status" in problem(GARBAGE["result without status"])
    assert "not UTF-8" in problem(GARBAGE["latin-1"])
    assert "gzip" in problem(GARBAGE["gzip"])


def test_wasp_garbage_and_wrong_shape() -> None:
    ex = wasp_export(2)
    for content, words in [
        (b"[]", "Franpos-style"),
        (b'{"Data": [1, 2]}', "Data is a JSON list"),
        (b'{"Data": {"ResultList": {"a": 1}}, "HasError": false}', "ResultList is not a list"),
        (b'{"foo": 1}', "keys foo"),
        (b"<!DOCTYPE html><html><title>Sign in</title></html>", "'Sign in'"),
    ]:
        with pytest.raises(InputError, match="Expected the body Wasp returns") as caught:
            reconcile(ex, [content.decode()])
        assert words in str(caught.value)
        assert "response 1 of 1 (the response to batch 1, wasp-customers-0001.json)" in str(
            caught.value
        )


def test_response_for_a_batch_that_does_not_exist(tmp_path: Path) -> None:
    ex = franpos_mixed_export()
    (tmp_path / "franpos-customers-0002.response.json").write_text("[]", "utf-8")
    with pytest.raises(InputError, match="answers no batch of the export") as caught:
        reconcile(ex, tmp_path)
    assert "franpos-customers-0002.response.json" in str(caught.value)
    with pytest.raises(InputError, match="response 2 answers a batch that does not exist"):
        reconcile(ex, [[], []])
    other = tmp_path / "other"
    other.mkdir()
    (other / "wasp-customers-0001.response.json").write_text("{}", "utf-8")
    with pytest.raises(InputError, match="answers no batch"):
        reconcile(ex, other)


def test_folder_without_responses_and_bad_arguments(tmp_path: Path) -> None:
    ex = franpos_mixed_export()
    ex.write(tmp_path)  # batch files and manifest, but no response
    with pytest.raises(InputError, match="no response files found"):
        reconcile(ex, tmp_path)
    with pytest.raises(InputError, match="no such directory"):
        reconcile(ex, tmp_path / "nope")
    with pytest.raises(InputError, match="no such response file"):
        reconcile(ex, [tmp_path / "nope.json"])
    with pytest.raises(InputError, match=r"(?i)wrap a single batch's response in a list"):
        reconcile(ex, {"Content": []})
    (tmp_path / "franpos-customers-0001.response.json").write_text("[]", "utf-8")
    (tmp_path / "responses").mkdir()
    (tmp_path / "responses" / "franpos-customers-0001.json").write_text("[]", "utf-8")
    with pytest.raises(InputError, match="two responses for batch"):
        reconcile(ex, tmp_path)


# ----------------------------------------------------------------------------- wasp


def test_wasp_round_trip_with_failures(tmp_path: Path) -> None:
    ex = wasp_export(1000, batch_size=500)
    fail = {3, 499, 500, 501, 777}
    write_responses(tmp_path, [wasp_answer(b, fail) for b in ex.batches], "wasp")
    rec = reconcile(ex, tmp_path)
    assert_accounted(rec, ex)
    assert rec.retry_rows == sorted(fail)
    assert set(rec.outcomes.filter(pl.col("outcome") != "error")["outcome"]) == {"created"}
    errors = rec.outcomes.filter(pl.col("outcome") == "error")
    assert errors["field"].unique().to_list() == ["CustomerEmail"]
    assert errors["status_code"].unique().to_list() == [300]
    assert rec.counts().rows() == [
        ("created", 995, 995),
        ("updated", 0, 0),
        ("saved", 0, 0),
        ("error", 5, 5),
        ("missing", 0, 0),
    ]
    assert rec.retry.preview["source_row"].to_list() == sorted(fail)


def test_wasp_results_located_by_row_number_in_any_order() -> None:
    ex = wasp_export(4, first_row=10)
    answer = wasp_answer(ex.batches[0], fail={12})
    answer["Data"]["ResultList"].reverse()
    rec = reconcile(ex, [answer])
    assert rec.outcomes.select("source_row", "outcome", "matched_by").rows() == [
        (10, "created", "row number"),
        (11, "created", "row number"),
        (12, "error", "row number"),
        (13, "created", "row number"),
    ]


def test_wasp_has_error_on_http_200_with_only_the_problem_listed() -> None:
    ex = wasp_export(3, first_row=11)
    rec = reconcile(ex, [FIXTURES / "wasp-haserror-on-200.response.json"])
    assert rec.outcomes.select("source_row", "outcome", "field", "status_code").rows() == [
        (11, "created", None, 200),
        (12, "error", "CustomerEmail", 300),
        (13, "updated", "CustomerContactCellNumber", 207),
    ]
    assert (
        rec.outcomes["message"][1] == "Row 12: CustomerEmail 'renée@@example.fr' n'est pas valide"
    )
    # the same answer listing only the failing row: the counters say the others were saved
    answer = json.loads((FIXTURES / "wasp-haserror-on-200.response.json").read_text("utf-8"))
    answer["Data"]["ResultList"] = [answer["Data"]["ResultList"][1]]
    rec = reconcile(ex, [answer])
    assert rec.outcomes.select("source_row", "outcome", "batch_level").rows() == [
        (11, "saved", True),
        (12, "error", False),
        (13, "saved", True),
    ]
    # without counters, a HasError batch cannot vouch for the unlisted records
    del answer["Data"]["SuccessfullResults"]
    rec = reconcile(ex, [answer])
    assert rec.outcomes["outcome"].to_list() == ["error", "error", "error"]
    assert rec.outcomes["message"][0].startswith("the server reported an error for this batch")
    assert rec.retry_rows == [11, 12, 13]


def test_wasp_batch_level_error_is_flagged() -> None:
    ex = wasp_export(5)
    rec = reconcile(ex, [FIXTURES / "wasp-batch-error.response.json"])
    assert rec.outcomes["outcome"].unique().to_list() == ["error"]
    assert rec.outcomes["batch_level"].all()
    assert rec.outcomes["matched_by"].unique().to_list() == ["batch"]
    assert "Le numéro de client est obligatoire" in rec.outcomes["message"][0]
    assert rec.outcomes["field"].unique().to_list() == ["CustomerNumber"]
    assert rec.retry_rows == [1, 2, 3, 4, 5]


def test_wasp_status_codes() -> None:
    ex = wasp_export(6)
    results = [
        {"ResultCode": 0, "HttpStatusCode": 200, "Message": "ok"},
        {"ResultCode": 0, "HttpStatusCode": 204, "Message": None},
        {"ResultCode": 0, "HttpStatusCode": 207, "Message": "Phone type unknown", "FieldName": "X"},
        {"ResultCode": 9, "HttpStatusCode": 300, "Message": "Duplicate number"},
        {"ResultCode": 9, "HttpStatusCode": 500, "Message": "Server error"},
        {"ResultCode": 7, "Message": "Rejected"},
    ]
    rec = reconcile(ex, [{"Data": {"ResultList": results}, "HasError": True}])
    assert rec.outcomes.select("outcome", "status_code", "field").rows() == [
        ("saved", 200, None),
        ("saved", 204, None),
        ("saved", 207, "X"),
        ("error", 300, None),
        ("error", 500, None),
        ("error", None, None),
    ]
    assert rec.outcomes["message"][2] == "Phone type unknown"


def test_wasp_model_state_index_and_several_results_per_record() -> None:
    ex = wasp_export(3)
    results = [
        {
            "HttpStatusCode": 400,
            "Message": "The field is too long",
            "FieldName": "Data[1].CustomerEmail",
        },
        {"HttpStatusCode": 400, "Message": "Invalid number", "FieldName": "Data[1].CustomerNumber"},
    ]
    rec = reconcile(ex, [{"Data": {"ResultList": results, "ErrorCount": 1}, "HasError": True}])
    row = rec.outcomes.row(1, named=True)
    assert (row["outcome"], row["field"], row["matched_by"]) == (
        "error",
        "CustomerEmail, CustomerNumber",
        "data index",
    )
    assert row["message"] == "The field is too long; Invalid number"
    assert rec.outcomes["outcome"].to_list() == ["error", "error", "error"]  # no counters


def test_wasp_fewer_results_than_records_without_error_are_missing() -> None:
    ex = wasp_export(3)
    answer = {
        "Data": {"ResultList": [], "SuccessfullResults": 2, "TotalResults": 2, "ErrorCount": 0},
        "HasError": False,
    }
    rec = reconcile(ex, [answer])
    assert rec.outcomes["outcome"].to_list() == ["missing"] * 3
    assert (
        rec.outcomes["message"][0]
        == "the server reported 2 results for 3 records, none for this one"
    )
    answer["Data"].update(SuccessfullResults=3, TotalResults=3)
    assert reconcile(ex, [answer]).outcomes["outcome"].to_list() == ["saved"] * 3


def test_wasp_row_number_from_another_batch_is_unmatched() -> None:
    ex = wasp_export(2)
    results = [{"HttpStatusCode": 300, "Message": "ImportRowNumber 99: duplicate"}]
    rec = reconcile(ex, [{"Data": {"ResultList": results}, "HasError": True}])
    assert rec.unmatched.select("result", "outcome", "reason").rows() == [
        (0, "error", "its row number is not in this batch")
    ]
    assert rec.outcomes["outcome"].to_list() == ["error", "error"]
    assert "ImportRowNumber 99: duplicate" in rec.outcomes["message"][0]


def test_wasp_address_responses_are_optional(tmp_path: Path) -> None:
    ex = wasp_export(3)
    write_responses(tmp_path, [wasp_answer(b) for b in ex.batches], "wasp")
    assert reconcile(ex, tmp_path).address_outcomes.height == 0
    addresses = wasp_answer(ex.address_batches[0], fail={2})
    (tmp_path / "wasp-addresses-0001.response.json").write_text(json.dumps(addresses), "utf-8")
    rec = reconcile(ex, tmp_path)
    assert rec.address_outcomes.select("customer_number", "source_row", "outcome").rows() == [
        ("W-1", 1, "created"),
        ("W-2", 2, "error"),
        ("W-3", 3, "created"),
    ]
    assert rec.retry_rows == []  # customers all fine
    assert rec.batches["kind"].to_list() == ["customers", "addresses"]


# ----------------------------------------------------------------------------- result object


def test_by_source_row_lists_rejected_rows_too() -> None:
    frame = pl.DataFrame(
        {"source_row": [1, 2, 3], "customer_code": ["A", None, "C"], "email": ["a@x.com"] * 3}
    )
    frame = frame.with_columns(pl.Series("source_rows", [[1, 5], [2, 4], [3]], pl.List(pl.Int64)))
    ex = export(frame, "wasp")
    assert ex.rejected["source_row"].to_list() == [2]
    rec = reconcile(ex, [wasp_answer(ex.batches[0])])
    rows = rec.by_source_row().select("source_row", "record_source_row", "outcome", "message")
    reason = ex.rejected["reason"][0]
    assert rows.rows() == [
        (1, 1, "created", "Row 1: customer A created"),
        (2, 2, "rejected", reason),
        (3, 3, "created", "Row 3: customer C created"),
        (4, 2, "rejected", reason),
        (5, 1, "created", "Row 1: customer A created"),
    ]
    assert_accounted(rec, ex)


def test_repr_and_html_are_short_and_escaped() -> None:
    ex = franpos_mixed_export()
    answer = franpos_answer(ex.batches[0], status=lambda c: "Error")
    answer[0]["Message"] = "<script>alert('x')</script>"
    rec = reconcile(ex, [answer])
    assert repr(rec) == "Reconciliation(franpos, 1 batch, 3 records: Error 3; 3 to retry)"
    page = rec._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_zero_records_and_empty_answers() -> None:
    ex = export(pl.DataFrame({"source_row": [1], "email": ["a@x.com"]}), "franpos")
    rec = reconcile(ex, [[]])
    assert rec.outcomes["outcome"].to_list() == ["missing"]
    assert rec.counts().rows() == [
        ("Added", 0, 0),
        ("Updated", 0, 0),
        ("Error", 0, 0),
        ("missing", 1, 1),
    ]
    empty = export(pl.DataFrame(schema={"source_row": pl.Int64, "email": pl.String}), "franpos")
    rec = reconcile(empty, [])
    assert rec.outcomes.height == 0
    assert rec.counts()["records"].sum() == 0
    assert "0 records" in repr(rec)


# ----------------------------------------------------------------------------- properties


def _mangle(data: st.DataObject, answer: list[Any]) -> list[Any] | None:
    """Drop a result, repeat one, reverse the order, or lose the whole response."""
    if answer and data.draw(st.booleans()):
        answer.pop(data.draw(st.integers(0, len(answer) - 1)))
    if answer and data.draw(st.booleans()):
        answer.append(dict(answer[data.draw(st.integers(0, len(answer) - 1))]))
    if data.draw(st.booleans()):
        answer.reverse()
    return None if data.draw(st.integers(0, 9)) == 0 else answer


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_franpos_every_record_and_source_row_accounted_for(data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 30), label="records")
    size = data.draw(st.integers(1, 12), label="batch_size")
    emails = [
        data.draw(st.sampled_from(["a@x.com", "b@x.com", None, f"u{i}@x.com"])) for i in range(n)
    ]
    frame = pl.DataFrame(
        {
            "source_row": list(range(1, n + 1)),
            "source_rows": [[i, 1000 + i] if i % 3 == 0 else [i] for i in range(1, n + 1)],
            "email": emails,
            "first_name": [f"N{i % 4}" for i in range(n)],
        },
        schema={
            "source_row": pl.Int64,
            "source_rows": pl.List(pl.Int64),
            "email": pl.String,
            "first_name": pl.String,
        },
    )
    ex = export(frame, "franpos", batch_size=size)
    statuses = st.sampled_from(["Added", "Updated", "Error"])
    answers = [
        _mangle(data, franpos_answer(body, status=lambda c: data.draw(statuses)))
        for body in ex.batches
    ]
    rec = reconcile(ex, answers)
    assert_accounted(rec, ex)
    failed = set(rec.outcomes.filter(pl.col("outcome").is_in(FAILED_OUTCOMES))["source_row"])
    assert set(rec.retry.preview["source_row"]) == failed
    results = sum(len(a) for a in answers if a is not None)
    matched = rec.outcomes.filter(pl.col("matched_by").is_in(["position", "keys", "names"])).height
    assert matched + rec.unmatched.height == results


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_wasp_every_record_and_source_row_accounted_for(data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 30), label="records")
    ex = wasp_export(n, batch_size=data.draw(st.integers(1, 12), label="batch_size"))
    fail = set(data.draw(st.lists(st.integers(1, max(n, 1)), max_size=5)))
    answers: list[Any] = []
    for body in ex.batches:
        answer = wasp_answer(body, fail)
        results = _mangle(data, answer["Data"]["ResultList"])
        answers.append(None if results is None else {**answer, "Data": {"ResultList": results}})
    rec = reconcile(ex, answers)
    assert_accounted(rec, ex)
    failed = rec.outcomes.filter(pl.col("outcome").is_in(FAILED_OUTCOMES))
    assert set(rec.retry.preview["source_row"]) == set(failed["source_row"])
    # a record whose own result says it failed is always in the retry
    assert fail & set(rec.outcomes["source_row"]) <= set(failed["source_row"])
