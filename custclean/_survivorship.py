"""Survivorship rules: which member of a cluster gives each field of its golden record.

The engine behind :func:`custclean.merging.merge`. It works on clusters of two or more
records (a record alone is its own golden record) and decides one *unit* at a time: a unit is a
single field, or a group of fields that must come from one record (the address, a phone with
its extension; ``reference_data/survivorship_units.csv``). For every unit and cluster the
candidate records are ranked by the unit's rule and the first one gives the values.

Every rule ends on the same tie-breaks, so the choice is total and deterministic: the more
complete record (more filled canonical fields), then the lower ``source_row``.

Example:
    >>> sorted(RULES)[:3]
    ['longest', 'master', 'most_complete']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import polars as pl

from custclean.errors import CustcleanError
from custclean.fields import field_names
from custclean.reference import load_table

__all__ = [
    "DEFAULT_RULE",
    "RULES",
    "Context",
    "choose",
    "completeness",
    "doubt_by_field",
    "field_units",
    "resolve_rules",
]

#: Every survivorship rule by name, with what it does.
RULES: dict[str, str] = {
    "master": (
        "the master record's value (the most complete record) if it has one, else the most "
        "frequent value among the members"
    ),
    "most_complete": "the value of the most complete record that has one",
    "most_frequent": "the value most members hold",
    "longest": "the longest value (the most characters)",
    "most_recent": "the value of the newest record, by the date column named in recency_column",
    "prefer_valid": (
        "a value the cleaner raised no doubtful issue about (fixed formatting is fine), then "
        "as master"
    ),
    "source_priority": (
        "the value from the most trusted source, by the source column and order given in "
        "source_priority, then as master"
    ),
}

#: The rule used for every field no rule names.
DEFAULT_RULE = "master"

#: Columns the engine adds to the member frame; data columns must not use these names.
HELPER_COLUMNS = ("_c", "_filled", "_master", "_recency", "_priority", "_source", "_size")

_SEP = "\x1f"


@dataclass(frozen=True)
class Context:
    """What the rules need besides the values: the names of the options, for the notes.

    Example:
        >>> Context().recency_column is None
        True
    """

    recency_column: str | None = None
    source_column: str | None = None
    source_order: tuple[str, ...] = ()
    doubt: pl.DataFrame | None = None  # source_row, field, _doubt


def completeness(columns: Sequence[str]) -> pl.Expr:
    """Count a record's filled canonical fields (the measure of "most complete").

    Example:
        >>> df = pl.DataFrame({"email": ["a@x.org", None], "city": [" ", "Oslo"]})
        >>> df.select(completeness(df.columns))["_filled"].to_list()
        [1, 1]
    """
    names = [f for f in field_names() if f in columns]
    if not names:
        return pl.lit(0, dtype=pl.Int64).alias("_filled")
    return (
        pl.sum_horizontal(
            [(pl.col(f).cast(pl.String).str.strip_chars().fill_null("") != "") for f in names]
        )
        .cast(pl.Int64)
        .alias("_filled")
    )


@cache
def _unit_table() -> tuple[tuple[str, str, bool], ...]:
    table = load_table("survivorship_units")
    return tuple(
        (u.strip(), f.strip(), (a or "").strip().lower() in ("yes", "true", "1"))
        for u, f, a in table.select("unit", "field", "anchor").iter_rows()
    )


def field_units(columns: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Group the columns to merge into units, each unit's anchor field first.

    Units come from ``reference_data/survivorship_units.csv`` (only their fields present in
    ``columns``); every other column is a unit of its own, named after it. Units are in the
    order of their first field in ``columns``.

    Example:
        >>> units = field_units(["email", "address1", "zip", "cell_phone", "cell_phone_ext"])
        >>> units["address"], units["cell_phone"], units["email"]
        (('address1', 'zip'), ('cell_phone', 'cell_phone_ext'), ('email',))
    """
    present = set(columns)
    grouped: dict[str, list[tuple[bool, str]]] = {}
    unit_of: dict[str, str] = {}
    for unit, name, anchor in _unit_table():
        if name in present and name not in unit_of:
            unit_of[name] = unit
            grouped.setdefault(unit, []).append((anchor, name))
    units: dict[str, tuple[str, ...]] = {}
    for name in columns:
        unit = unit_of.get(name)
        if unit is None:
            units[name] = (name,)
        elif unit not in units:
            members = grouped[unit]
            anchors = [n for a, n in members if a]
            rest = [n for a, n in members if not a]
            ordered = anchors + [n for n in columns if n in rest]
            units[unit] = tuple(ordered)
    return units


def resolve_rules(
    rules: Mapping[str, str] | None, units: Mapping[str, tuple[str, ...]]
) -> dict[str, str]:
    """Turn the analyst's ``{field_or_unit: rule}`` (``"*"`` = every other) into one per unit.

    A rule for any field of a unit applies to the whole unit; two different rules for one unit
    are refused. Unknown rule names and unknown fields raise :class:`CustcleanError` listing
    the valid ones.

    Example:
        >>> units = field_units(["email", "address1", "city"])
        >>> resolve_rules({"city": "most_recent", "*": "most_complete"}, units)
        {'email': 'most_complete', 'address': 'most_recent'}
    """
    rules = dict(rules or {})
    for key, name in rules.items():
        if not isinstance(name, str) or name.strip().lower() not in RULES:
            raise CustcleanError(
                f"unknown survivorship rule {name!r} for {key!r}",
                hint="use one of: " + ", ".join(sorted(RULES)),
            )
    where: dict[str, str] = {}
    for unit, fields in units.items():
        where[unit] = unit
        for name in fields:
            where[name] = unit
    for key in rules:
        if key != "*" and key not in where:
            raise CustcleanError(
                f"unknown field {key!r} in the survivorship rules",
                hint="use '*' or one of: " + ", ".join(sorted(where)),
            )
    default = rules.get("*", DEFAULT_RULE).strip().lower()
    resolved: dict[str, str] = {}
    given: dict[str, tuple[str, str]] = {}
    for key, name in rules.items():
        if key == "*":
            continue
        unit = where[key]
        rule = name.strip().lower()
        if unit in given and given[unit][1] != rule:
            other = given[unit][0]
            raise CustcleanError(
                f"conflicting survivorship rules for {unit!r}: {other!r} says {given[unit][1]!r} "
                f"and {key!r} says {rule!r}",
                hint="the fields " + ", ".join(units[unit]) + " survive together; give one rule",
            )
        given[unit] = (key, rule)
    for unit in units:
        resolved[unit] = given[unit][1] if unit in given else default
    return resolved


@cache
def _doubt_ranks() -> dict[str, int]:
    table = load_table("survivorship_validity")
    ranks: dict[str, int] = {}
    for code, rank in table.select("code", "rank").iter_rows():
        ranks.setdefault(code.strip(), int(rank))
    return ranks


def doubt_by_field(issues: pl.DataFrame, fields: Sequence[str]) -> pl.DataFrame:
    """Rank each ``(source_row, field)``'s doubt from its issues (highest code rank wins).

    Example:
        >>> issues = pl.DataFrame(
        ...     {"source_row": [1, 1, 2], "field": ["zip", "zip", "email"],
        ...      "code": ["fixed", "conflict", "inferred"]}
        ... )
        >>> doubt_by_field(issues, ["zip", "email"]).sort("source_row").rows()
        [(1, 'zip', 2), (2, 'email', 1)]
    """
    ranks = _doubt_ranks()
    return (
        issues.filter(pl.col("source_row").is_not_null() & pl.col("field").is_in(list(fields)))
        .select(
            pl.col("source_row").cast(pl.Int64),
            pl.col("field").cast(pl.String),
            pl.col("code").replace_strict(ranks, default=1, return_dtype=pl.Int64).alias("_doubt"),
        )
        .group_by("source_row", "field")
        .agg(pl.col("_doubt").max())
    )


def _order(rule: str) -> tuple[list[pl.Expr], list[bool]]:
    """Return the sort keys (and directions) that put a rule's winner first."""
    filled = [pl.col("_filled"), pl.col("source_row")]
    filled_desc = [True, False]
    as_master: list[pl.Expr] = [pl.col("_master"), pl.col("_freq")]
    master_desc = [True, True]
    if rule == "master":
        return as_master + filled, master_desc + filled_desc
    if rule == "most_complete":
        return filled, filled_desc
    if rule == "most_frequent":
        return [pl.col("_freq"), *filled], [True, *filled_desc]
    if rule == "longest":
        return [pl.col("_len"), pl.col("_freq"), *filled], [True, True, *filled_desc]
    if rule == "most_recent":
        return [pl.col("_recency"), *filled], [True, *filled_desc]
    if rule == "prefer_valid":
        return [pl.col("_doubt"), *as_master, *filled], [False, *master_desc, *filled_desc]
    if rule == "source_priority":
        return [pl.col("_priority"), *as_master, *filled], [False, *master_desc, *filled_desc]
    raise CustcleanError(f"unknown survivorship rule {rule!r}")  # pragma: no cover


def _note(rule: str, ctx: Context) -> pl.Expr:
    """Build the lineage note of a chosen value (evaluated on the winning candidate's row)."""
    others = (
        pl.when(pl.col("_distinct") > 2)
        .then(pl.format("; {} other values in the cluster", pl.col("_distinct") - 1))
        .when(pl.col("_distinct") == 2)
        .then(pl.lit("; 1 other value in the cluster"))
        .otherwise(pl.lit(""))
    )
    freq = pl.format("{} of {} members", "_freq", "_size")
    if rule == "master":
        head = (
            pl.when(pl.col("_master"))
            .then(pl.format("master record ({} filled fields)", "_filled"))
            .otherwise(pl.format("master's value empty; most frequent: {}", freq))
        )
    elif rule == "most_complete":
        head = pl.format("most complete record holding it ({} filled fields)", "_filled")
    elif rule == "most_frequent":
        head = pl.format("most frequent: {}", freq)
    elif rule == "longest":
        head = pl.format("longest value ({} characters)", "_len")
    elif rule == "most_recent":
        column = ctx.recency_column or "date"
        head = (
            pl.when(pl.col("_recency").is_not_null())
            .then(pl.format(f"newest {column} {{}}", pl.col("_recency").cast(pl.String)))
            .otherwise(pl.lit(f"no member has a {column}; most complete record"))
        )
    elif rule == "prefer_valid":
        head = (
            pl.when(pl.col("_doubt") == 0)
            .then(pl.lit("no doubtful issue"))
            .otherwise(
                pl.format("every candidate has an issue; least doubtful (rank {})", "_doubt")
            )
        )
    else:  # source_priority
        column = ctx.source_column or "source"
        head = (
            pl.when(pl.col("_priority") < len(ctx.source_order))
            .then(
                pl.format(
                    f"{column} {{}} (priority {{}} of {len(ctx.source_order)})",
                    pl.col("_source"),
                    pl.col("_priority") + 1,
                )
            )
            .otherwise(pl.lit(f"no member has a listed {column}; as master"))
        )
    return pl.concat_str([head, others]).alias("_note")


def choose(
    members: pl.DataFrame,
    fields: Sequence[str],
    rule: str,
    ctx: Context,
    by: str = "cluster_id",
) -> pl.DataFrame:
    """Pick, per cluster, the record that gives one unit's ``fields`` under ``rule``.

    ``members``: ``cluster_id, source_row`` and the fields plus the helper columns
    ``_filled`` (completeness), ``_master`` (Boolean), ``_size`` (cluster size), and
    ``_recency`` / ``_priority`` / ``_source`` when the rule needs them; ``by`` names the
    cluster key column. Candidates are the records with the unit's first (anchor) field filled,
    or, when no member has it, those with any of its fields filled. Returns ``by, _giver`` (the
    source row), the fields and ``_note``; clusters without a candidate are absent.

    Example:
        >>> m = pl.DataFrame(
        ...     {"cluster_id": ["a"] * 3, "source_row": [1, 2, 3],
        ...      "email": [None, "x@y.org", "x@y.org"], "_filled": [9, 5, 4],
        ...      "_master": [True, False, False], "_size": [3, 3, 3]}
        ... )
        >>> choose(m, ["email"], "master", Context()).select("_giver", "email", "_note").row(0)
        (2, 'x@y.org', "master's value empty; most frequent: 2 of 3 members")
    """
    if not members[by].is_sorted():
        members = members.sort(by, maintain_order=True)
    anchor = fields[0]
    texts = [pl.col(f).cast(pl.String) for f in fields]
    has_anchor = pl.col(anchor).is_not_null()
    has_any = pl.any_horizontal([pl.col(f).is_not_null() for f in fields])
    level = pl.when(has_anchor).then(0).when(has_any).then(1)
    keep = [by, "source_row", "_filled", "_master", "_size", *fields]
    keep += [c for c in ("_recency", "_priority", "_source") if c in members.columns]
    value = (
        pl.concat_str([t.fill_null("") for t in texts], separator=_SEP)
        if len(fields) > 1
        else texts[0]
    )
    # Window functions over a sorted cluster key take polars' fast path; values are compared
    # through their 64-bit hashes (a collision inside one cluster is not a practical concern).
    cand = (
        members.select(*dict.fromkeys(keep), _level=level)
        .drop_nulls("_level")
        .set_sorted(by)
        .filter(pl.col("_level") == pl.col("_level").min().over(by))
        .with_columns(_value=value)
        .with_columns(_hash=pl.col("_value").hash())
        .with_columns(_distinct=pl.col("_hash").n_unique().over(by).cast(pl.Int64))
    )
    done = None
    if rule == "master":  # fast path: the master holds the unit in most clusters
        has_master = pl.col("_master").any().over(by)
        done = cand.filter(pl.col("_master")).with_columns(_freq=pl.lit(None, dtype=pl.Int64))
        cand = cand.filter(has_master.not_())
    cand = cand.with_columns(_freq=pl.len().over(by, "_hash").cast(pl.Int64))
    if rule == "longest":
        cand = cand.with_columns(_len=pl.col("_value").str.len_chars().cast(pl.Int64))
    if rule == "prefer_valid":
        cand = _with_doubt(cand, fields, ctx)
    keys, descending = _order(rule)
    best = cand.sort(keys, descending=descending, nulls_last=True).unique(
        by, keep="first", maintain_order=True
    )
    if done is not None:
        best = pl.concat([done, best.select(done.columns)]).sort(by)
    return best.select(by, pl.col("source_row").alias("_giver"), *fields, _note(rule, ctx))


def _with_doubt(cand: pl.DataFrame, fields: Sequence[str], ctx: Context) -> pl.DataFrame:
    if ctx.doubt is None or ctx.doubt.height == 0:
        return cand.with_columns(_doubt=pl.lit(0, dtype=pl.Int64))
    doubt = (
        ctx.doubt.filter(pl.col("field").is_in(list(fields)))
        .group_by("source_row")
        .agg(pl.col("_doubt").max())
    )
    return cand.join(doubt, on="source_row", how="left").with_columns(pl.col("_doubt").fill_null(0))
