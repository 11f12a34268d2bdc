"""Read a saved API response and check its shape, before any matching happens.

Private helper of :mod:`custclean.reconciling`. Two jobs:

1. :func:`load_response` turns bytes / text / an already parsed object into JSON, raising an
   :class:`~custclean.errors.InputError` that names the file and the batch when the content is
   empty, HTML, compressed, not UTF-8 or truncated JSON.
2. :func:`parse_franpos` and :func:`parse_wasp` check the shape the API documents and return a
   :class:`ParsedResponse`: one normalised dict per result, plus what the server said about the
   batch as a whole.

Shapes accepted (keys are matched case-insensitively, since .NET servers may be set up to write
camelCase):

- Franpos ``POST api/customers``: a JSON list of results (``LocationId, FirstName, LastName,
  Email, CustomerCode, CellPhone, Dob, Status`` and ``Message`` on error); the same list inside an
  ``HttpResponseMessage``-like object (``{"Content": [...], "StatusCode": 200, ...}``, the shape
  the seed documents), also with ``Content`` holding the list as JSON text; and the ASP.NET error
  body ``{"Message": ..., "ModelState": {"model.Customers[3].Email": [...]}}`` (the whole call was
  refused: every record of the batch failed, those named in ``ModelState`` with their field).
- Wasp ``POST public-api/customers/save``: ``WaspResultOfResults`` (``Data.ResultList`` of
  ``ResultCode, Message, HttpStatusCode, FieldName``; ``Data.SuccessfullResults, TotalResults,
  ErrorCount``; ``Messages``; ``HasError``, ``HasHttpError``), and the ASP.NET error body.

Example:
    >>> r = parse_franpos(load_response('[{"email": "a@b.co", "Status": "added"}]', where="x"))
    >>> r.results.select("status", "email").rows()
    [('Added', 'a@b.co')]
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from custclean.errors import InputError

__all__ = [
    "FRANPOS_EXPECTED",
    "FRANPOS_RESULT_SCHEMA",
    "WASP_EXPECTED",
    "WASP_RESULT_SCHEMA",
    "ParsedResponse",
    "load_response",
    "parse_franpos",
    "parse_wasp",
]

FRANPOS_EXPECTED = (
    "Expected the body Franpos returns for POST api/customers: a JSON list with one result per "
    'customer, e.g. [{"Email": "ann@example.com", "Status": "Added"}]'
)
WASP_EXPECTED = (
    "Expected the body Wasp returns for POST public-api/customers/save: a WaspResultOfResults "
    'object, e.g. {"Data": {"ResultList": [...]}, "HasError": false}'
)
_WHAT_TO_DO = (
    "Save the exact JSON body the API returned for this batch in that file (or remove the file "
    "if the batch was never sent: its records are then reported as missing), and run reconcile "
    "again"
)

#: Franpos result keys (lower-cased) -> the name used here.
_FRANPOS_KEYS = {
    "locationid": "location_id",
    "customerid": "customer_id",
    "firstname": "first_name",
    "lastname": "last_name",
    "email": "email",
    "customercode": "customer_code",
    "cellphone": "cell_phone",
    "dob": "dob",
    "status": "status",
    "message": "message",
}
_WASP_KEYS = {
    "resultcode": "result_code",
    "message": "message",
    "httpstatuscode": "status_code",
    "fieldname": "field_name",
    "importrownumber": "row_number",
    "customerid": "customer_id",
    "customernumber": "customer_number",
}
_FRANPOS_STATUSES = {"added": "Added", "updated": "Updated", "error": "Error"}

#: Columns of ``ParsedResponse.results`` for Franpos (``index``: 0-based place in the list).
FRANPOS_RESULT_SCHEMA: dict[str, pl.DataType] = {
    "index": pl.Int64(),
    **{name: pl.String() for name in _FRANPOS_KEYS.values()},
}
#: Columns of ``ParsedResponse.results`` for Wasp.
WASP_RESULT_SCHEMA: dict[str, pl.DataType] = {
    "index": pl.Int64(),
    "result_code": pl.Int64(),
    "message": pl.String(),
    "status_code": pl.Int64(),
    "field_name": pl.String(),
    "row_number": pl.Int64(),
    "customer_id": pl.String(),
    "customer_number": pl.String(),
}
_ASPNET_ERROR_KEYS = {"message", "exceptionmessage", "messagedetail", "modelstate"}
_MODEL_STATE_KEY = re.compile(r"(?:^|\.)(?:customers|data)\[(\d+)\](?:\.(\w+))?", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ParsedResponse:
    """One batch's response, checked and normalised.

    ``results``: one row per result (:data:`FRANPOS_RESULT_SCHEMA`: ``status`` "Added" |
    "Updated" | "Error" | the raw text, ``message``, ``email``, ``customer_code``, …; or
    :data:`WASP_RESULT_SCHEMA`: ``result_code``, ``status_code``, ``message``, ``field_name``,
    ``row_number``). ``batch_messages``: what the server said about the whole
    call. ``refused``: the whole call was refused (an ASP.NET error body, or an
    ``HttpResponseMessage`` with a failure status). ``field_errors``: ``(position, field,
    message)`` named by an ASP.NET ``ModelState``. ``has_error``/``successful``/``total``/
    ``errors``: Wasp's flags and counters (None when absent). ``shape``: which shape was read.

    Example:
        >>> ParsedResponse(shape="list").refused
        False
    """

    shape: str
    results: pl.DataFrame = field(default_factory=pl.DataFrame)
    batch_messages: list[str] = field(default_factory=list)
    refused: bool = False
    field_errors: list[tuple[int, str | None, str]] = field(default_factory=list)
    has_error: bool | None = None
    successful: int | None = None
    total: int | None = None
    errors: int | None = None


def _fail(problem: str, where: str, *, expected: str, line: int | None = None) -> InputError:
    return InputError(f"{problem}. {expected}", path=where, line=line, hint=_WHAT_TO_DO)


def _decode(raw: bytes, where: str, expected: str) -> str:
    if raw[:2] == b"\x1f\x8b":
        raise _fail("the response is gzip-compressed, not JSON text", where, expected=expected)
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # PowerShell's Out-File writes UTF-16 with a byte order mark.
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(
            f"the response is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            where,
            expected=expected,
        ) from None


def _describe_html(text: str) -> str:
    match = _TITLE.search(text)
    title = " ".join(match.group(1).split())[:80] if match else ""
    page = f"an HTML page ({title!r})" if title else "an HTML page"
    return (
        f"the response is {page}, not JSON: the call probably never reached the API "
        "(an error, login or proxy page)"
    )


def load_response(content: str | bytes | Any, *, where: str, expected: str = "") -> Any:
    """Return the JSON value of a saved response, or raise :class:`InputError` naming ``where``.

    ``content`` is the raw bytes or text of a response file, or an already parsed JSON value
    (a list or dict, returned as is). ``where`` names the file (and batch) in the error.

    Example:
        >>> load_response('{"HasError": false}', where="r.json")
        {'HasError': False}
        >>> load_response("<html><title>502 Bad Gateway</title></html>", where="r.json")
        Traceback (most recent call last):
        ...
        custclean.errors.InputError: r.json: the response is an HTML page ('502 Bad Gateway'), ...
    """
    if isinstance(content, list | dict):
        return content
    text = _decode(content, where, expected) if isinstance(content, bytes) else content
    if not isinstance(text, str):
        raise _fail(
            f"a response must be a file, JSON text, a list or a dict, not {type(content).__name__}",
            where,
            expected=expected,
        )
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        raise _fail("the response is empty", where, expected=expected)
    if stripped.startswith("<"):
        raise _fail(_describe_html(stripped), where, expected=expected)
    try:
        return json.loads(stripped)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(stripped) - 1 or (stripped[0] in "[{" and stripped[-1] not in "]}"):
            problem = (
                f"the response ends in the middle of the JSON ({exc.msg} at line {exc.lineno}, "
                f"column {exc.colno}): the file looks truncated"
            )
        else:
            problem = (
                f"the response is not valid JSON ({exc.msg} at line {exc.lineno}, "
                f"column {exc.colno}; it starts with {stripped[:40]!r})"
            )
        raise _fail(problem, where, expected=expected, line=exc.lineno) from None


def _lower_keys(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in obj.items()}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [p for p in (_text(v) for v in value) if p]
        return "; ".join(parts) or None
    if isinstance(value, dict):
        low = _lower_keys(value)
        for key in ("message", "errormessage", "text"):
            if low.get(key):
                return _text(low[key])
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return None


def _aspnet_error(low: dict[str, Any]) -> ParsedResponse | None:
    """Read ``{"Message": ..., "ModelState": {...}}``, the body of a refused ASP.NET call."""
    if not low or not set(low) <= _ASPNET_ERROR_KEYS | {"exceptiontype", "stacktrace"}:
        return None
    if not any(isinstance(low.get(k), str) for k in ("message", "exceptionmessage")):
        return None
    messages = [
        m
        for m in (_text(low.get(k)) for k in ("message", "messagedetail", "exceptionmessage"))
        if m
    ]
    field_errors: list[tuple[int, str | None, str]] = []
    model_state = low.get("modelstate")
    if isinstance(model_state, dict):
        for key in sorted(model_state):
            text = _text(model_state[key]) or "invalid value"
            match = _MODEL_STATE_KEY.search(str(key))
            if match:
                field_errors.append((int(match.group(1)), match.group(2), text))
            else:
                messages.append(f"{key}: {text}" if key else text)
    return ParsedResponse(
        shape="error body", batch_messages=messages, refused=True, field_errors=field_errors
    )


def _results_frame(
    items: list[Any], names: Mapping[str, str], where: str, *, expected: str, what: str
) -> pl.DataFrame:
    """Turn a list of result objects into a frame of text columns named by ``names``.

    Keys are matched case-insensitively (``Email``, ``email``, ``EMAIL``); scalar values become
    text; an entry that is not an object raises :class:`InputError`.
    """
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _fail(
                f"{what} {i + 1} is a JSON {type(item).__name__} "
                f"({json.dumps(item, ensure_ascii=False)[:40]}), not an object",
                where,
                expected=expected,
            )
    keys = sorted({str(k) for item in items for k in item})
    schema = {k: pl.String() for k in keys}
    if not items:
        raw = pl.DataFrame(schema=schema)
    else:
        try:
            raw = pl.from_dicts(items, schema=schema, strict=False)
        except (pl.exceptions.PolarsError, TypeError, ValueError):
            # nested values (a list of messages, say): make every value text first
            texts = [{str(k): _text(v) for k, v in item.items()} for item in items]
            raw = pl.from_dicts(texts, schema=schema, strict=False)
    columns: dict[str, list[str]] = {}
    for column in raw.columns:
        if column.lower() in names:
            columns.setdefault(names[column.lower()], []).append(column)
    return raw.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("index"),
        *(
            pl.coalesce(columns[name]).alias(name)
            if name in columns
            else pl.lit(None, pl.String).alias(name)
            for name in dict.fromkeys(names.values())
        ),
    )


def _as_int(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)


def _franpos_list(items: list[Any], where: str, shape: str) -> ParsedResponse:
    frame = _results_frame(items, _FRANPOS_KEYS, where, expected=FRANPOS_EXPECTED, what="result")
    no_status = frame.filter(pl.col("status").is_null())
    if no_status.height:
        first = int(no_status["index"][0])
        keys = ", ".join(sorted(items[first])) or "none"
        raise _fail(
            f"result {first + 1} has no Status (keys: {keys})", where, expected=FRANPOS_EXPECTED
        )
    status = pl.col("status").str.strip_chars()
    frame = frame.with_columns(
        status.str.to_lowercase()
        .replace_strict(_FRANPOS_STATUSES, default=status, return_dtype=pl.String)
        .alias("status")
    )
    return ParsedResponse(shape=shape, results=frame.cast(FRANPOS_RESULT_SCHEMA))  # type: ignore[arg-type]


def parse_franpos(payload: Any, where: str = "response") -> ParsedResponse:
    """Check the shape of a Franpos ``POST api/customers`` response and normalise its results.

    Example:
        >>> body = {"Content": [{"Email": "a@b.co", "Status": "error", "Message": "No state"}]}
        >>> r = parse_franpos(body)
        >>> r.shape, r.results.select("status", "message").rows()
        ('HttpResponseMessage', [('Error', 'No state')])
    """
    if isinstance(payload, list):
        return _franpos_list(payload, where, "list")
    if not isinstance(payload, dict):
        raise _fail(
            f"the response is a JSON {type(payload).__name__}, not a list of results",
            where,
            expected=FRANPOS_EXPECTED,
        )
    low = _lower_keys(payload)
    if "content" in low:
        return _franpos_wrapped(low, where)
    if "customers" in low:
        raise _fail(
            "this is the request body that was sent (it has Customers), not the server's answer",
            where,
            expected=FRANPOS_EXPECTED,
        )
    if {"data", "haserror"} & set(low):
        raise _fail(
            "this looks like a Wasp response (Data / HasError), not a Franpos one",
            where,
            expected=FRANPOS_EXPECTED,
        )
    error = _aspnet_error(low)
    if error is not None:
        return error
    raise _fail(
        f"the response is an object with keys {', '.join(sorted(payload)) or '(none)'}",
        where,
        expected=FRANPOS_EXPECTED,
    )


def _franpos_wrapped(low: dict[str, Any], where: str) -> ParsedResponse:
    """Read ``{"Content": ..., "StatusCode": ..., "IsSuccessStatusCode": ...}``."""
    content = low["content"]
    if isinstance(content, str) and content.strip()[:1] in {"[", "{"}:
        content = load_response(content, where=where, expected=FRANPOS_EXPECTED)
    if isinstance(content, list):
        return _franpos_list(content, where, "HttpResponseMessage")
    status = low.get("statuscode")
    ok = _bool(low.get("issuccessstatuscode"))
    code = _int(status)
    failed = ok is False or (code is not None and code >= 400)
    if isinstance(content, dict) and not failed:
        inner = _aspnet_error(_lower_keys(content))
        if inner is not None:
            return inner
    if failed:
        reason = _text(low.get("reasonphrase")) or ""
        text = content if isinstance(content, str) and content.strip() else None
        message = " ".join(p for p in (str(status or ""), reason) if p).strip()
        messages = [m for m in (f"HTTP {message}" if message else None, text) if m]
        return ParsedResponse(shape="HttpResponseMessage", batch_messages=messages, refused=True)
    raise _fail(
        "the response is an HttpResponseMessage whose Content holds no list of results "
        "(the server serialised the message without its body)",
        where,
        expected=FRANPOS_EXPECTED,
    )


def parse_wasp(payload: Any, where: str = "response") -> ParsedResponse:
    """Check the shape of a Wasp ``WaspResultOfResults`` and normalise its results.

    ``HasError`` is read even on an HTTP 200; the top-level ``Messages`` become batch messages.

    Example:
        >>> r = parse_wasp({"Data": {"ResultList": [], "ErrorCount": 1}, "HasError": True,
        ...                 "Messages": [{"Message": "Licence expired", "HttpStatusCode": 403}]})
        >>> r.has_error, r.errors, r.batch_messages
        (True, 1, ['Licence expired'])
    """
    if isinstance(payload, list):
        raise _fail(
            "the response is a JSON list (a Franpos-style answer?), not a WaspResultOfResults "
            "object",
            where,
            expected=WASP_EXPECTED,
        )
    if not isinstance(payload, dict):
        raise _fail(
            f"the response is a JSON {type(payload).__name__}, not an object",
            where,
            expected=WASP_EXPECTED,
        )
    low = _lower_keys(payload)
    if not {"data", "haserror", "hashttperror", "messages"} & set(low):
        if "applicablefields" in low or "customers" in low:
            raise _fail(
                "this is a request body, not the server's answer",
                where,
                expected=WASP_EXPECTED,
            )
        error = _aspnet_error(low)
        if error is not None:
            return error
        raise _fail(
            f"the response is an object with keys {', '.join(sorted(payload)) or '(none)'}",
            where,
            expected=WASP_EXPECTED,
        )
    data = low.get("data")
    if data is not None and not isinstance(data, dict):
        raise _fail(
            f"Data is a JSON {type(data).__name__}, not an object with ResultList",
            where,
            expected=WASP_EXPECTED,
        )
    data_low = _lower_keys(data or {})
    result_list = data_low.get("resultlist") or []
    if not isinstance(result_list, list):
        raise _fail("Data.ResultList is not a list", where, expected=WASP_EXPECTED)
    messages_raw = low.get("messages") or []
    if not isinstance(messages_raw, list):
        messages_raw = [messages_raw]
    messages = [m for m in (_text(item) for item in messages_raw) if m]
    has_error = _bool(low.get("haserror"))
    if _bool(low.get("hashttperror")):
        has_error = True
    return ParsedResponse(
        shape="WaspResultOfResults",
        results=_results_frame(
            result_list, _WASP_KEYS, where, expected=WASP_EXPECTED, what="Data.ResultList entry"
        )
        .with_columns(_as_int("result_code"), _as_int("status_code"), _as_int("row_number"))
        .select(list(WASP_RESULT_SCHEMA)),
        batch_messages=list(dict.fromkeys(messages)),
        has_error=has_error,
        successful=_int(data_low.get("successfullresults", data_low.get("successfulresults"))),
        total=_int(data_low.get("totalresults")),
        errors=_int(data_low.get("errorcount")),
    )
