"""The report's charts: altair specifications rendered to inline SVG by vl-convert.

No JavaScript reaches the page: Vega runs once, here, inside vl-convert, and the report
embeds the SVG it draws. Data is aggregated with polars first, so a chart never carries more
than a few hundred points whatever the size of the run. Charts only show field names, issue
codes and numbers, never customer values.

Example:
    >>> import polars as pl
    >>> from custclean.issues import issues_frame
    >>> svg = issue_chart(issues_frame([(1, "zip", "fixed", "2134", "02134", "zero")]))
    >>> svg.startswith("<svg")
    True
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from custclean.fields import CANONICAL_FIELDS

__all__ = ["cluster_size_chart", "issue_chart", "log2_odds", "render_svg", "score_chart"]

_WIDTH = 620
# Arial-compatible metrics everywhere (Liberation Sans on Linux), so that the label widths
# Vega measures here match what the browser draws.
_FONT = "Arial, Helvetica, Liberation Sans, sans-serif"
_CODE_COLORS = {
    "fixed": "#3a8f5c",
    "fuzzy": "#7fbf7b",
    "inferred": "#4c78a8",
    "invalid": "#c0392b",
    "implausible": "#e45756",
    "conflict": "#9d3a72",
    "ambiguous": "#f58518",
    "placeholder": "#eeca3b",
    "lossy": "#b279a2",
}


def render_svg(chart: Any) -> str:
    """Render an altair chart to an SVG string (no script, no external resources).

    Example:
        >>> import altair as alt
        >>> render_svg(alt.Chart(pl.DataFrame({"x": [1]})).mark_point().encode(x="x"))[:4]
        '<svg'
    """
    import vl_convert

    configured = (
        chart.properties(padding={"left": 8, "right": 24, "top": 6, "bottom": 6})
        .configure(font=_FONT)
        .configure_view(strokeWidth=0)
        .configure_axis(labelFontSize=12, titleFontSize=12, gridColor="#eef1f4")
        .configure_legend(labelFontSize=12, titleFontSize=12)
        .configure_title(fontSize=14, anchor="start", fontWeight=600)
    )
    return str(vl_convert.vegalite_to_svg(configured.to_json(), allowed_base_urls=[]))


def log2_odds(probability: float) -> float:
    """Turn a match probability into the log2 odds the score axis uses.

    Example:
        >>> round(log2_odds(0.8), 3)
        2.0
    """
    p = min(max(probability, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))


def issue_chart(issues: pl.DataFrame) -> str:
    """Stacked bars: how many records had each kind of issue, per canonical field.

    Returns an empty string when there is nothing to draw.

    Example:
        >>> from custclean.issues import empty_issues
        >>> issue_chart(empty_issues())
        ''
    """
    import altair as alt

    order = list(CANONICAL_FIELDS)
    counts = (
        issues.filter(pl.col("source_row").is_not_null() & pl.col("field").is_in(order))
        .group_by("field", "code")
        .agg(pl.col("source_row").n_unique().alias("records"))
        .sort("field", "code")
    )
    if counts.height == 0:
        return ""
    present = [f for f in order if f in set(counts["field"].to_list())]
    codes = sorted(set(counts["code"].to_list()))
    colors = [_CODE_COLORS.get(c, "#8c8c8c") for c in codes]
    chart = (
        alt.Chart(counts, title="Records with an issue, per field and kind")
        .mark_bar()
        .encode(
            y=alt.Y("field:N", sort=present, title=None),
            x=alt.X("records:Q", title="records", stack="zero"),
            color=alt.Color("code:N", scale=alt.Scale(domain=codes, range=colors), title="code"),
            order=alt.Order("code:N"),
        )
        .properties(width=_WIDTH - 120, height=max(60, 18 * len(present)))
    )
    return render_svg(chart)


def score_chart(
    pairs: pl.DataFrame, match_threshold: float | None, review_threshold: float | None
) -> str:
    """Histogram of the candidate pairs' match scores with both thresholds drawn in.

    The axis is the score in log2 odds (``score`` column), where the thresholds, given as
    probabilities, sit at ``log2(p / (1 - p))``; without a ``score`` column the probability
    itself is used.

    Example:
        >>> pairs = pl.DataFrame({"score": [-8.0, -7.5, 9.0], "decision": ["non-match"] * 2
        ...                       + ["match"]})
        >>> score_chart(pairs, 0.99, 0.8).startswith("<svg")
        True
    """
    import altair as alt

    if pairs.height == 0:
        return ""
    on_score = "score" in pairs.columns
    column = "score" if on_score else "probability"
    if column not in pairs.columns:
        return ""
    values = pairs.select(
        pl.col(column).cast(pl.Float64).alias("v"),
        (pl.col("decision") if "decision" in pairs.columns else pl.lit("pair"))
        .cast(pl.String)
        .alias("decision"),
    ).drop_nulls("v")
    if values.height == 0:
        return ""
    lo, hi = float(values["v"].min()), float(values["v"].max())  # type: ignore[arg-type]
    marks = {}
    for name, t in (("match", match_threshold), ("review", review_threshold)):
        if t is not None:
            marks[name] = log2_odds(t) if on_score else t
            lo, hi = min(lo, marks[name]), max(hi, marks[name])
    bins = 40
    step = (hi - lo) / bins or 1.0
    hist = (
        values.with_columns(
            ((pl.col("v") - lo) / step).floor().clip(0, bins - 1).cast(pl.Int64).alias("b")
        )
        .group_by("b", "decision")
        .len("pairs")
        .with_columns(
            (pl.col("b") * step + lo).alias("start"), ((pl.col("b") + 1) * step + lo).alias("end")
        )
        .sort("b", "decision")
    )
    domain = ["non-match", "review", "match"]
    domain += sorted(set(hist["decision"].to_list()) - set(domain))
    colors = ["#9fb3c8", "#f58518", "#3a8f5c", "#8c8c8c", "#b279a2", "#4c78a8"][: len(domain)]
    title = "score (log2 odds)" if on_score else "probability"
    bars = (
        alt.Chart(hist)
        .mark_bar()
        .encode(
            x=alt.X(
                "start:Q", bin="binned", title=title, scale=alt.Scale(domain=[lo, hi], nice=False)
            ),
            x2="end:Q",
            y=alt.Y("pairs:Q", title="pairs", stack="zero"),
            color=alt.Color("decision:N", scale=alt.Scale(domain=domain, range=colors)),
        )
    )
    layers = [bars]
    for (name, at), threshold in zip(
        marks.items(),
        [t for t in (match_threshold, review_threshold) if t is not None],
        strict=True,
    ):
        rule = alt.Chart(pl.DataFrame({"at": [at], "label": [f"{name} ≥ {threshold}"]}))
        right = name == "match"  # match label right of its line, review label left of its line
        layers.append(rule.mark_rule(strokeDash=[5, 3], color="#1f2933").encode(x="at:Q"))
        layers.append(
            rule.mark_text(
                align="left" if right else "right", dx=4 if right else -4, baseline="top",
                fontSize=11, color="#1f2933",
            ).encode(x="at:Q", y=alt.value(2), text="label:N")
        )  # fmt: skip
    chart = alt.layer(*layers, title="Match scores of the candidate pairs").properties(
        width=_WIDTH - 150, height=220
    )
    return render_svg(chart)


def cluster_size_chart(clusters: pl.DataFrame) -> str:
    """Bars: how many clusters have 2, 3, 4… records (single records are counted in the title).

    Example:
        >>> c = pl.DataFrame({"cluster_id": ["a", "a", "b"], "source_row": [1, 2, 3]})
        >>> cluster_size_chart(c).startswith("<svg")
        True
    """
    import altair as alt

    if clusters.height == 0 or "cluster_id" not in clusters.columns:
        return ""
    sizes = clusters.group_by("cluster_id").len("size").group_by("size").len("clusters")
    singles = int(sizes.filter(pl.col("size") == 1)["clusters"].sum())
    multi = sizes.filter(pl.col("size") > 1).sort("size")
    if multi.height == 0:
        return ""
    chart = (
        alt.Chart(
            multi.with_columns(pl.col("size").cast(pl.String)),
            title=f"Clusters by size ({singles:,} single records not drawn)",
        )
        .mark_bar(color="#4c78a8")
        .encode(
            x=alt.X(
                "size:O",
                title="records in the cluster",
                sort=multi["size"].cast(pl.String).to_list(),
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("clusters:Q", title="clusters"),
        )
        .properties(width=max(300, min(_WIDTH - 150, 60 * multi.height + 80)), height=180)
    )
    return render_svg(chart)
