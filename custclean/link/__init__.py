"""Linking: find duplicate customers, the server's way and the fuzzy way.

``find_duplicates`` blocks candidate pairs, scores them with a Fellegi–Sunter model,
clusters accepted pairs (with a guard against chaining), flags households, and links
incoming records to the customers an account already holds.

Names are loaded on first use, so importing the package stays cheap.

Example:
    >>> import custclean.link as link
    >>> "find_duplicates" in link.__all__
    True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "find_duplicates": "custclean.link.pipeline",
    "LinkResult": "custclean.link.result",
    "BlockingRule": "custclean.link.blocking",
    "DEFAULT_RULES": "custclean.link.blocking",
    "NAME_RULES": "custclean.link.blocking",
    "count_pairs": "custclean.link.blocking",
    "record_decision": "custclean.link.decisions",
    "load_decisions": "custclean.link.decisions",
    "fingerprint": "custclean.link.fingerprint",
}

__all__ = [
    "DEFAULT_RULES",
    "NAME_RULES",
    "BlockingRule",
    "LinkResult",
    "count_pairs",
    "find_duplicates",
    "fingerprint",
    "load_decisions",
    "record_decision",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from custclean.link.blocking import DEFAULT_RULES, NAME_RULES, BlockingRule, count_pairs
    from custclean.link.decisions import load_decisions, record_decision
    from custclean.link.fingerprint import fingerprint
    from custclean.link.pipeline import find_duplicates
    from custclean.link.result import LinkResult


def __getattr__(name: str) -> Any:
    """Load a public name on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'custclean.link' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names."""
    return sorted(set(globals()) | set(__all__))
