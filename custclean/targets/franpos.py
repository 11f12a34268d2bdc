"""Franpos ``POST api/customers``: the ``CustomersModel`` body, its options and its simulation.

The body is exactly the seed's ``CustomersModel``: the flags ``RequireCountry``,
``RequireState``, ``RequireDob``, ``RequireNote``, ``RequireGender``,
``IgnoreSharedCustomers`` (options ``require_country`` … ``ignore_shared_customers``, default
False as the seed says) and ``Customers``, a list of ``CustomerInfo`` holding every field the
record has a value for. A key without a value is left out, never sent as null, so that an
update cannot blank what the account holds.

How the canonical fields are written:

========================= =================================================================
CustomerInfo field        from / how
========================= =================================================================
LocationId                ``location_id`` column (an integer; anything else rejects the
                          record with its reason), else the ``location_id=`` option
FirstName, LastName       ``first_name``, ``last_name``
Email, CustomerCode       ``email``, ``customer_code``
CellPhone, WorkPhone      ``cell_phone``, ``work_phone`` in ``phone_format``: ``e164``
                          (``+13125550123``), ``national`` (``(312) 555-0123``) or ``digits``
                          (``3125550123``). Franpos compares CellPhone as text, so choose the
                          format the account already stores. A work-phone extension is
                          appended as `` x45`` (``phone_extension="append"``, the default) or
                          dropped; a cell-phone extension is never appended (CellPhone is a
                          matching key) and its loss is flagged.
Dob                       ``dob`` as ``yyyy-mm-dd``
Gender                    ``gender`` through ``gender_map`` (ASSUMPTION: the enum is not
                          published; the default is ``{"unknown": 0, "male": 1, "female": 2}``).
                          An empty gender is left out: sending 0 would overwrite a known one.
Address, Address2, City,  ``address1``, ``address2``, ``city``, ``zip``
Zip
Country, State            ``country``/``state`` as ISO ``code`` or ISO English ``name``
                          (``country_format``/``state_format``; Franpos accepts both)
NoteType, Notes           ``note_type`` checked against the known names (``note_types=`` or
                          ``reference_data/franpos_note_types.csv``), case-insensitively;
                          an unknown name is flagged and dropped (``unknown_note_type="drop"``)
                          or rejects the record (``"reject"``); ``notes``
CustomerId, Balance, …    only from columns named in ``extra_fields={"column": "Balance"}``
========================= =================================================================

``company``, ``honorific`` and ``suffix`` have no CustomerInfo field and are not sent.

Batches: ``batch_size`` records per call (default 100). No batch limit is published; the
account's quota (about 1,000 successful calls per location per month) favours few, full
batches, while a failed call should not take too many records with it: 100 spends 10 calls per
1,000 customers.

Example:
    >>> import polars as pl
    >>> from custclean.exporting import export
    >>> records = pl.DataFrame({"source_row": [1], "email": ["ann@x.com"], "gender": ["female"]})
    >>> export(records, "franpos").batches[0]["Customers"]
    [{'Email': 'ann@x.com', 'Gender': 2}]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import polars as pl

from custclean.errors import CustcleanError
from custclean.issues import ISSUE_SCHEMA, empty_issues
from custclean.reference import load_table
from custclean.targets.base import (
    PHONE_FORMATS,
    REJECTED_SCHEMA,
    Built,
    Option,
    body_records,
    boolean,
    choice,
    format_countries,
    format_phones,
    format_states,
    length_issues,
    optional_int,
    positive_int,
    split_batches,
)

__all__ = ["CUSTOMER_FIELDS", "FLAGS", "NAME", "OPTIONS", "build"]

NAME = "franpos"

#: CustomerInfo properties in the seed's order, with their JSON type.
CUSTOMER_FIELDS: dict[str, str] = {
    "LocationId": "integer",
    "CustomerId": "integer",
    "FirstName": "string",
    "LastName": "string",
    "Email": "string",
    "CellPhone": "string",
    "WorkPhone": "string",
    "Dob": "string",
    "Gender": "integer",
    "CustomerCode": "string",
    "Address": "string",
    "Address2": "string",
    "City": "string",
    "Zip": "string",
    "Country": "string",
    "State": "string",
    "NoteType": "string",
    "Notes": "string",
    "Balance": "number",
    "RewardPoints": "number",
    "Image": "string",
    "NopExternalId": "string",
    "LeadSourceId": "integer",
}

#: The canonical field each CustomerInfo property is written from.
FIELD_OF: dict[str, str] = {
    "LocationId": "location_id",
    "FirstName": "first_name",
    "LastName": "last_name",
    "Email": "email",
    "CellPhone": "cell_phone",
    "WorkPhone": "work_phone",
    "Dob": "dob",
    "Gender": "gender",
    "CustomerCode": "customer_code",
    "Address": "address1",
    "Address2": "address2",
    "City": "city",
    "Zip": "zip",
    "Country": "country",
    "State": "state",
    "NoteType": "note_type",
    "Notes": "notes",
}

#: Properties only written from a column the analyst names in ``extra_fields``.
EXTRA_FIELDS: tuple[str, ...] = (
    "CustomerId",
    "Balance",
    "RewardPoints",
    "Image",
    "NopExternalId",
    "LeadSourceId",
)

#: The body's flags in the seed's order, with the option that sets each.
FLAGS: dict[str, str] = {
    "RequireCountry": "require_country",
    "RequireState": "require_state",
    "RequireDob": "require_dob",
    "RequireNote": "require_note",
    "RequireGender": "require_gender",
    "IgnoreSharedCustomers": "ignore_shared_customers",
}

#: ASSUMPTION: Franpos does not publish its Gender enum; 0/1/2 is the common guess.
DEFAULT_GENDER_MAP: dict[str, int] = {"unknown": 0, "male": 1, "female": 2}

_DOB = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _gender_map(value: Any, name: str) -> dict[str, int]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in value.items()
    ):
        raise CustcleanError(
            f"option {name}={value!r} is not valid",
            hint='use a mapping of gender to integer, e.g. {"unknown": 0, "male": 1, "female": 2}',
        )
    resolved = {k.strip().casefold(): int(v) for k, v in value.items()}
    missing = [g for g in ("male", "female") if g not in resolved]
    if missing:
        raise CustcleanError(
            f"option {name} has no integer for {missing[0]!r}",
            hint="give integers for 'male' and 'female' (and 'unknown' if you like)",
        )
    return dict(sorted(resolved.items()))


def _note_types(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise CustcleanError(
            f"option {name}={value!r} is not valid",
            hint='use a list of note type names, e.g. ["General", "VIP"], or None',
        )
    return [v for v in dict.fromkeys(v.strip() for v in value) if v]


def _extra_fields(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and v in EXTRA_FIELDS for k, v in value.items()
    ):
        raise CustcleanError(
            f"option {name}={value!r} is not valid",
            hint="map column names to one of: " + ", ".join(EXTRA_FIELDS),
        )
    return dict(value)


#: Every option of the Franpos target, with its default.
OPTIONS: dict[str, Option] = {
    **{
        option: Option(option, False, boolean, f"the body's {flag} flag")
        for flag, option in FLAGS.items()
    },
    "batch_size": Option("batch_size", 100, positive_int(), "customers per call"),
    "phone_format": Option("phone_format", "e164", choice(*PHONE_FORMATS), "phone format"),
    "phone_extension": Option(
        "phone_extension", "append", choice("append", "drop"), "work-phone extension"
    ),
    "country_format": Option("country_format", "code", choice("code", "name"), "Country"),
    "state_format": Option("state_format", "code", choice("code", "name"), "State"),
    "gender_map": Option("gender_map", DEFAULT_GENDER_MAP, _gender_map, "Gender integers"),
    "location_id": Option("location_id", None, optional_int, "LocationId when the column is empty"),
    "note_types": Option("note_types", None, _note_types, "known NoteType names"),
    "unknown_note_type": Option(
        "unknown_note_type", "drop", choice("drop", "reject"), "an unknown NoteType"
    ),
    "too_long": Option("too_long", "flag", choice("flag", "reject"), "over-long values"),
    "extra_fields": Option("extra_fields", {}, _extra_fields, "column → CustomerInfo field"),
}


def known_note_types(option: list[str] | None) -> list[str]:
    """Return the note type names to check against: the option, else the reference table.

    Example:
        >>> known_note_types(["VIP"]), isinstance(known_note_types(None), list)
        (['VIP'], True)
    """
    if option is not None:
        return option
    table = load_table("franpos_note_types")
    if "name" not in table.columns:
        return []
    return [v for v in dict.fromkeys(table["name"].drop_nulls().str.strip_chars()) if v]


def _issue_rows(
    frame: pl.DataFrame, mask: pl.Series, field: str, code: str, value: str, message: pl.Expr
) -> pl.DataFrame:
    return frame.filter(mask).select(
        pl.col("source_row").cast(pl.Int64),
        pl.lit(field).alias("field"),
        pl.lit(code).alias("code"),
        pl.col(value).cast(pl.String).alias("value"),
        pl.lit(None, dtype=pl.String).alias("result"),
        message.alias("message"),
    )


def _str(records: pl.DataFrame, column: str) -> pl.Series:
    if column not in records.columns:
        return pl.Series(column, [None] * records.height, dtype=pl.String)
    return records[column].cast(pl.String).str.strip_chars().replace("", None)


def build(records: pl.DataFrame, options: dict[str, Any]) -> Built:
    """Turn records (``source_row``, ``source_rows`` + canonical fields) into Franpos bodies.

    Example:
        >>> r = pl.DataFrame({"source_row": [1, 2], "location_id": ["3", "three"]})
        >>> from custclean.targets.base import resolve_options
        >>> r = r.with_columns(pl.concat_list("source_row").alias("source_rows"))
        >>> r = r.with_columns(first_name=pl.lit("Al"))
        >>> built = build(r, resolve_options(OPTIONS, {}, target="franpos"))
        >>> built.batches[0]["Customers"], built.rejected["reason"].to_list()
        ([{'LocationId': 3, 'FirstName': 'Al'}], ["LocationId 'three' is not an integer"])
    """
    issues: list[pl.DataFrame] = []
    reasons: list[tuple[str, pl.Series, pl.Expr]] = []  # (field, mask, reason)
    out: dict[str, pl.Series] = {}

    # LocationId: the column wins, the option fills blanks.
    loc_text = _str(records, "location_id")
    loc = loc_text.str.replace(r"^\+", "").cast(pl.Int64, strict=False)
    bad_loc = loc_text.is_not_null() & (loc.is_null() | ~loc_text.str.contains(r"^[+-]?\d+$"))
    reasons.append(
        ("location_id", bad_loc, pl.format("LocationId '{}' is not an integer", pl.col("__loc")))
    )
    out["LocationId"] = (
        loc if options["location_id"] is None else loc.fill_null(options["location_id"])
    ).cast(pl.Int64)

    for api in ("FirstName", "LastName", "Email", "CustomerCode", "Address", "Address2"):
        out[api] = _str(records, FIELD_OF[api])
    out["City"], out["Zip"] = _str(records, "city"), _str(records, "zip")
    out["Notes"] = _str(records, "notes")

    # Phones.
    fmt = options["phone_format"]
    cell, cell_bad = format_phones(_str(records, "cell_phone"), fmt)
    work, work_bad = format_phones(_str(records, "work_phone"), fmt)
    work_ext = _str(records, "work_phone_ext")
    if options["phone_extension"] == "append":
        work = (
            pl.when(work.is_not_null() & work_ext.is_not_null())
            .then(work + " x" + work_ext)
            .otherwise(work)
        )
        work = pl.select(work).to_series()
    out["CellPhone"], out["WorkPhone"] = cell, work.alias("WorkPhone")

    # Dob.
    dob_text = _str(records, "dob")
    dob_ok = dob_text.str.contains(_DOB.pattern).fill_null(False)
    out["Dob"] = pl.select(pl.when(dob_ok).then(dob_text)).to_series()

    # Gender.
    gmap = options["gender_map"]
    gender_text = _str(records, "gender")
    gender = gender_text.str.to_lowercase().replace_strict(
        list(gmap), list(gmap.values()), default=None, return_dtype=pl.Int64
    )
    out["Gender"] = gender

    # Country and State.
    country, country_bad = format_countries(_str(records, "country"), options["country_format"])
    out["Country"] = country
    country_code, _ = format_countries(_str(records, "country"), "code")
    out["State"] = format_states(_str(records, "state"), country_code, options["state_format"])

    # NoteType.
    note_text = _str(records, "note_type")
    known = known_note_types(options["note_types"])
    if known:
        from custclean.normalize.note_type import note_type_key

        by_key: dict[str, str] = {}
        for name in known:
            by_key.setdefault(note_type_key(name), name)
        distinct = note_text.drop_nulls().unique(maintain_order=True).to_list()
        resolved = [by_key.get(note_type_key(v)) for v in distinct]
        note = note_text.replace_strict(distinct, resolved, default=None, return_dtype=pl.String)
    else:
        note = note_text
    note_bad = note_text.is_not_null() & note.is_null()
    out["NoteType"] = note

    # Extra columns named by the analyst.
    for column, api in options["extra_fields"].items():
        if column not in records.columns:
            raise CustcleanError(
                f"extra_fields names column {column!r}, which the records do not have",
                hint="use one of: " + ", ".join(records.columns),
            )
        text = _str(records, column)
        kind = CUSTOMER_FIELDS[api]
        if kind == "string":
            out[api] = text
        else:
            dtype = pl.Int64 if kind == "integer" else pl.Float64
            out[api] = text.cast(dtype, strict=False)
            bad = text.is_not_null() & out[api].is_null()
            base = records.with_columns(text.alias("__v"))
            issues.append(
                _issue_rows(
                    base,
                    bad,
                    column,
                    "invalid",
                    "__v",
                    pl.lit(f"{api} must be a {kind}; not sent"),
                )
            )

    api_frame = pl.DataFrame(
        {"source_row": records["source_row"], "source_rows": records["source_rows"]}
        | {name: out[name].alias(name) for name in CUSTOMER_FIELDS if name in out}
    )

    # Issues for values not sent or changed in meaning.
    base = records.with_columns(
        __cell=_str(records, "cell_phone"),
        __work=_str(records, "work_phone"),
        __dob=dob_text,
        __gender=gender_text,
        __country=_str(records, "country"),
        __note=note_text,
        __cell_ext=_str(records, "cell_phone_ext"),
        __loc=loc_text,
    )
    issues.append(
        _issue_rows(
            base,
            cell_bad,
            "cell_phone",
            "invalid",
            "__cell",
            pl.lit("CellPhone is not an E.164 number; sent as given"),
        )
    )
    issues.append(
        _issue_rows(
            base,
            work_bad,
            "work_phone",
            "invalid",
            "__work",
            pl.lit("WorkPhone is not an E.164 number; sent as given"),
        )
    )
    issues.append(
        _issue_rows(
            base,
            _str(records, "cell_phone_ext").is_not_null(),
            "cell_phone_ext",
            "invalid",
            "__cell_ext",
            pl.lit("CellPhone is a matching key: its extension is not sent"),
        )
    )
    issues.append(
        _issue_rows(
            base,
            dob_text.is_not_null() & ~dob_ok,
            "dob",
            "invalid",
            "__dob",
            pl.lit("Dob is not a yyyy-mm-dd date; not sent"),
        )
    )
    issues.append(
        _issue_rows(
            base,
            gender_text.is_not_null() & gender.is_null(),
            "gender",
            "invalid",
            "__gender",
            pl.lit("gender has no integer in gender_map; not sent"),
        )
    )
    issues.append(
        _issue_rows(
            base,
            country_bad,
            "country",
            "invalid",
            "__country",
            pl.lit("country names no ISO country; not sent"),
        )
    )
    listing = ", ".join(known[:6]) + (", …" if len(known) > 6 else "")
    issues.append(
        _issue_rows(
            base,
            note_bad,
            "note_type",
            "invalid",
            "__note",
            pl.lit(f"NoteType is not a known name ({listing}); not sent"),
        )
    )
    if options["unknown_note_type"] == "reject":
        reasons.append(
            (
                "note_type",
                note_bad,
                pl.format("NoteType '{}' is not a known name", pl.col("__note")),
            )
        )

    long_issues, too_long = length_issues(
        api_frame.select(pl.exclude("source_rows")), NAME, field_of=FIELD_OF
    )
    issues.append(long_issues)
    if options["too_long"] == "reject":
        reasons.append(("too_long", too_long, pl.lit("a value is longer than its assumed limit")))

    sendable = [c for c in CUSTOMER_FIELDS if c in api_frame.columns and c != "LocationId"]
    empty = api_frame.select(pl.all_horizontal(pl.col(sendable).is_null())).to_series()
    reasons.append(("*", empty, pl.lit("the record has no value to send")))

    # Rejections: the first reason per record.
    reason_parts = [
        base.filter(mask).select(
            pl.col("source_row").cast(pl.Int64),
            pl.lit(field).alias("field"),
            reason.alias("reason"),
            pl.lit(i).alias("__order"),
        )
        for i, (field, mask, reason) in enumerate(reasons)
    ]
    rejected = (
        pl.concat(reason_parts)
        .sort("source_row", "__order")
        .unique("source_row", keep="first", maintain_order=True)
        .join(api_frame.select("source_row", "source_rows"), on="source_row", how="left")
        .select(list(REJECTED_SCHEMA))
        .cast(REJECTED_SCHEMA)  # type: ignore[arg-type]
    )
    kept = api_frame.filter(~pl.col("source_row").is_in(rejected["source_row"].implode()))

    batches: list[dict[str, Any]] = []
    flags = {flag: options[option] for flag, option in FLAGS.items()}
    size = options["batch_size"]
    customers = body_records(kept, list(CUSTOMER_FIELDS))
    for rows in split_batches(kept.height, size):
        batches.append({**flags, "Customers": customers[rows.start : rows.stop]})
    index = pl.int_range(0, pl.len(), dtype=pl.Int64)
    preview = kept.select(
        (index // size + 1).alias("batch"),
        (index % size).alias("position"),
        "source_row",
        "source_rows",
        *[c for c in CUSTOMER_FIELDS if c in kept.columns],
    )
    issue_frame = pl.concat([i.cast(ISSUE_SCHEMA) for i in issues]) if issues else empty_issues()  # type: ignore[arg-type]
    issue_frame = issue_frame.sort("source_row", "field", maintain_order=True)
    return Built(
        batches=batches,
        address_batches=[],
        preview=preview,
        rejected=rejected,
        issues=issue_frame,
    )


# --------------------------------------------------------------------------------------------
# Simulation.
# --------------------------------------------------------------------------------------------

#: The matching keys in the order the seed names them: Email, then CustomerCode, then
#: CellPhone. ASSUMPTION: when they point to different customers the first one wins (which
#: one does is not published); the reason then says so.
MATCH_KEYS: dict[str, str] = {
    "Email": "email",
    "CustomerCode": "customer_code",
    "CellPhone": "cell_phone",
}

#: What each Require* flag needs, as (option, API field, canonical field).
REQUIREMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("RequireCountry", "require_country", "Country", "country"),
    ("RequireState", "require_state", "State", "state"),
    ("RequireDob", "require_dob", "Dob", "dob"),
    ("RequireNote", "require_note", "NoteType", "note_type"),
    ("RequireGender", "require_gender", "Gender", "gender"),
)


def existing_frame(existing: pl.DataFrame | None, keys: tuple[str, ...]) -> pl.DataFrame:
    """Return the existing customers as text: ``existing_id`` plus ``keys`` (missing → null).

    Example:
        >>> old = pl.DataFrame({"existing_id": [7], "email": ["a@x.com"]})
        >>> existing_frame(old, ("email", "zip")).row(0)
        ('7', 'a@x.com', None)
    """
    if existing is None:
        return pl.DataFrame(schema={"existing_id": pl.String, **{k: pl.String for k in keys}})
    if "existing_id" not in existing.columns:
        raise CustcleanError(
            "the existing customers have no existing_id column",
            hint="give each existing customer its id in the account as existing_id",
        )
    cols = [pl.col("existing_id").cast(pl.String)]
    for key in keys:
        if key in existing.columns:
            cols.append(pl.col(key).cast(pl.String).alias(key))
        else:
            cols.append(pl.lit(None, dtype=pl.String).alias(key))
    return existing.select(cols).filter(pl.col("existing_id").is_not_null())


def _first_hits(
    preview: pl.DataFrame,
    stored: pl.DataFrame,
    api: str,
    key: str,
    loose: pl.Expr,
    stored_loose: pl.Expr,
) -> pl.DataFrame:
    """Per source_row: the existing customer storing the sent text, or a loosely equal one."""
    sent = preview.select("source_row", pl.col(api).alias("__v"), loose.alias("__l")).filter(
        pl.col("__v").is_not_null()
    )
    table = stored.select(
        "existing_id",
        pl.col(key).alias("__v"),
        stored_loose.alias("__l"),
        pl.col(key).alias("__stored"),
    ).filter(pl.col("__v").is_not_null())
    exact = (
        sent.join(table.select("__v", "existing_id"), on="__v", how="inner")
        .sort("source_row", "existing_id")
        .group_by("source_row", maintain_order=True)
        .agg(pl.col("existing_id").first().alias(f"exact_{key}"), pl.len().alias(f"n_{key}"))
    )
    near = (
        sent.join(table.select("__l", "existing_id", "__stored", "__v"), on="__l", how="inner")
        .filter(pl.col("__v") != pl.col("__v_right"))
        .sort("source_row", "existing_id")
        .group_by("source_row", maintain_order=True)
        .agg(
            pl.col("existing_id").first().alias(f"near_{key}"),
            pl.col("__stored").first().alias(f"stored_{key}"),
        )
    )
    return exact.join(near, on="source_row", how="full", coalesce=True)


def _national_digits(values: pl.Series) -> pl.Series:
    import phonenumbers as pn

    def nsn(value: str) -> str | None:
        try:
            return pn.national_significant_number(pn.parse(value, None))
        except pn.NumberParseException:
            return None

    distinct = values.drop_nulls().unique(maintain_order=True)
    answers = pl.Series([nsn(v) for v in distinct.to_list()], dtype=pl.String)
    return values.replace_strict(distinct, answers, default=None, return_dtype=pl.String)


def simulate(export: Any, existing: pl.DataFrame | None) -> pl.DataFrame:
    """Predict Franpos' answer (Added / Updated / Error) for every record of ``export``.

    Follows the seed: a customer whose Email, CustomerCode or CellPhone equals an existing
    customer's (as stored text) is Updated; otherwise it is Added unless a Require* flag is on
    and its value is missing or unresolved (Error: the Require* flags apply to adding only).
    Records of one upload that share a key hit the same customer: the later one overwrites
    the earlier. A key equal only loosely (a stored ``(312) 555-0123`` against a sent
    ``+13125550123``; an e-mail in another case) is reported: the server compares text and
    would add a duplicate.

    Example:
        >>> from custclean.exporting import export
        >>> rows = pl.DataFrame({"source_row": [1, 2], "email": ["a@x.com", "a@x.com"]})
        >>> table = export(rows, "franpos").simulate().table
        >>> outcome, reason = table.select("outcome", "reason").row(1)
        >>> outcome, reason.startswith("same Email as source row 1 earlier in this upload")
        ('Updated', True)
    """
    preview: pl.DataFrame = export.preview
    records: pl.DataFrame = export.records
    options: dict[str, Any] = export.options
    stored = existing_frame(existing, tuple(MATCH_KEYS.values()))

    cell_e164 = records.select("source_row", pl.col("cell_phone").cast(pl.String).alias("__e164"))
    frame = preview.join(cell_e164, on="source_row", how="left").with_columns(
        _national_digits(preview.join(cell_e164, on="source_row", how="left")["__e164"]).alias(
            "__nsn"
        )
    )
    stored = stored.with_columns(pl.col("cell_phone").str.replace_all(r"\D", "").alias("__digits"))

    hits = frame.select("source_row")
    email = _first_hits(
        frame,
        stored,
        "Email",
        "email",
        pl.col("Email").str.to_lowercase(),
        pl.col("email").str.strip_chars().str.to_lowercase(),
    )
    code = _first_hits(
        frame,
        stored,
        "CustomerCode",
        "customer_code",
        pl.col("CustomerCode").str.to_uppercase(),
        pl.col("customer_code").str.strip_chars().str.to_uppercase(),
    )
    hits = hits.join(email, on="source_row", how="left").join(code, on="source_row", how="left")
    # Cell: exact text, then the same national number stored in another format.
    cell = _first_hits(
        frame,
        stored,
        "CellPhone",
        "cell_phone",
        pl.lit(None, dtype=pl.String),
        pl.lit(None, dtype=pl.String),
    ).select("source_row", "exact_cell_phone", "n_cell_phone")
    hits = hits.join(cell, on="source_row", how="left")
    lengths = frame["__nsn"].drop_nulls().str.len_chars().unique().sort().to_list()
    near_cell_parts = []
    for k in lengths:
        near_cell_parts.append(
            frame.filter(pl.col("__nsn").str.len_chars() == k)
            .select("source_row", "__nsn", "CellPhone")
            .join(
                stored.filter(pl.col("__digits").str.len_chars() >= k).select(
                    "existing_id",
                    pl.col("cell_phone").alias("stored_cell_phone"),
                    pl.col("__digits").str.slice(-k).alias("__nsn"),
                ),
                on="__nsn",
                how="inner",
            )
            .filter(pl.col("stored_cell_phone") != pl.col("CellPhone"))
        )
    if near_cell_parts:
        near_cell = (
            pl.concat(near_cell_parts)
            .sort("source_row", "existing_id")
            .group_by("source_row", maintain_order=True)
            .agg(
                pl.col("existing_id").first().alias("near_cell_phone"),
                pl.col("stored_cell_phone").first(),
            )
        )
    else:
        near_cell = pl.DataFrame(
            schema={
                "source_row": pl.Int64,
                "near_cell_phone": pl.String,
                "stored_cell_phone": pl.String,
            }
        )
    hits = hits.join(near_cell, on="source_row", how="left")
    frame = frame.join(hits, on="source_row", how="left")

    # Why an add would fail.
    original = records.select(
        "source_row",
        *[pl.col(c).cast(pl.String).alias(f"__orig_{c}") for _, _, _, c in REQUIREMENTS],
    )
    frame = frame.join(original, on="source_row", how="left")
    known = known_note_types(options["note_types"])
    fail_parts: list[pl.Expr] = []
    for flag, option, api, canon in REQUIREMENTS:
        if not options[option] or api not in frame.columns:
            continue
        fail_parts.append(
            pl.when(pl.col(api).is_null() & pl.col(f"__orig_{canon}").is_null())
            .then(pl.lit(f"{flag}: no {api}"))
            .when(pl.col(api).is_null())
            .then(pl.format(f"{flag}: {api} '{{}}' cannot be resolved", pl.col(f"__orig_{canon}")))
        )
    add_error = (
        pl.concat_str(fail_parts, separator="; ", ignore_nulls=True)
        if fail_parts
        else pl.lit(None, dtype=pl.String)
    )
    frame = frame.with_columns(add_error.replace("", None).alias("__add_error"))

    rows = (
        frame.select(
            "source_row",
            "batch",
            "position",
            "Email",
            "CustomerCode",
            "CellPhone",
            "exact_email",
            "exact_customer_code",
            "exact_cell_phone",
            "n_email",
            "n_customer_code",
            "n_cell_phone",
            "near_email",
            "stored_email",
            "near_customer_code",
            "stored_customer_code",
            "near_cell_phone",
            "stored_cell_phone",
            "__add_error",
        )
        .sort("batch", "position")
        .to_dicts()
    )

    sent_fields = preview.select(
        "source_row",
        pl.concat_str(
            [
                pl.when(pl.col(c).is_not_null()).then(pl.lit(c))
                for c in CUSTOMER_FIELDS
                if c in preview.columns
            ],
            separator=",",
            ignore_nulls=True,
        ).alias("fields"),
    )

    upload: dict[
        tuple[str, str], tuple[str, Any]
    ] = {}  # (api key, value) -> ("E", id) | ("U", row)
    touched: dict[tuple[str, Any], int] = {}  # customer -> the last source row that hit it
    out: list[tuple[int, str, str | None, str | None]] = []
    for row in rows:
        source_row = row["source_row"]
        notes: list[str] = []
        hit_list: list[tuple[str, tuple[str, Any]]] = []
        for api, key in MATCH_KEYS.items():
            value = row[api]
            if value is None:
                continue
            in_upload = upload.get((api, value))
            if in_upload is not None:
                hit_list.append((api, in_upload))
            elif row[f"exact_{key}"] is not None:
                hit_list.append((api, ("E", row[f"exact_{key}"])))
                if (row[f"n_{key}"] or 0) > 1:
                    notes.append(f"{row[f'n_{key}']} existing customers share this {api}")
        if hit_list:
            api, target = hit_list[0]
            others = {t for _, t in hit_list if t != target}
            if others:
                names = ", ".join(
                    f"{a} → {'existing ' + str(t[1]) if t[0] == 'E' else 'source row ' + str(t[1])}"
                    for a, t in hit_list
                )
                notes.append(
                    f"keys point to different customers ({names}); assumed the {api} match wins"
                )
            outcome = "Updated"
            existing_id = str(target[1]) if target[0] == "E" else None
            last = touched.get(target)
            if target[0] == "E" and last is not None:
                notes.insert(
                    0,
                    f"existing customer {target[1]} is also updated by source row {last} earlier"
                    " in this upload: this one overwrites it",
                )
            elif target[0] == "U":
                notes.insert(
                    0,
                    f"same {api} as source row {last} earlier in this upload: hits the customer"
                    f" source row {target[1]} adds and overwrites it"
                    if last != target[1]
                    else f"same {api} as source row {last} earlier in this upload: hits the"
                    " customer it adds and overwrites it",
                )
            customer = target
        elif row["__add_error"] is not None:
            out.append((source_row, "Error", None, row["__add_error"] + " (customer not added)"))
            continue
        else:
            outcome, existing_id, customer = "Added", None, ("U", source_row)
            for api, key in MATCH_KEYS.items():
                near = row[f"near_{key}"]
                if near is not None and row[api] is not None:
                    notes.append(
                        f"{api} '{row[api]}' is stored as '{row[f'stored_{key}']}' on existing"
                        f" customer {near}: the server compares text, so it would add a duplicate"
                        + (" (choose phone_format to match)" if api == "CellPhone" else "")
                    )
            if options["require_note"] and not known:
                notes.append("NoteType not checked: no known note type names were given")
        for api in MATCH_KEYS:
            if row[api] is not None:
                upload[(api, row[api])] = customer
        touched[customer] = source_row
        out.append((source_row, outcome, existing_id, "; ".join(notes) or None))

    table = pl.DataFrame(
        out,
        schema={
            "source_row": pl.Int64,
            "outcome": pl.String,
            "existing_id": pl.String,
            "reason": pl.String,
        },
        orient="row",
    )
    table = (
        preview.select("source_row", "batch", "position")
        .join(table, on="source_row", how="left")
        .join(sent_fields, on="source_row", how="left")
    )
    not_sent = export.rejected.select(
        "source_row",
        pl.lit(None, dtype=pl.Int64).alias("batch"),
        pl.lit(None, dtype=pl.Int64).alias("position"),
        pl.lit("Error").alias("outcome"),
        pl.lit(None, dtype=pl.String).alias("existing_id"),
        pl.lit(None, dtype=pl.String).alias("fields"),
        ("not sent: " + pl.col("reason")).alias("reason"),
    )
    columns = ["source_row", "batch", "position", "outcome", "existing_id", "fields", "reason"]
    return pl.concat([table.select(columns), not_sent.select(columns)]).sort("source_row")
