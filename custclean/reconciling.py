"""Read the servers' answers back and give every outgoing record, and every source row, an outcome.

``reconcile(export, responses)`` pairs each saved response with the batch it answers, matches
the results to the records that were sent, and returns a :class:`Reconciliation`:

- ``outcomes``: one row per outgoing record (``source_row, source_rows, batch, position,
  outcome, message, field``, plus ``status_code, matched_by, batch_level, server_id,
  response``). Outcomes are the server's words: ``Added`` / ``Updated`` / ``Error`` for
  Franpos; ``created`` / ``updated`` / ``saved`` / ``error`` for Wasp (``saved`` when the server
  said the record is fine but not whether it was new); ``missing`` when a response has no result
  for a record, or no response was saved for its batch.
- ``retry``: an ``Export`` of only the failed and missing records (``export.subset``), and
  ``write_retry(directory)`` to write it.
- ``by_source_row()``: one row per source row, so that every input row is accounted for
  (including rows the export rejected, outcome ``rejected``).

How results are matched to records:

- **Franpos** answers a list, one result per customer, echoing ``Email``, ``CustomerCode`` and
  ``CellPhone``. By position when the list is as long as the batch and the echoed keys agree
  with what was sent at every position; otherwise by those keys (trimmed, case-insensitive,
  phones by digits; the record agreeing on most keys, earliest first), then by first + last name
  for records with no key. Results that match nothing (or repeat a record already answered) are
  listed in ``unmatched``. The list may also come inside an ``HttpResponseMessage``-like object
  (``{"Content": [...], "StatusCode": 200}``), the shape the seed documents; an ASP.NET error
  body (``{"Message": ..., "ModelState": ...}``) means the whole call was refused.
- **Wasp** answers a ``WaspResultOfResults`` whose ``HasError`` can be true on an HTTP 200, so
  it is always read. Whether results echo ``ImportRowNumber`` is not published, so a result is
  placed by, in order: an echoed ``ImportRowNumber``; a ``Data[i]`` index in ``FieldName``
  (ASP.NET model validation); a row number in ``FieldName`` or ``Message`` ("Row 12: …",
  "ImportRowNumber 12"); else by position when there are as many results as records. A record
  with no result of its own takes the batch's outcome (``batch_level`` true): ``error`` with the
  batch's messages when the server reported an error, unless its counters show every other
  record succeeded; ``missing`` when the counters say fewer records were processed; else
  ``saved``. Per-result ``HttpStatusCode`` 200/204 is success, 207 a warning (still saved, the
  message kept), 300 a business-rule error, 4xx/5xx an error; without it ``ResultCode`` 0 is
  success. A record with several results takes the worst; messages and fields are joined.

Example:
    >>> ex = _example_export()
    >>> answer = [{"Email": "ann@example.com", "Status": "Added"},
    ...           {"Email": "bob@example.com", "Status": "Error", "Message": "State not found"}]
    >>> rec = reconcile(ex, [answer])
    >>> rec.outcomes.select("source_row", "outcome", "field").rows()
    [(1, 'Added', None), (2, 'Error', 'State')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from custclean._display import summary_html
from custclean._response_matching import (
    ASSIGNED_SCHEMA,
    UNMATCHED_SCHEMA,
    FieldFinder,
    constant_outcomes,
    franpos_batch,
    wasp_batch,
)
from custclean._responses import (
    FRANPOS_EXPECTED,
    WASP_EXPECTED,
    ParsedResponse,
    load_response,
    parse_franpos,
    parse_wasp,
)
from custclean.errors import InputError

__all__ = [
    "FAILED_OUTCOMES",
    "OUTCOMES",
    "OUTCOME_SCHEMA",
    "Reconciliation",
    "reconcile",
    "response_file_name",
]

#: The outcomes of each target, in the order counts are shown.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "franpos": ("Added", "Updated", "Error", "missing"),
    "wasp": ("created", "updated", "saved", "error", "missing"),
}
#: Outcomes whose records go into the retry payload.
FAILED_OUTCOMES: tuple[str, ...] = ("Error", "error", "missing")

#: Columns and types of ``Reconciliation.outcomes``.
OUTCOME_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    "source_rows": pl.List(pl.Int64()),
    "batch": pl.Int64(),
    **ASSIGNED_SCHEMA,
    "response": pl.String(),
}
_ASSIGNED_SCHEMA = {**ASSIGNED_SCHEMA, "batch": pl.Int64(), "response": pl.String()}
_UNMATCHED_SCHEMA: dict[str, pl.DataType] = {
    "batch": pl.Int64(),
    "response": pl.String(),
    **UNMATCHED_SCHEMA,
}
_BATCH_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(),
    "batch": pl.Int64(),
    "batch_file": pl.String(),
    "response": pl.String(),
    "records": pl.Int64(),
    "results": pl.Int64(),
    "matched_by": pl.String(),
    "has_error": pl.Boolean(),
    "note": pl.String(),
}

_FRANPOS_COLUMNS = {
    "Email": "email",
    "CustomerCode": "customer_code",
    "CellPhone": "cell_phone",
    "FirstName": "first_name",
    "LastName": "last_name",
}

_STEM = re.compile(r"^(?P<stem>[a-z]+-(?:customers|addresses)-\d{4})(?:\.response)?\.json$")


class _ExportLike(Protocol):
    """What reconcile needs of an ``Export`` (see ``custclean.exporting``)."""

    target: str
    batches: list[dict[str, Any]]
    preview: pl.DataFrame

    def subset(self, source_rows: Iterable[int]) -> Any:
        """Re-batch only the given records."""


def response_file_name(target: str, batch: int, kind: str = "customers") -> str:
    """Return the name a batch's saved response is looked for under, beside its batch file.

    The batch file ``franpos-customers-0001.json`` is answered by
    ``franpos-customers-0001.response.json``; inside a ``responses/`` folder the batch file's own
    name is accepted too.

    Example:
        >>> response_file_name("wasp", 3), response_file_name("wasp", 1, "addresses")
        ('wasp-customers-0003.response.json', 'wasp-addresses-0001.response.json')
    """
    return f"{_batch_stem(target, batch, kind)}.response.json"


def _batch_stem(target: str, batch: int, kind: str = "customers") -> str:
    return f"{target}-{kind}-{batch:04d}"


# --------------------------------------------------------------------------- collecting


@dataclass(frozen=True)
class _Source:
    kind: str  # "customers" | "addresses"
    batch: int
    batch_file: str
    label: str | None  # file path or "response 2 of 3"; None = no response
    content: Any = None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the response: {exc.strerror}", path=path) from None


def _expected_stems(export: _ExportLike) -> dict[str, tuple[str, int]]:
    stems = {
        _batch_stem(export.target, i, "customers"): ("customers", i)
        for i in range(1, len(export.batches) + 1)
    }
    for i in range(1, len(getattr(export, "address_batches", None) or []) + 1):
        stems[_batch_stem(export.target, i, "addresses")] = ("addresses", i)
    return stems


def _from_directory(export: _ExportLike, directory: Path) -> list[_Source]:
    expected = _expected_stems(export)
    candidates = sorted(directory.glob("*.response.json"))
    inner = directory / "responses"
    if inner.is_dir():
        candidates += sorted(inner.glob("*.json"))
    if directory.name == "responses":
        candidates += sorted(p for p in directory.glob("*.json") if p not in candidates)
    found: dict[str, Path] = {}
    for path in candidates:
        if path.name == "manifest.json":
            continue
        match = _STEM.match(path.name)
        stem = match.group("stem") if match else None
        if stem is None or stem not in expected:
            if stem is None and not path.name.endswith(".response.json"):
                continue
            raise InputError(
                f"this response answers no batch of the export: the export has "
                f"{len(export.batches)} {export.target} customer batch(es), "
                f"{response_file_name(export.target, 1)} to "
                f"{response_file_name(export.target, max(len(export.batches), 1))}",
                path=path,
                hint="remove the file or reconcile it against the export it belongs to",
            )
        if stem in found:
            raise InputError(
                f"two responses for batch {stem}.json: {found[stem]} and {path}",
                path=path,
                hint="keep only the one the server really returned",
            )
        found[stem] = path
    if not found:
        names = response_file_name(export.target, 1)
        raise InputError(
            f"no response files found (looked for {names}, … beside the batch files, and for "
            "the batch files' own names inside a responses/ folder)",
            path=directory,
            hint="save each batch's response under its batch file's name with .response.json",
        )
    sources = []
    for stem, (kind, batch) in expected.items():
        path = found.get(stem)
        sources.append(
            _Source(
                kind,
                batch,
                f"{stem}.json",
                None if path is None else str(path),
                None if path is None else _read_bytes(path),
            )
        )
    return sources


def _looks_like_text(value: str) -> bool:
    head = value.lstrip("\ufeff \t\r\n")[:1]
    return head in {"[", "{", "<", ""} or "\n" in value


def _from_sequence(export: _ExportLike, responses: Sequence[Any]) -> list[_Source]:
    n = len(export.batches)
    if len(responses) > n:
        raise InputError(
            f"{len(responses)} responses were given but the export has only {n} batch(es): "
            f"response {n + 1} answers a batch that does not exist",
            hint="pass one response per batch, in the order of export.batches",
        )
    sources = []
    for i in range(1, n + 1):
        stem = _batch_stem(export.target, i)
        item = responses[i - 1] if i <= len(responses) else None
        if item is None:
            sources.append(_Source("customers", i, f"{stem}.json", None))
        elif isinstance(item, Path) or (isinstance(item, str) and not _looks_like_text(item)):
            path = Path(item)
            if not path.is_file():
                raise InputError(
                    f"no such response file (given for batch {i}, {stem}.json)",
                    path=path,
                    hint="check the path",
                )
            sources.append(_Source("customers", i, f"{stem}.json", str(path), _read_bytes(path)))
        else:
            label = f"response {i} of {len(responses)}"
            sources.append(_Source("customers", i, f"{stem}.json", label, item))
    return sources


def _collect(export: _ExportLike, responses: Any) -> list[_Source]:
    if isinstance(responses, str | Path) and not (
        isinstance(responses, str) and _looks_like_text(responses)
    ):
        path = Path(responses)
        if path.is_dir():
            return _from_directory(export, path)
        if path.is_file() and len(export.batches) == 1:
            return _from_sequence(export, [path])
        raise InputError(
            "no such directory of responses"
            if not path.exists()
            else f"a single response file was given but the export has {len(export.batches)} "
            "batches",
            path=path,
            hint="pass the folder holding one <batch>.response.json per batch, or a list of "
            "responses in batch order",
        )
    if isinstance(responses, Mapping):
        raise InputError(
            "responses must be a folder or a list with one response per batch, not one object",
            hint="wrap a single batch's response in a list: reconcile(export, [response])",
        )
    if isinstance(responses, Sequence) and not isinstance(responses, str | bytes):
        return _from_sequence(export, responses)
    raise InputError(
        f"responses must be a folder or a list of responses, not {type(responses).__name__}",
        hint="pass the folder the responses were saved in",
    )


# --------------------------------------------------------------------------- result object


@dataclass(frozen=True)
class Reconciliation:
    """What the server did with every outgoing record, traced back to the source rows.

    ``outcomes``: one row per outgoing record (:data:`OUTCOME_SCHEMA`), sorted by batch and
    position. ``unmatched``: results that could not be tied to a record (``batch, response,
    result`` (0-based index in the response), ``outcome, message, field, keys, reason``).
    ``batches``: one row per batch (``kind, batch, batch_file, response, records, results,
    matched_by, has_error, note``). ``address_outcomes``: Wasp address batches' results when
    their responses were saved (``batch, position, customer_number, source_row, outcome,
    message, field``). ``export``: the Export that was sent.

    Example:
        >>> answer = [{"Email": "ann@example.com", "Status": "Updated"}]
        >>> rec = reconcile(_example_export(), [answer])
        >>> rec.counts().filter(pl.col("records") > 0).rows()
        [('Updated', 1, 1), ('missing', 1, 2)]
        >>> rec.retry.preview["source_row"].to_list()
        [2]
    """

    export: Any
    outcomes: pl.DataFrame
    unmatched: pl.DataFrame
    batches: pl.DataFrame
    address_outcomes: pl.DataFrame

    @property
    def target(self) -> str:
        """The target API of the export (``"franpos"`` or ``"wasp"``).

        Example:
            >>> reconcile(_example_export(), [None]).target
            'franpos'
        """
        return str(self.export.target)

    @property
    def failed(self) -> pl.DataFrame:
        """The outcomes of the records that failed or are missing (the retry's records).

        Example:
            >>> reconcile(_example_export(), [None]).failed.height
            2
        """
        return self.outcomes.filter(pl.col("outcome").is_in(FAILED_OUTCOMES))

    @property
    def retry_rows(self) -> list[int]:
        """The ``source_row`` of every failed or missing record, sorted.

        Example:
            >>> reconcile(_example_export(), [None]).retry_rows
            [1, 2]
        """
        return sorted(self.failed["source_row"].to_list())

    @cached_property
    def retry(self) -> Any:
        """An Export of only the failed and missing records (``export.subset``), same options.

        Example:
            >>> reconcile(_example_export(), [None]).retry.preview["source_row"].to_list()
            [1, 2]
        """
        return self.export.subset(self.retry_rows)

    def write_retry(self, directory: str | Path) -> Path:
        """Write the retry payload through the retry Export's ``write``; return its manifest.

        Example:
            >>> import tempfile
            >>> with tempfile.TemporaryDirectory() as d:
            ...     print(reconcile(_example_export(), [None]).write_retry(d).name)
            manifest.json
        """
        return Path(self.retry.write(directory))

    def counts(self) -> pl.DataFrame:
        """Count records and source rows per outcome (``outcome, records, source_rows``).

        Every outcome of the target is listed, zero included, in a fixed order.

        Example:
            >>> reconcile(_example_export(), [None]).counts().rows()
            [('Added', 0, 0), ('Updated', 0, 0), ('Error', 0, 0), ('missing', 2, 3)]
        """
        counted = self.outcomes.group_by("outcome").agg(
            pl.len().cast(pl.Int64).alias("records"),
            pl.col("source_rows").list.len().sum().cast(pl.Int64).alias("source_rows"),
        )
        order = OUTCOMES.get(self.target, ())
        every = pl.DataFrame(
            {"outcome": list(order), "_order": list(range(len(order)))},
            schema={"outcome": pl.String, "_order": pl.Int64},
        )
        return (
            every.join(counted, on="outcome", how="full", coalesce=True)
            .with_columns(pl.col("records", "source_rows").fill_null(0))
            .sort("_order", "outcome", nulls_last=True)
            .select("outcome", "records", "source_rows")
        )

    def by_source_row(self) -> pl.DataFrame:
        """One row per source row: the outcome of the record that carried it.

        ``source_row`` is the input row; ``record_source_row`` the outgoing record's own row
        (the golden record a merge kept). Rows the export rejected are listed with outcome
        ``rejected`` and its reason, so every input row the export saw is accounted for.

        Example:
            >>> rows = reconcile(_example_export(), [None]).by_source_row()
            >>> rows.select("source_row", "record_source_row", "outcome").rows()
            [(1, 1, 'missing'), (2, 2, 'missing'), (3, 2, 'missing')]
        """
        sent = (
            self.outcomes.select(
                pl.col("source_rows").alias("source_row"),
                pl.col("source_row").alias("record_source_row"),
                "batch",
                "position",
                "outcome",
                "message",
                "field",
            )
            .explode("source_row")
            .filter(pl.col("source_row").is_not_null())
        )
        rejected = _rejected_rows(getattr(self.export, "rejected", None), sent)
        if rejected is not None:
            sent = pl.concat([sent, rejected], how="vertical_relaxed")
        return sent.sort("source_row", "record_source_row")

    def __repr__(self) -> str:
        counts = ", ".join(f"{o} {n}" for o, n, _ in self.counts().iter_rows() if n)
        extra = f", {self.unmatched.height} unmatched results" if self.unmatched.height else ""
        n = self.batches.filter(pl.col("kind") == "customers").height
        batches = f"{n} batch" if n == 1 else f"{n} batches"
        return (
            f"Reconciliation({self.target}, {batches}, {self.outcomes.height} records: "
            f"{counts or 'none'}{extra}; {len(self.retry_rows)} to retry)"
        )

    def _repr_html_(self) -> str:
        facts = [
            ("target", self.target),
            ("records", f"{self.outcomes.height:,}"),
            ("to retry", f"{len(self.retry_rows):,}"),
            ("results tied to no record", f"{self.unmatched.height:,}"),
        ]
        tables = [("outcomes", self.counts())]
        if self.failed.height:
            tables.append(
                (
                    "failed and missing records",
                    self.failed.select("source_row", "batch", "outcome", "field", "message"),
                )
            )
        if self.unmatched.height:
            tables.append(("unmatched results", self.unmatched))
        return summary_html("Reconciliation", facts, tables)


def _rejected_rows(rejected: pl.DataFrame | None, sent: pl.DataFrame) -> pl.DataFrame | None:
    """Turn the export's rejected records into ``by_source_row`` rows (rows never sent)."""
    if rejected is None or rejected.height == 0:
        return None
    if "source_rows" not in rejected.columns:
        rejected = rejected.with_columns(pl.concat_list(pl.col("source_row")).alias("source_rows"))
    return (
        rejected.select(
            pl.col("source_rows").cast(pl.List(pl.Int64)).alias("row"),
            pl.col("source_row").cast(pl.Int64).alias("record_source_row"),
            pl.col("field").cast(pl.String),
            pl.col("reason").cast(pl.String),
        )
        .explode("row")
        .filter(pl.col("row").is_not_null())
        .join(sent.select(pl.col("source_row").alias("row")), on="row", how="anti")
        .group_by("row")
        .agg(
            pl.col("record_source_row").min(),
            pl.col("field").drop_nulls().unique().sort().str.join(", "),
            pl.col("reason").drop_nulls().unique().sort().str.join("; "),
        )
        .select(
            pl.col("row").alias("source_row"),
            "record_source_row",
            pl.lit(None, pl.Int64).alias("batch"),
            pl.lit(None, pl.Int64).alias("position"),
            pl.lit("rejected").alias("outcome"),
            pl.col("reason").alias("message"),
            pl.when(pl.col("field") != "").then(pl.col("field")).alias("field"),
        )
    )


# --------------------------------------------------------------------------- reconcile


def _records(export: _ExportLike) -> pl.DataFrame:
    """Return the outgoing customers: position, source rows and the keys results echo."""
    preview = export.preview
    keys = [
        pl.col(column).cast(pl.String).alias(name)
        if column in preview.columns
        else pl.lit(None, pl.String).alias(name)
        for column, name in _FRANPOS_COLUMNS.items()
    ]
    row_number = (
        pl.col("ImportRowNumber") if "ImportRowNumber" in preview.columns else pl.col("source_row")
    )
    source_rows = (
        pl.col("source_rows").cast(pl.List(pl.Int64))
        if "source_rows" in preview.columns
        else pl.concat_list(pl.col("source_row").cast(pl.Int64)).alias("source_rows")
    )
    return preview.select(
        pl.col("source_row").cast(pl.Int64),
        source_rows,
        pl.col("batch").cast(pl.Int64),
        pl.col("position").cast(pl.Int64),
        row_number.cast(pl.Int64).alias("row_number"),
        *keys,
    ).sort("batch", "position")


def _address_records(export: _ExportLike, batch: int) -> pl.DataFrame:
    """Return the records of a Wasp address batch: position, ImportRowNumber, CustomerNumber."""
    body = export.address_batches[batch - 1]
    items = body.get("Data") if isinstance(body, dict) else body
    items = [item if isinstance(item, dict) else {} for item in items or []]
    return pl.DataFrame(
        {
            "position": list(range(len(items))),
            "row_number": [item.get("ImportRowNumber") for item in items],
            "customer_number": [item.get("CustomerNumber") for item in items],
        },
        schema={"position": pl.Int64, "row_number": pl.Int64, "customer_number": pl.String},
    )


def _api_fields(export: _ExportLike) -> list[str]:
    skip = {"batch", "position", "source_row", "source_rows"}
    return [c for c in export.preview.columns if c not in skip and c[:1].isupper()]


def _parse(source: _Source, target: str) -> ParsedResponse:
    expected = FRANPOS_EXPECTED if target == "franpos" else WASP_EXPECTED
    where = f"{source.label} (the response to batch {source.batch}, {source.batch_file})"
    payload = load_response(source.content, where=where, expected=expected)
    return parse_franpos(payload, where) if target == "franpos" else parse_wasp(payload, where)


def _no_response(records: pl.DataFrame, source: _Source) -> pl.DataFrame:
    expected = source.batch_file.removesuffix(".json") + ".response.json"
    message = f"no response was saved for batch {source.batch} (expected {expected})"
    return constant_outcomes(records["position"], "missing", message, None, "none")


def _tagged(frame: pl.DataFrame, source: _Source) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(source.batch, pl.Int64).alias("batch"),
        pl.lit(source.label, pl.String).alias("response"),
    )


def reconcile(export: _ExportLike, responses: Any) -> Reconciliation:
    """Match the servers' saved responses to the records of ``export``.

    ``responses`` is a folder holding ``<batch file>.response.json`` per batch (e.g.
    ``franpos-customers-0001.response.json`` beside ``franpos-customers-0001.json``; also the
    batch files' own names inside a ``responses/`` sub-folder, or in the folder itself when it is
    called ``responses``; Wasp address batches' responses ``wasp-addresses-0001.response.json``
    are optional), or a sequence aligned with ``export.batches`` whose items are paths, JSON
    text, parsed JSON (list / dict) or None. A batch without a response counts as not sent: its
    records are ``missing`` and go into the retry.

    Raises :class:`~custclean.errors.InputError` naming the file and the batch when a response
    is empty, HTML, truncated or of the wrong shape, or answers a batch that does not exist.

    Example:
        >>> answer = '[{"CellPhone": "+13125550123", "Status": "Added"}]'
        >>> rec = reconcile(_example_export(), [answer])
        >>> rec.outcomes.select("source_row", "outcome", "matched_by").rows()
        [(1, 'missing', 'none'), (2, 'Added', 'keys')]
    """
    target = str(export.target).lower()
    if target not in {"franpos", "wasp"}:
        raise InputError(f"cannot reconcile responses of target {export.target!r}")
    sources = _collect(export, responses)
    records = _records(export)
    finder = FieldFinder(_api_fields(export))
    per_batch = dict(records.partition_by("batch", as_dict=True, maintain_order=True))
    assigned: list[pl.DataFrame] = []
    addresses: list[pl.DataFrame] = []
    unmatched: list[pl.DataFrame] = []
    batch_rows: list[dict[str, Any]] = []
    for source in sources:
        if source.kind == "customers":
            batch_records = per_batch.get((source.batch,), records.clear())
        else:
            batch_records = _address_records(export, source.batch)
        info = {
            "kind": source.kind,
            "batch": source.batch,
            "batch_file": source.batch_file,
            "response": source.label,
            "records": batch_records.height,
        }
        if source.label is None:
            batch_rows.append({**info, "matched_by": "none", "note": "no response"})
            if source.kind == "customers":
                assigned.append(_tagged(_no_response(batch_records, source), source))
            continue
        parsed = _parse(source, target)
        match = franpos_batch if target == "franpos" else wasp_batch
        result = match(batch_records, parsed, finder)
        batch_rows.append(
            {
                **info,
                "results": result.results,
                "matched_by": result.matched_by,
                "has_error": result.has_error,
                "note": result.note or None,
            }
        )
        unmatched.append(_tagged(result.unmatched, source))
        if source.kind == "customers":
            assigned.append(_tagged(result.assigned, source))
        else:
            addresses.append(
                batch_records.join(result.assigned, on="position", how="left").with_columns(
                    pl.lit(source.batch, pl.Int64).alias("batch"),
                    pl.col("row_number").alias("source_row"),
                )
            )
    return Reconciliation(
        export=export,
        outcomes=_outcomes(records, assigned),
        unmatched=pl.concat(unmatched).select(list(_UNMATCHED_SCHEMA))
        if unmatched
        else pl.DataFrame(schema=_UNMATCHED_SCHEMA),
        batches=pl.DataFrame(batch_rows, schema=_BATCH_SCHEMA),
        address_outcomes=_address_outcomes(addresses),
    )


def _outcomes(records: pl.DataFrame, assigned: list[pl.DataFrame]) -> pl.DataFrame:
    answers = pl.concat(assigned) if assigned else pl.DataFrame(schema=_ASSIGNED_SCHEMA)
    joined = records.select("source_row", "source_rows", "batch", "position").join(
        answers, on=["batch", "position"], how="left"
    )
    return (
        joined.with_columns(
            pl.col("outcome").fill_null("missing"),
            pl.when(pl.col("outcome").is_null())
            .then(pl.lit("the response has no result for this record"))
            .otherwise(pl.col("message"))
            .alias("message"),
            pl.col("batch_level").fill_null(False),
            pl.col("matched_by").fill_null("none"),
        )
        .select(list(OUTCOME_SCHEMA))
        .cast(OUTCOME_SCHEMA)  # type: ignore[arg-type]
        .sort("batch", "position")
    )


_ADDRESS_SCHEMA: dict[str, pl.DataType] = {
    "batch": pl.Int64(),
    "position": pl.Int64(),
    "customer_number": pl.String(),
    "source_row": pl.Int64(),
    "outcome": pl.String(),
    "message": pl.String(),
    "field": pl.String(),
}


def _address_outcomes(frames: list[pl.DataFrame]) -> pl.DataFrame:
    if not frames:
        return pl.DataFrame(schema=_ADDRESS_SCHEMA)
    return (
        pl.concat(frames, how="vertical_relaxed")
        .with_columns(
            pl.col("outcome").fill_null("missing"),
            pl.col("message").fill_null("the response has no result for this address"),
        )
        .select(list(_ADDRESS_SCHEMA))
        .cast(_ADDRESS_SCHEMA)  # type: ignore[arg-type]
        .sort("batch", "position")
    )


def _example_export() -> Any:
    """Build a two-record Franpos export for the examples (row 2 merges rows 2 and 3)."""
    from custclean.exporting import export

    records = pl.DataFrame(
        {
            "source_row": [1, 2],
            "source_rows": [[1], [2, 3]],
            "first_name": ["Ann", "Bob"],
            "email": ["ann@example.com", "bob@example.com"],
            "cell_phone": [None, "+13125550123"],
            "state": ["IL", "NY"],
            "country": ["US", "US"],
        },
        schema_overrides={"source_rows": pl.List(pl.Int64), "cell_phone": pl.String},
    )
    return export(records, "franpos")
