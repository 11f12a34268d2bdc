"""The audit trail: one row per change or rejection, and the vocabulary of its codes.

Every stage that changes or rejects a value records an issue with the columns
``source_row, field, code, value, result, message``. ``source_row`` is empty for issues about
the file as a whole (a header renamed, say). The codes are a small fixed vocabulary so that an
analyst can filter and count them.

Example:
    >>> from custclean.issues import issues_frame
    >>> issues_frame([(3, "zip", "fixed", "2134", "02134", "leading zero restored")]).height
    1
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

__all__ = ["ISSUE_CODES", "ISSUE_SCHEMA", "empty_issues", "issues_frame"]

#: Every issue code custclean emits, with what it means. The README repeats this table.
ISSUE_CODES: dict[str, str] = {
    "fixed": "the value was corrected to its normal form (a typo, a lost leading zero, a format)",
    "inferred": "an empty value was filled from other evidence in the same record",
    "fuzzy": "the value was resolved by a near match above the confidence threshold",
    "invalid": "the value cannot be resolved; the field was left empty",
    "ambiguous": "the value has more than one reading; the field was left empty or flagged",
    "implausible": "the value is well formed but not believable (a birth date in the future)",
    "placeholder": "the value is a stand-in such as N/A, test or none@none.com",
    "conflict": "the value contradicts another field of the same record",
    "unmapped": "a source column maps to no canonical field and rides along untouched",
    "renamed": "a blank or repeated header was made unique",
    "ragged": "a record had more or fewer fields than the header; nothing was dropped",
    "lossy": "the value looks like a number a spreadsheet rounded; digits may be lost",
}

#: Column order and types of every issues frame.
ISSUE_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    "field": pl.String(),
    "code": pl.String(),
    "value": pl.String(),
    "result": pl.String(),
    "message": pl.String(),
}

IssueRow = tuple[int | None, str | None, str, str | None, str | None, str]


def empty_issues() -> pl.DataFrame:
    """Return an issues frame with no rows.

    Example:
        >>> empty_issues().columns
        ['source_row', 'field', 'code', 'value', 'result', 'message']
    """
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def issues_frame(rows: Iterable[IssueRow] | Sequence[IssueRow]) -> pl.DataFrame:
    """Build an issues frame from ``(source_row, field, code, value, result, message)`` tuples.

    Unknown codes are refused, so the vocabulary stays small and documented.

    Example:
        >>> issues_frame([(None, "Name_2", "renamed", "Name", "Name_2", "repeated header")])[
        ...     "code"
        ... ].to_list()
        ['renamed']
    """
    rows = list(rows)
    for row in rows:
        if row[2] not in ISSUE_CODES:
            raise ValueError(f"unknown issue code {row[2]!r}; known: {', '.join(ISSUE_CODES)}")
    if not rows:
        return empty_issues()
    return pl.DataFrame(rows, schema=ISSUE_SCHEMA, orient="row")
