"""The target APIs custclean writes for, and the JSON Schemas of their request bodies.

One module per target behind a common shape (:mod:`custclean.targets.base`):
:mod:`custclean.targets.franpos` (``POST api/customers``) and :mod:`custclean.targets.wasp`
(``POST public-api/customers/save`` and the assumed ``public-api/addresses/customer/save``).
The schemas (JSON Schema draft 2020-12) are derived from the seed documents and shipped in
``custclean/targets/schemas/``; every body is validated against them before it is written.

Example:
    >>> from custclean.targets import SCHEMA_NAMES, schema
    >>> SCHEMA_NAMES
    ('franpos-customers', 'wasp-customers', 'wasp-addresses')
    >>> schema("wasp-customers")["properties"]["Data"]["maxItems"]
    500
"""

from __future__ import annotations

import json
from functools import cache
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

from custclean.errors import CustcleanError

__all__ = ["SCHEMA_NAMES", "TARGETS", "schema", "target_module"]

#: The targets ``export`` knows.
TARGETS: tuple[str, ...] = ("franpos", "wasp")

#: The shipped JSON Schemas, by name.
SCHEMA_NAMES: tuple[str, ...] = ("franpos-customers", "wasp-customers", "wasp-addresses")

_SCHEMAS = Path(__file__).resolve().parent / "schemas"


@cache
def _load(name: str) -> str:
    return (_SCHEMAS / f"{name}.json").read_text(encoding="utf-8")


def schema(name: str) -> dict[str, Any]:
    """Return the shipped JSON Schema ``name`` (a fresh copy each call).

    Example:
        >>> schema("franpos-customers")["$schema"]
        'https://json-schema.org/draft/2020-12/schema'
        >>> schema("shopify")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        custclean.errors.CustcleanError: no schema named 'shopify'. Use one of: ...
    """
    if name not in SCHEMA_NAMES:
        raise CustcleanError(
            f"no schema named {name!r}", hint="use one of: " + ", ".join(SCHEMA_NAMES)
        )
    return json.loads(_load(name))


def target_module(name: str) -> ModuleType:
    """Return the module implementing target ``name``; a clear error for an unknown one.

    Example:
        >>> target_module("wasp").NAME
        'wasp'
    """
    if not isinstance(name, str) or name.strip().lower() not in TARGETS:
        raise CustcleanError(f"unknown target {name!r}", hint="use one of: " + ", ".join(TARGETS))
    return import_module(f"custclean.targets.{name.strip().lower()}")
