"""Matching against the customers an account already holds.

For each incoming record two questions get separate answers:

- *fuzzy*: which existing customer is this person? The existing customers go through the same
  blocking, comparisons and model as the incoming records (as rows ``-1, -2, …``); the best
  existing customer with a "match" pair (or, failing that, the one a cluster-mate matches) is
  ``existing_id_fuzzy``.
- *server*: which existing customer will the target API touch? The first of the target's keys
  (``SERVER_KEYS``: Franpos e-mail, customer code, cell phone; Wasp the customer number) that
  the record shares with an existing customer names ``existing_id_server``.

Where the two disagree is what an analyst must see before sending: the same person with no
shared key becomes a duplicate; a shared key with a different person overwrites them.

Existing customers need an id: an ``existing_id`` column, else ``CustomerId`` /
``customer_id`` / ``id`` (any case and punctuation), else their customer code.

Example:
    >>> import polars as pl
    >>> old = load_existing(pl.DataFrame({"existing_id": [123], "first_name": ["Ann"],
    ...                                   "email": ["ann@x.org"]}))
    >>> old.select("source_row", "existing_id", "email").row(0)
    (-1, '123', 'ann@x.org')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from custclean.errors import InputError
from custclean.fields import field_names
from custclean.link.result import EXISTING_LINK_SCHEMA

__all__ = ["VERDICTS", "existing_links", "load_existing"]

#: The verdicts of ``existing_links``, with what each means.
VERDICTS: dict[str, str] = {
    "new": "no existing customer is this person and none shares a key: the server adds it",
    "same-customer": "the existing customer it is, and the one the server updates",
    "duplicate-would-be-added": "an existing customer is this person but shares no key",
    "would-overwrite-different-person": "it shares a key with an existing customer who is "
    "someone else: the server would overwrite them",
}

_ID_NAMES = ("existingid", "customerid", "id")
_KEY_LABELS = {
    "email": "an e-mail",
    "customer_code": "a customer code",
    "cell_phone": "a cell phone",
}
_EXTRAS = ("honorific", "suffix", "cell_phone_ext", "work_phone_ext")


def _squash(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _id_column(columns: list[str]) -> str | None:
    by_key = {_squash(c): c for c in reversed(columns)}
    for key in _ID_NAMES:
        if key in by_key:
            return by_key[key]
    return None


def _clean(raw: pl.DataFrame, region: str | None) -> pl.DataFrame:
    import custclean as cc

    return cc.clean(cc.map_columns(raw), region=region).data


def load_existing(existing: Any, *, region: str | None = "US") -> pl.DataFrame:
    """Return the account's customers as cleaned records with ``existing_id`` (String).

    ``existing``: a path (read, mapped and cleaned with ``region``), a ``CleanResult``, or a
    frame (taken as cleaned when it already has canonical column names, else mapped and
    cleaned). Rows get ``source_row`` ``-1, -2, …`` in the order given.

    Example:
        >>> import polars as pl
        >>> load_existing(pl.DataFrame({"CustomerId": ["A7"], "email": ["a@b.org"],
        ...                             "first_name": ["Al"]}))["existing_id"].to_list()
        ['A7']
    """
    source = "existing customers"
    if isinstance(existing, str | Path):
        import custclean as cc

        source = str(existing)
        raw = cc.read(existing)
        id_col = _id_column(raw.columns)
        data = _clean(raw, region)
        if id_col is not None and id_col not in data.columns:
            data = data.join(
                raw.select("source_row", pl.col(id_col).alias("_id")), on="source_row", how="left"
            ).rename({"_id": id_col})
    else:
        data = getattr(existing, "data", existing)
        if type(data).__module__.startswith("pandas"):
            data = pl.from_pandas(data)
        if not isinstance(data, pl.DataFrame):
            raise TypeError("existing must be a path, a CleanResult or a frame")
        canonical = set(field_names()) & set(data.columns)
        if len(canonical) < 2 and not hasattr(existing, "issues"):
            id_col = _id_column(data.columns)
            ids = data.select(pl.col(id_col).alias("_id")) if id_col else None
            data = _clean(data, region)
            if id_col and id_col not in data.columns and ids is not None:
                data = data.with_columns(ids["_id"].alias(id_col))
    id_col = _id_column(data.columns)
    if id_col is not None:
        ids = pl.col(id_col).cast(pl.String).str.strip_chars().replace("", None)
    elif "customer_code" in data.columns:
        ids = pl.col("customer_code").cast(pl.String)
    else:
        raise InputError(
            "the existing customers have no id column",
            path=source,
            hint="add an existing_id (or CustomerId) column, or a customer code",
        )
    data = data.with_columns(
        pl.lit(None, dtype=pl.String).alias(f) for f in field_names() if f not in data.columns
    )
    data = data.with_columns(existing_id=ids)
    if "customer_code" in data.columns:
        data = data.with_columns(pl.col("existing_id").fill_null(pl.col("customer_code")))
    blank = data["existing_id"].null_count()
    if blank:
        raise InputError(
            f"{blank} existing customer(s) have no id",
            path=source,
            hint="every existing customer needs an existing_id (or CustomerId, or a customer code)",
        )
    keep = [*field_names(), *(e for e in _EXTRAS if e in data.columns)]
    return data.select(
        (-pl.int_range(1, pl.len() + 1, dtype=pl.Int64)).alias("source_row"),
        pl.col("existing_id"),
        *[pl.col(c).cast(pl.String) for c in keep],
    )


def _server_hits(records: pl.DataFrame, old: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    """Per incoming record, the existing customer the server would touch, and by which keys."""
    hits = []
    for rank, key in enumerate(keys):
        if key not in records.columns or key not in old.columns:
            continue
        left = records.select("source_row", _v=pl.col(key).cast(pl.String)).drop_nulls("_v")
        right = old.select("existing_id", _v=pl.col(key).cast(pl.String)).drop_nulls("_v")
        hits.append(
            left.join(right, on="_v").select(
                "source_row", "existing_id", key=pl.lit(key), rank=pl.lit(rank)
            )
        )
    if not hits:
        return pl.DataFrame(
            schema={
                "source_row": pl.Int64,
                "existing_id_server": pl.String,
                "server_key": pl.String,
            }
        )
    every = pl.concat(hits)
    first = (
        every.sort("source_row", "rank", "existing_id")
        .unique("source_row", keep="first", maintain_order=True)
        .select("source_row", "existing_id")
    )
    # every key the record shares with that customer
    return (
        every.join(first, on=["source_row", "existing_id"])
        .sort("source_row", "rank")
        .group_by("source_row", maintain_order=True)
        .agg(
            existing_id_server=pl.col("existing_id").first(), server_key=pl.col("key").str.join("+")
        )
    )


def existing_links(
    records: pl.DataFrame,
    old: pl.DataFrame,
    existing_pairs: pl.DataFrame,
    clusters: pl.DataFrame,
    *,
    target: str | None = None,
    match_threshold: float = 0.90,
    review_threshold: float = 0.80,
) -> pl.DataFrame:
    """Link every incoming record to the existing customer it is and the one the server touches.

    ``existing_pairs``: scored pairs with the existing customer on the left (negative
    ``source_row_l``) and ``probability`` (and ``decision``). ``clusters``: ``source_row,
    cluster_id`` of the incoming records. ``target`` picks the server keys (default Franpos,
    the stricter). Returns :data:`~custclean.link.result.EXISTING_LINK_SCHEMA`, one row per
    incoming record.

    Example:
        >>> import polars as pl
        >>> rec = pl.DataFrame({"source_row": [1, 2], "email": ["a@x.org", "b@x.org"],
        ...                     "cell_phone": [None, "+13125550101"]})
        >>> old = pl.DataFrame({"source_row": [-1, -2], "existing_id": ["123", "456"],
        ...                     "email": [None, "c@x.org"], "cell_phone": [None, "+13125550101"]})
        >>> pairs = pl.DataFrame({"source_row_l": [-1, -2], "source_row_r": [1, 2],
        ...                       "probability": [0.999, 0.01]})
        >>> cl = pl.DataFrame({"source_row": [1, 2], "cluster_id": ["c1", "c2"]})
        >>> out = existing_links(rec, old, pairs, cl)
        >>> out["verdict"].to_list()
        ['duplicate-would-be-added', 'would-overwrite-different-person']
        >>> print(out["message"][1])
        shares a cell phone with existing #456, a different person: the server would overwrite them
    """
    from custclean.link.server_keys import SERVER_KEYS

    keys = SERVER_KEYS[(target or "franpos").lower()]
    ids = old.select(pl.col("source_row").alias("source_row_l"), "existing_id")
    cand = existing_pairs.select("source_row_l", "source_row_r", "probability").join(
        ids, on="source_row_l"
    )
    accepted = pl.col("probability") >= match_threshold
    if "decision" in existing_pairs.columns:
        # the pipeline's decision also holds the analyst's and the household cap's word
        cand = cand.with_columns(_accepted=existing_pairs["decision"] == "match")
        accepted = pl.col("_accepted")
    direct = (
        cand.filter(accepted)
        .sort(["source_row_r", "probability", "existing_id"], descending=[False, True, False])
        .unique("source_row_r", keep="first", maintain_order=True)
        .select(source_row="source_row_r", _fuzzy="existing_id", _p="probability")
    )
    base = (
        records.select("source_row")
        .join(clusters.select("source_row", "cluster_id"), on="source_row", how="left")
        .join(direct, on="source_row", how="left")
    )
    # a record without its own match takes the one of its cluster
    per_cluster = (
        base.drop_nulls("_fuzzy")
        .sort(["cluster_id", "_p", "_fuzzy"], descending=[False, True, False])
        .unique("cluster_id", keep="first", maintain_order=True)
        .select("cluster_id", _cf="_fuzzy", _cp="_p")
    )
    base = base.join(per_cluster, on="cluster_id", how="left").with_columns(
        existing_id_fuzzy=pl.coalesce("_fuzzy", "_cf"),
        probability=pl.coalesce("_p", "_cp"),
        _via_cluster=pl.col("_fuzzy").is_null() & pl.col("_cf").is_not_null(),
    )
    server = _server_hits(records, old, keys)
    base = base.join(server, on="source_row", how="left")
    # how likely the record is the customer the server would touch
    touch = cand.select(
        source_row="source_row_r", existing_id_server="existing_id", _ps="probability"
    )
    base = base.join(touch, on=["source_row", "existing_id_server"], how="left")
    same_as_server = (pl.col("existing_id_fuzzy") == pl.col("existing_id_server")).fill_null(False)
    plausible = (pl.col("_ps") >= review_threshold).fill_null(False)
    verdict = (
        pl.when(pl.col("existing_id_server").is_null() & pl.col("existing_id_fuzzy").is_null())
        .then(pl.lit("new"))
        .when(pl.col("existing_id_server").is_null())
        .then(pl.lit("duplicate-would-be-added"))
        .when(same_as_server | (pl.col("existing_id_fuzzy").is_null() & plausible))
        .then(pl.lit("same-customer"))
        .otherwise(pl.lit("would-overwrite-different-person"))
    )
    base = base.with_columns(verdict=verdict)
    key_text = (
        pl.col("server_key")
        .str.split("+")
        .list.first()
        .replace_strict(_KEY_LABELS, default=pl.col("server_key"))
    )
    fuzzy_p = pl.col("probability").round(3).cast(pl.String)
    via = (
        pl.when(pl.col("_via_cluster"))
        .then(pl.lit(", through a duplicate in this file"))
        .otherwise(pl.lit(""))
    )
    message = (
        pl.when(pl.col("verdict") == "new")
        .then(pl.lit("new customer: no existing customer is this person or shares a key"))
        .when(pl.col("verdict") == "duplicate-would-be-added")
        .then(
            pl.format(
                "same person as existing #{} (p={}{}) but no shared key: "
                "the server would add a duplicate",
                "existing_id_fuzzy",
                fuzzy_p,
                via,
            )
        )
        .when(same_as_server)
        .then(
            pl.format(
                "same person as existing #{} and shares {} with them: the server would update #{}",
                "existing_id_fuzzy",
                key_text,
                "existing_id_server",
            )
        )
        .when(pl.col("verdict") == "same-customer")
        .then(
            pl.format(
                "shares {} with existing #{}, probably the same person (p={}): "
                "the server would update #{}; review",
                key_text,
                "existing_id_server",
                pl.col("_ps").round(3).cast(pl.String),
                "existing_id_server",
            )
        )
        .when(pl.col("existing_id_fuzzy").is_not_null())
        .then(
            pl.format(
                "shares {} with existing #{}, a different person: the server would overwrite "
                "them (this is existing #{})",
                key_text,
                "existing_id_server",
                "existing_id_fuzzy",
            )
        )
        .otherwise(
            pl.format(
                "shares {} with existing #{}, a different person: the server would overwrite them",
                key_text,
                "existing_id_server",
            )
        )
    )
    out = base.with_columns(message=message).sort("source_row")
    return out.select(list(EXISTING_LINK_SCHEMA)).cast(EXISTING_LINK_SCHEMA)
