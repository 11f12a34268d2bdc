"""custclean: turn a messy customer list into clean, de-duplicated, upsert-ready JSON.

The pipeline, one verb per stage::

    import custclean as cc

    raw = cc.read("customers.xlsx")      # every column text, plus source_row
    mapped = cc.map_columns(raw)         # canonical field names, .mapping, .unmapped
    cleaned = cc.clean(mapped, region="US")   # normalised values, .issues

and one column at a time: ``pl.col("Mobile").custclean.phone(region="US")``.

Names are loaded on first use, so ``import custclean`` stays cheap.

Example:
    >>> import custclean as cc
    >>> "read" in cc.__all__ and "map_columns" in cc.__all__
    True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The polars namespace is registered on import (it imports nothing heavy itself).
import custclean.namespace  # noqa: F401

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "read": "custclean.io",
    "read_with_issues": "custclean.io",
    "ReadResult": "custclean.io",
    "ReadWarning": "custclean.io",
    "map_columns": "custclean.mapping",
    "clean": "custclean.cleaning",
    "CleanResult": "custclean.cleaning",
    "Normalized": "custclean.normalize._core",
    "MappedFrame": "custclean.mapping",
    "MappingWarning": "custclean.mapping",
    "header_key": "custclean.mapping",
    "CANONICAL_FIELDS": "custclean.fields",
    "ISSUE_CODES": "custclean.issues",
    "CustcleanError": "custclean.errors",
    "InputError": "custclean.errors",
    "MappingError": "custclean.errors",
    "export": "custclean.exporting",
    "Export": "custclean.exporting",
    "Simulation": "custclean.exporting",
    "schema": "custclean.targets",
    "reconcile": "custclean.reconciling",
    "find_duplicates": "custclean.link.pipeline",
    "LinkResult": "custclean.link.result",
    "merge": "custclean.merging",
    "MergeResult": "custclean.merging",
    "run": "custclean.runner",
    "RunResult": "custclean.runner",
    "build_report": "custclean.report",
    "write_report": "custclean.report",
    "Reconciliation": "custclean.reconciling",
}
_SUBMODULES = ("demo", "link", "normalize", "reference")

__all__ = [
    "CANONICAL_FIELDS",
    "ISSUE_CODES",
    "CleanResult",
    "CustcleanError",
    "Export",
    "InputError",
    "LinkResult",
    "MappedFrame",
    "MappingError",
    "MappingWarning",
    "MergeResult",
    "Normalized",
    "ReadResult",
    "ReadWarning",
    "Reconciliation",
    "RunResult",
    "Simulation",
    "__version__",
    "build_report",
    "clean",
    "demo",
    "export",
    "find_duplicates",
    "header_key",
    "link",
    "map_columns",
    "merge",
    "normalize",
    "read",
    "read_with_issues",
    "reconcile",
    "reference",
    "run",
    "schema",
    "write_report",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from custclean import demo, link, normalize, reference
    from custclean.cleaning import CleanResult, clean
    from custclean.errors import CustcleanError, InputError, MappingError
    from custclean.exporting import Export, Simulation, export
    from custclean.fields import CANONICAL_FIELDS
    from custclean.io import ReadResult, ReadWarning, read, read_with_issues
    from custclean.issues import ISSUE_CODES
    from custclean.link.pipeline import find_duplicates
    from custclean.link.result import LinkResult
    from custclean.mapping import MappedFrame, MappingWarning, header_key, map_columns
    from custclean.merging import MergeResult, merge
    from custclean.normalize._core import Normalized
    from custclean.reconciling import Reconciliation, reconcile
    from custclean.report import build_report, write_report
    from custclean.runner import RunResult, run
    from custclean.targets import schema


def __getattr__(name: str) -> Any:
    """Import a public name on first use.

    Example:
        >>> import custclean
        >>> custclean.map_columns.__name__
        'map_columns'
    """
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = import_module(f"custclean.{name}")
    else:
        raise AttributeError(f"module 'custclean' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
