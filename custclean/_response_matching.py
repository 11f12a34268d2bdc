"""Tie each result of a saved response to the record it answers (private to reconciling).

Each ``*_batch`` function takes one batch's records (``position`` plus the values results can
be matched on) and its :class:`~custclean._responses.ParsedResponse`, and returns a
:class:`BatchResult`: an outcome row per record that got an answer (:data:`ASSIGNED_SCHEMA`),
the results that match no record (:data:`UNMATCHED_SCHEMA`), and how the matching was done.
The rules are documented in :mod:`custclean.reconciling`. Everything is polars expressions
except the greedy key matching of a Franpos batch whose results are out of order.

Example:
    >>> import polars as pl
    >>> from custclean._responses import parse_wasp
    >>> records = pl.DataFrame({"position": [0, 1], "row_number": [7, 9]})
    >>> answer = parse_wasp({"Data": {"ResultList": [{"Message": "Row 9: CustomerEmail is invalid",
    ...     "HttpStatusCode": 300}], "ErrorCount": 1, "SuccessfullResults": 1}, "HasError": True})
    >>> out = wasp_batch(records, answer, FieldFinder(["CustomerEmail"]))
    >>> out.assigned.select("position", "outcome", "field").rows()
    [(0, 'saved', None), (1, 'error', 'CustomerEmail')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from custclean._responses import ParsedResponse

__all__ = [
    "ASSIGNED_SCHEMA",
    "UNMATCHED_SCHEMA",
    "BatchResult",
    "FieldFinder",
    "constant_outcomes",
    "franpos_batch",
    "wasp_batch",
]

#: One outcome per answered record of a batch.
ASSIGNED_SCHEMA: dict[str, pl.DataType] = {
    "position": pl.Int64(),
    "outcome": pl.String(),
    "message": pl.String(),
    "field": pl.String(),
    "status_code": pl.Int64(),
    "matched_by": pl.String(),
    "batch_level": pl.Boolean(),
    "server_id": pl.String(),
}
#: One row per result tied to no record (``result``: its 0-based index in the response).
UNMATCHED_SCHEMA: dict[str, pl.DataType] = {
    "result": pl.Int64(),
    "outcome": pl.String(),
    "message": pl.String(),
    "field": pl.String(),
    "keys": pl.String(),
    "reason": pl.String(),
}

_KEYS = ("email", "customer_code", "cell_phone")
_NAMES = ("first_name", "last_name")
_ECHO_LABELS = {
    "email": "Email",
    "customer_code": "CustomerCode",
    "cell_phone": "CellPhone",
    "first_name": "FirstName",
    "last_name": "LastName",
}
#: Words in a server message that name an API field (after the field names themselves).
_FIELD_WORDS = {
    "requirecountry": "Country",
    "requirestate": "State",
    "requiredob": "Dob",
    "requirenote": "NoteType",
    "requiregender": "Gender",
    "e-mail": "Email",
    "email": "Email",
    "cell phone": "CellPhone",
    "mobile": "CellPhone",
    "work phone": "WorkPhone",
    "date of birth": "Dob",
    "birth": "Dob",
    "note type": "NoteType",
    "customer code": "CustomerCode",
    "postal code": "Zip",
    "customer number": "CustomerNumber",
}
_ROW_IN_TEXT = r"(?i)\b(?:import\s*row\s*(?:number)?|row(?:\s*(?:number|no\.?))?)\s*[#:=]?\s*(\d+)"
_DATA_INDEX = r"(?i)\b(?:data|customers)\s*\[\s*(\d+)\s*\]\s*\.?\s*"
_CREATED = r"(?i)\b(?:creat|insert|added\b|new\b)"
_UPDATED = r"(?i)\b(?:updat|modif)"


@dataclass(frozen=True)
class BatchResult:
    """The outcomes of one batch's records and the results that matched none.

    Example:
        >>> BatchResult(pl.DataFrame(schema=ASSIGNED_SCHEMA), _no_unmatched(), "none").results
        0
    """

    assigned: pl.DataFrame
    unmatched: pl.DataFrame
    matched_by: str
    has_error: bool | None = None
    note: str = ""
    results: int = 0


def _no_unmatched() -> pl.DataFrame:
    return pl.DataFrame(schema=UNMATCHED_SCHEMA)


class FieldFinder:
    """Find the API field a free-text server message talks about.

    Example:
        >>> find = FieldFinder(["Country", "State", "Email"])
        >>> find("Can't resolve state 'Bavaria'"), find("RequireCountry is set"), find("ok")
        ('State', 'Country', None)
    """

    def __init__(self, fields: Iterable[str]) -> None:
        known = {f.lower(): f for f in fields}
        words = {k: v for k, v in _FIELD_WORDS.items() if v in known.values()}
        words.update(known)
        self.words = words
        alternatives = sorted(words, key=lambda w: (-len(w), w))
        self.pattern = (
            re.compile(r"\b(" + "|".join(re.escape(w) for w in alternatives) + r")\b", re.I)
            if alternatives
            else None
        )

    def __call__(self, *texts: str | None) -> str | None:
        """Return the field named first in the first text that names one, else None."""
        if self.pattern is None:
            return None
        for text in texts:
            match = self.pattern.search(text or "")
            if match:
                return self.words[match.group(1).lower()]
        return None

    def on(self, messages: pl.Series) -> pl.Series:
        """Return the field of every message (each distinct message is searched once)."""
        mapping = {m: self(m) for m in messages.drop_nulls().unique().to_list()}
        if not mapping:
            return pl.Series(messages.name, [None] * messages.len(), pl.String)
        return messages.replace_strict(mapping, default=None, return_dtype=pl.String)


def constant_outcomes(
    positions: pl.Series | list[int],
    outcome: str,
    message: str | None,
    field: str | None,
    matched_by: str,
    *,
    batch_level: bool = True,
) -> pl.DataFrame:
    """Give every position the same outcome (a batch-level answer, or no answer at all).

    Example:
        >>> constant_outcomes([0, 1], "missing", "no response", None, "none")["outcome"].to_list()
        ['missing', 'missing']
    """
    frame = pl.DataFrame({"position": positions}, schema={"position": pl.Int64})
    return frame.select(
        "position",
        pl.lit(outcome, pl.String).alias("outcome"),
        pl.lit(message, pl.String).alias("message"),
        pl.lit(field, pl.String).alias("field"),
        pl.lit(None, pl.Int64).alias("status_code"),
        pl.lit(matched_by, pl.String).alias("matched_by"),
        pl.lit(batch_level, pl.Boolean).alias("batch_level"),
        pl.lit(None, pl.String).alias("server_id"),
    )


# --------------------------------------------------------------------------- refused calls


def _refused_batch(
    records: pl.DataFrame, parsed: ParsedResponse, finder: FieldFinder, error: str
) -> BatchResult:
    """Fail every record of a refused call; an ASP.NET ModelState may name some of them."""
    named = pl.DataFrame(
        parsed.field_errors,
        schema={"position": pl.Int64, "field": pl.String, "text": pl.String},
        orient="row",
    )
    inside = named.join(records.select("position"), on="position", how="semi")
    outside = named.join(records.select("position"), on="position", how="anti")
    said = "; ".join(
        [
            *parsed.batch_messages,
            *(f"{f or 'record'} {p}: {t}" for p, f, t in outside.iter_rows()),
        ]
    )
    said = said or "no message"
    per_record = inside.group_by("position").agg(
        pl.col("field").drop_nulls().unique().sort().str.join(", ").alias("named_field"),
        pl.col("text").str.join("; ").alias("named_message"),
    )
    is_named = pl.col("named_message").is_not_null()
    assigned = (
        records.select("position")
        .join(per_record, on="position", how="left")
        .select(
            "position",
            pl.lit(error, pl.String).alias("outcome"),
            pl.when(is_named)
            .then(pl.col("named_message"))
            .otherwise(pl.lit(f"the server refused the whole batch: {said}"))
            .alias("message"),
            pl.when(is_named)
            .then(pl.when(pl.col("named_field") != "").then(pl.col("named_field")))
            .otherwise(pl.lit(finder(said), pl.String))
            .alias("field"),
            pl.lit(None, pl.Int64).alias("status_code"),
            pl.when(is_named)
            .then(pl.lit("data index"))
            .otherwise(pl.lit("batch"))
            .alias("matched_by"),
            (~is_named).alias("batch_level"),
            pl.lit(None, pl.String).alias("server_id"),
        )
    )
    return BatchResult(
        assigned.sort("position"),
        _no_unmatched(),
        "batch",
        has_error=True,
        note="the call was refused",
    )


# --------------------------------------------------------------------------- franpos


def _normalised() -> list[pl.Expr]:
    """Compare keys trimmed and case-insensitively, phones by their last 10 digits."""

    def text(column: str) -> pl.Expr:
        value = pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase()
        return pl.when(value != "").then(value).alias(f"n_{column}")

    digits = pl.col("cell_phone").cast(pl.String).str.replace_all(r"\D", "").str.slice(-10)
    return [
        text("email"),
        text("customer_code"),
        pl.when(digits != "").then(digits).alias("n_cell_phone"),
        text("first_name"),
        text("last_name"),
    ]


def _franpos_answers(results: pl.DataFrame, finder: FieldFinder) -> pl.DataFrame:
    """Add ``outcome``, the final ``message`` and ``field`` to Franpos results."""
    known = pl.col("status").is_in(["Added", "Updated", "Error"])
    said = pl.format(
        "the server answered Status '{}' (expected Added, Updated or Error)", pl.col("status")
    )
    answers = results.with_columns(
        pl.when(known).then(pl.col("status")).otherwise(pl.lit("Error")).alias("outcome"),
        pl.when(known)
        .then(pl.col("message"))
        .when(pl.col("message").is_null())
        .then(said)
        .otherwise(pl.concat_str([said, pl.lit(": "), pl.col("message")]))
        .alias("message"),
    )
    fields = finder.on(answers["message"])
    return answers.with_columns(
        pl.when(pl.col("outcome") == "Error").then(fields).alias("field"), *_normalised()
    )


def _signature(item: dict[str, Any]) -> tuple[str | None, ...]:
    return tuple(item[k] for k in (*_KEYS, *_NAMES))


def _match_by_keys(
    records: list[dict[str, Any]], results: list[dict[str, Any]]
) -> tuple[dict[int, tuple[int, str]], list[tuple[int, str]]]:
    """Match results to records by their keys; return the matches and the unmatched.

    Three passes, each in result order: (1) every key and name equal; (2) any shared key, the
    free record agreeing on most keys (then fewest clashes, same keys present, same names,
    earliest); a result whose exact twin was already matched repeats it; (3) records with no
    key by first + last name. Matches map result index -> (position, how).
    """
    by_position = {rec["position"]: rec for rec in records}
    exact: dict[tuple[str | None, ...], list[int]] = {}
    index: dict[tuple[str, str], list[int]] = {}
    for rec in records:
        exact.setdefault(_signature(rec), []).append(rec["position"])
        for key in _KEYS:
            if rec[key]:
                index.setdefault((key, rec[key]), []).append(rec["position"])
    taken: set[int] = set()
    matches: dict[int, tuple[int, str]] = {}
    rest: list[dict[str, Any]] = []
    for res in results:
        free = [p for p in exact.get(_signature(res), []) if p not in taken]
        if free:
            taken.add(free[0])
            matches[res["index"]] = (free[0], "keys")
        else:
            rest.append(res)
    unmatched: list[tuple[int, str]] = []
    keyless: list[dict[str, Any]] = []
    for res in rest:
        twins = [p for p in exact.get(_signature(res), []) if p in taken]
        candidates = sorted(
            {p for key in _KEYS if res[key] for p in index.get((key, res[key]), [])}
        )
        if twins:
            unmatched.append(
                (res["index"], f"repeats the result of the record at position {twins[0]}")
            )
            continue
        if not candidates:
            keyless.append(res)
            continue

        def rank(p: int, res: dict[str, Any] = res) -> tuple[int, ...]:
            rec = by_position[p]
            agree = sum(1 for k in _KEYS if res[k] and res[k] == rec[k])
            clash = sum(1 for k in _KEYS if res[k] and rec[k] and res[k] != rec[k])
            extra = sum(1 for k in _KEYS if bool(res[k]) != bool(rec[k]))
            names = sum(1 for k in _NAMES if res[k] == rec[k])
            return (-agree, clash, extra, -names, p)

        free = [p for p in candidates if p not in taken]
        if free:
            best = min(free, key=rank)
            taken.add(best)
            matches[res["index"]] = (best, "keys")
        else:
            first = min(candidates, key=rank)
            unmatched.append(
                (res["index"], f"repeats the result of the record at position {first}")
            )
    by_name: dict[tuple[str | None, ...], list[int]] = {}
    for rec in records:
        if not any(rec[k] for k in _KEYS):
            by_name.setdefault(tuple(rec[k] for k in _NAMES), []).append(rec["position"])
    for res in keyless:
        named = any(res[k] for k in _NAMES)
        same = by_name.get(tuple(res[k] for k in _NAMES)) or [] if named else []
        free = [p for p in same if p not in taken]
        if free:
            taken.add(free[0])
            matches[res["index"]] = (free[0], "names")
        elif same:
            unmatched.append(
                (res["index"], f"repeats the result of the record at position {same[0]}")
            )
        else:
            unmatched.append(
                (res["index"], "its Email, CustomerCode, CellPhone and name match no record")
            )
    return matches, unmatched


def franpos_batch(
    records: pl.DataFrame, parsed: ParsedResponse, finder: FieldFinder
) -> BatchResult:
    """Match a Franpos batch: by position when the echoed keys agree, else by keys.

    ``records``: ``position, email, customer_code, cell_phone, first_name, last_name`` as
    sent.

    Example:
        >>> from custclean._responses import parse_franpos
        >>> records = pl.DataFrame({"position": [0, 1], "email": ["a@x.com", "b@x.com"],
        ...     "customer_code": [None, None], "cell_phone": [None, None],
        ...     "first_name": [None, None], "last_name": [None, None]})
        >>> answer = parse_franpos([{"Email": "B@x.com", "Status": "Added"},
        ...                         {"Email": "a@x.com", "Status": "Updated"}])
        >>> out = franpos_batch(records, answer, FieldFinder([]))
        >>> out.matched_by, out.assigned.select("position", "outcome").rows()
        ('keys', [(0, 'Updated'), (1, 'Added')])
    """
    if parsed.refused:
        return _refused_batch(records, parsed, finder, "Error")
    n = records.height
    answers = _franpos_answers(parsed.results, finder)
    sent = records.with_columns(_normalised())
    normal = [f"n_{k}" for k in (*_KEYS, *_NAMES)]
    positional = answers.height == n and not (
        pl.DataFrame(
            [answers[f"n_{k}"].alias(f"a_{k}") for k in _KEYS]
            + [sent[f"n_{k}"].alias(f"r_{k}") for k in _KEYS]
        )
        .select(
            pl.any_horizontal(
                [(pl.col(f"a_{k}") != pl.col(f"r_{k}")).fill_null(False) for k in _KEYS]
            ).any()
        )
        .item()
    )
    note = ""
    if positional:
        matches = pl.DataFrame(
            {"index": answers["index"], "position": sent["position"]}
        ).with_columns(pl.lit("position").alias("matched_by"))
        unmatched = pl.DataFrame(schema={"index": pl.Int64, "reason": pl.String})
        how = "position"
    else:

        def plain(frame: pl.DataFrame, key: str) -> list[dict[str, Any]]:
            return frame.select(key, *(pl.col(c).alias(c[2:]) for c in normal)).to_dicts()

        found, missed = _match_by_keys(plain(sent, "position"), plain(answers, "index"))
        matches = pl.DataFrame(
            [(i, p, h) for i, (p, h) in sorted(found.items())],
            schema={"index": pl.Int64, "position": pl.Int64, "matched_by": pl.String},
            orient="row",
        )
        unmatched = pl.DataFrame(
            missed, schema={"index": pl.Int64, "reason": pl.String}, orient="row"
        )
        how = "keys" if found else "none"
        note = (
            f"{answers.height} results for {n} records"
            if answers.height != n
            else "echoed keys differ from the records at the same positions"
        )
        if answers.height and not found:
            note += "; no result matches a record of this batch: is it another batch's response?"
    assigned = answers.join(matches, on="index").select(
        "position",
        "outcome",
        "message",
        "field",
        pl.lit(None, pl.Int64).alias("status_code"),
        "matched_by",
        pl.lit(False).alias("batch_level"),
        pl.col("customer_id").alias("server_id"),
    )
    keys = pl.concat_str(
        [pl.format(f"{label}={{}}", pl.col(c)) for c, label in _ECHO_LABELS.items()],
        separator=", ",
        ignore_nulls=True,
    )
    lost = answers.join(unmatched, on="index").select(
        pl.col("index").alias("result"),
        "outcome",
        "message",
        "field",
        pl.when(keys != "").then(keys).alias("keys"),
        "reason",
    )
    return BatchResult(
        assigned.sort("position").cast(ASSIGNED_SCHEMA),  # type: ignore[arg-type]
        lost.sort("result").cast(UNMATCHED_SCHEMA),  # type: ignore[arg-type]
        how,
        has_error=bool((assigned["outcome"] == "Error").any()),
        note=note,
        results=answers.height,
    )


# --------------------------------------------------------------------------- wasp


def _wasp_class(has_error: bool | None) -> pl.Expr:
    """0 = ok, 1 = warning (207), 2 = error; ``ResultCode`` when no HTTP status is given."""
    code, result = pl.col("status_code"), pl.col("result_code")
    return (
        pl.when(code == 207)
        .then(1)
        .when(code.is_between(200, 299))
        .then(0)
        .when(code.is_not_null())
        .then(2)
        .when(result.is_not_null())
        .then(pl.when(result == 0).then(0).otherwise(2))
        .otherwise(2 if has_error else 0)
        .cast(pl.Int8)
        .alias("class")
    )


def _locate_wasp(
    results: pl.DataFrame, records: pl.DataFrame, has_error: bool | None
) -> pl.DataFrame:
    """Add ``position`` (null when unknown), ``how``, ``foreign``, ``fld`` and ``class``."""
    n = records.height
    rows = (
        records.select(pl.col("row_number").alias("wanted"), pl.col("position").alias("by_row"))
        .drop_nulls("wanted")
        .unique("wanted", keep="first", maintain_order=True)
    )
    field_name = pl.col("field_name")
    located = results.with_columns(
        field_name.str.extract(_DATA_INDEX, 1).cast(pl.Int64).alias("data_index"),
        pl.coalesce(
            field_name.str.extract(_ROW_IN_TEXT, 1), pl.col("message").str.extract(_ROW_IN_TEXT, 1)
        )
        .cast(pl.Int64)
        .alias("text_row"),
        field_name.str.replace(_DATA_INDEX, "").str.strip_chars().alias("fld"),
        _wasp_class(has_error),
    ).with_columns(
        pl.when(pl.col("row_number").is_not_null())
        .then(pl.lit("row number"))
        .when(pl.col("data_index").is_not_null())
        .then(pl.lit("data index"))
        .when(pl.col("text_row").is_not_null())
        .then(pl.lit("row number"))
        .alias("how"),
        pl.when(pl.col("row_number").is_not_null())
        .then(pl.col("row_number"))
        .when(pl.col("data_index").is_null())
        .then(pl.col("text_row"))
        .alias("wanted"),
        pl.when(pl.col("fld") != "").then(pl.col("fld")).alias("fld"),
    )
    located = located.join(rows, on="wanted", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("how") == "data index")
        .then(pl.when(pl.col("data_index") < n).then(pl.col("data_index")))
        .otherwise(pl.col("by_row"))
        .alias("position")
    )
    return located.with_columns(
        (pl.col("how").is_not_null() & pl.col("position").is_null()).alias("foreign")
    )


def _wasp_records(located: pl.DataFrame, finder: FieldFinder) -> pl.DataFrame:
    """One outcome per record that has results: the worst result wins, texts joined."""
    if located.height == 0:
        return pl.DataFrame(schema=ASSIGNED_SCHEMA)
    fields = finder.on(located["message"])
    located = located.with_columns(
        pl.when(pl.col("class") > 0).then(pl.coalesce(pl.col("fld"), fields)).alias("flagged")
    )

    def joined(column: str, sep: str) -> pl.Expr:
        text = pl.col(column).drop_nulls().unique(maintain_order=True).str.join(sep)
        return pl.when(text != "").then(text).alias(column)

    per_record = (
        located.sort("position", "index")
        .group_by("position", maintain_order=True)
        .agg(
            pl.col("class").max().alias("worst"),
            joined("message", "; "),
            joined("flagged", ", ").alias("field"),
            pl.col("status_code")
            .sort_by(["class", "index"], descending=[True, False])
            .first()
            .alias("status_code"),
            pl.col("how").first().alias("matched_by"),
            joined("customer_id", "; ").alias("server_id"),
        )
    )
    text = pl.col("message").fill_null("")
    created, updated = text.str.contains(_CREATED), text.str.contains(_UPDATED)
    return per_record.select(
        "position",
        pl.when(pl.col("worst") == 2)
        .then(pl.lit("error"))
        .when(created & ~updated)
        .then(pl.lit("created"))
        .when(updated & ~created)
        .then(pl.lit("updated"))
        .otherwise(pl.lit("saved"))
        .alias("outcome"),
        "message",
        "field",
        "status_code",
        "matched_by",
        pl.lit(False).alias("batch_level"),
        "server_id",
    ).cast(ASSIGNED_SCHEMA)  # type: ignore[arg-type]


def wasp_batch(records: pl.DataFrame, parsed: ParsedResponse, finder: FieldFinder) -> BatchResult:
    """Match a Wasp batch: row numbers, ``Data[i]`` indexes, position, else the batch outcome.

    ``records``: ``position, row_number`` (the ImportRowNumber sent). See the module example.
    """
    if parsed.refused:
        return _refused_batch(records, parsed, finder, "error")
    n = records.height
    located = _locate_wasp(parsed.results, records, parsed.has_error)
    in_line = (pl.col("position").is_null() | (pl.col("position") == pl.col("index"))) & ~pl.col(
        "foreign"
    )
    if located.height and located.height == n and located.select(in_line.all()).item():
        positional = located["how"].null_count() == located.height
        located = located.with_columns(
            pl.col("index").alias("position"), pl.col("how").fill_null("position")
        )
        how = "position" if positional else "row number"
        lost = located.clear()
    else:
        lost = located.filter(pl.col("position").is_null())
        located = located.filter(pl.col("position").is_not_null())
        how = located["how"].drop_nulls().first() if located.height else "batch"
    assigned = _wasp_records(located, finder)
    unmatched = lost.select(
        pl.col("index").alias("result"),
        pl.when(pl.col("class") == 2)
        .then(pl.lit("error"))
        .otherwise(pl.lit("saved"))
        .alias("outcome"),
        "message",
        pl.col("fld").alias("field"),
        pl.when(pl.col("wanted").is_not_null())
        .then(pl.format("row={}", pl.col("wanted")))
        .alias("keys"),
        pl.when(pl.col("foreign"))
        .then(pl.lit("its row number is not in this batch"))
        .otherwise(pl.lit("it names no row and the results do not line up with the records"))
        .alias("reason"),
    )
    rest = records.select("position").join(assigned, on="position", how="anti")["position"]
    note = ""
    if rest.len():
        errors = int((assigned["outcome"] == "error").sum())
        assigned = pl.concat([assigned, _wasp_rest(rest, n, errors, lost, parsed, finder)])
        note = f"{rest.len()} of {n} records have no result of their own"
    return BatchResult(
        assigned.sort("position"),
        unmatched.cast(UNMATCHED_SCHEMA),  # type: ignore[arg-type]
        str(how),
        has_error=parsed.has_error,
        note=note,
        results=located.height + lost.height,
    )


def _wasp_rest(
    rest: pl.Series,
    n: int,
    error_records: int,
    lost: pl.DataFrame,
    parsed: ParsedResponse,
    finder: FieldFinder,
) -> pl.DataFrame:
    """Outcomes of the records a Wasp response gives no result of their own."""
    lost_errors = lost.filter(pl.col("class") == 2)
    said = "; ".join(
        dict.fromkeys([*lost["message"].drop_nulls().to_list(), *parsed.batch_messages])
    )
    if parsed.has_error or (parsed.errors or 0) > 0 or lost_errors.height:
        vouched = (
            parsed.successful is not None
            and parsed.errors is not None
            and parsed.successful + parsed.errors == n
            and parsed.errors == error_records
            and lost_errors.height == 0
        )
        if vouched:
            message = (
                f"no result of its own; the server counted {parsed.successful} successful and "
                f"{parsed.errors} errors, all errors on other records"
            )
            return constant_outcomes(rest, "saved", message, None, "batch")
        fields = ", ".join(dict.fromkeys(lost_errors["fld"].drop_nulls().to_list()))
        message = (
            "the server reported an error for this batch and no result for this record "
            f"(it may or may not be saved): {said or 'no message'}"
        )
        return constant_outcomes(rest, "error", message, fields or finder(said), "batch")
    reported = parsed.successful if parsed.successful is not None else parsed.total
    if reported is not None and reported < n:
        message = f"the server reported {reported} results for {n} records, none for this one"
        return constant_outcomes(rest, "missing", message, None, "batch")
    message = "no result of its own; the batch reported no error"
    return constant_outcomes(rest, "saved", message, None, "batch")
