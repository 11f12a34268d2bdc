"""The contract every normaliser follows, and the helper that makes them cheap.

A normaliser takes a column (a polars Series of text, plus context columns such as the row's
country) and returns a :class:`Normalized`: the new value of every row, and for every row it
changed or rejected an issue ``code`` (from :data:`custclean.issues.ISSUE_CODES`) and a
``message``. Rows it leaves as they are get no code. Blank input (null, or only white space)
becomes null without an issue.

Rules every normaliser keeps:

- it never raises on a value: anything it cannot read becomes null with code ``invalid`` (or
  ``ambiguous``, ``implausible``, ``placeholder``…) and a message saying why;
- it never guesses: a value is only filled or corrected when the evidence is unambiguous, and
  every correction carries a code (``fixed``, ``fuzzy``, ``inferred``);
- it is idempotent: normalising its own output changes nothing and yields no code;
- it works on distinct values: :func:`map_unique` calls the per-value function once per
  distinct input (tuple of value and context) and joins the answers back.

Example:
    >>> import polars as pl
    >>> def upper(v: str) -> tuple[str | None, str | None, str | None]:
    ...     return (v.upper(), "fixed", "upper-cased") if v != v.upper() else (v, None, None)
    >>> out = map_unique(upper, pl.Series(["ab", "AB", None, "ab"]))
    >>> out.value.to_list(), out.code.to_list()
    (['AB', 'AB', None, 'AB'], ['fixed', None, None, 'fixed'])
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import polars as pl

#: A value that is empty or only white space (``\s`` is Unicode white space, as
#: ``str.strip_chars`` strips); tested with a regex, no stripped copy of every value is made.
BLANK = r"^\s*$"

__all__ = [
    "BLANK",
    "Normalized",
    "blank_to_null",
    "distinct_rows",
    "map_unique",
    "on_distinct",
    "positions",
    "put_rows",
]


@dataclass(frozen=True)
class Normalized:
    """What a normaliser returns for a column of ``n`` rows.

    ``value``, ``code`` and ``message`` are String Series of length ``n``; ``extra`` holds
    further output columns of length ``n`` by name (a phone's extension and number type, a
    name's honorific and suffix); ``notes`` holds column-level decisions (the date order chosen
    for the column, say) for the run's manifest.

    Example:
        >>> none = pl.Series([None], dtype=pl.String)
        >>> Normalized(pl.Series(["x"]), none, none).value.len()
        1
    """

    value: pl.Series
    code: pl.Series
    message: pl.Series
    extra: dict[str, pl.Series] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def to_frame(self, name: str = "value") -> pl.DataFrame:
        """Return value, code, message and the extra columns side by side.

        Example:
            >>> n = map_unique(lambda v: (v, None, None), pl.Series(["a"]))
            >>> n.to_frame("email").columns
            ['email', 'code', 'message']
        """
        return pl.DataFrame(
            {
                name: self.value.alias(name),
                "code": self.code.alias("code"),
                "message": self.message.alias("message"),
                **{k: v.alias(k) for k, v in self.extra.items()},
            }
        )


def blank_to_null(values: pl.Series) -> pl.Series:
    """Cast to text and turn blank values (null, empty, only white space) into null.

    Example:
        >>> blank_to_null(pl.Series(["a", " ", "", None])).to_list()
        ['a', None, None, None]
    """
    text = values.cast(pl.String)
    # a column without blanks is returned as it is
    blank = text.str.contains(BLANK)
    if not blank.any():
        return text
    return text.set(blank.fill_null(False), None)  # type: ignore[arg-type]


#: Below this many distinct inputs a process pool costs more than it saves.
PARALLEL_MIN = 20_000


def _apply_chunk(func: Callable[..., tuple[Any, ...]], rows: list[tuple[Any, ...]]) -> list[Any]:
    return [func(*row) for row in rows]


def _apply(
    func: Callable[..., tuple[Any, ...]], rows: list[tuple[Any, ...]], parallel: bool
) -> list[Any]:
    workers = min(os.cpu_count() or 1, 8)
    if not parallel or workers < 2 or len(rows) < PARALLEL_MIN:
        return _apply_chunk(func, rows)
    size = -(-len(rows) // (workers * 4))
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    # "spawn" keeps the workers clear of polars' thread pool (fork can deadlock it). A script
    # without an `if __name__ == "__main__":` guard cannot start spawned workers: then, or if
    # the pool breaks for any other reason, the work is done here instead, with a warning.
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parts = pool.map(_apply_chunk, [func] * len(chunks), chunks)
            return [answer for part in parts for answer in part]
    except (BrokenProcessPool, OSError, RuntimeError) as exc:
        warnings.warn(
            f"custclean could not use worker processes ({type(exc).__name__}); working in one "
            "process instead. In a script, put the code under `if __name__ == '__main__':` to "
            "allow parallel=True.",
            RuntimeWarning,
            stacklevel=3,
        )
        return _apply_chunk(func, rows)


def map_unique(
    func: Callable[..., tuple[Any, ...]],
    values: pl.Series,
    *context: pl.Series | str | None,
    extra_names: Sequence[str] = (),
    parallel: bool = False,
) -> Normalized:
    """Apply a per-value function once per distinct (value, context…) and map back to rows.

    ``func(value, *context)`` is called with a non-blank ``value`` (str) and the context values
    of that row (str or None) and returns ``(new_value, code, message, *extras)`` in the order
    of ``extra_names``. Blank values are not passed to ``func``: they come back null with no
    code and null extras. A context given as a plain string (or None) applies to every row.
    ``parallel=True`` spreads large inputs over a process pool (``func`` must then be a
    module-level function); the answers are the same, in the same order.

    Example:
        >>> out = map_unique(lambda v, c: (f"{v}-{c}", None, None), pl.Series(["a", "a"]), "US")
        >>> out.value.to_list()
        ['a-US', 'a-US']
    """
    n = values.len()
    text = values.cast(pl.String)
    cols: dict[str, pl.Series] = {"__v": text}
    for i, ctx in enumerate(context):
        if isinstance(ctx, pl.Series):
            cols[f"__c{i}"] = ctx.cast(pl.String)
        else:
            cols[f"__c{i}"] = pl.repeat(ctx, n, dtype=pl.String, eager=True)
    frame = pl.DataFrame(cols)
    # Only the rows with a value are looked up; blank rows answer null. The nulls are left
    # out first (a bitmap test), then the blanks, so a mostly empty column costs what its
    # values cost; the answers are spread back over every row with one gather.
    rows: pl.Series | None = text.is_not_null().arg_true()
    rows = rows.filter(~text.gather(rows).str.contains(BLANK))
    if rows.len() < n:
        frame = frame[rows]
    else:
        rows = None
    distinct, where = distinct_rows(frame)
    out_names = ["__value", "__code", "__message", *extra_names]
    answers = _apply(func, list(distinct.iter_rows()), parallel)
    width = len(out_names)
    for answer in answers:
        if len(answer) != width:
            raise ValueError(f"{func!r} returned {len(answer)} items, expected {width}")
    table = pl.DataFrame(
        answers if answers else None,
        schema={name: pl.String for name in out_names},
        orient="row",
    )
    if rows is not None:  # one gather: to the rows with a value, and on to every row
        where = pl.select(where.gather(positions(rows, n))).to_series()
    joined = table.select(pl.all().gather(where))
    return Normalized(
        value=joined["__value"].alias("value"),
        code=joined["__code"].alias("code"),
        message=joined["__message"].alias("message"),
        extra={name: joined[name].alias(name) for name in extra_names},
    )


def distinct_rows(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """Return the distinct rows of ``frame`` and, for every row, where its distinct row is.

    The distinct rows come in order of first appearance; ``distinct.gather(where)`` is
    ``frame`` again. Nulls are values like any other. The rows are told apart by a 64-bit
    hash, then checked against the frame: should two different rows ever share a hash, the
    exact (slower) way is taken instead, so the answer never depends on the hash.

    Example:
        >>> frame = pl.DataFrame({"v": ["b", "a", "b", None], "c": ["US", "US", "US", None]})
        >>> distinct, where = distinct_rows(frame)
        >>> distinct.rows(), where.to_list()
        ([('b', 'US'), ('a', 'US'), (None, None)], [0, 1, 0, 2])
    """
    hashes = frame.hash_rows() if frame.width > 1 else frame.to_series().hash()
    first = hashes.is_first_distinct()
    distinct = frame.filter(first)
    index = pl.int_range(distinct.height, eager=True, dtype=pl.UInt32)
    where = (
        pl.DataFrame({"h": hashes})
        .join(
            pl.DataFrame({"h": hashes.filter(first), "i": index}),
            on="h",
            how="left",
            maintain_order="left",
        )
        .get_column("i")
    )
    if all(distinct[c].gather(where).eq_missing(frame[c]).all() for c in frame.columns):
        return distinct, where
    distinct = frame.unique(maintain_order=True)  # a hash collision: the exact way
    where = frame.join(
        distinct.with_row_index("__i"),
        on=frame.columns,
        how="left",
        nulls_equal=True,
        maintain_order="left",
    ).get_column("__i")
    return distinct, where


def positions(rows: pl.Series, n: int) -> pl.Series:
    """Return, for each of ``n`` rows, its position in ``rows`` (distinct), or null if absent.

    Gathering a subset's answers with it spreads them back over every row (null elsewhere).

    Example:
        >>> positions(pl.Series([1, 3], dtype=pl.UInt32), 4).to_list()
        [None, 0, None, 1]
    """
    empty = pl.repeat(None, n, dtype=pl.UInt32, eager=True)
    order = pl.int_range(rows.len(), eager=True, dtype=pl.UInt32)
    return empty.scatter(rows.cast(pl.UInt32), order)


def put_rows(base: Normalized, mask: pl.Series, part: Normalized) -> Normalized:
    """Return ``base`` with ``part``'s answers (read on the rows where ``mask`` is true) put in.

    ``base`` is not changed; its extra columns that ``part`` lacks and its notes are kept.

    Example:
        >>> none = pl.Series([None, None, None], dtype=pl.String)
        >>> base = Normalized(pl.Series(["a", "b", "c"]), none, none)
        >>> part = map_unique(lambda v: (v.upper(), "fixed", "upper-cased"), pl.Series(["b"]))
        >>> out = put_rows(base, pl.Series([False, True, False]), part)
        >>> out.value.to_list(), out.code.to_list()
        (['a', 'B', 'c'], [None, 'fixed', None])
    """
    idx = mask.arg_true()

    def put(old: pl.Series, new: pl.Series) -> pl.Series:
        return old.clone().scatter(idx, new) if idx.len() else old

    extra = {k: put(v, part.extra[k]) for k, v in base.extra.items() if k in part.extra}
    return Normalized(
        value=put(base.value, part.value),
        code=put(base.code, part.code),
        message=put(base.message, part.message),
        extra={**base.extra, **extra},
        notes=base.notes,
    )


def on_distinct(
    func: Callable[..., Normalized],
    values: pl.Series,
    *context: pl.Series,
) -> Normalized:
    """Run a column-wise normaliser once per distinct (value, context…) row and map it back.

    ``func(values, *context)`` is a vectorised normaliser whose answer for a row depends on
    that row's value and context only, never on the other rows (a name, not a date column
    whose order is voted on). It is called on the distinct rows, so a column of a million
    rows holding twelve thousand first names costs twelve thousand; the answers (``value``,
    ``code``, ``message`` and every extra column) are joined back to every row, in order, and
    ``notes`` are passed on.

    Example:
        >>> def shout(v: pl.Series) -> Normalized:
        ...     up = v.str.to_uppercase()
        ...     return Normalized(up, pl.Series([None] * v.len(), dtype=pl.String), up)
        >>> on_distinct(shout, pl.Series(["ab", None, "ab", "c"])).value.to_list()
        ['AB', None, 'AB', 'C']
    """
    n = values.len()
    names = [f"__c{i}" for i in range(len(context))]
    frame = pl.DataFrame({"__v": values.cast(pl.String), **dict(zip(names, context, strict=True))})
    distinct, where = distinct_rows(frame)
    if distinct.height == n:  # nothing repeats: spreading the answers would only cost
        return func(values, *context)
    out = func(distinct["__v"], *(distinct[name] for name in names))
    table = pl.DataFrame(
        {
            "__value": out.value,
            "__code": out.code,
            "__message": out.message,
            **{f"__x_{name}": series for name, series in out.extra.items()},
        }
    )
    joined = table.select(pl.all().gather(where))
    return Normalized(
        value=joined["__value"].alias("value"),
        code=joined["__code"].alias("code"),
        message=joined["__message"].alias("message"),
        extra={name: joined[f"__x_{name}"].alias(name) for name in out.extra},
        notes=out.notes,
    )
