"""Server collisions: the records a target API will collapse into one customer by its own keys.

Franpos (``POST api/customers``) looks a customer up by e-mail **or** customer code **or** cell
phone: a record sharing any of the three with an existing customer updates that customer, and
two records of one upload that share one hit the same customer, the later overwriting the
earlier. Wasp InventoryCloud keys customers by ``CustomerNumber`` (our ``customer_code``) only.

:func:`server_collisions` finds those groups before anything is sent. Records (and existing
customers) are chained through any shared key: connected components over the key values,
computed in polars by iterative minimum-label propagation over key joins, so a chain A–B by
e-mail and B–C by cell phone is one group. Keys are compared as the cleaned values (e-mail
lower-cased, phones E.164, codes trimmed); how the phone must be *written* to match what the
account stores is the export stage's business. For a chain the components are an upper bound:
the server collapses exactly these records when they are uploaded in ``source_row`` order and
the keys of a record do not change on the way (the export simulation is the precise account).

Each member of a group gets one row: who it is (``source_row`` or ``existing_id``), which of
its keys are shared, its place in the upload, whose values end on the server (``keeps_key``:
the last incoming record in upload order), whether the fuzzy judgment says the members are
one customer (``same_entity``, from ``clusters``) and a sentence for the analyst.

:func:`key_owner` answers the household question: when different people share a key, which one
keeps it (so the export can leave it off the others and the server keeps them apart).

Example:
    >>> import textwrap
    >>> import polars as pl
    >>> records = pl.DataFrame(
    ...     {
    ...         "source_row": [12, 40, 41],
    ...         "first_name": ["Ann", "Bob", "Cy"],
    ...         "email": ["smiths@x.com", "smiths@x.com", "cy@x.com"],
    ...     }
    ... )
    >>> clusters = pl.DataFrame({"source_row": [12, 40, 41], "cluster_id": ["a", "b", "c"]})
    >>> out = server_collisions(records, "franpos", clusters=clusters)
    >>> out.select("source_row", "keys", "keeps_key", "same_entity").rows()
    [(12, 'email', False, False), (40, 'email', True, False)]
    >>> print(textwrap.fill(out["message"][0], 90))
    rows 12 and 40 share the e-mail smiths@x.com but are different people: Franpos would
    overwrite row 12 with row 40; give the shared key to one of them (key_owner).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from typing import Any, Literal

import polars as pl

from custclean.errors import CustcleanError
from custclean.fields import field_names

__all__ = [
    "COLLISION_SCHEMA",
    "KEY_OWNER_SCHEMA",
    "SERVER_KEYS",
    "collision_summary",
    "collisions_html",
    "key_owner",
    "server_collisions",
]

#: The fields each target API matches customers on (Wasp's ``CustomerNumber`` is our code).
SERVER_KEYS: dict[str, tuple[str, ...]] = {
    "franpos": ("email", "customer_code", "cell_phone"),
    "wasp": ("customer_code",),
}

#: Columns and types of the frame :func:`server_collisions` returns.
COLLISION_SCHEMA: dict[str, pl.DataType] = {
    "collision_id": pl.String(),
    "target": pl.String(),
    "keys": pl.String(),
    "key_value": pl.String(),
    "source_row": pl.Int64(),
    "existing_id": pl.String(),
    "upload_order": pl.Int64(),
    "same_entity": pl.Boolean(),
    "keeps_key": pl.Boolean(),
    "group_size": pl.Int64(),
    "message": pl.String(),
}

#: Columns and types of the frame :func:`key_owner` returns.
KEY_OWNER_SCHEMA: dict[str, pl.DataType] = {
    "collision_id": pl.String(),
    "key": pl.String(),
    "key_value": pl.String(),
    "source_row": pl.Int64(),
    "existing_id": pl.String(),
    "keeps": pl.Boolean(),
    "owner_source_row": pl.Int64(),
    "owner_existing_id": pl.String(),
    "reason": pl.String(),
}

_TARGET_NAMES = {"franpos": "Franpos", "wasp": "Wasp"}
_KEY_LABELS = {
    "franpos": {"email": "e-mail", "customer_code": "customer code", "cell_phone": "cell phone"},
    "wasp": {"customer_code": "CustomerNumber"},
}
_SEP = " | "

KeyOwnerRule = Literal["most_complete", "first"]


# --------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------


def _resolve_target(target: str) -> str:
    name = str(target).strip().lower()
    if name not in SERVER_KEYS:
        raise CustcleanError(
            f"unknown target {target!r}",
            hint="use one of: " + ", ".join(sorted(SERVER_KEYS)),
        )
    return name


def _frame(value: Any, what: str) -> pl.DataFrame:
    data = getattr(value, "data", value)
    if not isinstance(data, pl.DataFrame):
        raise CustcleanError(
            f"{what} must be a polars DataFrame (or a result with .data), "
            f"not {type(value).__name__}"
        )
    return data


def _key_text(name: str, frame: pl.DataFrame) -> pl.Expr:
    if name not in frame.columns:
        return pl.lit(None, dtype=pl.String).alias(name)
    text = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(text != "").then(text).alias(name)


def _incoming(records: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    if "source_row" not in records.columns:
        raise CustcleanError("records need a 'source_row' column", hint="pass cleaned records")
    rows = records.select(
        pl.col("source_row").cast(pl.Int64), *[_key_text(k, records) for k in keys]
    )
    if rows["source_row"].null_count():
        raise CustcleanError("records have an empty 'source_row'", hint="pass cleaned records")
    if rows["source_row"].n_unique() != rows.height:
        dup = rows.filter(pl.col("source_row").is_duplicated())["source_row"].min()
        raise CustcleanError(
            f"source_row {dup} appears more than once in the records",
            hint="pass one row per record (golden records or cleaned rows, not both)",
        )
    return rows.sort("source_row").select(
        pl.col("source_row"),
        pl.lit(None, dtype=pl.String).alias("existing_id"),
        *keys,
    )


def _existing(existing: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    if "existing_id" not in existing.columns:
        raise CustcleanError(
            "existing customers need an 'existing_id' column",
            hint="name the account's customer id column existing_id",
        )
    rows = existing.select(
        pl.lit(None, dtype=pl.Int64).alias("source_row"),
        pl.col("existing_id").cast(pl.String).str.strip_chars(),
        *[_key_text(k, existing) for k in keys],
    )
    if rows["existing_id"].null_count():
        raise CustcleanError("an existing customer has an empty existing_id")
    return rows.sort("existing_id")


# --------------------------------------------------------------------------------------
# connected components over shared key values
# --------------------------------------------------------------------------------------


def _shared_values(nodes: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Return ``node, key, value, kv`` for every key value held by two or more nodes.

    ``kv`` is an exact integer id of (key, value): the key's position times 2**32 plus the
    value's dictionary code (a categorical encoding, so no hash collisions).
    """
    parts = []
    for i, key in enumerate(keys):
        part = nodes.select("node", pl.col(key).alias("value")).drop_nulls("value")
        code = pl.col("value").cast(pl.Categorical).to_physical().cast(pl.Int64)
        parts.append(part.with_columns(key=pl.lit(key), kv=code + i * 2**32))
    long = pl.concat(parts).sort("kv", "node").set_sorted("kv")
    long = long.filter(pl.len().over("kv") > 1)
    return long.select("node", "key", "value", "kv")


def _components(edges: pl.DataFrame, n_nodes: int) -> pl.DataFrame:
    """Label every node of ``edges`` with the smallest node of its component (``node, label``).

    ``edges`` holds ``node`` (0 … n_nodes-1) and ``kv`` (an id of one key value), sorted by
    ``kv``; two nodes are connected when they share a ``kv``. Each round gives every key value
    the minimum label of its nodes and every node the minimum over its key values, then jumps
    pointers (a node takes its label's label), so chains converge in few rounds. Labels live in
    a dense array indexed by node, and both minimums run over sorted keys (polars' fast path),
    so a round costs a few gathers.
    """
    by_kv = edges.select("node", "kv").set_sorted("kv")
    to_node_order = by_kv.with_row_index("_i").sort("node", "_i")
    perm = to_node_order["_i"]
    node_sorted = to_node_order.select("node").set_sorted("node")
    labels = pl.int_range(0, n_nodes, dtype=pl.Int64, eager=True)
    kv_nodes = by_kv["node"]
    while True:
        per_edge = (
            by_kv.with_columns(lab=labels.gather(kv_nodes))
            .select(pl.col("lab").min().over("kv"))
            .to_series()
        )
        per_node = (
            node_sorted.with_columns(kl=per_edge.gather(perm))
            .group_by("node", maintain_order=True)
            .agg(pl.col("kl").min())
        )
        best = pl.select(
            pl.min_horizontal(labels.gather(per_node["node"]), per_node["kl"])
        ).to_series()
        new = labels.clone().scatter(per_node["node"], best)
        new = pl.select(pl.min_horizontal(new, new.gather(new))).to_series()
        if new.equals(labels):
            break
        labels = new
    members = node_sorted.unique(maintain_order=True)
    return members.with_columns(label=labels.gather(members["node"]))


def _digest(text: str) -> str:
    return "sc-" + hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


# --------------------------------------------------------------------------------------
# messages
# --------------------------------------------------------------------------------------


def _listing(items: pl.Expr) -> pl.Expr:
    """Join a list of strings as "a", "a and b", "a, b and c"."""
    n = items.list.len()
    return (
        pl.when(n <= 1)
        .then(items.list.join(""))
        .otherwise(items.list.head(n - 1).list.join(", ") + " and " + items.list.last())
    )


def _rows_text(rows: pl.Expr) -> pl.Expr:
    """Name incoming rows: "row 7", "rows 7 and 9" (null when there are none)."""
    n = rows.list.len()
    names = _listing(rows.list.eval(pl.element().cast(pl.String)))
    return pl.when(n == 1).then("row " + names).when(n > 1).then("rows " + names)


def _existing_text(ext: pl.Expr) -> pl.Expr:
    """Name existing customers: "existing customer #456" (null when there are none)."""
    n = ext.list.len()
    names = _listing(ext.list.eval("#" + pl.element()))
    return (
        pl.when(n == 1)
        .then("existing customer " + names)
        .when(n > 1)
        .then("existing customers " + names)
    )


def _who(rows: pl.Expr, ext: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [_rows_text(rows), _existing_text(ext)], separator=" and ", ignore_nulls=True
    )


def _message(target: str) -> pl.Expr:
    """One sentence per group: who shares what, whether they are one customer, what happens.

    Reads the group columns ``rows`` (incoming source rows in upload order), ``ext``
    (existing ids), ``what`` (the shared values, already phrased), ``same`` and ``people``.
    """
    server = _TARGET_NAMES[target]
    rows, ext = pl.col("rows"), pl.col("ext")
    n_rows, n_ext = rows.list.len(), ext.list.len()
    plural = n_rows > 1
    last = rows.list.last().cast(pl.String)
    same_true, same_false = pl.col("same").eq_missing(True), pl.col("same").eq_missing(False)
    subject = pl.concat_str(
        _rows_text(rows),
        pl.when(plural).then(pl.lit(" share ")).otherwise(pl.lit(" shares ")),
        pl.col("what"),
        pl.when(n_ext > 0).then(" with " + _existing_text(ext)).otherwise(pl.lit("")),
    )
    judged = (
        pl.when(same_true & (plural | (n_ext > 0)))
        .then(pl.lit(" and are the same customer"))
        .when(same_true)
        .then(pl.lit(" and is the same customer"))
        .when(same_false & (n_rows + n_ext > 2) & pl.col("people").is_not_null())
        .then(pl.format(" but are {} different people", "people"))
        .when(same_false)
        .then(pl.lit(" but are different people"))
        .otherwise(pl.lit(""))
    )
    ext_names = _listing(ext.list.eval("#" + pl.element()))
    touched = (
        pl.when(n_ext == 1)
        .then(ext_names)
        .otherwise("one of " + ext_names + f" (which key wins is not documented by {server})")
    )
    effect = (
        pl.when((n_ext == 0) & (n_rows == 2))
        .then(
            pl.format(
                f"{server} would overwrite row {{}} with row {{}}",
                rows.list.first(),
                rows.list.last(),
            )
        )
        .when(n_ext == 0)
        .then(
            f"{server} would keep one customer with the values of row "
            + last
            + ", overwriting rows "
            + _listing(rows.list.head(n_rows - 1).list.eval(pl.element().cast(pl.String)))
        )
        .when(n_rows == 1)
        .then(
            pl.concat_str(
                pl.lit(f"{server} would "),
                pl.when(same_false).then(pl.lit("overwrite")).otherwise(pl.lit("update")),
                pl.lit(" "),
                touched,
                pl.lit(" with row "),
                last,
            )
        )
        .otherwise(
            f"{server} would update "
            + touched
            + " with rows "
            + _listing(rows.list.eval(pl.element().cast(pl.String)))
            + " in turn; row "
            + last
            + "'s values stay"
        )
    )
    advice = (
        pl.when(same_true & plural)
        .then(pl.lit("; merge them first so one golden record is sent"))
        .when(same_false)
        .then(pl.lit("; give the shared key to one of them (key_owner)"))
        .otherwise(pl.lit(""))
    )
    return pl.concat_str(subject, judged, pl.lit(": "), effect, advice, pl.lit("."))


# --------------------------------------------------------------------------------------
# the public functions
# --------------------------------------------------------------------------------------


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=COLLISION_SCHEMA)


def _clusters_frame(clusters: Any) -> tuple[pl.DataFrame, bool] | None:
    if clusters is None:
        return None
    frame = getattr(clusters, "clusters", clusters)
    frame = _frame(frame, "clusters")
    missing = {"source_row", "cluster_id"} - set(frame.columns)
    if missing:
        raise CustcleanError(
            "clusters need the columns source_row and cluster_id; missing: "
            + ", ".join(sorted(missing))
        )
    fuzzy = next((c for c in ("existing_id", "existing_id_fuzzy") if c in frame.columns), None)
    frame = frame.select(
        pl.col("source_row").cast(pl.Int64),
        pl.col("cluster_id").cast(pl.String),
        (pl.col(fuzzy).cast(pl.String) if fuzzy else pl.lit(None, dtype=pl.String)).alias(
            "fuzzy_existing"
        ),
    ).unique("source_row", keep="first", maintain_order=True)
    return frame, fuzzy is not None


def server_collisions(
    records: pl.DataFrame,
    target: str,
    *,
    clusters: pl.DataFrame | None = None,
    existing: pl.DataFrame | None = None,
) -> pl.DataFrame:
    r"""List the records (and existing customers) the target API would collapse into one.

    ``records``: ``source_row`` and the key fields (:data:`SERVER_KEYS`; a missing column
    counts as empty). ``target``: ``"franpos"`` or ``"wasp"``. ``clusters``: ``source_row,
    cluster_id`` from the fuzzy linking (or a ``LinkResult``); an optional ``existing_id``
    (or ``existing_id_fuzzy``) column names the existing customer a record is judged to be.
    ``existing``: the account's customers (``existing_id`` + the key fields).

    Returns one row per member of every group (schema :data:`COLLISION_SCHEMA`), groups in
    upload order of their first record, members in upload order (existing customers first,
    since they are on the server before the upload starts). ``upload_order`` is the member's
    1-based position among the group's incoming records (0 for existing customers).
    ``keeps_key`` is true for the record whose values end on the server: the last incoming
    record in upload order. ``same_entity`` is true when every incoming member has one
    ``cluster_id`` (and every existing member is the customer the fuzzy linking named), null
    when ``clusters`` is not given or cannot judge the existing members. Records that collide
    with nobody are not listed; no collision gives an empty frame with the schema.

    Example:
        >>> import polars as pl
        >>> records = pl.DataFrame(
        ...     {"source_row": [7, 8], "cell_phone": ["+13125550101", "+13125550199"]}
        ... )
        >>> existing = pl.DataFrame({"existing_id": ["456"], "cell_phone": ["+13125550101"]})
        >>> out = server_collisions(records, "franpos", existing=existing)
        >>> out.select("source_row", "existing_id", "keeps_key").rows()
        [(None, '456', False), (7, None, True)]
        >>> print(*out["message"][1].split(": "), sep=":\n")
        row 7 shares the cell phone +13125550101 with existing customer #456:
        Franpos would update #456 with row 7.
    """
    target = _resolve_target(target)
    keys = SERVER_KEYS[target]
    incoming = _incoming(_frame(records, "records"), keys)
    nodes = incoming
    if existing is not None:
        nodes = pl.concat([incoming, _existing(_frame(existing, "existing"), keys)])
    nodes = nodes.with_row_index("node").with_columns(pl.col("node").cast(pl.Int64))
    long = _shared_values(nodes, keys)
    if long.height == 0:
        return _empty()
    labels = _components(long.select("node", "kv"), nodes.height)
    members = labels.join(nodes.select("node", "source_row", "existing_id"), on="node")
    members = members.with_columns(
        _incoming=pl.col("source_row").is_not_null().sum().over("label")
    ).filter(pl.col("_incoming") > 0)
    if members.height == 0:
        return _empty()
    long = long.join(members.select("node", "label"), on="node")
    members = members.sort("label", pl.col("source_row").is_not_null(), "source_row", "existing_id")
    members = members.with_columns(
        upload_order=pl.when(pl.col("source_row").is_not_null())
        .then(pl.col("source_row").rank("ordinal").over("label"))
        .otherwise(0)
        .cast(pl.Int64),
        keeps_key=pl.col("source_row").is_not_null()
        & (pl.col("source_row") == pl.col("source_row").max().over("label")).fill_null(False),
        group_size=pl.len().over("label").cast(pl.Int64),
    )
    # which of each member's keys are shared, and the values
    own = (
        long.sort("node", "key")
        .group_by("node", maintain_order=True)
        .agg(
            keys=pl.col("key").str.join("+"),
            key_value=pl.col("value").str.join(_SEP),
        )
    )
    members = members.join(own, on="node", how="left")
    # the fuzzy judgment
    same = _same_entity(members, _clusters_frame(clusters))
    members = members.join(same, on="label", how="left")
    # per group: the stable id and the message
    groups = _group_texts(target, members, long)
    out = members.join(groups, on="label", how="left").with_columns(target=pl.lit(target))
    first_row = pl.col("source_row").min().over("label")
    out = out.sort(first_row, "label", "upload_order", "existing_id")
    return out.select(list(COLLISION_SCHEMA)).cast(COLLISION_SCHEMA)  # type: ignore[arg-type]


def _same_entity(members: pl.DataFrame, clusters: tuple[pl.DataFrame, bool] | None) -> pl.DataFrame:
    labels = members.select("label").unique()
    if clusters is None:
        return labels.with_columns(
            people=pl.lit(None, dtype=pl.Int64), same_entity=pl.lit(None, dtype=pl.Boolean)
        )
    frame, judges_existing = clusters
    joined = members.join(frame, on="source_row", how="left")
    incoming = joined.filter(pl.col("source_row").is_not_null())
    inc = incoming.group_by("label").agg(
        one=(pl.col("cluster_id").n_unique() == 1) & pl.col("cluster_id").is_not_null().all(),
        people=pl.col("cluster_id").n_unique().cast(pl.Int64),
        named=pl.col("fuzzy_existing").drop_nulls().unique(),
    )
    ext = (
        joined.filter(pl.col("existing_id").is_not_null())
        .group_by("label")
        .agg(ids=pl.col("existing_id").unique())
    )
    judged = inc.join(ext, on="label", how="left").with_columns(
        has_existing=pl.col("ids").is_not_null()
    )
    existing_ok = pl.col("ids").list.set_difference(pl.col("named")).list.len() == 0
    if judges_existing:
        same = pl.when(pl.col("has_existing")).then(pl.col("one") & existing_ok).otherwise("one")
    else:
        same = pl.when(pl.col("has_existing")).then(None).otherwise("one")
    return judged.select("label", "people", same_entity=same.cast(pl.Boolean))


def _group_texts(target: str, members: pl.DataFrame, long: pl.DataFrame) -> pl.DataFrame:
    """Return ``label, collision_id, message`` per group (polars expressions, no row loop)."""
    who = members.select("node", "source_row", "existing_id", "upload_order", "group_size")
    labels = _KEY_LABELS[target]
    shared = (
        long.join(who, on="node")
        .sort("label", "key", "value", "upload_order", "existing_id")
        .group_by("label", "key", "value", maintain_order=True)
        .agg(
            rows=pl.col("source_row").drop_nulls(),
            ext=pl.col("existing_id").drop_nulls(),
            size=pl.col("group_size").first(),
        )
        .with_columns(
            text=pl.concat_str(
                pl.lit("the "),
                pl.col("key").replace_strict(labels, return_dtype=pl.String),
                pl.lit(" "),
                pl.col("value"),
                pl.when(pl.col("rows").list.len() + pl.col("ext").list.len() < pl.col("size"))
                .then(" (" + _who(pl.col("rows"), pl.col("ext")) + ")")
                .otherwise(pl.lit("")),
            ),
            id_part=pl.col("key") + "=" + pl.col("value"),
        )
        .group_by("label", maintain_order=True)
        .agg(texts=pl.col("text"), id_text=pl.col("id_part").str.join("\x1f"))
        .select("label", "id_text", what=_listing(pl.col("texts")))
    )
    per_group = (
        members.sort("label", "upload_order", "existing_id")
        .group_by("label", maintain_order=True)
        .agg(
            rows=pl.col("source_row").drop_nulls(),
            ext=pl.col("existing_id").drop_nulls(),
            same=pl.col("same_entity").first(),
            people=pl.col("people").first(),
        )
        .join(shared, on="label", maintain_order="left")
    )
    ids = [_digest(target + "\x1f" + text) for text in per_group["id_text"].to_list()]
    return per_group.select(
        "label",
        collision_id=pl.Series(ids, dtype=pl.String),
        message=_message(target),
    )


def _completeness(frame: pl.DataFrame) -> pl.Expr:
    fields = [f for f in field_names() if f in frame.columns]
    if not fields:
        return pl.lit(0, dtype=pl.Int64)
    filled = [
        (pl.col(f).cast(pl.String).str.strip_chars().fill_null("") != "").cast(pl.Int64)
        for f in fields
    ]
    return pl.sum_horizontal(filled)


def key_owner(
    collisions: pl.DataFrame,
    records: pl.DataFrame,
    *,
    rule: KeyOwnerRule = "most_complete",
    only_different: bool = True,
) -> pl.DataFrame:
    """Choose, for every key value shared by different people, the one record that keeps it.

    Works on the groups of :func:`server_collisions` whose ``same_entity`` is false (all
    groups with ``only_different=False``; a group judged one customer should be merged, not
    split). For each shared ``(key, key_value)`` the owner is:

    1. an existing customer holding it (it is already on the server; sending it on another
       person's record would overwrite that customer), the lowest ``existing_id`` if several;
    2. otherwise, with ``rule="most_complete"`` (the default), the incoming record with the
       most filled canonical fields — the best-described person keeps the contact point —
       ties going to the first in upload order; with ``rule="first"``, the first record in
       upload order.

    Returns one row per holder (schema :data:`KEY_OWNER_SCHEMA`): ``keeps`` is true for the
    owner; the export leaves the key off the records where it is false (and should report
    that it did). ``reason`` says why the owner was chosen.

    Example:
        >>> import polars as pl
        >>> records = pl.DataFrame(
        ...     {
        ...         "source_row": [12, 40],
        ...         "first_name": ["Ann", "Bob"],
        ...         "last_name": [None, "Smith"],
        ...         "email": ["smiths@x.com", "smiths@x.com"],
        ...     }
        ... )
        >>> clusters = pl.DataFrame({"source_row": [12, 40], "cluster_id": ["a", "b"]})
        >>> found = server_collisions(records, "franpos", clusters=clusters)
        >>> key_owner(found, records).select("source_row", "keeps", "owner_source_row").rows()
        [(12, False, 40), (40, True, 40)]
    """
    if rule not in ("most_complete", "first"):
        raise CustcleanError(
            f"unknown key owner rule {rule!r}", hint="use one of: first, most_complete"
        )
    collisions = _frame(collisions, "collisions")
    missing = set(COLLISION_SCHEMA) - set(collisions.columns) - {"group_size"}
    if missing:
        raise CustcleanError(
            "key_owner needs the frame server_collisions returns; missing: "
            + ", ".join(sorted(missing))
        )
    groups = collisions if not only_different else collisions.filter(pl.col("same_entity").not_())
    if groups.height == 0:
        return pl.DataFrame(schema=KEY_OWNER_SCHEMA)
    records = _frame(records, "records")
    score = records.select(
        pl.col("source_row").cast(pl.Int64), _completeness(records).alias("_filled")
    )
    holders = (
        groups.with_row_index("_i")
        .with_columns(_g=pl.col("_i").min().over("collision_id"))
        .select(
            "_g",
            "collision_id",
            "source_row",
            "existing_id",
            "upload_order",
            pl.col("keys").str.split("+").alias("key"),
            pl.col("key_value").str.split(_SEP).alias("key_value"),
        )
        .explode("key", "key_value")
        .filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
        .join(score, on="source_row", how="left")
        .with_columns(
            pl.len().over("collision_id", "key", "key_value").alias("_holders"),
            pl.col("_filled").fill_null(0),
        )
        .filter(pl.col("_holders") > 1)
    )
    if holders.height == 0:
        return pl.DataFrame(schema=KEY_OWNER_SCHEMA)
    order: list[pl.Expr] = [pl.col("existing_id").is_null()]  # existing customers first
    if rule == "most_complete":
        order.append(-pl.col("_filled"))
    order += [pl.col("upload_order"), pl.col("existing_id")]
    holders = holders.sort("_g", "key", "key_value", *order)
    owners = holders.group_by("collision_id", "key", "key_value", maintain_order=True).agg(
        owner_source_row=pl.col("source_row").first(),
        owner_existing_id=pl.col("existing_id").first(),
        _filled_owner=pl.col("_filled").first(),
        _ties=(pl.col("_filled") == pl.col("_filled").first()).sum(),
    )
    reason = (
        pl.when(pl.col("owner_existing_id").is_not_null())
        .then(
            pl.format("existing customer #{} already holds it on the server", "owner_existing_id")
        )
        .when(pl.lit(rule == "first"))
        .then(pl.format("row {} is first in upload order", "owner_source_row"))
        .when(pl.col("_ties") > 1)
        .then(
            pl.format(
                "row {} is the most complete ({} filled fields, tied; first in upload order)",
                "owner_source_row",
                "_filled_owner",
            )
        )
        .otherwise(
            pl.format(
                "row {} is the most complete ({} filled fields)",
                "owner_source_row",
                "_filled_owner",
            )
        )
    )
    out = (
        holders.join(owners, on=["collision_id", "key", "key_value"])
        .sort("_g", "key", "key_value", "upload_order", "existing_id")
        .with_columns(
            keeps=(
                pl.col("source_row").eq_missing(pl.col("owner_source_row"))
                & pl.col("existing_id").eq_missing(pl.col("owner_existing_id"))
            ),
            reason=reason,
        )
    )
    return out.select(list(KEY_OWNER_SCHEMA)).cast(KEY_OWNER_SCHEMA)  # type: ignore[arg-type]


def collision_summary(collisions: pl.DataFrame) -> pl.DataFrame:
    """Count collision groups by kind: same customer, different people, not judged, existing.

    Example:
        >>> collision_summary(pl.DataFrame(schema=COLLISION_SCHEMA))["count"].to_list()
        [0, 0, 0, 0, 0, 0]
    """
    groups = collisions.group_by("collision_id").agg(
        same=pl.col("same_entity").first(),
        records=pl.col("source_row").is_not_null().sum(),
        existing=pl.col("existing_id").is_not_null().any(),
    )
    counts = [
        ("groups", groups.height),
        ("records", int(groups["records"].sum() or 0)),
        ("same customer", groups.filter(pl.col("same").eq_missing(True)).height),
        ("different people", groups.filter(pl.col("same").eq_missing(False)).height),
        ("not judged", groups.filter(pl.col("same").is_null()).height),
        ("touch existing customers", groups.filter(pl.col("existing")).height),
    ]
    return pl.DataFrame(counts, schema=[("kind", pl.String), ("count", pl.Int64)], orient="row")


def collisions_html(collisions: pl.DataFrame, limit: int = 10) -> str:
    """Render the first ``limit`` collision messages as a short HTML list (escaped).

    Example:
        >>> collisions_html(pl.DataFrame(schema=COLLISION_SCHEMA))
        '<p>No server collisions.</p>'
    """
    messages = collisions.unique("collision_id", keep="first", maintain_order=True)["message"]
    if messages.len() == 0:
        return "<p>No server collisions.</p>"
    items = "".join(f"<li>{html.escape(m)}</li>" for m in messages.head(limit).to_list())
    more = messages.len() - min(limit, messages.len())
    tail = f"<p>… and {more} more</p>" if more else ""
    return f"<ul>{items}</ul>{tail}"
