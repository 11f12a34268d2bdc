"""Export golden records or cleaned rows as upsert-ready request bodies for a target API.

:func:`export` maps each record to the target's model (see :mod:`custclean.targets.franpos`
and :mod:`custclean.targets.wasp` for every field and option), splits the records into
batches, and returns an :class:`Export`:

- ``batches``: the request bodies (plain dicts, keys in the seed's order, no null values);
- ``address_batches``: Wasp's separate address bodies (empty for Franpos);
- ``preview``: one row per outgoing customer (``batch``, ``position``, ``source_row``,
  ``source_rows`` and every API field as sent);
- ``rejected``: records not exported and why; ``issues``: values flagged or not sent;
- ``validate()``, ``simulate(existing)``, ``write(directory)``, ``subset(source_rows)``.

Every input record is either in ``preview`` or in ``rejected``; nothing is dropped silently.

Example:
    >>> import polars as pl
    >>> rows = pl.DataFrame({"source_row": [1, 2], "customer_code": ["C1", None],
    ...                      "email": ["ann@x.com", "bo@y.org"]})
    >>> ex = export(rows, "wasp")
    >>> ex.batches[0]["Data"]
    [{'ImportRowNumber': 1, 'CustomerNumber': 'C1', 'CustomerEmail': 'ann@x.com'}]
    >>> ex.rejected.select("source_row", "field").rows()
    [(2, 'customer_code')]
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
from jsonschema import Draft202012Validator

from custclean.errors import CustcleanError
from custclean.fields import CANONICAL_FIELDS
from custclean.targets import schema, target_module
from custclean.targets.base import resolve_options

__all__ = ["Export", "Simulation", "export"]

#: Column order and types of every simulation table.
SIMULATION_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    "batch": pl.Int64(),
    "position": pl.Int64(),
    "outcome": pl.String(),
    "existing_id": pl.String(),
    "fields": pl.String(),
    "reason": pl.String(),
}

_BATCH_FILE = re.compile(r"^(franpos-customers|wasp-customers|wasp-addresses)-\d{4}\.json$")


def _input_frame(frame: Any) -> pl.DataFrame:
    """Return the records of a MergeResult, CleanResult, polars or pandas frame, sorted."""
    data = getattr(frame, "data", frame)
    if not isinstance(data, pl.DataFrame):
        try:
            import pandas as pd  # only to accept a pandas frame at the edge

            if isinstance(data, pd.DataFrame):
                data = pl.from_pandas(data)
        except ImportError:  # pragma: no cover - pandas is optional
            pass
    if not isinstance(data, pl.DataFrame):
        raise CustcleanError(
            f"cannot export a {type(frame).__name__}",
            hint="pass a MergeResult, a CleanResult or a frame with source_row and the fields",
        )
    if "source_row" not in data.columns:
        raise CustcleanError(
            "the records have no source_row column",
            hint="export the result of cc.clean() or cc.merge(), or add a 1-based source_row",
        )
    data = data.with_columns(pl.col("source_row").cast(pl.Int64, strict=False))
    if data["source_row"].null_count():
        raise CustcleanError("some records have an empty or non-integer source_row")
    if data["source_row"].is_duplicated().any():
        dup = data.filter(pl.col("source_row").is_duplicated())["source_row"].min()
        raise CustcleanError(
            f"source_row {dup} appears more than once",
            hint="every record needs its own source_row (merge keeps the master record's row)",
        )
    if "source_rows" in data.columns:
        data = data.with_columns(
            pl.col("source_rows").cast(pl.List(pl.Int64)).list.sort().alias("source_rows")
        )
    else:
        data = data.with_columns(pl.concat_list(pl.col("source_row")).alias("source_rows"))
    missing = [f for f in CANONICAL_FIELDS if f not in data.columns]
    if missing:
        data = data.with_columns(pl.lit(None, dtype=pl.String).alias(f) for f in missing)
    return data.sort("source_row")


def export(frame: Any, target: str, **options: Any) -> Export:
    """Build the request bodies of ``target`` (``"franpos"`` or ``"wasp"``) from records.

    ``frame`` is a ``MergeResult`` or ``CleanResult`` (anything with a polars ``.data``), or a
    frame with ``source_row`` and canonical fields. ``options`` are the target's keyword
    options (documented in :mod:`custclean.targets.franpos` and :mod:`custclean.targets.wasp`);
    an unknown option or a bad value raises :class:`~custclean.errors.CustcleanError` naming
    it and the valid choices. The resolved options are kept in ``Export.options``: passing them
    back reproduces the run.

    Example:
        >>> import polars as pl
        >>> ex = export(pl.DataFrame({"source_row": [4], "dob": ["1990-02-01"]}), "franpos")
        >>> ex.batches[0]["Customers"], ex.options["batch_size"]
        ([{'Dob': '1990-02-01'}], 100)
        >>> export(pl.DataFrame({"source_row": [1]}), "franpos", phone_format="E164")
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        custclean.errors.CustcleanError: option phone_format='E164' is not valid. Use one of: ...
    """
    module = target_module(target)
    resolved = resolve_options(module.OPTIONS, options, target=module.NAME)
    records = _input_frame(frame)
    built = module.build(records, resolved)
    return Export(
        target=module.NAME,
        options=resolved,
        batches=built.batches,
        address_batches=built.address_batches,
        preview=built.preview,
        rejected=built.rejected,
        issues=built.issues,
        records=records,
    )


def _dump(body: Any) -> bytes:
    return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@cache
def _fast_check(name: str) -> Callable[[Any], bool] | None:
    """Return a compiled yes/no check of schema ``name`` when fastjsonschema is installed.

    The shipped schemas use only keywords fastjsonschema reads the same way (type,
    properties, additionalProperties, items, min/maxItems, pattern, enum, required); a body it
    refuses is re-checked with jsonschema, which names the problems.
    """
    try:
        import fastjsonschema
    except ImportError:  # pragma: no cover - optional speed-up
        return None
    compiled = fastjsonschema.compile(schema(name))

    def is_valid(body: Any) -> bool:
        try:
            compiled(body)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return is_valid


def _problems(bodies: Iterable[dict[str, Any]], name: str) -> list[str]:
    validator = Draft202012Validator(schema(name))
    fast = _fast_check(name)
    found: list[str] = []
    for number, body in enumerate(bodies, start=1):
        if fast is not None and fast(body):
            continue
        errors = sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.path)))
        for error in errors:
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            found.append(f"{name}-{number:04d}.json: {where}: {error.message}")
    return found


@dataclass(frozen=True)
class Export:
    """Request bodies for one target, their preview, and what was not exported.

    See the module docstring for the attributes. ``records`` holds the input records, so that
    :meth:`subset` can rebuild a retry with the same options.

    Example:
        >>> import polars as pl
        >>> ex = export(pl.DataFrame({"source_row": [1, 2], "email": ["a@x.com", "b@x.com"]}),
        ...             "franpos", batch_size=1)
        >>> ex.preview.select("batch", "position", "source_row", "Email").rows()
        [(1, 0, 1, 'a@x.com'), (2, 0, 2, 'b@x.com')]
    """

    target: str
    options: dict[str, Any]
    batches: list[dict[str, Any]]
    address_batches: list[dict[str, Any]]
    preview: pl.DataFrame
    rejected: pl.DataFrame
    issues: pl.DataFrame
    records: pl.DataFrame = field(repr=False, compare=False)

    # ---------------------------------------------------------------------------- checks
    def validate(self) -> list[str]:
        """Validate every body against its shipped JSON Schema; return the problems found.

        Example:
            >>> import polars as pl
            >>> ex = export(pl.DataFrame({"source_row": [1], "email": ["a@x.com"]}), "franpos")
            >>> ex.validate()
            []
        """
        found = _problems(self.batches, f"{self.target}-customers")
        if self.address_batches:
            found += _problems(self.address_batches, "wasp-addresses")
        return found

    def counts(self) -> dict[str, int]:
        """Return the record, batch, rejection and issue counts.

        Example:
            >>> import polars as pl
            >>> ex = export(pl.DataFrame({"source_row": [1], "email": ["a@x.com"]}), "franpos")
            >>> ex.counts()["customers"], ex.counts()["batches"], ex.counts()["rejected"]
            (1, 1, 0)
        """
        return {
            "records": self.records.height,
            "customers": self.preview.height,
            "rejected": self.rejected.height,
            "batches": len(self.batches),
            "address_records": sum(len(b["Data"]) for b in self.address_batches),
            "address_batches": len(self.address_batches),
            "issues": self.issues.height,
        }

    # ---------------------------------------------------------------------------- derived
    def simulate(self, existing: Any = None) -> Simulation:
        """Predict what the server answers for every record, following the seed's rules.

        ``existing`` holds the account's customers as the server stores them (a frame, or
        anything with ``.data``): ``existing_id`` plus the canonical fields the target matches
        on (Franpos: ``email``, ``customer_code``, ``cell_phone`` as stored text; Wasp:
        ``customer_code``). Without it every customer is predicted new. Rejected records are
        listed too (outcome ``Error``/``error``, never sent), so the table covers every record.

        Example:
            >>> import polars as pl
            >>> ex = export(pl.DataFrame({"source_row": [1], "email": ["a@x.com"]}), "franpos")
            >>> ex.simulate().table["outcome"].to_list()
            ['Added']
        """
        module = target_module(self.target)
        frame = None if existing is None else getattr(existing, "data", existing)
        if frame is not None and not isinstance(frame, pl.DataFrame):
            try:
                frame = pl.from_pandas(frame)
            except Exception as exc:
                raise CustcleanError(
                    f"cannot read existing customers from a {type(existing).__name__}",
                    hint="pass a polars frame with existing_id and the canonical fields",
                ) from exc
        table = module.simulate(self, frame)
        return Simulation(target=self.target, table=table.cast(SIMULATION_SCHEMA))  # type: ignore[arg-type]

    def subset(self, source_rows: Iterable[int]) -> Export:
        """Rebuild the export with only the records of ``source_rows``, same options.

        A record is kept when its own ``source_row`` or any of its ``source_rows`` is given.
        Used to retry the records a server refused.

        Example:
            >>> import polars as pl
            >>> ex = export(pl.DataFrame({"source_row": [1, 2], "email": ["a@x.com", "b@x.com"]}),
            ...             "franpos")
            >>> ex.subset([2]).preview["source_row"].to_list()
            [2]
        """
        wanted = sorted({int(r) for r in source_rows})
        keep = pl.col("source_row").is_in(wanted) | (
            pl.col("source_rows").list.eval(pl.element().is_in(wanted)).list.any()
        )
        return export(self.records.filter(keep), self.target, **self.options)

    # ---------------------------------------------------------------------------- files
    def files(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Return ``(file name, schema name, body)`` for every batch, in writing order.

        Example:
            >>> import polars as pl
            >>> ex = export(pl.DataFrame({"source_row": [1], "email": ["a@x.com"]}), "franpos")
            >>> [name for name, _, _ in ex.files()]
            ['franpos-customers-0001.json']
        """
        kind = f"{self.target}-customers"
        out = [(f"{kind}-{i:04d}.json", kind, b) for i, b in enumerate(self.batches, start=1)]
        out += [
            (f"wasp-addresses-{i:04d}.json", "wasp-addresses", b)
            for i, b in enumerate(self.address_batches, start=1)
        ]
        return out

    def manifest(self, contents: Mapping[str, bytes] | None = None) -> dict[str, Any]:
        """Return the manifest ``write`` saves: target, options, counts, files, rejections.

        Each file lists its record count, ``record_rows`` (each record's own source row, in
        body order), ``source_rows`` (every input row the file carries, merged members
        included) and its SHA-256. No timestamps: a re-run writes identical bytes.

        Example:
            >>> import polars as pl
            >>> ex = export(pl.DataFrame({"source_row": [1], "email": ["a@x.com"]}), "franpos")
            >>> ex.manifest()["files"][0]["record_rows"]
            [1]

        ``contents`` (file name → bytes, as ``write`` has them) saves serialising twice.
        """
        by_batch = self.preview.group_by("batch", maintain_order=True).agg(
            pl.col("source_row"),
            pl.col("source_rows")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort(),
        )
        rows = {b: (r, m) for b, r, m in by_batch.iter_rows()}
        members_of = dict(self.preview.select("source_row", "source_rows").iter_rows())
        files = []
        for name, kind, body in self.files():
            if kind == "wasp-addresses":
                record_rows = [d.get("ImportRowNumber") for d in body["Data"]]
                members = sorted({m for r in record_rows for m in members_of.get(r) or [r]})
                records = len(body["Data"])
            else:
                number = int(name[-9:-5])
                record_rows, members = rows.get(number, ([], []))
                records = len(body["Customers" if self.target == "franpos" else "Data"])
            files.append(
                {
                    "file": name,
                    "schema": kind,
                    "records": records,
                    "record_rows": list(record_rows),
                    "source_rows": list(members),
                    "sha256": hashlib.sha256(
                        contents[name] if contents is not None else _dump(body)
                    ).hexdigest(),
                }
            )
        rejected = [
            {"source_row": r, "source_rows": m, "field": f, "reason": why}
            for r, m, f, why in self.rejected.select(
                "source_row", "source_rows", "field", "reason"
            ).iter_rows()
        ]
        return {
            "target": self.target,
            "options": self.options,
            "counts": self.counts(),
            "files": files,
            "rejected": rejected,
        }

    def write(self, directory: str | Path) -> Path:
        """Validate every body, write one JSON file per batch and ``manifest.json``.

        Files are UTF-8 (non-ASCII kept as is), indented by 2, with the seed's key order and a
        trailing newline; batch files left in ``directory`` by an earlier run of any target
        are removed first, so the folder holds exactly this export. Raises
        :class:`~custclean.errors.CustcleanError` listing the first problems when a body does
        not validate. Returns the manifest's path.

        Example:
            >>> import polars as pl, tempfile
            >>> ex = export(pl.DataFrame({"source_row": [1], "email": ["a@x.com"]}), "franpos")
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     sorted(p.name for p in ex.write(tmp).parent.iterdir())
            ['franpos-customers-0001.json', 'manifest.json']
        """
        problems = self.validate()
        if problems:
            shown = "; ".join(problems[:5])
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            raise CustcleanError(
                f"{len(problems)} schema problem(s) in the {self.target} bodies: {shown}{more}",
                hint="nothing was written; fix the records or the options",
            )
        folder = Path(directory)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.iterdir():
                if old.is_file() and _BATCH_FILE.match(old.name):
                    old.unlink()
            contents = {name: _dump(body) for name, _, body in self.files()}
            for name, data in contents.items():
                (folder / name).write_bytes(data)
            path = folder / "manifest.json"
            path.write_bytes(_dump(self.manifest(contents)))
        except OSError as exc:
            raise CustcleanError(f"cannot write the export: {exc}", path=folder) from exc
        return path

    # ---------------------------------------------------------------------------- display
    def __repr__(self) -> str:
        c = self.counts()
        return (
            f"Export(target={self.target!r}, records={c['records']}, customers={c['customers']},"
            f" batches={c['batches']}, address_batches={c['address_batches']},"
            f" rejected={c['rejected']}, issues={c['issues']})"
        )

    def _repr_html_(self) -> str:
        c = self.counts()
        items = "".join(f"<li>{html.escape(k.replace('_', ' '))}: {v:,}</li>" for k, v in c.items())
        reasons = ""
        if self.rejected.height:
            top = (
                self.rejected.group_by("reason")
                .len()
                .sort(["len", "reason"], descending=[True, False])
            )
            reasons = (
                "<p>Rejected because:</p><ul>"
                + "".join(
                    f"<li>{html.escape(str(r))}: {n:,}</li>" for r, n in top.head(5).iter_rows()
                )
                + "</ul>"
            )
        return (
            f"<div><strong>custclean export for {html.escape(self.target)}</strong>"
            f"<ul>{items}</ul>{reasons}</div>"
        )


_OUTCOME_ORDER: dict[str, tuple[str, ...]] = {
    "franpos": ("Added", "Updated", "Error"),
    "wasp": ("created", "updated", "error"),
}


@dataclass(frozen=True)
class Simulation:
    """What the server is predicted to answer for each record, before anything is sent.

    ``table``: ``source_row, batch, position, outcome, existing_id, fields, reason``.

    Example:
        >>> import polars as pl
        >>> ex = export(pl.DataFrame({"source_row": [1], "email": ["a@x.com"]}), "franpos")
        >>> ex.simulate().counts().rows()
        [('Added', 1), ('Updated', 0), ('Error', 0)]
    """

    target: str
    table: pl.DataFrame

    def counts(self) -> pl.DataFrame:
        """Count the records per outcome, every outcome listed (zero included), fixed order.

        Example:
            >>> import polars as pl
            >>> ex = export(pl.DataFrame({"source_row": [1]}), "wasp")
            >>> ex.simulate().counts()["count"].to_list()
            [0, 0, 1]
        """
        order = _OUTCOME_ORDER[self.target]
        found = dict(self.table.group_by("outcome").len().iter_rows())
        return pl.DataFrame(
            {"outcome": list(order), "count": [found.get(o, 0) for o in order]},
            schema={"outcome": pl.String, "count": pl.Int64},
        )

    def __repr__(self) -> str:
        counts = ", ".join(f"{o}={n}" for o, n in self.counts().iter_rows())
        return f"Simulation(target={self.target!r}, {counts})"

    def _repr_html_(self) -> str:
        counts = "".join(f"<li>{html.escape(o)}: {n:,}</li>" for o, n in self.counts().iter_rows())
        rows = self.table.filter(pl.col("reason").is_not_null()).head(10)
        body = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row)
            + "</tr>"
            for row in rows.select("source_row", "outcome", "existing_id", "reason").iter_rows()
        )
        table = (
            "<table><tr><th>source_row</th><th>outcome</th><th>existing_id</th>"
            f"<th>reason</th></tr>{body}</table>"
            if body
            else ""
        )
        return (
            f"<div><strong>Predicted {html.escape(self.target)} answers</strong>"
            f"<ul>{counts}</ul>{table}</div>"
        )
