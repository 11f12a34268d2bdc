"""Load the CSV tables in ``reference_data/`` once, lazily, and let analysts extend them.

The tables ship with the package. An analyst can add rows without touching the package by
pointing the environment variable ``CUSTCLEAN_REFERENCE_DIR`` at a folder holding CSV files of
the same names and columns: their rows are read *before* the shipped ones, so they win.

Example:
    >>> from custclean.reference import load_table
    >>> table = load_table("headers")
    >>> {"alias", "field"} <= set(table.columns)
    True
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

import polars as pl

from custclean.errors import InputError

__all__ = ["load_table", "reference_dirs", "reload"]

_PACKAGE = Path(__file__).resolve().parent


def reference_dirs() -> list[Path]:
    """Return the folders searched for reference tables, the analyst's own first.

    Example:
        >>> reference_dirs()[-1].name
        'reference_data'
    """
    dirs: list[Path] = []
    extra = os.environ.get("CUSTCLEAN_REFERENCE_DIR")
    if extra:
        dirs.extend(Path(p) for p in extra.split(os.pathsep) if p)
    for candidate in (_PACKAGE / "reference_data", _PACKAGE.parent / "reference_data"):
        if candidate.is_dir():
            dirs.append(candidate)
            break
    return dirs


@cache
def _load(name: str, dirs: tuple[Path, ...]) -> pl.DataFrame:
    frames = []
    for folder in dirs:
        path = folder / f"{name}.csv"
        if not path.is_file():
            continue
        try:
            frame = pl.read_csv(path, infer_schema=False, comment_prefix="#")
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise InputError(
                f"cannot read reference table: {exc}",
                path=path,
                hint="fix the CSV (header row, one value per column) or remove it",
            ) from exc
        frames.append(frame)
    if not frames:
        raise InputError(
            f"no reference table named {name!r}",
            path=dirs[-1] if dirs else None,
            hint="reinstall custclean or set CUSTCLEAN_REFERENCE_DIR",
        )
    return pl.concat(frames, how="diagonal_relaxed")


def load_table(name: str) -> pl.DataFrame:
    """Return the reference table ``name`` (file ``reference_data/<name>.csv``), all text.

    Lines starting with ``#`` are comments. Rows from ``CUSTCLEAN_REFERENCE_DIR`` come first.

    Example:
        >>> load_table("headers").filter(pl.col("alias") == "Surname")["field"].to_list()
        ['last_name']
    """
    return _load(name, tuple(reference_dirs()))


def reload() -> int:
    """Forget every table and every lookup built from one, so edited CSVs take effect now.

    The tables and the lookups the normalisers build from them are read once per process. After
    editing a table, or pointing ``CUSTCLEAN_REFERENCE_DIR`` somewhere else in a running
    notebook, call ``reload()``; the next call of any normaliser reads the tables again.
    Returns how many caches were cleared.

    Example:
        >>> reload() >= 1
        True
    """
    cleared = 0
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "custclean" or name.startswith("custclean.")):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()
                cleared += 1
    return cleared
