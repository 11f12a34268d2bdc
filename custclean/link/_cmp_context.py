"""The pairs to compare, as integer value ids: cheap equality, strings only where needed.

``PairContext`` turns every string column of the prepared records into ids over a vocabulary
(the distinct values in order of appearance; columns that are compared crosswise share one:
first and last names, cell and work phones), then gathers the ids of both sides of every pair
into numpy arrays (-1 = missing).
Equality is an integer comparison; fuzzy scores are computed by ``similar`` only on the
distinct id combinations of the pairs that still need one, the smaller string first so every
score is symmetric. Only the records the pairs touch are encoded.

Example:
    >>> import polars as pl
    >>> rec = pl.DataFrame({"source_row": [5, 9], "first_norm": ["ann", "anne"],
    ...                     "last_norm": ["lee", None]})
    >>> ctx = PairContext(rec, pl.DataFrame({"source_row_l": [5], "source_row_r": [9]}))
    >>> l, r = ctx.ids("first_norm")
    >>> bool(l[0] != r[0]), ctx.ids("last_norm")[1].tolist()
    (True, [-1])
    >>> round(float(ctx.similar("first_norm", "first_norm", "jaro_winkler")[0]), 3)
    0.942
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz import process

from custclean.link._cmp_similarity import SCORERS, WORKERS

__all__ = ["SHARED_VOCABULARIES", "PairContext"]

_NO_ROW = np.iinfo(np.int64).min

#: Largest (left vocabulary x right vocabulary) table ``map_combos`` indexes directly.
DENSE_LIMIT = 1 << 25

_HASH_SEED = 20_261_123

#: Columns compared crosswise share one vocabulary (so their ids are comparable).
SHARED_VOCABULARIES: tuple[tuple[str, ...], ...] = (
    ("first_norm", "last_norm"),
    ("cell_e164", "work_e164"),
    ("cell_last7", "work_last7"),
)


class PairContext:
    """Value ids of both sides of every pair, with caches for derived per-pair arrays.

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2], "zip_norm": ["02134", "02134"]})
        >>> ctx = PairContext(rec, pl.DataFrame({"source_row_l": [1, 3], "source_row_r": [2, 1]}))
        >>> ctx.n, ctx.ids("zip_norm")[0].tolist()
        (2, [0, -1])
    """

    def __init__(self, prepared: pl.DataFrame, pairs: pl.DataFrame) -> None:
        lefts, rights = (
            pairs[f"source_row_{side}"].cast(pl.Int64).fill_null(_NO_ROW).to_numpy()
            for side in ("l", "r")
        )
        rows = prepared["source_row"].cast(pl.Int64).to_numpy()
        left, right = self._locate(rows, (lefts, rights))
        touched = np.zeros(rows.size + 1, dtype=bool)  # last slot: rows not found (-1)
        touched[left] = True
        touched[right] = True
        touched = touched[:-1]
        if touched.sum() < 0.5 * rows.size:  # encode only the records the pairs touch
            prepared = prepared.filter(pl.Series(touched))
            renumber = np.append(np.cumsum(touched) - 1, -1)
            left, right = renumber[left], renumber[right]
        self._prepared = prepared
        self.n = pairs.height
        self._index = {"l": left, "r": right}
        self._complete = bool((left >= 0).all() and (right >= 0).all())
        self._vocab: dict[str, pl.Series] = {}
        self._record_ids: dict[str, np.ndarray] = {}
        self._pair_ids: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._pair_keys: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.cache: dict[str, Any] = {}

    @classmethod
    def _locate(cls, rows: np.ndarray, wanted: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """Row position of each wanted source_row in ``rows`` (-1 when absent; first wins).

        Source rows are nearly always a dense range: a lookup table then beats a search.
        """
        if rows.size == 0:
            return tuple(np.full(w.shape, -1, dtype=np.int64) for w in wanted)
        low, high = int(rows.min()), int(rows.max())
        if high - low > 4 * rows.size + 1024:
            order = np.argsort(rows, kind="stable")
            return tuple(cls._positions(w, rows[order], order) for w in wanted)
        table = np.full(high - low + 1, -1, dtype=np.int64)
        table[(rows - low)[::-1]] = np.arange(rows.size - 1, -1, -1)
        out = []
        for w in wanted:
            inside = (w >= low) & (w <= high)
            out.append(np.where(inside, table[np.where(inside, w - low, 0)], -1))
        return tuple(out)

    @staticmethod
    def _positions(wanted: np.ndarray, sorted_rows: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Row position in ``prepared`` of each wanted source_row (-1 when absent)."""
        if sorted_rows.size == 0:
            return np.full(wanted.shape, -1, dtype=np.int64)
        at = np.searchsorted(sorted_rows, wanted).clip(0, sorted_rows.size - 1)
        found = sorted_rows[at] == wanted
        return np.where(found, order[at], -1).astype(np.int64)

    def _column(self, name: str) -> pl.Series:
        if name in self._prepared.columns:
            return self._prepared[name].cast(pl.String)
        return pl.Series(name, [None] * self._prepared.height, dtype=pl.String)

    def _encode(self, name: str) -> None:
        group = next((g for g in SHARED_VOCABULARIES if name in g), (name,))
        columns = [self._column(c) for c in group]
        vocab = pl.concat(columns).drop_nulls().unique(maintain_order=True)
        table = pl.DataFrame({"value": vocab}).with_row_index("id")
        for c, values in zip(group, columns, strict=True):
            ids = (
                pl.DataFrame({"value": values})
                .join(table, on="value", how="left", maintain_order="left")["id"]
                .cast(pl.Int32)
                .fill_null(-1)
                .to_numpy()
            )
            self._vocab[c] = vocab
            self._record_ids[c] = ids

    def vocab(self, name: str) -> pl.Series:
        """Return the distinct values of column ``name`` in order of appearance (index = id).

        Example:
            >>> ctx = PairContext(pl.DataFrame({"source_row": [1], "city_norm": ["oslo"]}),
            ...                   pl.DataFrame({"source_row_l": [1], "source_row_r": [1]}))
            >>> ctx.vocab("city_norm").to_list()
            ['oslo']
        """
        if name not in self._vocab:
            self._encode(name)
        return self._vocab[name]

    def record_ids(self, name: str) -> np.ndarray:
        """Return the value id of every prepared record (-1 = null)."""
        if name not in self._record_ids:
            self._encode(name)
        return self._record_ids[name]

    def ids(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the value ids of the left and right record of every pair (-1 = missing)."""
        if name not in self._pair_ids:
            rec = self.record_ids(name)
            out = []
            for side in ("l", "r"):
                idx = self._index[side]
                if self._complete:
                    out.append(rec[idx])
                elif rec.size:
                    out.append(np.where(idx >= 0, rec[idx.clip(0)], -1).astype(np.int32))
                else:
                    out.append(idx.astype(np.int32))
            self._pair_ids[name] = (out[0], out[1])
        return self._pair_ids[name]

    def keys(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Return equality keys of the left and right record of every pair (-1 = missing).

        Two keys are equal exactly when the values are: for comparisons that only test
        equality. The keys are 63-bit hashes of the values (no vocabulary to sort or join),
        used only when no two distinct values of the column share one; else the ids.

        Example:
            >>> ctx = PairContext(pl.DataFrame({"source_row": [1, 2], "zip_norm": ["1", "1"]}),
            ...                   pl.DataFrame({"source_row_l": [1, 3], "source_row_r": [2, 2]}))
            >>> l, r = ctx.keys("zip_norm")
            >>> bool(l[0] == r[0]), int(l[1])
            (True, -1)
        """
        if name in self._pair_ids:
            return self._pair_ids[name]
        if name not in self._pair_keys:
            group = next((g for g in SHARED_VOCABULARIES if name in g), (name,))
            values = pl.concat([self._column(c) for c in group])
            null = values.is_null().to_numpy()
            keys = (values.hash(_HASH_SEED).to_numpy() >> np.uint64(1)).astype(np.int64)
            keys[null] = -1
            if pl.Series(keys[~null]).n_unique() != values.drop_nulls().n_unique():
                return self.ids(name)  # a hash collision: fall back to exact ids
            height = self._prepared.height
            for k, c in enumerate(group):
                rec = keys[k * height : (k + 1) * height]
                pair = []
                for side in ("l", "r"):
                    idx = self._index[side]
                    if self._complete:
                        pair.append(rec[idx])
                    else:
                        pair.append(np.append(rec, -1)[idx])
                self._pair_keys[c] = (pair[0], pair[1])
        return self._pair_keys[name]

    def per_value(
        self, name: str, tag: str, function: Callable[[pl.Series], pl.Series]
    ) -> pl.Series:
        """Return ``function`` applied to the vocabulary of ``name`` (cached under ``tag``)."""
        key = f"per_value:{name}:{tag}"
        if key not in self.cache:
            self.cache[key] = function(self.vocab(name))
        return self.cache[key]

    def combos(
        self, left: str, right: str, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, pl.DataFrame]:
        """Return the selected pair rows and the distinct (lo, hi) id combinations among them.

        The frame has ``lo``, ``hi`` (ids, lo <= hi when both columns share a vocabulary, so a
        combination and its mirror are one) and ``key``; rows with a missing side are left out.
        """
        a, b = self.ids(left)[0], self.ids(right)[1]
        keep = (a >= 0) & (b >= 0)
        if mask is not None:
            keep &= mask
        rows = np.flatnonzero(keep)
        a, b = a[rows], b[rows]
        if self.vocab(left) is self.vocab(right):
            a, b = np.minimum(a, b), np.maximum(a, b)
        key = (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)
        frame = pl.DataFrame({"key": key, "lo": a, "hi": b})
        return rows, frame

    def map_combos(
        self,
        left: str,
        right: str,
        compute: Callable[[pl.DataFrame], np.ndarray],
        mask: np.ndarray | None = None,
        fill: float = np.nan,
    ) -> np.ndarray:
        """Evaluate ``compute`` once per distinct id combination and spread it over the pairs.

        ``compute`` gets the distinct ``lo, hi`` frame and returns one float per row.
        """
        out = np.full(self.n, fill, dtype=np.float64)
        rows, frame = self.combos(left, right, mask)
        if rows.size == 0:
            return out
        size = self.vocab(left).len() * self.vocab(right).len()
        if size <= min(max(4 * rows.size, 1 << 20), DENSE_LIMIT):
            # few distinct values: a dense table over every (lo, hi) replaces sort and search
            width = self.vocab(right).len()
            dense = frame["lo"].to_numpy().astype(np.int64) * width + frame["hi"].to_numpy()
            seen = np.zeros(size, dtype=bool)
            seen[dense] = True
            present = np.flatnonzero(seen)
            unique = pl.DataFrame(
                {
                    "key": (present // width).astype(np.uint64) << np.uint64(32)
                    | (present % width).astype(np.uint64),
                    "lo": (present // width).astype(frame["lo"].to_numpy().dtype),
                    "hi": (present % width).astype(frame["hi"].to_numpy().dtype),
                }
            )
            table = np.empty(size, dtype=np.float64)
            table[present] = np.asarray(compute(unique), dtype=np.float64)
            out[rows] = table[dense]
            return out
        unique = frame.select("key", "lo", "hi").unique("key").sort("key")
        values = np.asarray(compute(unique), dtype=np.float64)
        at = np.searchsorted(unique["key"].to_numpy(), frame["key"].to_numpy())
        out[rows] = values[at]
        return out

    def similar(
        self, left: str, right: str, scorer: str, mask: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the ``scorer`` similarity of ``left`` (left side) and ``right`` (right side).

        NaN where a side is missing or ``mask`` is False. Scores are 0..1 (``levenshtein``:
        the edit distance).
        """
        function, scale = SCORERS[scorer]
        vocab_l, vocab_r = self.vocab(left), self.vocab(right)

        def compute(unique: pl.DataFrame) -> np.ndarray:
            pair = pl.DataFrame(
                {"a": vocab_l.gather(unique["lo"]), "b": vocab_r.gather(unique["hi"])}
            )
            if vocab_l is vocab_r:  # an unordered combination: the smaller string first
                pair = pair.select(
                    a=pl.when(pl.col("a") <= pl.col("b")).then("a").otherwise("b"),
                    b=pl.when(pl.col("a") <= pl.col("b")).then("b").otherwise("a"),
                )
            scores = process.cpdist(
                pair["a"].to_list(),
                pair["b"].to_list(),
                scorer=function,
                dtype=np.float64,
                workers=WORKERS,
            )
            return np.asarray(scores) / scale

        return self.map_combos(left, right, compute, mask)
