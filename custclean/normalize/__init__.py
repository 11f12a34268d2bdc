"""Normalisers: one module per kind of value, each a pure function over polars Series.

Example:
    >>> from custclean.normalize import Normalized, map_unique
    >>> Normalized.__name__
    'Normalized'
"""

from custclean.normalize._core import Normalized, blank_to_null, map_unique

__all__ = ["Normalized", "blank_to_null", "map_unique"]
