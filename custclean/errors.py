"""The exceptions custclean raises on bad input.

Every message names the file (and the line or column where that applies) and says what to do,
so that a command-line user sees one clear sentence and never a traceback.

Example:
    >>> from custclean.errors import InputError
    >>> str(InputError("no such file", path="customers.csv", hint="check the path"))
    'customers.csv: no such file. Check the path.'
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CustcleanError", "InputError", "MappingError"]


class CustcleanError(Exception):
    """Base class of every error custclean raises on purpose.

    Example:
        >>> issubclass(InputError, CustcleanError)
        True
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = self.problem.strip()
        if text[-1:] not in ".?!":
            text += "."
        if where:
            text = ", ".join(where) + ": " + text
        if self.hint:
            hint = self.hint.strip()
            if hint[-1:] not in ".?!":
                hint += "."
            text += " " + hint[:1].upper() + hint[1:]
        return text


class InputError(CustcleanError):
    """A source cannot be read: missing, empty, of an unknown type, or undecodable.

    Example:
        >>> str(InputError("the file is empty", path="a.csv", hint="export it again"))
        'a.csv: the file is empty. Export it again.'
    """


class MappingError(CustcleanError):
    """The columns of a source cannot be mapped to the canonical customer fields.

    Example:
        >>> str(MappingError("unknown field 'emial'", column="E-mail", hint="use one of: email"))
        "column 'E-mail': unknown field 'emial'. Use one of: email."
    """
