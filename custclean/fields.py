"""The canonical customer fields: one table that every stage reads.

Example:
    >>> from custclean.fields import CANONICAL_FIELDS, field_names
    >>> field_names()[:3]
    ('customer_code', 'first_name', 'last_name')
    >>> CANONICAL_FIELDS["dob"].kind
    'date'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CANONICAL_FIELDS", "MAPPING_ONLY_FIELDS", "Field", "field_names"]


@dataclass(frozen=True, slots=True)
class Field:
    """One canonical field: its name, the kind of value it holds and what it means.

    Example:
        >>> Field("email", "email", "e-mail address").name
        'email'
    """

    name: str
    kind: str
    description: str


_TABLE: tuple[Field, ...] = (
    Field("customer_code", "code", "the customer's number or code in the source system"),
    Field("first_name", "name", "given name"),
    Field("last_name", "name", "family name"),
    Field("company", "name", "company or organisation"),
    Field("email", "email", "e-mail address, trimmed and lower case"),
    Field("cell_phone", "phone", "mobile phone, E.164"),
    Field("work_phone", "phone", "work or other phone, E.164"),
    Field("dob", "date", "date of birth, ISO date"),
    Field("gender", "gender", "male / female / empty"),
    Field("address1", "address", "first address line"),
    Field("address2", "address", "second address line"),
    Field("city", "name", "city or town"),
    Field("state", "state", "ISO 3166-2 subdivision code without the country prefix"),
    Field("zip", "postal", "postal code in the country's own format"),
    Field("country", "country", "ISO 3166-1 alpha-2 code"),
    Field("note_type", "note_type", "the kind of note, by name"),
    Field("notes", "text", "free-text notes"),
    Field("location_id", "integer", "the store or location the customer belongs to"),
)

#: The canonical fields by name, in the design's order (``source_row`` is added by ``read``).
CANONICAL_FIELDS: dict[str, Field] = {f.name: f for f in _TABLE}

#: Fields a header may map to that are resolved during mapping, not kept as they are:
#: ``full_name`` is split into first and last name; ``phone`` becomes ``cell_phone`` when the
#: source has no cell column and ``work_phone`` otherwise.
MAPPING_ONLY_FIELDS: dict[str, Field] = {
    "full_name": Field("full_name", "name", "a whole name, split into first and last name"),
    "phone": Field("phone", "phone", "a phone of unknown kind"),
}


def field_names() -> tuple[str, ...]:
    """Return the canonical field names in the design's order.

    Example:
        >>> "zip" in field_names()
        True
    """
    return tuple(CANONICAL_FIELDS)
