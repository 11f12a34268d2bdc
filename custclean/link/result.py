"""``LinkResult``: what ``find_duplicates`` found, and ``explain`` for any pair of records.

Example:
    >>> import polars as pl
    >>> from custclean.link import find_duplicates
    >>> res = find_duplicates(pl.DataFrame({
    ...     "first_name": ["Robert", "Bob", "Ann"], "last_name": ["Smith", "Smith", "Lee"],
    ...     "email": ["bob@x.org", "bob@x.org", "ann@y.org"],
    ...     "dob": ["1980-02-03", "1980-02-03", "1990-01-01"]}))
    >>> res.clusters.select("source_row", "status").rows()
    [(1, 'merged'), (2, 'merged'), (3, 'single')]
    >>> res.explain(1, 2).filter(pl.col("comparison") == "first_name")["level"].item()
    'nickname'
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

__all__ = ["EXISTING_LINK_SCHEMA", "LinkResult", "explain_text"]

#: Columns and types of ``LinkResult.existing_links``.
EXISTING_LINK_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    "existing_id_fuzzy": pl.String(),
    "probability": pl.Float64(),
    "existing_id_server": pl.String(),
    "server_key": pl.String(),
    "verdict": pl.String(),
    "message": pl.String(),
}

_EXPLAIN_SCHEMA: dict[str, pl.DataType] = {
    "comparison": pl.String(),
    "value_a": pl.String(),
    "value_b": pl.String(),
    "level": pl.String(),
    "weight": pl.Float64(),
    "note": pl.String(),
}


def _shown_fields(comparisons: Sequence[Any]) -> dict[str, list[str]]:
    """Pick the fields to show per comparison: its own, not another comparison's main field."""
    primary = {c.fields[0] for c in comparisons}
    return {
        c.name: [c.fields[0], *[f for f in c.fields[1:] if f not in primary]] for c in comparisons
    }


def _value(record: dict[str, Any], fields: list[str]) -> str | None:
    parts = [str(record[f]) for f in fields if record.get(f) not in (None, "")]
    return " | ".join(parts) if parts else None


@dataclass(frozen=True)
class LinkResult:
    """Candidate pairs, clusters, server collisions and existing-customer links of one run.

    Attributes:
        records: the incoming records used (``source_row``, canonical fields, ``fingerprint``).
        pairs: one row per candidate pair ``source_row_l < source_row_r``: ``blocked_by``,
            ``gamma_<c>``, ``weight_<c>``, ``score``, ``probability``, ``decision``
            (match / review / non-match), ``decided_by`` (model / analyst), ``household``
            (sharing a phone, e-mail or address but judged different people) and ``shared``
            (what they share).
        clusters: one row per record: ``source_row, cluster_id, cluster_size, status
            (single / merged / review), reason, fingerprint``.
        server_collisions: the groups the target API would collapse by its own keys.
        existing_links: per incoming record, the existing customer it is and the one the
            server would touch, with a verdict and a message (empty without ``existing=``).
        blocking: per blocking pass: ``pass, rule, pairs, new_pairs`` and skipped blocks.
        match_threshold, review_threshold: the probability thresholds used.
        model: the fitted match model.
    """

    records: pl.DataFrame
    pairs: pl.DataFrame
    clusters: pl.DataFrame
    server_collisions: pl.DataFrame
    existing_links: pl.DataFrame
    blocking: pl.DataFrame
    match_threshold: float
    review_threshold: float
    model: Any
    target: str | None = None
    comparisons: tuple[Any, ...] = field(default=(), repr=False)
    existing: pl.DataFrame | None = field(default=None, repr=False)
    scorer: Callable[[pl.DataFrame], pl.DataFrame] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ explain
    def _record(self, row: int) -> dict[str, Any]:
        frame = self.records
        if row < 0 and self.existing is not None:
            frame = self.existing
        hit = frame.filter(pl.col("source_row") == row)
        if hit.height == 0:
            raise KeyError(f"row {row} is not among the linked records")
        return hit.row(0, named=True)

    def _pair(self, a: int, b: int) -> dict[str, Any]:
        lo, hi = min(a, b), max(a, b)
        hit = self.pairs.filter((pl.col("source_row_l") == lo) & (pl.col("source_row_r") == hi))
        if hit.height:
            return hit.row(0, named=True)
        if self.scorer is None:
            raise KeyError(f"rows {a} and {b} were not compared")
        scored = self.scorer(pl.DataFrame({"source_row_l": [lo], "source_row_r": [hi]}))
        return scored.row(0, named=True) | {"decision": None, "decided_by": None}

    def explain(self, row_a: int, row_b: int) -> pl.DataFrame:
        """Show how the score of two records comes about, comparison by comparison.

        One row per comparison: ``comparison, value_a, value_b, level, weight`` (log2 Bayes
        factor: positive for, negative against, 0 when a value is missing) and ``note``;
        then ``prior`` (the log-odds before any evidence) and ``total`` (the score, with the
        probability and decision in ``note``). Rows that were not a candidate pair are scored
        on the fly. Existing customers are negative rows (``-1`` is the first).

        Example:
            >>> from custclean.link.result import _example
            >>> _example().explain(1, 2)["comparison"].to_list()[-2:]
            ['prior', 'total']
        """
        a, b = self._record(row_a), self._record(row_b)
        pair = self._pair(row_a, row_b)
        shown = _shown_fields(self.comparisons)
        rows: list[dict[str, Any]] = []
        evidence = 0.0
        for c in self.comparisons:
            gamma = pair.get(c.column)
            weight = float(pair.get(f"weight_{c.name}") or 0.0)
            evidence += weight
            value_a, value_b = _value(a, shown[c.name]), _value(b, shown[c.name])
            level, note = c.describe(gamma, value_a, value_b)
            rows.append(
                {
                    "comparison": c.name,
                    "value_a": value_a,
                    "value_b": value_b,
                    "level": level,
                    "weight": round(weight, 3),
                    "note": note,
                }
            )
        score = float(pair["score"])
        prob = float(pair["probability"])
        decision = pair.get("decision") or "not a candidate pair"
        by = (
            f"decided by {pair['decided_by']}"
            if pair.get("decided_by")
            else "scored for this explanation only (no blocking pass paired them)"
        )
        rows.append(
            {
                "comparison": "prior",
                "value_a": None,
                "value_b": None,
                "level": None,
                "weight": round(score - evidence, 3),
                "note": "log2 odds that two records are one customer, before evidence",
            }
        )
        rows.append(
            {
                "comparison": "total",
                "value_a": f"row {row_a}",
                "value_b": f"row {row_b}",
                "level": decision,
                "weight": round(score, 3),
                "note": f"probability {prob:.4f}; {by}",
            }
        )
        return pl.DataFrame(rows, schema=_EXPLAIN_SCHEMA)

    def explain_text(self, row_a: int, row_b: int) -> str:
        """Return :meth:`explain` as a plain-text table (nothing truncated).

        Example:
            >>> from custclean.link.result import _example
            >>> "total" in _example().explain_text(1, 2)
            True
        """
        return explain_text(self.explain(row_a, row_b))

    # ------------------------------------------------------------------ summaries
    def summary(self) -> pl.DataFrame:
        """Count what the run found: pairs by decision, clusters, households, collisions.

        Example:
            >>> from custclean.link.result import _example
            >>> dict(_example().summary().iter_rows())["clusters"]
            2
        """
        d = self.pairs["decision"] if self.pairs.height else pl.Series([], dtype=pl.String)
        c = self.clusters
        n_clusters = c["cluster_id"].n_unique() if c.height else 0
        merged = c.filter(pl.col("cluster_size") > 1)
        items: list[tuple[str, int]] = [
            ("records", self.records.height),
            ("candidate_pairs", self.pairs.height),
            ("match_pairs", int((d == "match").sum())),
            ("review_pairs", int((d == "review").sum())),
            ("non_match_pairs", int((d == "non-match").sum())),
            (
                "analyst_decisions",
                int((self.pairs["decided_by"] == "analyst").sum()) if self.pairs.height else 0,
            ),
            ("household_pairs", int(self.pairs["household"].sum()) if self.pairs.height else 0),
            ("clusters", n_clusters),
            ("merged_clusters", merged["cluster_id"].n_unique() if merged.height else 0),
            ("records_in_merged_clusters", merged.height),
            ("records_to_review", int((c["status"] == "review").sum()) if c.height else 0),
            (
                "server_collision_groups",
                self.server_collisions["collision_id"].n_unique()
                if self.server_collisions.height
                else 0,
            ),
        ]
        if self.existing_links.height:
            counts = dict(self.existing_links.group_by("verdict").len().iter_rows())
            for verdict in (
                "new",
                "same-customer",
                "duplicate-would-be-added",
                "would-overwrite-different-person",
            ):
                items.append((f"existing_{verdict}", int(counts.get(verdict, 0))))
        return pl.DataFrame(items, schema={"metric": pl.String, "value": pl.Int64}, orient="row")

    def __repr__(self) -> str:
        s = dict(self.summary().iter_rows())
        lines = [
            f"LinkResult: {s['records']} records → {s['clusters']} customers "
            f"({s['merged_clusters']} merged clusters holding "
            f"{s['records_in_merged_clusters']} records)",
            f"  pairs: {s['candidate_pairs']} candidates, {s['match_pairs']} match, "
            f"{s['review_pairs']} review, {s['non_match_pairs']} non-match "
            f"({s['household_pairs']} households); {s['records_to_review']} records to review",
            f"  thresholds: match ≥ {self.match_threshold}, review ≥ {self.review_threshold}",
        ]
        if self.target:
            lines.append(
                f"  {self.target}: {s['server_collision_groups']} groups the server would collapse"
            )
        if self.existing_links.height:
            lines.append(
                "  existing: "
                + ", ".join(
                    f"{s[k]} {k.removeprefix('existing_')}" for k in s if k.startswith("existing_")
                )
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td style='text-align:right'>{v}</td></tr>"
            for k, v in self.summary().iter_rows()
        )
        blocking = "".join(
            f"<tr><td>{html.escape(str(p))}</td><td>{html.escape(str(r))}</td>"
            f"<td style='text-align:right'>{n}</td><td style='text-align:right'>{nn}</td></tr>"
            for p, r, n, nn in self.blocking.select("pass", "rule", "pairs", "new_pairs").rows()
        )
        return (
            "<div><b>LinkResult</b>"
            f" (match ≥ {self.match_threshold}, review ≥ {self.review_threshold})"
            f"<table>{rows}</table>"
            "<details><summary>blocking passes</summary><table>"
            "<tr><th>pass</th><th>rule</th><th>pairs</th><th>new</th></tr>"
            f"{blocking}</table></details></div>"
        )


def explain_text(table: pl.DataFrame) -> str:
    """Render an explain table as aligned plain text.

    Example:
        >>> import polars as pl
        >>> t = pl.DataFrame({"comparison": ["dob"], "value_a": ["1980-01-02"],
        ...                   "value_b": [None], "level": ["missing"], "weight": [0.0],
        ...                   "note": ["missing"]})
        >>> print(explain_text(t))
        comparison  value_a     value_b  level    weight  note
        dob         1980-01-02           missing    0.00  missing
    """
    header = list(table.columns)
    cells = [
        [f"{v:.2f}" if isinstance(v, float) else ("" if v is None else str(v)) for v in row]
        for row in table.rows()
    ]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    numeric = {i for i, h in enumerate(header) if table.schema[h].is_numeric()}

    def line(values: list[str]) -> str:
        out = [
            v.rjust(widths[i]) if i in numeric else v.ljust(widths[i]) for i, v in enumerate(values)
        ]
        return "  ".join(out).rstrip()

    return "\n".join([line(header), *(line(r) for r in cells)])


def _example() -> LinkResult:
    """Build a three-record result for the examples: rows 1 and 2 are Robert / Bob Smith."""
    from custclean.link.pipeline import find_duplicates

    return find_duplicates(
        pl.DataFrame(
            {
                "first_name": ["Robert", "Bob", "Ann"],
                "last_name": ["Smith", "Smith", "Lee"],
                "email": ["bob@x.org", "bob@x.org", "ann@y.org"],
                "dob": ["1980-02-03", "1980-02-03", "1990-01-01"],
            }
        )
    )
