"""An analyst's review decisions: a small CSV log replayed on every run.

Each line says that two records are the same customer (``accept``) or not (``reject``). The
records are named by their fingerprints (:mod:`custclean.link.fingerprint`), so a decision
survives re-ordered, re-exported and appended files; ``source_row_a`` / ``source_row_b`` are
only there for a person reading the file. The file is a log: a later line about the same pair
overrides an earlier one (OpenRefine-style replay), so changing one's mind is one more line.

Columns: ``fingerprint_a, fingerprint_b, source_row_a, source_row_b, decision, note``.

Example:
    >>> import tempfile, pathlib
    >>> import polars as pl
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "decisions.csv"
    >>> fps = pl.DataFrame({"source_row": [1, 2], "fingerprint": ["aa", "bb"]})
    >>> _ = record_decision(path, fps, 2, 1, "reject", note="twins")
    >>> load_decisions(path).select("fingerprint_a", "fingerprint_b", "decision").rows()
    [('aa', 'bb', 'reject')]
    >>> resolve_decisions(load_decisions(path), fps).rows()
    [(1, 2, 'reject', 'twins')]
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import polars as pl

from custclean.errors import InputError

__all__ = [
    "DECISIONS_SCHEMA",
    "DECISION_VALUES",
    "apply_decisions",
    "load_decisions",
    "record_decision",
    "resolve_decisions",
]

#: Columns and types of a decisions file.
DECISIONS_SCHEMA: dict[str, pl.DataType] = {
    "fingerprint_a": pl.String(),
    "fingerprint_b": pl.String(),
    "source_row_a": pl.Int64(),
    "source_row_b": pl.Int64(),
    "decision": pl.String(),
    "note": pl.String(),
}

#: The decisions an analyst can record.
DECISION_VALUES: tuple[str, ...] = ("accept", "reject")

_ALIASES = {
    "accept": "accept",
    "accepted": "accept",
    "match": "accept",
    "same": "accept",
    "yes": "accept",
    "reject": "reject",
    "rejected": "reject",
    "non-match": "reject",
    "different": "reject",
    "no": "reject",
}


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=DECISIONS_SCHEMA)


def load_decisions(path: str | Path | None) -> pl.DataFrame:
    """Read a decisions file; the last line about a pair wins. A missing file is no decisions.

    Raises ``InputError`` (naming the file and line) for a line without both fingerprints or
    with a decision other than accept / reject.

    Example:
        >>> load_decisions("no-such-file.csv").height
        0
    """
    if path is None or not Path(path).exists():
        return _empty()
    path = Path(path)
    rows: list[dict[str, Any]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"fingerprint_a", "fingerprint_b", "decision"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(
                "not a decisions file: missing column(s) " + ", ".join(sorted(missing)),
                path=path,
                hint="its header is " + ", ".join(DECISIONS_SCHEMA),
            )
        for line, row in enumerate(reader, start=2):
            a, b = (
                (row.get("fingerprint_a") or "").strip(),
                (row.get("fingerprint_b") or "").strip(),
            )
            raw = (row.get("decision") or "").strip().lower()
            if not a or not b:
                raise InputError("a decision needs both fingerprints", path=path, line=line)
            if raw not in _ALIASES:
                raise InputError(
                    f"unknown decision {raw!r}", path=path, line=line, hint="use accept or reject"
                )
            rows.append(
                _ordered(a, b, row.get("source_row_a"), row.get("source_row_b"))
                | {"decision": _ALIASES[raw], "note": row.get("note") or ""}
            )
    if not rows:
        return _empty()
    frame = pl.DataFrame(rows, schema=DECISIONS_SCHEMA)
    return frame.unique(["fingerprint_a", "fingerprint_b"], keep="last", maintain_order=True)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _ordered(a: str, b: str, row_a: Any, row_b: Any) -> dict[str, Any]:
    if b < a:
        a, b, row_a, row_b = b, a, row_b, row_a
    return {
        "fingerprint_a": a,
        "fingerprint_b": b,
        "source_row_a": _int(row_a),
        "source_row_b": _int(row_b),
    }


def _fingerprint_frame(result: Any) -> pl.DataFrame:
    """``source_row, fingerprint`` from a LinkResult, its records or a frame holding them."""
    frame = getattr(result, "records", result)
    if not isinstance(frame, pl.DataFrame) or not {"source_row", "fingerprint"} <= set(
        frame.columns
    ):
        raise TypeError("need a LinkResult or a frame with source_row and fingerprint")
    return frame.select("source_row", "fingerprint")


def record_decision(
    path: str | Path,
    result: Any,
    a: int,
    b: int,
    decision: str,
    note: str = "",
) -> pl.DataFrame:
    """Append an analyst's decision about rows ``a`` and ``b`` to the decisions file.

    ``result`` is the ``LinkResult`` the rows come from (or a frame with ``source_row,
    fingerprint``). ``decision``: "accept" (same customer) or "reject" (different customers).
    Returns the file's decisions after the append (as :func:`load_decisions`).

    Example:
        >>> import tempfile, pathlib
        >>> import polars as pl
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
        >>> fps = pl.DataFrame({"source_row": [4, 9], "fingerprint": ["f4", "f9"]})
        >>> _ = record_decision(path, fps, 4, 9, "accept")
        >>> record_decision(path, fps, 9, 4, "reject", note="changed my mind")["decision"].to_list()
        ['reject']
    """
    kind = _ALIASES.get(str(decision).strip().lower())
    if kind is None:
        raise ValueError(f"decision must be 'accept' or 'reject', not {decision!r}")
    fps = dict(_fingerprint_frame(result).iter_rows())
    for row in (a, b):
        if row not in fps:
            raise ValueError(f"row {row} is not among the linked records")
    if a == b:
        raise ValueError("a decision needs two different rows")
    entry = _ordered(fps[a], fps[b], a, b) | {"decision": kind, "note": note}
    path = Path(path)
    new_file = not path.exists() or path.stat().st_size == 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(DECISIONS_SCHEMA))
        if new_file:
            writer.writeheader()
        writer.writerow({k: "" if v is None else v for k, v in entry.items()})
    return load_decisions(path)


def resolve_decisions(decisions: pl.DataFrame, fingerprints: pl.DataFrame) -> pl.DataFrame:
    """Map decisions onto this run's rows: ``source_row_l < source_row_r, decision, note``.

    Decisions about a record no longer in the input are left out.

    Example:
        >>> import polars as pl
        >>> d = pl.DataFrame({"fingerprint_a": ["x"], "fingerprint_b": ["y"],
        ...                   "decision": ["accept"], "note": [""]})
        >>> fp = pl.DataFrame({"source_row": [8, 3], "fingerprint": ["x", "y"]})
        >>> resolve_decisions(d, fp).rows()
        [(3, 8, 'accept', '')]
    """
    fp = fingerprints.select("source_row", "fingerprint")
    out = (
        decisions.select("fingerprint_a", "fingerprint_b", "decision", "note")
        .join(fp.rename({"source_row": "_a"}), left_on="fingerprint_a", right_on="fingerprint")
        .join(fp.rename({"source_row": "_b"}), left_on="fingerprint_b", right_on="fingerprint")
        .filter(pl.col("_a") != pl.col("_b"))
        .select(
            source_row_l=pl.min_horizontal("_a", "_b").cast(pl.Int64),
            source_row_r=pl.max_horizontal("_a", "_b").cast(pl.Int64),
            decision=pl.col("decision"),
            note=pl.col("note").fill_null(""),
        )
    )
    return out.unique(["source_row_l", "source_row_r"], keep="last", maintain_order=True).sort(
        "source_row_l", "source_row_r"
    )


def apply_decisions(pairs: pl.DataFrame, resolved: pl.DataFrame) -> pl.DataFrame:
    """Overrule the model with the analyst: accept → "match", reject → "non-match".

    ``pairs`` needs ``source_row_l, source_row_r, decision``; ``decided_by`` becomes
    "analyst" for the decided pairs ("model" elsewhere). Decided pairs missing from ``pairs``
    are not added here (the pipeline scores and adds them first).

    Example:
        >>> import polars as pl
        >>> p = pl.DataFrame({"source_row_l": [1, 1], "source_row_r": [2, 3],
        ...                   "decision": ["review", "match"]})
        >>> r = pl.DataFrame({"source_row_l": [1], "source_row_r": [3],
        ...                   "decision": ["reject"], "note": [""]})
        >>> apply_decisions(p, r).select("decision", "decided_by").rows()
        [('review', 'model'), ('non-match', 'analyst')]
    """
    verdict = resolved.select(
        "source_row_l",
        "source_row_r",
        _analyst=pl.col("decision").replace_strict(
            {"accept": "match", "reject": "non-match"}, return_dtype=pl.String
        ),
    )
    return (
        pairs.join(verdict, on=["source_row_l", "source_row_r"], how="left", maintain_order="left")
        .with_columns(
            decision=pl.coalesce("_analyst", "decision"),
            decided_by=pl.when(pl.col("_analyst").is_not_null())
            .then(pl.lit("analyst"))
            .otherwise(pl.lit("model")),
        )
        .drop("_analyst")
    )
