"""Read a customer list from any supported file, or from a frame in memory, as text.

Every reader returns the same shape: a first column ``source_row`` (``Int64``, the 1-based
position of the record among the data records), then every source column in source order,
all as ``pl.String``. Empty cells are null; every other value is exactly as in the source (no
trimming). Whatever the reader had to change or noticed on the way (a header renamed, a
record with too many or too few fields, a number a spreadsheet shortened) is returned as an
issues frame (see :mod:`custclean.issues`), and nothing is ever dropped silently.

Supported sources:

* ``.csv`` ``.tsv`` ``.txt``: encoding and delimiter detected, parsed by polars (its parse
  checked against the bytes, vectorised with numpy when it is installed);
* ``.xlsx`` ``.xlsm`` ``.xls`` ``.xlsb`` ``.ods``: read with fastexcel;
* ``.parquet`` ``.pq``; ``.json`` (an array of objects, or an object holding one such array);
  ``.ndjson`` ``.jsonl`` (one object per line);
* a polars ``DataFrame`` or ``LazyFrame``, or a pandas ``DataFrame``.

Example:
    >>> import polars as pl
    >>> from custclean.io import read
    >>> read(pl.DataFrame({"Name": ["Ann", ""], "Zip": [2134, None]})).rows()
    [(1, 'Ann', '2134'), (2, None, None)]
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import datetime as dt
import io
import json
import logging
import math
import mmap
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from custclean.errors import InputError
from custclean.issues import empty_issues, issues_frame

__all__ = [
    "CSV_EXTENSIONS",
    "DELIMITERS",
    "EXCEL_EXTENSIONS",
    "JSON_EXTENSIONS",
    "NDJSON_EXTENSIONS",
    "PARQUET_EXTENSIONS",
    "ReadResult",
    "ReadWarning",
    "read",
    "read_with_issues",
]

CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
PARQUET_EXTENSIONS = (".parquet", ".pq")
JSON_EXTENSIONS = (".json",)
NDJSON_EXTENSIONS = (".ndjson", ".jsonl")
_FORMATS: dict[str, str] = {
    **dict.fromkeys(CSV_EXTENSIONS, "csv"),
    **{ext: ext[1:] if ext in (".xlsx", ".xls") else "xlsx" for ext in EXCEL_EXTENSIONS},
    **dict.fromkeys(PARQUET_EXTENSIONS, "parquet"),
    **dict.fromkeys(JSON_EXTENSIONS, "json"),
    **dict.fromkeys(NDJSON_EXTENSIONS, "ndjson"),
}
_SUPPORTED = ", ".join(_FORMATS)

#: Delimiters tried by the detector, in tie-breaking order.
DELIMITERS = (",", ";", "\t", "|")
_SNIFF_RECORDS = 50
_SNIFF_BYTES = 1 << 16
_RAW_TEXT_LIMIT = 200
_QUOTE = '"'
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Scientific notation with at most 6 significant digits and an explicit positive exponent, the
# way Excel, LibreOffice, Google Sheets and most programs print a large number.
_LOSSY_PATTERN = r"^\s*[+-]?(\d(?:\.(\d{1,5}))?)[eE]\+(\d{1,3})\s*$"
_EXCEL_DATE = r"^(\d{4}-\d{2}-\d{2}) 00:00:00$"
_EXCEL_DATETIME = r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$"

_IssueRow = tuple[int | None, str | None, str, str | None, str | None, str]


class ReadWarning(UserWarning):
    """Emitted once by :func:`read` when the source had issues worth a look.

    Example:
        >>> issubclass(ReadWarning, UserWarning)
        True
    """


@dataclass(frozen=True, eq=False)  # frames do not compare to a bool: identity it is
class ReadResult:
    """What :func:`read_with_issues` returns.

    Attributes:
        data: ``source_row`` then every source column, all text.
        issues: one row per header renamed, ragged record or lossy value
            (:data:`custclean.issues.ISSUE_SCHEMA`).
        source: the file name, or ``'<polars frame>'`` / ``'<pandas frame>'``.
        format: ``'csv'`` (also .tsv, .txt), ``'xlsx'`` (also .xlsm, .xlsb, .ods), ``'xls'``,
            ``'parquet'``, ``'json'``, ``'ndjson'`` (also .jsonl) or ``'frame'``.
        encoding: the encoding used for a text file (a Python codec name), else ``None``.
        delimiter: the delimiter used for a CSV file, else ``None``.
        sheet: the name of the sheet read from a spreadsheet, else ``None``.

    Example:
        >>> import polars as pl
        >>> result = read_with_issues(pl.DataFrame({"a": ["1"]}))
        >>> (result.source, result.format, result.data.columns)
        ('<polars frame>', 'frame', ['source_row', 'a'])
    """

    data: pl.DataFrame
    issues: pl.DataFrame
    source: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    def _repr_html_(self) -> str:
        from custclean._display import summary_html

        facts = [("source", self.source), ("format", self.format)]
        facts += [
            (name, value)
            for name, value in (
                ("encoding", self.encoding),
                ("delimiter", repr(self.delimiter) if self.delimiter else None),
                ("sheet", self.sheet),
            )
            if value
        ]
        facts += [("rows", f"{self.data.height:,}"), ("issues", f"{self.issues.height:,}")]
        return summary_html("ReadResult", facts, [("issues", self.issues), ("data", self.data)])


def read(
    source: Any,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> pl.DataFrame:
    """Read ``source`` into an all-text frame; warn once (:class:`ReadWarning`) about issues.

    Same arguments as :func:`read_with_issues`, which also returns the issues themselves.

    Example:
        >>> import polars as pl
        >>> read(pl.DataFrame({"Email": ["a@b.com"]})).columns
        ['source_row', 'Email']
    """
    result = read_with_issues(source, sheet=sheet, encoding=encoding, delimiter=delimiter)
    if result.issues.height:
        warnings.warn(_summary(result), ReadWarning, stacklevel=2)
    return result.data


def read_with_issues(
    source: Any,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> ReadResult:
    """Read ``source`` into an all-text frame and report what needed attention.

    Args:
        source: a path (``str`` or ``pathlib.Path``) to a CSV/TSV/TXT, Excel, parquet, JSON or
            NDJSON file, or a polars ``DataFrame``/``LazyFrame``, or a pandas ``DataFrame``.
        sheet: spreadsheets only: a sheet name or 0-based index (default: the first sheet).
        encoding: text files only: a Python codec name. ``None`` detects it: a byte-order
            mark, else strict UTF-8, else Windows-1252 (if every byte is defined there), else
            Latin-1. Nothing is ever decoded lossily.
        delimiter: CSV only: one character. ``None`` picks whichever of ``,`` ``;`` tab ``|``
            splits the first 50 records (quotes respected) into the most consistent number of
            fields (> 1); ties go to the one giving more fields, then to that order (tab first
            for ``.tsv``); when none splits anything, ``,`` (tab for ``.tsv``).

    Behaviour worth knowing:

    * Headers lose leading/trailing whitespace and a BOM; a blank header becomes
      ``column_<n>``, a repeated one ``Name_2``, ``Name_3``…, and a column named
      ``source_row`` becomes ``source_row_2``; each rename is a ``renamed`` issue.
    * Empty cells, quoted ``""`` included, are null in every format; white space is kept.
    * CSV: records are exactly those Python's csv module finds (RFC 4180 quoting, CRLF, quoted
      line breaks; polars parses, and the csv module takes over for files whose quoting
      polars would read differently). A record with more fields than the header keeps the
      extra values in columns ``_extra_1``, ``_extra_2``…; one with fewer gets nulls; both are
      ``ragged`` issues naming the physical line where the record starts (the header is line
      1). Blank lines are not records and are skipped; ``source_row`` counts records only.
    * Spreadsheets: the first non-empty row is the header. ``source_row`` is the row's
      position below the header *counting empty rows*, so with the header in Excel row 1 a
      record is in Excel row ``source_row + 1``. Fully empty rows are dropped, as are trailing
      columns with neither a header nor a value. Dates come back as ``YYYY-MM-DD``, date-times
      as ``YYYY-MM-DDTHH:MM:SS``, whole numbers without ``.0``.
    * Typed sources (parquet, JSON, frames): integral floats as integer text, dates and
      date-times in ISO form (with ``T``), booleans as ``true``/``false``, nested values as
      compact JSON. A pandas index is kept (as the first columns) only when it is named.
    * Every format: a value like ``3.12555E+09`` (a number a spreadsheet shortened) is kept
      and reported as a ``lossy`` issue.

    Raises:
        InputError: the source cannot be read; the message names the file (and the line where
            that applies) and says what to do.

    Example:
        >>> import polars as pl
        >>> result = read_with_issues(pl.DataFrame({" Name ": ["Ann"], "": ["x"]}))
        >>> result.data.columns
        ['source_row', 'Name', 'column_2']
        >>> result.issues["code"].to_list()
        ['renamed']
    """
    if isinstance(source, (str, os.PathLike)):
        return _read_path(Path(source).expanduser(), sheet, encoding, delimiter)
    if isinstance(source, (pl.DataFrame, pl.LazyFrame)):
        _refuse_options("a polars frame", sheet, encoding, delimiter)
        frame = source
        if isinstance(frame, pl.LazyFrame):
            try:
                frame = frame.collect()
            except Exception as exc:
                raise InputError(
                    f"the LazyFrame could not be collected ({_first_line(exc)})",
                    path="<polars frame>",
                    hint="check the query that builds it",
                ) from exc
        header, body = _typed_frame_to_text(frame)
        return _finish(header, body, "<polars frame>", "frame")
    if type(source).__module__.startswith("pandas") and hasattr(source, "columns"):
        _refuse_options("a pandas frame", sheet, encoding, delimiter)
        header, body = _pandas_to_text(source)
        return _finish(header, body, "<pandas frame>", "frame")
    raise InputError(
        f"cannot read a {type(source).__module__}.{type(source).__qualname__}",
        hint=(
            "pass a file path (str or pathlib.Path), a polars DataFrame or LazyFrame, "
            "or a pandas DataFrame"
        ),
    )


# --------------------------------------------------------------------------------------------
# files


def _read_path(
    path: Path, sheet: str | int | None, encoding: str | None, delimiter: str | None
) -> ReadResult:
    name = str(path)
    if not path.exists():
        raise InputError("no such file", path=name, hint="check the path")
    if path.is_dir():
        raise InputError("this is a directory, not a file", path=name, hint="name a file in it")
    ext = path.suffix.lower()
    fmt = _FORMATS.get(ext)
    if fmt is None:
        raise InputError(
            f"unsupported file type {ext or '(no extension)'!r}",
            path=name,
            hint=f"save it as one of: {_SUPPORTED}",
        )
    if fmt != "csv" and delimiter is not None:
        raise InputError("delimiter= applies to CSV files only", path=name, hint="leave it out")
    if fmt not in ("xlsx", "xls") and sheet is not None:
        raise InputError("sheet= applies to spreadsheets only", path=name, hint="leave it out")
    if fmt in ("xlsx", "xls", "parquet") and encoding is not None:
        raise InputError("encoding= applies to text files only", path=name, hint="leave it out")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", path=name) from exc
    if size == 0:
        raise InputError("the file is empty", path=name, hint="export the data again")

    if fmt in ("xlsx", "xls"):
        header, body, source_row, sheet_name = _read_excel(path, name, sheet)
        return _finish(header, body, path.name, fmt, source_row=source_row, sheet=sheet_name)
    if fmt == "parquet":
        try:
            frame = pl.read_parquet(path)
        except Exception as exc:
            raise InputError(
                f"cannot be read as parquet ({_first_line(exc)})",
                path=name,
                hint="check that it is a parquet file, or export it again",
            ) from exc
        header, body = _typed_frame_to_text(frame)
        return _finish(header, body, path.name, "parquet")

    if fmt in ("json", "ndjson"):
        text, used = _decode_whole(_read_bytes(path, name), encoding, name)
        if not text.strip():
            raise InputError("the file is empty", path=name, hint="export the data again")
        records = _json_records(text, name) if fmt == "json" else _ndjson_records(text, name)
        header, body = _records_to_text(records)
        return _finish(header, body, path.name, fmt, encoding=used)

    source = _Source(path, name, size)
    try:
        parsed = _read_csv(source, ext, encoding, delimiter)
    finally:
        source.close()
    return _finish(
        parsed.header,
        parsed.body,
        path.name,
        "csv",
        ragged=parsed.ragged,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        maybe_lossy=parsed.maybe_lossy,
        maybe_empty=parsed.maybe_empty,
    )


def _maybe_lossy(data: bytes | mmap.mmap) -> bool:
    """Whether the raw bytes hold ``E+`` or ``e+`` at all (a cheap pre-check for ``lossy``)."""
    if not _has(data, b"+"):
        return False
    np = _numpy()
    if np is None:  # pragma: no cover - numpy comes with pandas and pyarrow
        return _has(data, b"E+") or _has(data, b"e+")
    raw = np.frombuffer(data, dtype=np.uint8)
    before = raw[np.flatnonzero(raw[1:] == ord("+"))]
    return bool(((before == ord("E")) | (before == ord("e"))).any())


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", path=name) from exc


def _refuse_options(what: str, sheet: object, encoding: object, delimiter: object) -> None:
    for option, value in (("sheet", sheet), ("encoding", encoding), ("delimiter", delimiter)):
        if value is not None:
            raise InputError(f"{option}= does not apply to {what}", hint="leave it out")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --------------------------------------------------------------------------------------------
# encodings


def _codec(encoding: str, name: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise InputError(
            f"unknown encoding {encoding!r}",
            path=name,
            hint="pass encoding=None to detect it, or a name such as 'utf-8' or 'cp1252'",
        ) from exc


def _bom(data: bytes) -> tuple[str, int] | None:
    for mark, codec in _BOMS:
        if data.startswith(mark):
            return codec, len(mark)
    return None


def _decode_error(data: bytes, codec: str, exc: UnicodeDecodeError, name: str) -> InputError:
    """Build the InputError naming the line of the first byte ``codec`` cannot decode."""
    prefix = data[: exc.start].decode(codec, errors="replace")
    line = prefix.count("\n") + 1
    bad = data[exc.start : exc.start + 1].hex()
    return InputError(
        f"byte 0x{bad} cannot be decoded as {codec}",
        path=name,
        line=line,
        hint=(
            "pass encoding=None to detect the encoding, or name the right one "
            "(for example 'utf-8', 'cp1252' or 'latin-1')"
        ),
    )


def _binary_error(name: str) -> InputError:
    return InputError(
        "the file looks binary (it contains NUL bytes), not like text",
        path=name,
        hint=(
            "if it is a spreadsheet or parquet file, give it its proper extension; "
            "if it is UTF-16 text, save it again as UTF-8"
        ),
    )


def _decode_whole(data: bytes, encoding: str | None, name: str) -> tuple[str, str]:
    """Decode a whole text file: explicit codec, else BOM, UTF-8, cp1252, Latin-1."""
    if encoding is not None:
        codec = _codec(encoding, name)
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise _decode_error(data, codec, exc, name) from exc
        return text.removeprefix("\ufeff"), codec
    bom = _bom(data)
    if bom is not None:
        codec, size = bom
        try:
            return data[size:].decode(codec), codec
        except UnicodeDecodeError as exc:
            raise _decode_error(data[size:], codec, exc, name) from exc
    if b"\x00" in data:
        raise _binary_error(name)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _decode_legacy(data)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "iso8859-1"


# --------------------------------------------------------------------------------------------
# CSV


@dataclass(frozen=True)
class _ParsedCsv:
    """A parsed CSV: raw header, body (positional columns) and the ragged records."""

    header: list[str | None]
    body: pl.DataFrame
    ragged: pl.DataFrame | None  # source_row, line, fields, value
    encoding: str
    delimiter: str
    maybe_empty: bool
    maybe_lossy: bool


@dataclass(frozen=True)
class _Records:
    """Every record of a CSV, the header record first, blank lines left out.

    ``info`` has one row per record of ``frame`` (``line``: physical line where the record
    starts, ``fields``: how many fields it has), or is ``None`` when every record surely has
    ``frame.width`` fields. ``raw_text`` returns the raw text of records by position.
    """

    frame: pl.DataFrame
    info: pl.DataFrame | None
    raw_text: Callable[[list[int]], list[str]]
    maybe_empty: bool = True  # whether a cell may hold "" (a quoted empty field)
    maybe_lossy: bool = True  # whether a value may look like 3.12555E+09


class _NotUtf8Error(Exception):
    """Raised inside the CSV parser when bytes presumed UTF-8 are not."""


class _UnusualCsvError(Exception):
    """Raised inside the fast parser when only Python's csv module can be trusted."""


class _Source:
    """The bytes of a CSV file: mapped, or read, once and only when needed (thread-safe).

    polars reads the file itself from ``path`` while a second thread checks its bytes through
    a memory map (no copy); when the bytes had to be re-encoded first, ``path`` is None and
    polars reads them from memory. :meth:`close` unmaps the file.
    """

    def __init__(self, path: Path | None, name: str, size: int, data: bytes | None = None) -> None:
        self.path = path
        self.name = name
        self.size = size
        self._data = data
        self._map: mmap.mmap | None = None
        self._lock = threading.Lock()

    def view(self) -> bytes | mmap.mmap:
        """Return the bytes, as a memory map when the file can be mapped (search with find)."""
        with self._lock:
            if self._data is not None:
                return self._data
            if self._map is None:
                assert self.path is not None
                try:
                    with self.path.open("rb") as handle:
                        self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
                except (OSError, ValueError):
                    self._data = _read_bytes(self.path, self.name)
                    return self._data
            return self._map

    def bytes(self) -> bytes:
        """Return the bytes as a real ``bytes`` object (a copy when the file is mapped)."""
        view = self.view()
        if isinstance(view, bytes):
            return view
        with self._lock:
            if self._data is None:
                self._data = view[:]
            return self._data

    def head(self, size: int) -> bytes:
        if self._data is not None or self._map is not None or self.path is None:
            return self.view()[:size]
        try:
            with self.path.open("rb") as handle:
                return handle.read(size)
        except OSError as exc:
            raise InputError(f"cannot be read ({exc.strerror})", path=self.name) from exc

    def for_polars(self) -> Path | bytes:
        return self.path if self.path is not None and self._data is None else self.bytes()

    def close(self) -> None:
        if self._map is not None:
            # a numpy view still alive would make close() fail: then the GC unmaps it later
            with contextlib.suppress(BufferError):
                self._map.close()
            self._map = None


def _has(data: bytes | mmap.mmap, needle: bytes) -> bool:
    """``needle in data``, fast for a memory map too (whose ``in`` goes byte by byte)."""
    return data.find(needle) != -1


def _read_csv(source: _Source, ext: str, encoding: str | None, delimiter: str | None) -> _ParsedCsv:
    """Decode, detect the delimiter, parse; returns header, body and the ragged records."""
    name = source.name
    if delimiter is not None and (
        len(delimiter) != 1 or delimiter in '"\r\n\x00' or delimiter.isalnum()
    ):
        raise InputError(
            f"delimiter {delimiter!r} cannot be used",
            path=name,
            hint="pass one character such as ',' ';' '|' or '\\t', or None to detect it",
        )
    preferred = "\t" if ext == ".tsv" else ","

    utf8 = source
    if encoding is not None:
        codec = _codec(encoding, name)
        if codec not in ("utf-8", "utf-8-sig"):
            text, codec = _decode_whole(source.bytes(), encoding, name)
            utf8 = _recoded(text, name)
    else:
        head = source.head(_SNIFF_BYTES)
        bom = _bom(head)
        if bom is not None and bom[0] != "utf-8-sig":
            text, codec = _decode_whole(source.bytes(), None, name)
            utf8 = _recoded(text, name)
        else:
            if b"\x00" in head:
                raise _binary_error(name)
            codec = "utf-8" if bom is None else "utf-8-sig"
    presumed_utf8 = utf8 is source
    check_binary = presumed_utf8 and encoding is None

    _check_not_empty(utf8)
    try:
        return _parse_csv(utf8, codec, delimiter, preferred, presumed_utf8, check_binary)
    except _NotUtf8Error:
        data = source.bytes()
        if encoding is not None:  # an explicit UTF-8 that is not: name the first bad line
            try:
                data.decode(codec)
            except UnicodeDecodeError as exc:
                raise _decode_error(data, codec, exc, name) from None
            raise  # pragma: no cover - _NotUtf8Error only comes from undecodable bytes
        text, codec = _decode_legacy(data)
        return _parse_csv(_recoded(text, name), codec, delimiter, preferred, False, False)


def _recoded(text: str, name: str) -> _Source:
    data = text.encode("utf-8")
    return _Source(None, name, len(data), data)


def _check_not_empty(source: _Source) -> None:
    if not _blank_bytes(source.head(_SNIFF_BYTES)):
        return
    if source.size > _SNIFF_BYTES and not _blank_bytes(source.bytes()):
        return
    raise InputError(
        "the file is empty (no header, no records)", path=source.name, hint="export the data again"
    )


def _blank_bytes(data: bytes) -> bool:
    """Whether ``data`` holds nothing but byte-order marks and white space."""
    while data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return not data or data.isspace()


def _utf8(buf: bytes, presumed_utf8: bool) -> str:
    try:
        return buf.decode("utf-8")
    except UnicodeDecodeError as exc:
        if presumed_utf8:
            raise _NotUtf8Error from exc
        raise  # pragma: no cover - re-encoded text is valid UTF-8


def _sample(source: _Source, size: int, presumed_utf8: bool) -> tuple[str, bool]:
    """Return the first ``size`` bytes as text, and whether the file goes on after them."""
    chunk = source.head(size)
    truncated = source.size > size
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(chunk) - 3 and exc.reason == "unexpected end of data":
            text = chunk[: exc.start].decode("utf-8", errors="strict")
        elif presumed_utf8:
            raise _NotUtf8Error from exc
        else:  # pragma: no cover - re-encoded text is valid UTF-8
            raise
    return text.removeprefix("\ufeff"), truncated


def _sample_records(text: str, delimiter: str, truncated: bool) -> list[list[str]]:
    """Up to 51 non-blank records of the sample (the last dropped if it may be cut)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    with _csv_field_limit():
        try:
            for record in reader:
                if record:
                    records.append(record)
                if len(records) > _SNIFF_RECORDS + 1:
                    break
        except csv.Error:
            pass
    if truncated and records and len(records) <= _SNIFF_RECORDS + 1:
        records.pop()
    return records[: _SNIFF_RECORDS + 1]


def _sniff(text: str, truncated: bool, preferred: str) -> str:
    """Pick the delimiter giving the most consistent field count > 1 over the first records.

    Ties go to the candidate giving more fields, then to the first of ``preferred``, ``,``,
    ``;``, tab, ``|``. When none gives more than one field, ``preferred``.
    """
    order = [preferred, *(d for d in DELIMITERS if d != preferred)]
    best: tuple[float, int, int] | None = None
    choice = preferred
    for rank, candidate in enumerate(order):
        if candidate not in text:
            continue
        counts = [len(r) for r in _sample_records(text, candidate, truncated)]
        if not counts:
            continue
        mode = max(set(counts), key=lambda n: (counts.count(n), n))
        if mode <= 1:
            continue
        score = (counts.count(mode) / len(counts), mode, -rank)
        if best is None or score > best:
            best, choice = score, candidate
    return choice


def _header_width(source: _Source, delimiter: str, presumed_utf8: bool) -> int:
    """Count the fields of the first non-blank record (the header)."""
    size = _SNIFF_BYTES
    while True:
        text, truncated = _sample(source, size, presumed_utf8)
        records = _sample_records(text, delimiter, truncated)
        if records or not truncated:
            return len(records[0]) if records else 1
        size *= 8


def _parse_csv(
    source: _Source,
    codec: str,
    delimiter: str | None,
    preferred: str,
    presumed_utf8: bool,
    check_binary: bool,
) -> _ParsedCsv:
    text, truncated = _sample(source, _SNIFF_BYTES, presumed_utf8)
    if delimiter is None:
        delimiter = _sniff(text, truncated, preferred)
    sample = _sample_records(text, delimiter, truncated)
    width = len(sample[0]) if sample else _header_width(source, delimiter, presumed_utf8)
    # records of the sample ending with an empty field, or ragged: the bounds will be needed
    likely_ragged = any(len(r) != width or not r[-1] for r in sample[1:])
    try:
        records = _parse_with_polars(
            source, delimiter, width, presumed_utf8, likely_ragged, check_binary
        )
    except _UnusualCsvError:
        data = source.bytes()
        records = _parse_with_csv_module(_utf8(data, presumed_utf8), delimiter, source.name)
        records = dataclasses.replace(records, maybe_lossy=_maybe_lossy(data))
    return _split_header(records, source.name, codec, delimiter)


def _schema(width: int) -> dict[str, pl.DataType]:
    return {f"f{i}": pl.String() for i in range(width)}


def _is_utf8_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "utf-8" in text or "utf8" in text


def _polars_csv(data: Path | bytes, delimiter: str, width: int) -> pl.DataFrame:
    """Parse every record (header included) with polars into ``width`` text columns.

    ``missing_columns="insert"`` makes polars 2.1 parse on one thread only, so it is passed
    only when the first record is shorter than ``width`` (polars refuses it otherwise).
    """
    options: dict[str, Any] = {
        "has_header": False,
        "infer_schema": False,
        "schema": _schema(width),
        "separator": delimiter,
        "quote_char": _QUOTE,
        "raise_if_empty": False,
    }
    try:
        try:
            return pl.read_csv(data, **options)
        except pl.exceptions.SchemaError as exc:
            if "missing_columns" not in str(exc):
                raise
            return pl.read_csv(data, missing_columns="insert", **options)
    except Exception as exc:
        raise _UnusualCsvError from exc


def _polars_or_not_utf8(
    source: _Source, delimiter: str, width: int, presumed_utf8: bool
) -> pl.DataFrame:
    """:func:`_polars_csv`, telling bytes that are not UTF-8 from other failures."""
    try:
        return _polars_csv(source.for_polars(), delimiter, width)
    except _UnusualCsvError as exc:
        cause = exc.__cause__
        if presumed_utf8 and cause and _is_utf8_error(cause) and not _is_utf8(source.bytes()):
            raise _NotUtf8Error from cause
        raise


def _is_utf8(buf: bytes) -> bool:
    try:
        buf.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _numpy() -> Any:
    """Return numpy if it is installed (it comes with pandas and pyarrow), else None."""
    try:
        import numpy
    except ImportError:  # pragma: no cover - exercised by monkeypatching in the tests
        return None
    return numpy


def _parse_with_polars(
    source: _Source,
    delimiter: str,
    width: int,
    presumed_utf8: bool,
    likely_ragged: bool,
    check_binary: bool,
) -> _Records:
    """Parse with polars, after making sure it reads the file as Python's csv module would.

    polars and the csv module agree on plain RFC 4180 input, and only there: so the quotes are
    checked (see :func:`_quote_runs`) and lone CRs ruled out, in a second thread that reads the
    bytes while polars parses the file (numpy and polars both release the GIL); anything else
    raises :class:`_UnusualCsvError` and goes to the csv module. Then polars raises on a record
    with more fields than the schema, but pads a shorter one with nulls exactly as it reads
    trailing empty fields, and reads a blank line as a record of nulls: so when the last
    column holds no null, every record has ``width`` fields, none is blank, and that's all.
    Otherwise :func:`_count_fields` finds out, per record, from the bytes.
    """
    np = _numpy()
    if np is None:  # pragma: no cover - exercised by monkeypatching in the tests
        data = source.view()
        if check_binary and _has(data, b"\x00"):
            raise _binary_error(source.name)
        if _has(data, b'"') or _has(data, b"\r"):
            raise _UnusualCsvError
        frame = _polars_or_not_utf8(source, delimiter, width, presumed_utf8)
        if frame.height and not frame[:, -1].null_count():
            return _Records(frame, None, _no_text, False, _maybe_lossy(data))
        raise _UnusualCsvError
    frame: pl.DataFrame | None
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_examine, np, source, ord(delimiter), likely_ragged, check_binary)
        try:
            frame = _polars_or_not_utf8(source, delimiter, width, presumed_utf8)
        except _UnusualCsvError:
            frame = None  # some record has more fields than the header, or worse
        examined = pending.result()
    if examined is None:
        raise _binary_error(source.name)
    if not examined.well_formed:
        raise _UnusualCsvError
    if frame is not None and frame.height and not frame[:, -1].null_count():
        return _Records(frame, None, _no_text, examined.empty_quoted, examined.maybe_lossy)
    buf = source.view()
    raw = np.frombuffer(buf, dtype=np.uint8)
    bounds = examined.bounds or _record_bounds(np, raw, buf, examined.quotes)
    if frame is None:
        frame = _widest_frame(np, source, raw, bounds, delimiter, width, presumed_utf8)
    records = _count_fields(np, buf, raw, bounds, delimiter, frame)
    return dataclasses.replace(
        records, maybe_empty=examined.empty_quoted, maybe_lossy=examined.maybe_lossy
    )


def _examine(
    np: Any, source: _Source, delimiter: int, with_bounds: bool, check_binary: bool
) -> _Structure | None:
    """Read the bytes and check them (in a second thread); None when they look binary."""
    data = source.view()
    if check_binary and _has(data, b"\x00"):
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    return _structure(np, raw, data, delimiter, with_bounds, _maybe_lossy(data))


def _widest_frame(
    np: Any,
    source: _Source,
    raw: Any,
    bounds: tuple[Any, Any, Any],
    delimiter: str,
    width: int,
    presumed_utf8: bool,
) -> pl.DataFrame:
    """Read again, wide enough for the widest record (some has more fields than the header).

    The widest record has at most as many fields as it has delimiters, quoted or not, + 1.
    """
    starts, stops, _ = bounds
    (marks,) = _positions(np, raw, ord(delimiter))
    counts = np.searchsorted(marks, stops) - np.searchsorted(marks, starts)
    widest = int(counts.max()) + 1 if counts.size else 1
    if widest > width + 256:
        raise _UnusualCsvError
    return _polars_or_not_utf8(source, delimiter, max(widest, width), presumed_utf8)


@dataclass(frozen=True)
class _Structure:
    """What the bytes say: whether polars can be trusted, quote offsets, record bounds."""

    well_formed: bool
    quotes: Any = None
    empty_quoted: bool = False
    bounds: tuple[Any, Any, Any] | None = None
    maybe_lossy: bool = True


def _structure(
    np: Any,
    raw: Any,
    buf: bytes | mmap.mmap,
    delimiter: int,
    with_bounds: bool,
    maybe_lossy: bool = True,
) -> _Structure:
    """Check the bytes for polars (see :func:`_quote_runs`); find record bounds if asked."""
    wanted = [ord(_QUOTE) if _has(buf, b'"') else None, 13 if _has(buf, b"\r") else None]
    wanted.append(10 if with_bounds else None)
    quotes, returns, feeds = _positions(np, raw, *wanted)
    if returns.size and _has_lone_cr(np, raw, returns):
        return _Structure(False, maybe_lossy=maybe_lossy)  # a lone CR ends a line for csv
    well_formed, empty_quoted = True, False
    if quotes.size:
        well_formed, empty_quoted = _quote_runs(np, raw, quotes, delimiter)
    bounds = None
    if well_formed and with_bounds:
        bounds = _record_bounds(np, raw, buf, quotes, feeds)
    return _Structure(well_formed, quotes, empty_quoted, bounds, maybe_lossy)


def _record_bounds(
    np: Any, raw: Any, buf: bytes | mmap.mmap, quotes: Any, feeds: Any = None
) -> tuple[Any, Any, Any]:
    """Per record: first byte, byte after the last (CR LF excluded), first line (1-based).

    Record ends are the line feeds outside quotes (even quote parity); a record starts on the
    line after its predecessor's line feed.
    """
    size = raw.size
    if feeds is None:
        (feeds,) = _positions(np, raw, 10)
    if quotes.size:
        terminal = np.flatnonzero((np.searchsorted(quotes, feeds) & 1) == 0)
    else:
        terminal = np.arange(feeds.size)
    ends = feeds[terminal]
    bom = len(codecs.BOM_UTF8) if buf[:3] == codecs.BOM_UTF8 else 0
    starts = np.concatenate(([bom], ends + 1))
    stops = np.concatenate((ends, [size]))
    lines = np.concatenate(([1], terminal + 2))
    if starts[-1] == size:  # the file ends with a line feed: no record after it
        starts, stops, lines = starts[:-1], stops[:-1], lines[:-1]
    stops = stops - ((stops > starts) & (raw[np.maximum(stops - 1, 0)] == 13))
    return starts, stops, lines


def _positions(np: Any, raw: Any, *targets: int | None) -> list[Any]:
    """Offsets of each target byte in ``raw`` (none for None), in one chunked pass.

    Chunked so that each chunk stays in the CPU cache while it is compared to every target.
    """
    step = 1 << 22
    parts: list[list[Any]] = [[] for _ in targets]
    for offset in range(0, raw.size, step):
        chunk = raw[offset : offset + step]
        for found, target in zip(parts, targets, strict=True):
            if target is not None:
                found.append(np.nonzero(chunk == target)[0] + offset)
    return [np.concatenate(found) if found else np.zeros(0, dtype=np.int64) for found in parts]


def _has_lone_cr(np: Any, raw: Any, returns: Any) -> bool:
    if returns[-1] == raw.size - 1:
        return True
    return bool((raw[returns + 1] != 10).any())


def _quote_runs(np: Any, raw: Any, quotes: Any, delimiter: int) -> tuple[bool, bool]:
    """Whether every quote sits where RFC 4180 allows it; and whether a field is ``""``.

    Exact and vectorised over the quotes. Where quotes are well formed, the parity of the
    number of quotes before a byte says whether it is inside a quoted field (a doubled quote
    closes and reopens), and polars and the csv module read the same records. So a quote with
    an even number of quotes before it opens a field: it must follow a delimiter, a line feed,
    the file's start or another quote; and one with an odd number closes a field: it must be
    followed by a delimiter, a line end, the file's end or another quote. Anything else (a
    quote inside an unquoted field, text after a closing quote) is not well formed.
    """
    size = raw.size
    opening = quotes[0::2]
    closing = quotes[1::2]
    before = raw[np.maximum(opening - 1, 0)]
    bom = len(codecs.BOM_UTF8) if raw[:3].tobytes() == codecs.BOM_UTF8 else 0
    starts_field = (before == delimiter) | (before == 10) | (opening == bom)
    opens_well = starts_field | (before == 34)
    after = raw[np.minimum(closing + 1, size - 1)]
    ends_field = (after == delimiter) | (after == 10) | (after == 13) | (closing == size - 1)
    closes_well = ends_field | (after == 34)
    if not (opens_well.all() and closes_well.all()):
        return False, False
    paired = opening[: closing.size]
    empty = (closing == paired + 1) & starts_field[: closing.size] & ends_field
    return True, bool(empty.any())


def _no_text(positions: list[int]) -> list[str]:  # pragma: no cover - never ragged
    return ["" for _ in positions]


def _count_fields(
    np: Any,
    buf: bytes | mmap.mmap,
    raw: Any,
    bounds: tuple[Any, Any, Any],
    delimiter: str,
    frame: pl.DataFrame,
) -> _Records:
    """Count the fields of every record, vectorised: polars' parse plus the record bytes.

    A record read by polars into ``W`` columns with ``t`` trailing nulls, whose bytes end with
    ``r`` delimiters, has ``W - t + r`` fields (``r + 1`` when all are null): the nulls that
    no delimiter accounts for are the ones polars padded. A record with no byte (but a
    possible CR) is a blank line.
    """
    starts, stops, lines = bounds
    blank = stops == starts
    if frame.height != starts.size:
        raise _UnusualCsvError

    wide = frame.width
    trailing = _trailing_nulls(np, frame)
    fields = np.full(starts.size, wide, dtype=np.int64)
    candidates = np.flatnonzero(trailing > 0)
    if candidates.size:
        t = trailing[candidates]
        cand_starts, cursor = starts[candidates], stops[candidates]
        run = np.zeros(candidates.size, dtype=np.int64)
        going = np.ones(candidates.size, dtype=bool)
        for _ in range(wide):
            going &= cursor > cand_starts
            going &= raw[np.maximum(cursor - 1, 0)] == ord(delimiter)
            if not going.any():
                break
            run += going
            cursor = cursor - going
        fields[candidates] = np.where(t == wide, run + 1, wide - t + run)
    keep = ~blank
    info = pl.DataFrame(
        {"line": lines[keep].astype(np.int64), "fields": fields[keep]},
        schema={"line": pl.Int64(), "fields": pl.Int64()},
    )
    if blank.any():
        frame = frame.filter(pl.Series(keep))
    widest = int(fields[keep].max()) if keep.any() else 1
    if widest < frame.width:
        frame = frame.select(frame.columns[:widest])
    kept_starts, kept_stops = starts[keep], stops[keep]

    def raw_text(positions: list[int]) -> list[str]:
        return [
            buf[kept_starts[p] : kept_stops[p]].decode("utf-8", errors="replace") for p in positions
        ]

    return _Records(frame, info, raw_text)


def _trailing_nulls(np: Any, frame: pl.DataFrame) -> Any:
    """Per row, how many columns at the end are null (a numpy array)."""
    columns = frame.get_columns()
    still = columns[-1].is_null()
    count = still.cast(pl.Int64)
    for series in reversed(columns[:-1]):
        if not still.any():
            break
        still = still & series.is_null()
        count = count + still.cast(pl.Int64)
    return count.to_numpy()


@contextmanager
def _csv_field_limit() -> Iterator[None]:
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _parse_with_csv_module(text: str, delimiter: str, name: str) -> _Records:
    """Parse with Python's csv module: exact, slower; for files polars cannot be trusted with."""
    consumed: list[str] = []
    source = io.StringIO(text.removeprefix("\ufeff"), newline="")

    def feed() -> Iterator[str]:
        for physical in source:
            consumed.append(physical)
            yield physical

    reader = csv.reader(feed(), delimiter=delimiter, quotechar=_QUOTE, strict=False)
    rows: list[list[str]] = []
    starts: list[int] = []
    ends: list[int] = []
    previous = 0
    with _csv_field_limit():
        try:
            for row in reader:
                if row:
                    rows.append(row)
                    starts.append(previous + 1)
                    ends.append(reader.line_num)
                previous = reader.line_num
        except csv.Error as exc:
            raise InputError(
                f"cannot be parsed as CSV ({exc})",
                path=name,
                line=reader.line_num,
                hint="check the quoting around that line, or export the file again",
            ) from exc
    width = max((len(r) for r in rows), default=1)
    padded = [r + [None] * (width - len(r)) for r in rows]  # type: ignore[list-item]
    frame = pl.DataFrame(padded, schema=_schema(width), orient="row")
    info = pl.DataFrame(
        {"line": starts, "fields": [len(r) for r in rows]},
        schema={"line": pl.Int64(), "fields": pl.Int64()},
    )

    def raw_text(positions: list[int]) -> list[str]:
        return ["".join(consumed[starts[p] - 1 : ends[p]]).rstrip("\r\n") for p in positions]

    return _Records(frame, info, raw_text)


def _split_header(records: _Records, name: str, codec: str, delimiter: str) -> _ParsedCsv:
    frame = records.frame
    if frame.height == 0:
        raise InputError(
            "the file is empty (no header, no records)", path=name, hint="export the data again"
        )
    info = records.info
    if info is None:
        width = frame.width
        ragged = None
    else:
        width = int(info["fields"][0])
        frame = frame.select(frame.columns[: max(width, int(info["fields"].max()))])  # type: ignore[arg-type]
        data_info = info.slice(1).with_row_index("source_row", offset=1)
        odd = data_info.filter(pl.col("fields") != width)
        ragged = None
        if odd.height:
            texts = records.raw_text([p for p in odd["source_row"].to_list()])
            ragged = odd.select(
                pl.col("source_row").cast(pl.Int64),
                "line",
                "fields",
                pl.Series("value", texts, dtype=pl.String).str.slice(0, _RAW_TEXT_LIMIT),
            )
    header = list(frame.row(0))[:width]
    return _ParsedCsv(
        header,
        frame.slice(1),
        ragged,
        codec,
        delimiter,
        records.maybe_empty,
        records.maybe_lossy,
    )


# --------------------------------------------------------------------------------------------
# spreadsheets


class _DropFastexcelDtypeNoise(logging.Filter):
    """Drops fastexcel's 'Could not determine dtype for column N' (every column is text here)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "determine dtype" not in record.getMessage()


_FASTEXCEL_FILTER = _DropFastexcelDtypeNoise()


def _read_excel(
    path: Path, name: str, sheet: str | int | None
) -> tuple[list[str | None], pl.DataFrame, pl.Series, str]:
    import fastexcel

    for logger_name in ("fastexcel", "fastexcel.types", "fastexcel.types.dtype"):
        logger = logging.getLogger(logger_name)
        if _FASTEXCEL_FILTER not in logger.filters:
            logger.addFilter(_FASTEXCEL_FILTER)
    try:
        reader = fastexcel.read_excel(path)
        names = list(reader.sheet_names)
    except Exception as exc:
        raise InputError(
            f"cannot be opened as a spreadsheet ({_first_line(exc)})",
            path=name,
            hint="check that the file is not damaged: open it and save it again",
        ) from exc
    if not names:
        raise InputError("the workbook has no sheets", path=name)
    listing = ", ".join(repr(n) for n in names)
    if sheet is None:
        index = 0
    elif isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            raise InputError(
                f"there is no sheet at index {sheet}",
                path=name,
                hint=f"use an index from 0 to {len(names) - 1} or a name: {listing}",
            )
        index = sheet
    elif isinstance(sheet, str):
        matches = [i for i, n in enumerate(names) if n == sheet]
        if not matches:
            matches = [i for i, n in enumerate(names) if n.strip().lower() == sheet.strip().lower()]
        if len(matches) != 1:
            raise InputError(
                f"there is no sheet named {sheet!r}", path=name, hint=f"the sheets are: {listing}"
            )
        index = matches[0]
    else:
        raise InputError(
            f"sheet= must be a name or a 0-based index, not {type(sheet).__name__}",
            path=name,
            hint=f"the sheets are: {listing}",
        )
    sheet_name = names[index]
    try:
        frame = reader.load_sheet(index, header_row=None, dtypes="string").to_polars()
    except Exception as exc:
        raise InputError(
            f"sheet {sheet_name!r} cannot be read ({_first_line(exc)})",
            path=name,
            hint="open the file and save it again",
        ) from exc
    frame = frame.rename(dict(zip(frame.columns, _schema(frame.width), strict=True)))
    frame = frame.select(pl.all().cast(pl.String))
    if frame.height == 0 or frame.width == 0:
        raise InputError(
            f"sheet {sheet_name!r} is empty",
            path=name,
            hint=f"pick the sheet holding the customers with sheet= ({listing})",
        )
    # date cells come back as 'YYYY-MM-DD HH:MM:SS': only columns holding some are rewritten
    dated = frame.select(pl.all().str.contains(_EXCEL_DATETIME).any()).row(0)
    frame = frame.with_columns(
        pl.col(c).str.replace(_EXCEL_DATE, "$1").str.replace(_EXCEL_DATETIME, "${1}T$2")
        for c, flag in zip(frame.columns, dated, strict=True)
        if flag
    )
    header = list(frame.row(0))
    body = frame.slice(1).with_row_index("__row", offset=1)
    columns = frame.columns
    # trailing columns with neither a header nor a value are an artefact of the used range
    while len(columns) > 1 and _blank(header[len(columns) - 1]):
        if body[columns[-1]].null_count() != body.height:
            break
        columns = columns[:-1]
    header = header[: len(columns)]
    body = body.filter(~pl.all_horizontal(pl.col(columns).is_null()))
    source_row = body["__row"].cast(pl.Int64).rename("source_row")
    return header, body.select(columns), source_row, sheet_name


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not _clean_header(value))


# --------------------------------------------------------------------------------------------
# JSON


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


_JSON_SHAPE = "an array of objects (one per customer), or an object holding one such array"


def _json_records(text: str, name: str) -> list[dict[str, Any]]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON ({exc.msg}, column {exc.colno})",
            path=name,
            line=exc.lineno,
            hint="fix the file there, or export it again",
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise InputError(f"cannot be read as JSON ({exc})", path=name) from exc
    if isinstance(value, dict):
        arrays = [(k, v) for k, v in value.items() if isinstance(v, list)]
        if len(arrays) != 1:
            keys = ", ".join(repr(k) for k, _ in arrays) or "none"
            raise InputError(
                f"the JSON object holds {len(arrays)} arrays (keys: {keys})",
                path=name,
                hint=f"expected {_JSON_SHAPE}",
            )
        value = arrays[0][1]
    elif not isinstance(value, list):
        raise InputError(
            f"the JSON holds {_json_kind(value)}", path=name, hint=f"expected {_JSON_SHAPE}"
        )
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise InputError(
                f"item {number} of the array is {_json_kind(item)}, not an object",
                path=name,
                hint=f"expected {_JSON_SHAPE}",
            )
    return value


def _ndjson_records(text: str, name: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for number, physical in enumerate(text.split("\n"), start=1):
        if not physical.strip():
            continue
        try:
            value = json.loads(physical)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"invalid JSON ({exc.msg}, column {exc.colno})",
                path=name,
                line=number,
                hint="fix that line, or export the file again",
            ) from exc
        except (ValueError, RecursionError) as exc:
            raise InputError(f"cannot be read as JSON ({exc})", path=name, line=number) from exc
        if not isinstance(value, dict):
            raise InputError(
                f"the line holds {_json_kind(value)}, not an object",
                path=name,
                line=number,
                hint="expected one JSON object (one customer) per line",
            )
        records.append(value)
    return records


def _records_to_text(records: list[dict[str, Any]]) -> tuple[list[str | None], pl.DataFrame]:
    keys: dict[str, None] = {}
    for record in records:
        for key in record:
            if key not in keys:
                keys[key] = None
    header: list[str | None] = list(keys)
    columns = {
        f"f{i}": [_py_text(record.get(key)) for record in records] for i, key in enumerate(keys)
    }
    return header, pl.DataFrame(columns, schema=_schema(len(header)))


# --------------------------------------------------------------------------------------------
# typed values to text


def _float_text(value: float) -> str:
    if math.isfinite(value) and value.is_integer():
        return str(int(value))
    return repr(value)


def _py_text(value: object) -> str | None:
    """One Python value as text: the same rules as for typed columns."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "true" if value else "false"
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else _float_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value).hex()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return _py_text(item())
    return str(value)


def _text_expr(name: str, dtype: pl.DataType) -> pl.Expr | None:
    """Return an expression turning column ``name`` into text, or None if Python must do it."""
    col = pl.col(name)
    if dtype == pl.String:
        return col
    if dtype.is_float():
        integral = col.is_finite() & (col == col.floor()) & (col.abs() < 1e38)
        return (
            pl.when(integral)
            .then(col.cast(pl.Int128, strict=False).cast(pl.String))
            .otherwise(col.cast(pl.String))
        )
    if dtype.is_integer() or dtype in (pl.Boolean, pl.Null, pl.Date, pl.Categorical):
        return col.cast(pl.String)
    if isinstance(dtype, (pl.Enum, pl.Decimal)):
        return col.cast(pl.String)
    if isinstance(dtype, pl.Datetime):
        zone = "%:z" if dtype.time_zone else ""
        return col.dt.to_string("%Y-%m-%dT%H:%M:%S%.f" + zone)
    if dtype == pl.Time:
        return col.dt.to_string("%H:%M:%S%.f")
    if isinstance(dtype, pl.Duration):
        return col.dt.to_string("iso")
    if isinstance(dtype, (pl.List, pl.Array, pl.Struct)):
        encoded = pl.struct(col.alias("v")).struct.json_encode()
        return (
            pl.when(col.is_null())
            .then(None)
            .otherwise(encoded.str.slice(5, encoded.str.len_chars() - 6))
        )
    return None


def _series_text(series: pl.Series) -> pl.Series:
    name = series.name
    series = series.alias("v")  # any name could be a wildcard or a regex in an expression
    expr = _text_expr("v", series.dtype)
    if expr is not None and series.dtype != pl.Binary:
        try:
            return series.to_frame().select(expr).to_series().alias(name)
        except Exception:  # fall back to Python below
            pass
    if series.dtype == pl.Binary:
        try:
            return series.cast(pl.String).alias(name)
        except Exception:
            return series.bin.encode("hex").alias(name)
    return pl.Series(name, [_py_text(v) for v in series.to_list()], dtype=pl.String)


def _typed_frame_to_text(frame: pl.DataFrame) -> tuple[list[str | None], pl.DataFrame]:
    header: list[str | None] = list(frame.columns)
    body = pl.DataFrame(
        [_series_text(frame.to_series(i)).rename(f"f{i}") for i in range(frame.width)],
        schema=_schema(frame.width),
    )
    if frame.width == 0:
        body = pl.DataFrame(schema={})
    return header, body.clear(frame.height) if frame.width == 0 else body


def _pandas_to_text(frame: Any) -> tuple[list[str | None], pl.DataFrame]:
    if any(level is not None for level in frame.index.names):
        frame = frame.reset_index(allow_duplicates=True)
    header: list[str | None] = []
    columns: list[pl.Series] = []
    for i in range(frame.shape[1]):
        label = frame.columns[i]
        if isinstance(label, tuple):
            label = " ".join(str(part) for part in label if part is not None and str(part))
        header.append(None if label is None else str(label))
        pandas_column = frame.iloc[:, i]
        try:
            series = pl.from_pandas(pandas_column)
        except Exception:
            series = pl.Series([_py_text(v) for v in pandas_column.tolist()], dtype=pl.String)
        columns.append(_series_text(series.rename(f"f{i}")).rename(f"f{i}"))
    body = pl.DataFrame(columns, schema=_schema(len(columns)))
    return header, body


# --------------------------------------------------------------------------------------------
# header, issues, result


def _clean_header(value: object) -> str:
    text = "" if value is None else str(value)
    while True:
        stripped = text.strip().strip("\ufeff")
        if stripped == text:
            return text
        text = stripped


def _unique_names(raw: Sequence[object], extras: int) -> tuple[list[str], list[_IssueRow]]:
    """Clean and de-duplicate header names; one ``renamed`` issue per name changed."""
    cleaned = [_clean_header(v) for v in raw]
    originals = set(cleaned)
    taken: set[str] = set()
    first_seen: dict[str, int] = {}
    names: list[str] = []
    issues: list[_IssueRow] = []

    def free(base: str, start: int) -> str:
        k = start
        while True:
            candidate = base if k == 1 else f"{base}_{k}"
            if candidate not in taken and candidate not in originals:
                return candidate
            k += 1

    for position, (value, name) in enumerate(zip(raw, cleaned, strict=True), start=1):
        if not name:
            base = f"column_{position}"
            new = base if base not in taken and base not in originals else free(base, 2)
            why = f"column {position} has no header; named it {new!r}"
        elif name == "source_row":
            new = free(name, 2)
            why = f"'source_row' is the row number custclean adds; renamed the column {new!r}"
        elif name in taken:
            new = free(name, 2)
            why = f"header {name!r} repeats column {first_seen[name]}'s; renamed {new!r}"
        else:
            new, why = name, ""
        first_seen.setdefault(name, position)
        taken.add(new)
        names.append(new)
        if why:
            original = None if value is None else str(value)
            issues.append((None, new, "renamed", original, new, why))
    for k in range(1, extras + 1):
        base = f"_extra_{k}"
        new = base if base not in taken else free(base, 2)
        taken.add(new)
        names.append(new)
    return names, issues


def _issue_frame(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
        for name, dtype in empty_issues().schema.items()
    )


def _ragged_issues(ragged: pl.DataFrame, width: int, names: list[str]) -> pl.DataFrame:
    extra_names = names[width:]
    fields = pl.col("fields")
    extra = (fields - width).clip(lower_bound=0)
    last_extra = pl.lit(pl.Series(extra_names or [""], dtype=pl.String)).gather(
        (extra - 1).clip(lower_bound=0)
    )
    first_extra = extra_names[0] if extra_names else ""
    kept = (
        pl.when(extra == 1)
        .then(pl.lit(f"; extra value kept in {first_extra}"))
        .otherwise(pl.lit(f"; extra values kept in {first_extra}..") + last_extra)
    )
    missing = pl.lit("; the missing ") + (width - fields).cast(pl.String) + pl.lit(" left empty")
    message = (
        pl.lit("line ")
        + pl.col("line").cast(pl.String)
        + pl.lit(": ")
        + fields.cast(pl.String)
        + pl.when(fields == 1).then(pl.lit(" field")).otherwise(pl.lit(" fields"))
        + pl.lit(f", header has {width}")
        + pl.when(fields > width).then(kept).otherwise(missing)
    )
    return _issue_frame(
        ragged.select(
            "source_row",
            pl.lit("ragged").alias("code"),
            "value",
            message.alias("message"),
        )
    )


def _lossy_issues(body: pl.DataFrame, source_row: pl.Series, names: list[str]) -> pl.DataFrame:
    """One ``lossy`` issue per value like ``3.12555E+09``; ``body`` has positional columns."""
    if body.width == 0 or body.height == 0:
        return empty_issues()
    columns = body.columns
    flags = body.select(pl.col(c).str.contains(_LOSSY_PATTERN).any() for c in columns).row(0)
    frames = []
    for position, (column, flagged) in enumerate(zip(columns, flags, strict=True)):
        if not flagged:
            continue
        value = pl.col("value")
        hits = (
            pl.DataFrame([source_row.alias("source_row"), body[column].alias("value")])
            .filter(value.str.contains(_LOSSY_PATTERN))
            .with_columns(
                value.str.extract(_LOSSY_PATTERN, 1).alias("mantissa"),
                value.str.extract(_LOSSY_PATTERN, 2).str.len_chars().fill_null(0).alias("decimals"),
                value.str.extract(_LOSSY_PATTERN, 3).cast(pl.Int64).alias("exponent"),
            )
            .filter(pl.col("exponent") > pl.col("decimals"))
        )
        if hits.height:
            frames.append(
                hits.select(
                    "source_row",
                    pl.lit(names[position]).alias("field"),
                    pl.lit("lossy").alias("code"),
                    "value",
                    pl.col("value").alias("result"),
                    (
                        pl.lit(
                            "looks like a number a spreadsheet shortened to scientific notation; "
                            "the digits after '"
                        )
                        + pl.col("mantissa")
                        + pl.lit("' are lost: re-export this column as text")
                    ).alias("message"),
                )
            )
    if not frames:
        return empty_issues()
    return _issue_frame(pl.concat(frames).sort("source_row", maintain_order=True))


def _empty_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.height == 0 or frame.width == 0:
        return frame
    has_empty = frame.select((pl.col(c).str.len_bytes() == 0).any() for c in frame.columns).row(0)
    targets = [c for c, flag in zip(frame.columns, has_empty, strict=True) if flag]
    if not targets:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).str.len_bytes() == 0).then(None).otherwise(pl.col(c)).alias(c)
        for c in targets
    )


def _finish(
    header: Sequence[str | None],
    body: pl.DataFrame,
    source: str,
    fmt: str,
    *,
    source_row: pl.Series | None = None,
    ragged: pl.DataFrame | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    maybe_lossy: bool = True,
    maybe_empty: bool = True,
) -> ReadResult:
    """Name the columns, add ``source_row``, gather the issues: shared by every reader.

    ``body`` has positional column names (``f0``, ``f1``…): a header may be any text, even
    ``*`` or a regular expression, which polars expressions would not take literally, so the
    real names are only put on at the very end.
    """
    width = len(header)
    names, renamed = _unique_names(header, body.width - width)
    if maybe_empty:
        body = _empty_to_null(body)
    if source_row is None:
        source_row = pl.int_range(1, body.height + 1, dtype=pl.Int64, eager=True)
    source_row = source_row.cast(pl.Int64).alias("source_row")
    data = pl.DataFrame(
        [source_row, *(s.alias(n) for s, n in zip(body.get_columns(), names, strict=True))]
    )
    parts = [issues_frame(renamed)] if renamed else []
    rows = []
    if ragged is not None and ragged.height:
        rows.append(_ragged_issues(ragged, width, names))
    lossy = _lossy_issues(body, source_row, names) if maybe_lossy else empty_issues()
    if lossy.height:
        rows.append(lossy)
    if rows:
        parts.append(pl.concat(rows).sort("source_row", maintain_order=True))
    issues = pl.concat(parts) if parts else empty_issues()
    return ReadResult(data, issues, source, fmt, encoding, delimiter, sheet)


def _lines_listed(messages: pl.Series) -> str:
    numbers = messages.str.extract(r"^line (\d+)", 1).to_list()
    shown = ", ".join(n for n in numbers[:5] if n)
    return f"line{'s' if len(numbers) > 1 else ''} {shown}" + (", …" if len(numbers) > 5 else "")


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _summary(result: ReadResult) -> str:
    """One sentence summarising the issues, for the :class:`ReadWarning`."""
    issues = result.issues
    parts = []
    ragged = issues.filter(pl.col("code") == "ragged")
    more = ragged.filter(pl.col("message").str.contains("kept in"))
    fewer = ragged.filter(~pl.col("message").str.contains("kept in"))
    if more.height:
        parts.append(
            _plural(more.height, "record had", "records had")
            + f" more fields than the header ({_lines_listed(more['message'])})"
        )
    if fewer.height:
        parts.append(
            _plural(fewer.height, "record had", "records had")
            + f" fewer fields than the header ({_lines_listed(fewer['message'])})"
        )
    renamed = issues.filter(pl.col("code") == "renamed").height
    if renamed:
        parts.append(_plural(renamed, "header", "headers") + " renamed")
    lossy = issues.filter(pl.col("code") == "lossy")
    if lossy.height:
        fields = ", ".join(lossy["field"].unique(maintain_order=True).to_list())
        parts.append(
            _plural(lossy.height, "value looks", "values look")
            + f" like numbers shortened to scientific notation (in {fields})"
        )
    others = issues.height - ragged.height - renamed - lossy.height
    if others:
        parts.append(_plural(others, "other issue", "other issues"))
    return (
        f"{result.source}: "
        + "; ".join(parts)
        + "; see custclean.read_with_issues() for every detail"
    )
