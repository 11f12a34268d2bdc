"""Merge each cluster of duplicates into one golden record, and say where every value came from.

``merge(cleaned, links)`` takes the cleaned records and the clusters of the linking stage and
returns one golden record per cluster. Which member gives each field is decided by
*survivorship rules* (:data:`RULES`), one per field, given as plain strings::

    cc.merge(cleaned, links, rules={"email": "most_recent", "*": "most_complete"},
             recency_column="last_updated")

The default (``"master"``): the most complete member (the most filled canonical fields; ties
go to the lowest ``source_row``) is the *master*; each field comes from the master when it has
it, else it is the value most members hold (ties: the more complete record, then the lower
``source_row``). Fields that belong together survive together: the address (``address1,
address2, city, state, zip, country``), each phone with its extension and type, the notes with
their type (``reference_data/survivorship_units.csv``) — a golden address is never stitched
from two records.

Nothing is lost: ``.lineage`` names, for every golden value, the source row that gave it, the
rule and why; every distinct e-mail and phone of a cluster that did not become the golden one
is listed there too (rule ``kept``) and in the list columns ``other_emails`` /
``other_phones`` of ``.data``. Every cleaned row is in exactly one golden record's
``source_rows``.

Example:
    >>> import polars as pl
    >>> records = pl.DataFrame(
    ...     {
    ...         "source_row": [1, 2, 3],
    ...         "first_name": ["Robert", "Bob", "Ann"],
    ...         "last_name": ["Smith", "Smith", "Lee"],
    ...         "email": ["bob@x.org", "rsmith@y.org", None],
    ...         "dob": ["1980-05-17", None, None],
    ...         "gender": ["male", None, None],
    ...         "city": [None, "Boston", "Oslo"],
    ...     }
    ... )
    >>> links = pl.DataFrame({"source_row": [1, 2, 3], "cluster_id": ["c1", "c1", "c2"]})
    >>> golden = merge(records, links)
    >>> golden.data.select("cluster_id", "first_name", "email", "city", "other_emails").rows()
    [('c1', 'Robert', 'bob@x.org', 'Boston', ['rsmith@y.org']), ('c2', 'Ann', None, 'Oslo', [])]
    >>> golden.explain(2).select("field", "source_row", "rule").rows()[-2:]
    [('city', 2, 'master'), ('email', 2, 'kept')]
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from custclean._survivorship import (
    DEFAULT_RULE,
    HELPER_COLUMNS,
    RULES,
    Context,
    choose,
    completeness,
    doubt_by_field,
    field_units,
    resolve_rules,
)
from custclean.errors import CustcleanError

__all__ = ["LINEAGE_SCHEMA", "RULES", "MergeResult", "merge"]

#: Columns and types of :attr:`MergeResult.lineage`.
LINEAGE_SCHEMA: dict[str, pl.DataType] = {
    "cluster_id": pl.String(),
    "field": pl.String(),
    "value": pl.String(),
    "source_row": pl.Int64(),
    "rule": pl.String(),
    "note": pl.String(),
}

#: Columns ``merge`` adds to the golden records; the input must not hold them.
RESERVED_COLUMNS = ("source_rows", "cluster_size", "other_emails", "other_phones")

_EMAIL_FIELDS = ("email",)
_PHONE_FIELDS = ("cell_phone", "work_phone")
SourcePriority = tuple[str, Sequence[str]] | Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class MergeResult:
    """Golden records, one per cluster, with the lineage of every value.

    ``data``: ``cluster_id``, ``source_row`` (the master record's row), ``source_rows``
    (every member, sorted), ``cluster_size``, then every input column (canonical fields,
    extras, untouched columns) as the rules chose them, then ``other_emails`` and
    ``other_phones`` (the cluster's distinct values that did not become the golden ones).
    Rows are in the order of each cluster's first ``source_row``.
    ``lineage``: ``cluster_id, field, value, source_row, rule, note`` — one row per golden
    value (field by field, each in record order; ``note`` says why, and is empty for a record
    alone in its cluster), then one per e-mail or phone kept aside (rule ``kept``).
    ``rules``: the rule each field survived by. ``options``: ``recency_column`` and
    ``source_priority`` as given.

    Example:
        >>> r = merge(pl.DataFrame({"source_row": [1], "email": ["a@x.org"]}))
        >>> r.data.select("source_row", "email", "cluster_size").row(0)
        (1, 'a@x.org', 1)
        >>> r.rules
        {'email': 'master'}
    """

    data: pl.DataFrame
    lineage: pl.DataFrame
    rules: dict[str, str]
    options: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> pl.DataFrame:
        """Count records, golden records, merged clusters, borrowed values and kept contacts.

        Example:
            >>> merge(pl.DataFrame({"source_row": [1, 2]})).summary()["count"].to_list()
            [2, 2, 0, 0, 0, 0, 0]
        """
        d = self.data
        masters = d.select("cluster_id", pl.col("source_row").alias("_master"))
        chosen = self.lineage.filter(pl.col("rule") != "kept")
        borrowed = chosen.join(masters, on="cluster_id").filter(
            pl.col("source_row") != pl.col("_master")
        )
        kept = self.lineage.filter(pl.col("rule") == "kept")
        counts = [
            ("records", int(d["cluster_size"].sum() or 0)),
            ("golden records", d.height),
            ("merged clusters", d.filter(pl.col("cluster_size") > 1).height),
            ("records merged away", int(d["cluster_size"].sum() or 0) - d.height),
            ("values from a non-master member", borrowed.height),
            ("other e-mails kept", kept.filter(pl.col("field").is_in(_EMAIL_FIELDS)).height),
            ("other phones kept", kept.filter(pl.col("field").is_in(_PHONE_FIELDS)).height),
        ]
        return pl.DataFrame(counts, schema=[("kind", pl.String), ("count", pl.Int64)], orient="row")

    def explain(self, row_or_cluster: int | str) -> pl.DataFrame:
        """Return the lineage of the golden record holding a source row (or a cluster id).

        Example:
            >>> r = merge(pl.DataFrame({"source_row": [7], "email": ["a@x.org"]}))
            >>> r.explain(7).select("field", "value", "source_row").rows()
            [('email', 'a@x.org', 7)]
        """
        if isinstance(row_or_cluster, str):
            cluster = row_or_cluster
        else:
            hit = self.data.filter(pl.col("source_rows").list.contains(int(row_or_cluster)))
            if hit.height == 0:
                raise CustcleanError(f"no golden record holds source_row {row_or_cluster}")
            cluster = hit["cluster_id"][0]
        return self.lineage.filter(pl.col("cluster_id") == cluster)

    def __repr__(self) -> str:
        counts = dict(self.summary().iter_rows())
        rules = {r for r in self.rules.values()}
        return (
            f"MergeResult({counts['records']} records → {counts['golden records']} golden "
            f"records; {counts['merged clusters']} merged clusters; "
            f"{counts['values from a non-master member']} values from a non-master member; "
            f"{counts['other e-mails kept']} other e-mails and {counts['other phones kept']} "
            f"other phones kept; rules: {', '.join(sorted(rules)) or DEFAULT_RULE})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td style='text-align:right'>{v}</td></tr>"
            for k, v in self.summary().iter_rows()
        )
        special = {f: r for f, r in self.rules.items() if r != DEFAULT_RULE}
        rules = (
            "; ".join(f"{html.escape(f)}: {html.escape(r)}" for f, r in special.items())
            or f"{DEFAULT_RULE} for every field"
        )
        return f"<div><strong>MergeResult</strong><table>{rows}</table><p>Rules: {rules}</p></div>"


# --------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------


def _records(cleaned: Any, issues: pl.DataFrame | None) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    data = getattr(cleaned, "data", cleaned)
    if not isinstance(data, pl.DataFrame):
        raise CustcleanError(
            f"merge needs a CleanResult or a polars DataFrame, not {type(cleaned).__name__}"
        )
    if issues is None:
        issues = getattr(cleaned, "issues", None)
    if "source_row" not in data.columns:
        raise CustcleanError("the records need a 'source_row' column", hint="pass cc.clean(...)")
    bad = [c for c in (*RESERVED_COLUMNS, *HELPER_COLUMNS) if c in data.columns]
    if bad:
        raise CustcleanError(
            "the records already hold " + ", ".join(repr(c) for c in bad),
            hint="merge cleaned records, not golden records; rename those columns",
        )
    data = data.with_columns(pl.col("source_row").cast(pl.Int64))
    if data["source_row"].null_count():
        raise CustcleanError("a record has an empty 'source_row'")
    if data["source_row"].n_unique() != data.height:
        dup = data.filter(pl.col("source_row").is_duplicated())["source_row"].min()
        raise CustcleanError(f"source_row {dup} appears more than once in the records")
    if not data["source_row"].is_sorted():
        data = data.sort("source_row")
    return data, issues


def _clusters(links: Any, data: pl.DataFrame) -> pl.DataFrame:
    """Return ``cluster_id, _c, _size`` aligned with ``data`` (sorted by source_row).

    The id comes from ``links``, else it is the record's own fingerprint id. ``_c`` is the
    cluster's first source_row: its integer key and its place in the output.
    """
    frame = getattr(links, "clusters", links)
    rows = data.select("source_row")
    if frame is None:
        given = pl.DataFrame(schema={"source_row": pl.Int64, "cluster_id": pl.String})
    else:
        if not isinstance(frame, pl.DataFrame):
            raise CustcleanError(
                f"links must be a LinkResult or a frame, not {type(links).__name__}"
            )
        missing = {"source_row", "cluster_id"} - set(frame.columns)
        if missing:
            raise CustcleanError(
                "links need the columns source_row and cluster_id; missing: "
                + ", ".join(sorted(missing))
            )
        given = frame.select(
            pl.col("source_row").cast(pl.Int64), pl.col("cluster_id").cast(pl.String)
        )
        if given["source_row"].n_unique() != given.height:
            dup = given.filter(pl.col("source_row").is_duplicated())["source_row"].min()
            raise CustcleanError(
                f"source_row {dup} is in more than one cluster",
                hint="every record belongs to exactly one cluster",
            )
        if given["cluster_id"].null_count() or given["source_row"].null_count():
            raise CustcleanError("links hold an empty source_row or cluster_id")
        unknown = given.join(rows, on="source_row", how="anti")
        if unknown.height:
            raise CustcleanError(
                f"links name source_row {unknown['source_row'].min()}, which is not in the records",
                hint="link and merge the same cleaned records",
            )
    if given["source_row"].equals(rows["source_row"]):  # already one row per record, in order
        out = given
    else:
        out = rows.join(given, on="source_row", how="left", maintain_order="left")
    if out["cluster_id"].null_count():
        from custclean.link.fingerprint import FINGERPRINT_FIELDS, fingerprints

        content = data.select(
            "source_row",
            *[
                pl.col(f) if f in data.columns else pl.lit(None, dtype=pl.String).alias(f)
                for f in FINGERPRINT_FIELDS
            ],
        )
        own = "c" + fingerprints(content)
        out = out.with_columns(pl.col("cluster_id").fill_null(own))
    return out.select(
        "cluster_id",
        _c=pl.col("source_row").min().over("cluster_id"),
        _size=pl.len().over("cluster_id").cast(pl.Int64),
    )


def _source_priority(
    value: SourcePriority | None, data: pl.DataFrame
) -> tuple[str, tuple[str, ...]] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        if len(value) != 1:
            raise CustcleanError(
                "source_priority names one column and its order",
                hint='write source_priority={"source": ["pos", "web", "import"]}',
            )
        column, order = next(iter(value.items()))
    elif isinstance(value, tuple | list) and len(value) == 2 and isinstance(value[0], str):
        column, order = value
    else:
        raise CustcleanError(
            "source_priority must be (column, [sources, best first])",
            hint='write source_priority=("source", ["pos", "web", "import"])',
        )
    if isinstance(order, str) or not all(isinstance(s, str) for s in order):
        raise CustcleanError("the source order must be a list of source names, best first")
    if column not in data.columns:
        raise CustcleanError(
            f"source_priority names the column {column!r}, which the records do not have",
            hint="use one of: " + ", ".join(c for c in data.columns if c != "source_row"),
        )
    return column, tuple(order)


def _recency(data: pl.DataFrame, column: str) -> pl.Series:
    """Read the recency column as dates (text through custclean's date reader)."""
    values = data[column]
    if values.dtype == pl.Date:
        return values.alias("_recency")
    if values.dtype == pl.Datetime or isinstance(values.dtype, pl.Datetime):
        return values.dt.date().alias("_recency")
    from custclean.normalize.dates import normalize_date

    country = data["country"] if "country" in data.columns else None
    read = normalize_date(values.cast(pl.String), country=country, kind="date")
    return read.value.str.to_date("%Y-%m-%d", strict=False).alias("_recency")


# --------------------------------------------------------------------------------------
# merge
# --------------------------------------------------------------------------------------


def merge(
    cleaned: Any,
    links: Any = None,
    rules: Mapping[str, str] | None = None,
    *,
    recency_column: str | None = None,
    source_priority: SourcePriority | None = None,
    issues: pl.DataFrame | None = None,
) -> MergeResult:
    """Merge every cluster of records into one golden record by survivorship rules.

    ``cleaned``: a ``CleanResult`` (its issues feed ``prefer_valid``) or a frame with
    ``source_row``. ``links``: a ``LinkResult`` or a frame ``source_row, cluster_id``; None
    (or a record it does not list) = the record alone, with cluster id ``"c"`` + its
    fingerprint. ``rules``: ``{field_or_unit: rule}`` with ``"*"`` for every other field,
    rule names from :data:`RULES` (default ``"master"``; units: ``address``, ``cell_phone``,
    ``work_phone``, ``notes``). ``recency_column``: the date column ``most_recent`` reads
    (text dates in any common form, or a Date/Datetime column); the newest record wins,
    records without a date come last. ``source_priority``: ``(column, [sources, best
    first])`` for ``source_priority``; unlisted sources come last. ``issues``: the issues
    frame when ``cleaned`` is a bare frame.

    Every rule breaks ties by the more complete record, then the lower ``source_row``, so the
    result does not depend on the order of the input rows.

    Example:
        >>> records = pl.DataFrame(
        ...     {
        ...         "source_row": [1, 2],
        ...         "address1": ["1 Elm St", "9 Oak Ave"],
        ...         "zip": ["02134", "02139"],
        ...         "last_updated": ["2021-03-01", "2024-06-30"],
        ...     }
        ... )
        >>> links = pl.DataFrame({"source_row": [1, 2], "cluster_id": ["c1", "c1"]})
        >>> g = merge(records, links, {"address": "most_recent"}, recency_column="last_updated")
        >>> g.data.select("address1", "zip").row(0)
        ('9 Oak Ave', '02139')
        >>> g.lineage.filter(pl.col("field") == "zip").select("source_row", "note").row(0)
        (2, 'newest last_updated 2024-06-30; 1 other value in the cluster')
    """
    data, issues = _records(cleaned, issues)
    clusters = _clusters(links, data)
    data = data.drop("cluster_id", strict=False)
    fields = [c for c in data.columns if c != "source_row"]
    units = field_units(fields)
    by_unit = resolve_rules(rules, units)
    used = set(by_unit.values())
    if "most_recent" in used and recency_column is None:
        raise CustcleanError(
            "the rule most_recent needs recency_column=",
            hint="name the date column that says how recent each record is",
        )
    if recency_column is not None and recency_column not in data.columns:
        raise CustcleanError(
            f"recency_column {recency_column!r} is not a column of the records",
            hint="use one of: " + ", ".join(fields),
        )
    priority = _source_priority(source_priority, data)
    if "source_priority" in used and priority is None:
        raise CustcleanError(
            "the rule source_priority needs source_priority=",
            hint='give the source column and its order, e.g. ("source", ["pos", "web"])',
        )
    doubt = None
    if "prefer_valid" in used:
        if issues is None:
            raise CustcleanError(
                "the rule prefer_valid needs the cleaner's issues",
                hint="pass the CleanResult itself, or issues=",
            )
        doubt = doubt_by_field(issues, fields)
    ctx = Context(
        recency_column=recency_column,
        source_column=priority[0] if priority else None,
        source_order=priority[1] if priority else (),
        doubt=doubt,
    )
    field_rule = {f: by_unit[u] for u, fs in units.items() for f in fs}
    unit_list = list(units.items())
    members = data.hstack(clusters)
    single = _single_part(members.filter(pl.col("_size") == 1), fields, len(unit_list))
    multi = _prepare_multi(members.filter(pl.col("_size") > 1), recency_column, priority)
    multi = _multi_part(multi, fields, unit_list, by_unit, ctx)
    golden = single.merge_sorted(multi.select(single.columns), key="_c")
    lineage = _lineage(golden, unit_list, by_unit)
    golden = golden.select(
        "cluster_id",
        "source_row",
        "source_rows",
        "cluster_size",
        *fields,
        "other_emails",
        "other_phones",
    )
    options: dict[str, Any] = {"recency_column": recency_column, "source_priority": None}
    if priority:
        options["source_priority"] = {"column": priority[0], "order": list(priority[1])}
    return MergeResult(data=golden, lineage=lineage, rules=field_rule, options=options)


def _prepare_multi(
    multi: pl.DataFrame,
    recency_column: str | None,
    priority: tuple[str, tuple[str, ...]] | None,
) -> pl.DataFrame:
    """Add ``_filled``, ``_master`` and the rules' own columns to the members of clusters of 2+.

    The master is the most complete member (ties: the lowest ``source_row``).
    """
    multi = (
        multi.sort("_c", "source_row").set_sorted("_c").with_columns(completeness(multi.columns))
    )
    master_row = (
        pl.col("source_row")
        .sort_by([pl.col("_filled"), pl.col("source_row")], descending=[True, False])
        .first()
        .over("_c")
    )
    multi = multi.with_columns(_master=pl.col("source_row") == master_row)
    if recency_column is not None:
        multi = multi.with_columns(_recency(multi, recency_column))
    if priority is not None:
        column, order = priority
        rank = {s.strip().lower(): i for i, s in reversed(list(enumerate(order)))}
        source = pl.col(column).cast(pl.String).str.strip_chars()
        multi = multi.with_columns(
            _source=source,
            _priority=source.str.to_lowercase()
            .replace_strict(rank, default=len(order), return_dtype=pl.Int64)
            .fill_null(len(order)),
        )
    return multi


_KEPT = pl.List(
    pl.Struct(
        {
            "field": pl.String,
            "value": pl.String,
            "source_row": pl.Int64,
            "rule": pl.String,
            "note": pl.String,
        }
    )
)
_NO_CONTACTS = pl.lit([], dtype=pl.List(pl.String))


def _single_part(single: pl.DataFrame, fields: Sequence[str], n_units: int) -> pl.DataFrame:
    """Golden records of clusters of one: the record itself (lineage filled in later)."""
    return single.select(
        "_c",
        "cluster_id",
        "source_row",
        pl.concat_list("source_row").alias("source_rows"),
        pl.lit(1, dtype=pl.Int64).alias("cluster_size"),
        *fields,
        other_emails=_NO_CONTACTS,
        other_phones=_NO_CONTACTS,
        _kept=pl.lit(None, dtype=_KEPT),
        **{f"_giver_{i}": pl.lit(None, dtype=pl.Int64) for i in range(n_units)},
        **{f"_note_{i}": pl.lit(None, dtype=pl.String) for i in range(n_units)},
    ).set_sorted("_c")


def _multi_part(
    multi: pl.DataFrame,
    fields: Sequence[str],
    units: Sequence[tuple[str, tuple[str, ...]]],
    by_unit: Mapping[str, str],
    ctx: Context,
) -> pl.DataFrame:
    """Golden records of clusters of two or more, with each unit's giver and note."""
    golden = multi.filter(pl.col("_master")).select("_c", "cluster_id", "source_row").sort("_c")
    for i, (unit, unit_fields) in enumerate(units):
        pick = choose(multi, unit_fields, by_unit[unit], ctx, by="_c")
        golden = golden.join(
            pick.select(
                "_c",
                *unit_fields,
                pl.col("_giver").alias(f"_giver_{i}"),
                pl.col("_note").alias(f"_note_{i}"),
            ),
            on="_c",
            how="left",
            maintain_order="left",
        )
    schema = multi.schema
    sizes = (
        multi.select("_c", "source_row")
        .sort("_c", "source_row")
        .group_by("_c", maintain_order=True)
        .agg(source_rows=pl.col("source_row"), cluster_size=pl.len().cast(pl.Int64))
    )
    others, kept = _other_contacts(multi, golden)
    return (
        golden.with_columns([pl.col(f).cast(schema[f]) for f in fields])
        .join(sizes, on="_c", how="left", maintain_order="left")
        .join(others, on="_c", how="left", maintain_order="left")
        .join(kept, on="_c", how="left", maintain_order="left")
        .with_columns(pl.col("other_emails", "other_phones").fill_null(_NO_CONTACTS))
    )


def _contacts(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    present = [n for n in names if n in frame.columns]
    if not present:
        schema = {"_c": pl.Int64, "source_row": pl.Int64, "field": pl.String, "value": pl.String}
        return pl.DataFrame(schema=schema)
    return (
        frame.select("_c", "source_row", *[pl.col(n).cast(pl.String) for n in present])
        .unpivot(index=["_c", "source_row"], variable_name="field", value_name="value")
        .drop_nulls("value")
    )


def _other_contacts(multi: pl.DataFrame, golden: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Distinct e-mails and phones of each cluster that did not become the golden ones.

    Returns ``_c, other_emails, other_phones`` and ``_c, _kept`` (their lineage rows).
    """
    lists = []
    kept_parts = []
    for names, column in ((_EMAIL_FIELDS, "other_emails"), (_PHONE_FIELDS, "other_phones")):
        seen = _contacts(multi, names).sort("_c", "source_row", "field")
        chosen = _contacts(golden, names).select("_c", "value")
        kept = seen.unique(["_c", "value"], keep="first", maintain_order=True).join(
            chosen, on=["_c", "value"], how="anti", maintain_order="left"
        )
        kept_parts.append(kept.with_columns(_kind=pl.lit(column)))
        lists.append(kept.group_by("_c", maintain_order=True).agg(pl.col("value").alias(column)))
    others = lists[0].join(lists[1], on="_c", how="full", coalesce=True)
    kept_all = (
        pl.concat(kept_parts)
        .sort("_c", "source_row", "field", maintain_order=True)
        .group_by("_c", maintain_order=True)
        .agg(
            _kept=pl.struct(
                "field",
                "value",
                "source_row",
                rule=pl.lit("kept"),
                note=pl.format("not chosen; kept in {}", "_kind"),
            )
        )
        .with_columns(pl.col("_kept").cast(_KEPT))
    )
    return others, kept_all


def _lineage(
    golden: pl.DataFrame,
    units: Sequence[tuple[str, tuple[str, ...]]],
    by_unit: Mapping[str, str],
) -> pl.DataFrame:
    """One row per golden value, field by field (each in record order), then the kept contacts.

    Field-major order needs no sort or gather: each field's values are filtered and stacked.
    """
    unit_of = {f: i for i, (_, fs) in enumerate(units) for f in fs}
    fields = [f for f in golden.columns if f in unit_of]
    parts = [
        golden.lazy()
        .select(
            "cluster_id",
            field=pl.lit(f, dtype=pl.String),
            value=pl.col(f).cast(pl.String),
            source_row=pl.coalesce(f"_giver_{unit_of[f]}", "source_row").cast(pl.Int64),
            rule=pl.lit(by_unit[units[unit_of[f]][0]], dtype=pl.String),
            note=pl.col(f"_note_{unit_of[f]}"),
        )
        .filter(pl.col("value").is_not_null())
        for f in fields
    ]
    kept = (
        golden.lazy()
        .select("cluster_id", "_kept")
        .filter(pl.col("_kept").is_not_null())
        .explode("_kept")
        .unnest("_kept")
        .drop_nulls("value")
        .select(list(LINEAGE_SCHEMA))
    )
    return pl.concat([*parts, kept], how="vertical").collect().cast(LINEAGE_SCHEMA)  # type: ignore[arg-type]
