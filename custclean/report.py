"""The run report: one self-contained HTML file an analyst reads before pressing send.

It shows what cleaning did per field, the worst issues with examples, a before/after sample,
the duplicate clusters with the evidence behind them and the pairs left for review, the groups
the target server would collapse by its own keys, the predicted server outcome and the batches
written. Charts are rendered to inline SVG, the stylesheet is inline, and the page runs no
script and fetches nothing, so it opens offline. Every customer value is HTML-escaped.

Every argument but ``cleaned`` is optional: a section whose input is missing is left out.

Example:
    >>> import polars as pl
    >>> import custclean as cc
    >>> raw = pl.DataFrame({"First Name": ["<script>alert(1)</script>"], "Zip": ["2134"]})
    >>> html = build_report(cleaned=cc.clean(cc.map_columns(raw)))
    >>> "<script>" in html, "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    (False, True)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from custclean._report_charts import cluster_size_chart, issue_chart, score_chart
from custclean._report_html import as_frame, badge, cards, esc, keyvalues, page, table
from custclean.fields import CANONICAL_FIELDS

__all__ = ["build_report", "write_report"]

#: Issue codes from worst to mildest: the order of the "worst issues" section.
SEVERITY: tuple[str, ...] = (
    "invalid",
    "implausible",
    "conflict",
    "ambiguous",
    "placeholder",
    "lossy",
    "ragged",
    "fuzzy",
    "inferred",
    "fixed",
    "renamed",
    "unmapped",
)
_PERSON = ("first_name", "last_name", "company", "email", "cell_phone", "dob", "address1", "city")
_SAMPLE_ROWS = 8
_SHOWN_CLUSTERS = 12
_SHOWN_REVIEW = 15


def build_report(
    *,
    cleaned: Any,
    links: Any = None,
    golden: Any = None,
    export: Any = None,
    simulation: Any = None,
    manifest: Mapping[str, Any] | None = None,
    raw: pl.DataFrame | None = None,
    title: str = "custclean report",
) -> str:
    """Build the report as one HTML string.

    ``cleaned`` is a :class:`~custclean.cleaning.CleanResult`; ``links`` a ``LinkResult``;
    ``golden`` a ``MergeResult``; ``export`` an ``Export`` and ``simulation`` its
    ``Simulation``; ``manifest`` the run manifest (a JSON-ready dict, its ``payloads`` key
    the export's own manifest); ``raw`` the mapped frame before cleaning (``source_row`` and
    the canonical columns as read) for the before/after sample. The same inputs give the same
    bytes.

    Example:
        >>> import custclean as cc
        >>> r = cc.clean(cc.map_columns(pl.DataFrame({"Email": [" A@B.COM "]})))
        >>> 'id="fields"' in build_report(cleaned=r, title="Spring import")
        True
    """
    data: pl.DataFrame = cleaned.data
    issues: pl.DataFrame = cleaned.issues
    sections: list[tuple[str, str, str]] = [
        ("fields", "Fields", _fields_section(cleaned)),
        ("issues", "Worst issues", _issues_section(issues)),
        ("before-after", "Before and after", _before_after_section(data, issues, raw)),
    ]
    if links is not None:
        sections.append(("duplicates", "Duplicate clusters", _duplicates_section(links, data)))
        sections.append(("review", "Review band", _review_section(links, data)))
        existing = as_frame(getattr(links, "existing_links", None))
        if existing is not None and existing.height:
            sections.append(("existing", "Existing customers", _existing_section(existing)))
        collisions = as_frame(getattr(links, "server_collisions", None))
        if collisions is not None:
            sections.append(("collisions", "Server collisions", _collisions_section(collisions)))
    if simulation is not None:
        sections.append(("outcome", "Predicted server outcome", _outcome_section(simulation)))
    if export is not None or manifest is not None:
        sections.append(("batches", "Batches written", _batches_section(export, manifest)))
    if manifest is not None:
        sections.append(("run", "About this run", _run_section(manifest)))
    subtitle = _subtitle(manifest, data)
    summary = _summary_cards(data, issues, links, golden, export, simulation)
    return page(title, subtitle, summary, sections)


def write_report(path: str | Path, **parts: Any) -> Path:
    """Write :func:`build_report`'s page to ``path`` (UTF-8) and return the path.

    Takes the same keyword arguments as :func:`build_report`.

    Example:
        >>> import tempfile, custclean as cc
        >>> r = cc.clean(cc.map_columns(pl.DataFrame({"Email": ["a@b.com"]})))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     write_report(Path(tmp) / "report.html", cleaned=r).name
        'report.html'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(build_report(**parts).encode("utf-8"))
    return target


# --- header -----------------------------------------------------------------------------------


def _subtitle(manifest: Mapping[str, Any] | None, data: pl.DataFrame) -> str:
    if not manifest:
        return f"{data.height:,} records"
    source = manifest.get("input", {})
    name = source.get("path") if isinstance(source, Mapping) else None
    target = manifest.get("options", {}).get("target")
    bits = [f"{data.height:,} records"]
    if name:
        bits.insert(0, str(name))
    if target:
        bits.append(f"target {target}")
    return " · ".join(bits)


def _summary_cards(
    data: pl.DataFrame, issues: pl.DataFrame, links: Any, golden: Any, export: Any, sim: Any
) -> str:
    rows_with_issue = issues.filter(
        pl.col("source_row").is_not_null() & (pl.col("code") != "unmapped")
    )["source_row"].n_unique()
    items: list[tuple[str, object, str]] = [
        ("input records", data.height, ""),
        ("records with an issue", rows_with_issue, ""),
    ]
    clusters = as_frame(getattr(links, "clusters", None))
    if clusters is not None and clusters.height:
        merged = (
            clusters.filter(pl.col("cluster_size") > 1)
            if "cluster_size" in clusters.columns
            else clusters.filter(pl.col("cluster_id").is_duplicated())
        )
        items.append(("records in duplicate clusters", merged.height, ""))
    pairs = as_frame(getattr(links, "pairs", None))
    if pairs is not None and "decision" in pairs.columns:
        review = pairs.filter(pl.col("decision") == "review").height
        items.append(("pairs to review", review, "warn" if review else ""))
    gold = as_frame(getattr(golden, "data", None))
    if gold is not None:
        items.append(("golden records", gold.height, ""))
    preview = as_frame(getattr(export, "preview", None))
    if preview is not None:
        items.append(("records exported", preview.height, ""))
    rejected = as_frame(getattr(export, "rejected", None))
    if rejected is not None:
        n = _distinct_rows(rejected)
        items.append(("records not exported", n, "bad" if n else ""))
    table_ = as_frame(getattr(sim, "table", None))
    if table_ is not None and "outcome" in table_.columns:
        n = table_.filter(pl.col("outcome").str.to_lowercase() == "error").height
        items.append(("predicted errors", n, "bad" if n else ""))
    return cards(items)


def _distinct_rows(frame: pl.DataFrame) -> int:
    if "source_row" in frame.columns:
        return int(frame["source_row"].n_unique())
    return frame.height


# --- cleaning ---------------------------------------------------------------------------------


def _fields_section(cleaned: Any) -> str:
    summary: pl.DataFrame = cleaned.summary()
    if "rejected" in summary.columns:
        summary = summary.rename({"rejected": "invalid"})
    cols = [c for c in ("field", "valid", "fixed", "inferred", "conflict", "invalid", "empty")
            if c in summary.columns]  # fmt: skip
    intro = (
        "<p>Per canonical field: <b>valid</b> values needed no change, <b>fixed</b> ones were "
        "corrected to the normal form, <b>inferred</b> ones were filled from other evidence in "
        "the record, <b>invalid</b> ones could not be resolved and were emptied (the original "
        "stays in issues.csv), <b>empty</b> counts the records without a value after cleaning."
        "</p>"
    )
    chart = issue_chart(cleaned.issues)
    return intro + table(summary, cols, max_rows=len(CANONICAL_FIELDS) + 5) + _chart(chart)


def _chart(svg: str) -> str:
    return f'<div class="chart">{svg}</div>' if svg else ""


def _issues_section(issues: pl.DataFrame) -> str:
    rows = issues.filter(pl.col("code") != "unmapped")
    if rows.height == 0:
        return '<p class="muted">No issues: every value was already in its normal form.</p>'
    rank = {code: i for i, code in enumerate(SEVERITY)}
    groups = (
        rows.group_by("field", "code")
        .agg(
            pl.len().alias("issues"),
            pl.col("source_row").drop_nulls().n_unique().alias("records"),
        )
        .with_columns(
            pl.col("code")
            .replace_strict(rank, default=len(rank), return_dtype=pl.Int64)
            .alias("_r")
        )
        .sort(["_r", "issues", "field"], descending=[False, True, False], nulls_last=True)
        .head(12)
    )
    parts = [
        "<p>The kinds of issue that matter most first (values that could not be used, then "
        "doubtful ones, then repairs), each with a few examples. issues.csv lists them all.</p>"
    ]
    for field, code, n_issues, n_records, _ in groups.iter_rows():
        examples = (
            rows.filter((pl.col("field") == field) & (pl.col("code") == code))
            .sort("source_row", nulls_last=True)
            .unique(subset=["value", "result"], keep="first", maintain_order=True)
            .head(3)
        )
        parts.append(
            f'<h3>{esc(field or "(file)")} {badge(code)} <span class="muted">'
            f"{n_issues:,} issue{'s' if n_issues != 1 else ''} in {n_records:,} "
            f"record{'s' if n_records != 1 else ''}</span></h3>"
        )
        parts.append(
            table(
                examples,
                ["source_row", "value", "result", "message"],
                value_columns=("value", "result"),
            )
        )
    return "".join(parts)


def _before_after_section(
    data: pl.DataFrame, issues: pl.DataFrame, raw: pl.DataFrame | None
) -> str:
    fields = [f for f in CANONICAL_FIELDS if f in data.columns]
    touched = issues.filter(
        pl.col("source_row").is_not_null()
        & pl.col("field").is_in(fields)
        & (pl.col("code") != "unmapped")
    )
    if touched.height == 0:
        return '<p class="muted">No value changed.</p>'
    chosen = (
        touched.group_by("source_row")
        .agg(pl.col("field").n_unique().alias("n"))
        .sort(["n", "source_row"], descending=[True, False])
        .head(_SAMPLE_ROWS)["source_row"]
        .sort()
    )
    if raw is not None and "source_row" in raw.columns:
        before_cols = [f for f in fields if f in raw.columns]
        before = (
            raw.filter(pl.col("source_row").is_in(chosen.implode()))
            .select(
                pl.col("source_row").cast(pl.Int64),
                *[pl.col(c).cast(pl.String) for c in before_cols],
            )
            .unpivot(index="source_row", variable_name="field", value_name="before")
        )
    else:
        before = (
            touched.filter(pl.col("source_row").is_in(chosen.implode()))
            .group_by("source_row", "field")
            .agg(pl.col("value").first().alias("before"))
        )
    after = (
        data.filter(pl.col("source_row").is_in(chosen.implode()))
        .select("source_row", *[pl.col(c).cast(pl.String) for c in fields])
        .unpivot(index="source_row", variable_name="field", value_name="after")
    )
    codes = (
        touched.filter(pl.col("source_row").is_in(chosen.implode()))
        .group_by("source_row", "field")
        .agg(pl.col("code").unique().sort().str.join(", ").alias("code"))
    )
    order = {f: i for i, f in enumerate(fields)}
    sample = (
        after.join(before, on=["source_row", "field"], how="left")
        .join(codes, on=["source_row", "field"], how="left")
        .filter(pl.col("code").is_not_null() | pl.col("before").ne_missing(pl.col("after")))
        .with_columns(pl.col("field").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort("source_row", "_o")
    )
    intro = (
        f"<p>The {chosen.len()} records with the most changed fields, value as read and value "
        "after cleaning. Only the fields that changed are listed.</p>"
    )
    return intro + table(
        sample,
        ["source_row", "field", "before", "after", "code"],
        max_rows=200,
        value_columns=("before", "after"),
    )


# --- duplicates -------------------------------------------------------------------------------


def _people(data: pl.DataFrame, rows: list[int]) -> pl.DataFrame:
    cols = [c for c in _PERSON if c in data.columns]
    return data.filter(pl.col("source_row").is_in(rows)).select("source_row", *cols)


def _explain_html(links: Any, a: int, b: int) -> str:
    explain = getattr(links, "explain", None)
    if explain is None:
        return ""
    try:
        frame = explain(a, b)
    except Exception as exc:
        return f'<p class="muted">No explanation for {a} and {b}: {esc(exc)}</p>'
    if not isinstance(frame, pl.DataFrame):
        return f"<pre>{esc(frame)}</pre>"
    first = frame.columns[0] if frame.columns else None
    if first is not None:
        frame = frame.with_columns(
            pl.when(pl.col(first).cast(pl.String) == "total")
            .then(pl.lit("total"))
            .otherwise(pl.lit(None, pl.String))
            .alias("_row")
        )
    shown = [c for c in frame.columns if c != "_row"]
    return table(frame, shown, max_rows=40, value_columns=("value_a", "value_b"), row_class="_row")


def _duplicates_section(links: Any, data: pl.DataFrame) -> str:
    parts: list[str] = []
    clusters = as_frame(getattr(links, "clusters", None))
    pairs = as_frame(getattr(links, "pairs", None))
    blocking = as_frame(getattr(links, "blocking", None))
    match_t = getattr(links, "match_threshold", None)
    review_t = getattr(links, "review_threshold", None)
    parts.append(
        "<p>Candidate pairs come from the blocking passes below, are compared field by field and "
        f"scored; pairs at or above the match threshold ({esc(match_t)}) join one cluster, "
        f"pairs between the review threshold ({esc(review_t)}) and the match threshold wait "
        "for an analyst (next section). Each cluster becomes one golden record.</p>"
    )
    if blocking is not None and blocking.height:
        parts.append("<h3>Blocking passes</h3>")
        parts.append(table(blocking, max_rows=40))
    if pairs is not None and pairs.height:
        if "decision" in pairs.columns:
            counts = pairs.group_by("decision").len("pairs").sort("decision")
            parts.append(table(counts, badge_columns=("decision",)))
        parts.append(_chart(score_chart(pairs, match_t, review_t)))
    if clusters is None or clusters.height == 0:
        return "".join(parts)
    parts.append(_chart(cluster_size_chart(clusters)))
    sizes = clusters.group_by("cluster_id").agg(
        pl.len().alias("_size"), pl.col("source_row").min().alias("_first")
    )
    multi = sizes.filter(pl.col("_size") > 1).sort(["_size", "_first"], descending=[True, False])
    parts.append(
        f"<h3>The largest clusters</h3><p>{multi.height:,} clusters hold more than one record. "
        f"The {min(multi.height, _SHOWN_CLUSTERS)} largest, each with the evidence for its "
        "strongest pair:</p>"
    )
    for i, (cluster_id, size, _) in enumerate(multi.head(_SHOWN_CLUSTERS).iter_rows()):
        members = clusters.filter(pl.col("cluster_id") == cluster_id).sort("source_row")
        rows = members["source_row"].to_list()
        why = [c for c in ("status", "reason") if c in members.columns]
        shown = _people(data, rows).join(
            members.select("source_row", *why), on="source_row", how="left"
        )
        body = table(shown, max_rows=50, value_columns=_PERSON)
        pair = _best_pair(pairs, rows)
        if pair is not None:
            body += f"<p>Why {pair[0]} and {pair[1]} match:</p>" + _explain_html(links, *pair)
        open_ = " open" if i < 3 else ""
        parts.append(
            f"<details{open_}><summary>Cluster <code>{esc(cluster_id)}</code>: {size} records"
            f"</summary>{body}</details>"
        )
    if pairs is not None and "household" in pairs.columns:
        households = pairs.filter(pl.col("household").fill_null(False))
        parts.append(
            f"<h3>Households</h3><p>{households.height:,} pairs share a phone, an e-mail or an "
            "address but were judged different people; they stay apart here (see the server "
            "collisions for what the target would do with them).</p>"
        )
        parts.append(_pair_table(households.sort("source_row_l", "source_row_r"), data, 15))
    return "".join(parts)


def _best_pair(pairs: pl.DataFrame | None, rows: list[int]) -> tuple[int, int] | None:
    if pairs is None or pairs.height == 0 or len(rows) < 2:
        return None
    inside = pairs.filter(pl.col("source_row_l").is_in(rows) & pl.col("source_row_r").is_in(rows))
    if inside.height == 0:
        return None
    key = "probability" if "probability" in inside.columns else "score"
    if key in inside.columns:
        inside = inside.sort(
            [key, "source_row_l", "source_row_r"], descending=[True, False, False], nulls_last=True
        )
    a, b = inside.row(0, named=True)["source_row_l"], inside.row(0, named=True)["source_row_r"]
    return int(a), int(b)


def _pair_table(pairs: pl.DataFrame, data: pl.DataFrame, limit: int) -> str:
    if pairs.height == 0:
        return '<p class="muted">None.</p>'
    cols = [c for c in ("first_name", "last_name", "email", "cell_phone", "dob")
            if c in data.columns]  # fmt: skip
    people = data.select("source_row", *cols)
    keep = [c for c in ("source_row_l", "source_row_r", "probability", "decision")
            if c in pairs.columns]  # fmt: skip
    joined = (
        pairs.head(limit)
        .select(keep)
        .join(people.rename({c: f"{c}_l" for c in cols}), left_on="source_row_l",
              right_on="source_row", how="left")
        .join(people.rename({c: f"{c}_r" for c in cols}), left_on="source_row_r",
              right_on="source_row", how="left")
    )  # fmt: skip
    values = [f"{c}_{s}" for c in cols for s in "lr"]
    return table(joined, max_rows=limit, value_columns=values, badge_columns=("decision",))


def _review_section(links: Any, data: pl.DataFrame) -> str:
    pairs = as_frame(getattr(links, "pairs", None))
    if pairs is None or "decision" not in pairs.columns:
        return '<p class="muted">No pairs were scored.</p>'
    review = pairs.filter(pl.col("decision") == "review")
    key = "probability" if "probability" in review.columns else "score"
    if key in review.columns:
        review = review.sort(
            [key, "source_row_l", "source_row_r"], descending=[True, False, False], nulls_last=True
        )
    parts = [
        f"<p>{review.height:,} pairs scored between the two thresholds: they are kept apart until "
        "someone decides. Record a decision (accept or reject) in the decisions file and it is "
        "applied on every re-run.</p>"
    ]
    if review.height == 0:
        return "".join(parts)
    parts.append(_pair_table(review, data, _SHOWN_REVIEW))
    for a, b in review.head(_SHOWN_REVIEW).select("source_row_l", "source_row_r").iter_rows():
        parts.append(
            f"<details><summary>Rows {a} and {b}: the evidence</summary>"
            f"{_explain_html(links, a, b)}</details>"
        )
    return "".join(parts)


def _existing_section(existing: pl.DataFrame) -> str:
    parts = [
        "<p>Each incoming record against the customers the account already holds: the one it "
        "is (fuzzy match) and the one the server will touch (its keys). Where they differ the "
        "server would add a duplicate or overwrite someone else.</p>"
    ]
    if "verdict" in existing.columns:
        parts.append(
            table(existing.group_by("verdict").len("records").sort("verdict"),
                  badge_columns=("verdict",))
        )  # fmt: skip
        worrying = existing.filter(~pl.col("verdict").is_in(["new", "same-customer"])).sort(
            "source_row"
        )
        parts.append(f"<h3>Records that need a look ({worrying.height:,})</h3>")
        parts.append(table(worrying, max_rows=30, badge_columns=("verdict",)))
    return "".join(parts)


def _collisions_section(collisions: pl.DataFrame) -> str:
    if collisions.height == 0:
        return (
            '<p class="muted">No two records share a key the target server matches on: '
            "nothing will be collapsed by the server.</p>"
        )
    groups = collisions["collision_id"].n_unique() if "collision_id" in collisions.columns else 0
    different = 0
    if "same_entity" in collisions.columns and "collision_id" in collisions.columns:
        different = (
            collisions.filter(pl.col("same_entity") == False)["collision_id"].n_unique()  # noqa: E712
        )
    parts = [
        f"<p>{groups:,} groups of records share a key the server matches on, so it will keep "
        f"one customer per group. In {different:,} of them the records are, by our judgment, "
        "different people (households, shared work e-mails…): the server would merge them "
        "anyway, and the record that keeps the key wins.</p>"
    ]
    parts.append(table(_collision_groups(collisions), max_rows=40, value_columns=("key value",)))
    return "".join(parts)


def _collision_groups(collisions: pl.DataFrame) -> pl.DataFrame:
    """One row per group: its key, its members in upload order, who keeps the key, and why."""
    frame = collisions
    for name, dtype in (("source_row", pl.Int64), ("existing_id", pl.String),
                        ("upload_order", pl.Int64), ("same_entity", pl.Boolean),
                        ("keeps_key", pl.Boolean), ("keys", pl.String),
                        ("key_value", pl.String), ("message", pl.String)):  # fmt: skip
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype).alias(name))
    member = (
        pl.when(pl.col("source_row").is_not_null())
        .then(pl.format("row {}", pl.col("source_row")))
        .otherwise(pl.format("existing {}", pl.col("existing_id")))
    )
    groups = (
        frame.sort("collision_id", "upload_order", "source_row", nulls_last=False)
        .with_columns(member.alias("_member"))
        .group_by("collision_id", maintain_order=True)
        .agg(
            pl.col("keys").first(),
            pl.col("key_value").first().alias("key value"),
            pl.col("_member").str.join(", ").alias("records, in upload order"),
            pl.col("same_entity").first().alias("same person"),
            pl.col("_member").filter(pl.col("keeps_key").fill_null(False)).first()
            .alias("keeps the key"),
            pl.col("message").filter(pl.col("source_row").is_not_null()).first()
            .alias("what the server does"),
        )
    )  # fmt: skip
    return groups.sort(
        pl.col("same person").fill_null(True), "collision_id", maintain_order=True
    ).rename({"collision_id": "group"})


# --- export -----------------------------------------------------------------------------------


def _outcome_section(simulation: Any) -> str:
    frame = as_frame(getattr(simulation, "table", None))
    if frame is None or frame.height == 0 or "outcome" not in frame.columns:
        return '<p class="muted">No records to send.</p>'
    counts = frame.group_by("outcome").len("records").sort("outcome")
    parts = [
        "<p>What the server is predicted to answer for each outgoing record, by its own rules, "
        "before anything is sent.</p>",
        table(counts, badge_columns=("outcome",)),
    ]
    rank = (
        pl.col("outcome")
        .str.to_lowercase()
        .replace_strict({"error": 0, "updated": 1}, default=2, return_dtype=pl.Int64)
    )
    notable = (
        frame.filter(pl.col("outcome").str.to_lowercase() != pl.lit("added"))
        .filter(pl.col("outcome").str.to_lowercase() != pl.lit("created"))
        .with_columns(rank.alias("_r"))
        .sort(["_r", *[c for c in ("batch", "position", "source_row") if c in frame.columns]])
        .drop("_r")
    )
    if notable.height:
        parts.append(f"<h3>Errors and updates ({notable.height:,})</h3>")
        parts.append(table(notable, max_rows=40, badge_columns=("outcome",)))
    return "".join(parts)


def _manifest_files(manifest: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if not manifest:
        return []
    for holder in (manifest.get("payloads"), manifest):
        if isinstance(holder, Mapping):
            files = holder.get("files")
            if isinstance(files, list) and all(isinstance(f, Mapping) for f in files):
                return [dict(f) for f in files]
    return []


def _batches_section(export: Any, manifest: Mapping[str, Any] | None) -> str:
    parts: list[str] = []
    files = _manifest_files(manifest)
    if files:
        keys: list[str] = []
        for f in files:
            keys += [k for k in f if k not in keys]
        rows = [
            {k: (json.dumps(f[k]) if isinstance(f.get(k), dict | list) and k != "source_rows"
                 else f.get(k)) for k in keys}
            for f in files
        ]  # fmt: skip
        frame = pl.DataFrame(
            [{k: _short(v) for k, v in r.items()} for r in rows],
            schema={k: pl.String for k in keys},
        )
        for k in ("records", "count"):
            if k in frame.columns:
                frame = frame.with_columns(pl.col(k).cast(pl.Int64, strict=False))
        parts.append("<p>The files in payloads/, in the order to send them:</p>")
        parts.append(table(frame, max_rows=200, value_columns=("sha256",)))
    else:
        preview = as_frame(getattr(export, "preview", None))
        if preview is not None and "batch" in preview.columns:
            parts.append(table(preview.group_by("batch").len("records").sort("batch")))
    rejected = as_frame(getattr(export, "rejected", None))
    if rejected is not None:
        n = _distinct_rows(rejected)
        parts.append(f"<h3>Records not exported ({n:,})</h3>")
        parts.append(
            table(rejected.sort("source_row") if "source_row" in rejected.columns else rejected,
                  max_rows=50)
        )  # fmt: skip
    return "".join(parts) or '<p class="muted">Nothing written.</p>'


def _short(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        text = ", ".join(str(v) for v in value[:12])
        return text + (f", … ({len(value)} in all)" if len(value) > 12 else "")
    return str(value)


def _run_section(manifest: Mapping[str, Any]) -> str:
    pairs: list[tuple[str, object]] = []
    source = manifest.get("input")
    if isinstance(source, Mapping):
        pairs += [(f"input {k}", v) for k, v in source.items()]
    for key in ("options", "counts", "versions"):
        block = manifest.get(key)
        if isinstance(block, Mapping):
            pairs += [
                (f"{key[:-1] if key != 'counts' else 'count'}: {k}",
                 json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v)
                for k, v in block.items()
            ]  # fmt: skip
    config = manifest.get("config")
    if isinstance(config, Mapping) and config.get("path"):
        pairs.append(("config file", config.get("path")))
    return (
        "<p>Everything needed to replay this run; manifest.json holds the same and the "
        "timings.</p>" + keyvalues(pairs)
    )
