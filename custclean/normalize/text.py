r"""Free text (notes, customer codes) and whole numbers (location ids).

:func:`normalize_text` keeps the text as typed but removes what no reader can see or want:
surrounding white space, control characters (a NUL, a stray escape), the byte-order mark and
zero-width spaces. It unifies line endings (``\r\n``, ``\r`` and the vertical tab some
exports use for a line break become ``\n``) and applies Unicode NFC, so that an accent typed
two ways is stored one way. Inner line breaks and tabs are kept: notes are free text.

:func:`normalize_integer` reads a positive whole number such as a location id: ``' 12 '``,
``'12.0'`` (a spreadsheet's number) and ``'0012'`` become ``'12'``; ``'Store 12'``, ``'12.5'``,
``'-3'``, ``'0'`` and numbers beyond 2,147,483,647 are refused.

The helpers :func:`show` (quote a value for a message) and :func:`tidy` (the clean-up shared by
the name, postal and note-type normalisers) live here too.

Example:
    >>> import polars as pl
    >>> out = normalize_text(pl.Series(["  Allergic to nuts\r\nNo latex ", "VIP"]))
    >>> out.value.to_list(), out.code.to_list()
    (['Allergic to nuts\nNo latex', 'VIP'], ['fixed', None])
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

from custclean.normalize._core import Normalized, map_unique

__all__ = ["normalize_integer", "normalize_text"]

#: Control characters removed everywhere (tab, line feed and carriage return are handled
#: apart), plus the byte-order mark and the zero-width space.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b\ufeff]")
_LINE_END = re.compile(r"\r\n?|\x0b")

#: A UTF-8 lead byte read as Windows-1252 (Ã, Â, â…) followed by a continuation byte read the
#: same way: the mark of mojibake ("MÃ¼ller" for "Müller"). Literal characters, so that the
#: pattern works in Python and in polars alike.
MOJIBAKE = (
    "[\u00c2-\u00ef][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    "\u0192\u02c6\u02dc\u2013-\u2122]"
)
_MOJIBAKE = re.compile(MOJIBAKE)

#: Text made only of these characters is NFC-stable, has no control characters, and polars
#: and Python agree on its white space: :func:`normalize_text` keeps it (when already trimmed)
#: without calling Python per value.
_PLAIN_TEXT = r"^[\t\n\x20-\x7E\u00A0-\u017F\u2010-\u2027\u2030-\u205E\u20AC]*$"

#: Largest id accepted by :func:`normalize_integer` (a signed 32-bit integer).
MAX_INTEGER = 2**31 - 1

_INTEGER = re.compile(r"\+?(\d+)(?:\.(0*))?", re.ASCII)
_NUMBER_LIKE = re.compile(r"[+-]?\d[\d,. ]*(?:[eE][+-]?\d+)?", re.ASCII)


def show(value: str, limit: int = 60) -> str:
    r"""Quote a value for a message: control characters escaped, long values shortened.

    Example:
        >>> show("Smith"), show("a\x00b"), show("x" * 100, limit=8)
        ("'Smith'", "'a\\x00b'", "'xxxxxxx…'")
    """
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    text = _CONTROL_ALL.sub(lambda m: repr(m.group())[1:-1], text)
    return f"'{text}'"


def tidy(value: str, *, collapse: bool = True) -> tuple[str, list[str]]:
    r"""Apply NFC, drop control characters and trim; with ``collapse`` also squeeze inner space.

    Returns the tidied text and what was changed, in words (empty when nothing was).

    Example:
        >>> tidy("  Jean\u00a0 Luc ")
        ('Jean Luc', ['white space collapsed'])
        >>> tidy("Ab\x00c", collapse=False)
        ('Abc', ['control characters removed'])
        >>> tidy("MÃ¼ller")
        ('Müller', ['mojibake repaired (UTF-8 text had been read as Windows-1252)'])
    """
    text, changes = _tidy_once(value, collapse)
    for _ in range(3):  # removing a character can bring mojibake together: settle it
        if not changes:
            break
        again, more = _tidy_once(text, collapse)
        if not more:
            break
        text = again
        changes += [c for c in more if c not in changes]
    return text, changes


def _tidy_once(value: str, collapse: bool) -> tuple[str, list[str]]:
    changes: list[str] = []
    text = value
    if not text.isascii():
        text = _repair_mojibake(text)
        if text != value:
            changes.append("mojibake repaired (UTF-8 text had been read as Windows-1252)")
    if collapse:
        if not (text.isprintable() and "  " not in text and text[:1] != " " != text[-1:]):
            parts = text.split()
            squeezed = " ".join(parts)
            if squeezed != text:
                if squeezed == text.strip():
                    changes.append("surrounding white space removed")
                else:
                    changes.append("white space collapsed")
            if _CONTROL.search(squeezed):
                squeezed = " ".join(p for p in (_CONTROL.sub("", p) for p in parts) if p)
                changes.append("control characters removed")
            text = squeezed
    else:
        unified = _LINE_END.sub("\n", text)
        if unified != text:
            changes.append("line endings unified")
        cleaned = _CONTROL.sub("", unified)
        if cleaned != unified:
            changes.append("control characters removed")
        text = cleaned.strip()
        if text != cleaned:
            changes.append("surrounding white space removed")
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        changes.append("Unicode normalised (NFC)")
    return text, changes


def _repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252 ("MÃ¼ller" → "Müller"), repeatedly, when it decodes.

    Text is only changed when every character maps back to a byte and the bytes are valid
    UTF-8, which ordinary text practically never is.
    """
    for _ in range(3):
        if not _MOJIBAKE.search(text):
            return text
        raw = bytearray()
        for char in text:
            try:
                raw += char.encode("cp1252")
            except UnicodeEncodeError:
                if ord(char) > 0xFF:
                    return text
                raw.append(ord(char))  # the five bytes Windows-1252 leaves undefined
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return text
    return text


def describe(changes: list[str]) -> str:
    """Join change descriptions into one sentence-cased message.

    Example:
        >>> describe(["white space collapsed", "proper-cased"])
        'White space collapsed; proper-cased'
    """
    text = "; ".join(changes)
    return text[:1].upper() + text[1:]


def _text_one(value: str) -> tuple[str | None, str | None, str | None]:
    text, changes = tidy(value, collapse=False)
    if not text:
        return None, "invalid", f"{show(value)} has no visible characters; left empty"
    if not changes:
        return text, None, None
    return text, "fixed", describe(changes)


def normalize_text(values: pl.Series) -> Normalized:
    r"""Tidy free text (notes, customer codes): trim, unify line endings, drop control characters.

    Inner line breaks and tabs are kept. Every change is coded ``fixed`` with what was done; a
    value with nothing visible in it (only control characters) becomes null, ``invalid``.

    Example:
        >>> out = normalize_text(pl.Series([" C-1001", "C-1002", "\x00"]))
        >>> out.value.to_list(), out.code.to_list()
        (['C-1001', 'C-1002', None], ['fixed', None, 'invalid'])
        >>> out.message[0]
        'Surrounding white space removed'
    """
    text = values.cast(pl.String)
    clean = (
        text.str.contains(_PLAIN_TEXT)
        & ~text.str.contains(MOJIBAKE)
        & (text.str.strip_chars() == text)
        & (text.str.len_bytes() > 0)
    ).fill_null(False)
    out = map_unique(_text_one, text.set(clean, None))  # type: ignore[arg-type]
    return Normalized(text.zip_with(clean, out.value).alias("value"), out.code, out.message)


def _integer_one(value: str) -> tuple[str | None, str | None, str | None]:
    text = value.strip()
    match = _INTEGER.fullmatch(text)
    if match is None:
        if text.startswith("-") and _INTEGER.fullmatch(text[1:]):
            return None, "invalid", f"{show(value)} is negative: an id is positive; left empty"
        if _NUMBER_LIKE.fullmatch(text):
            return None, "invalid", f"{show(value)} is not a whole number; left empty"
        return None, "invalid", f"{show(value)} is not a number; left empty"
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > len(str(MAX_INTEGER)) or int(digits) > MAX_INTEGER:
        return None, "invalid", f"{show(value)} is larger than {MAX_INTEGER:,}; left empty"
    if digits == "0":
        return None, "invalid", f"{show(value)} is zero: an id is positive; left empty"
    if digits == value:
        return digits, None, None
    changes = []
    if text != value:
        changes.append("surrounding white space removed")
    if text.startswith("+"):
        changes.append("plus sign removed")
    if match.group(2) is not None:
        changes.append(f"written as a whole number (was {show(text)}, a spreadsheet number)")
    if match.group(1) != match.group(1).lstrip("0"):
        changes.append("leading zeros removed")
    return digits, "fixed", describe(changes)


def normalize_integer(values: pl.Series) -> Normalized:
    """Read positive whole numbers such as location ids, written without leading zeros.

    ``' 12 '``, ``'+12'``, ``'12.0'`` and ``'0012'`` become ``'12'`` (``fixed``). Anything else
    becomes null, ``invalid``: text (``'Store 12'``), fractions (``'12.5'``), zero and negative
    numbers, and numbers above 2,147,483,647.

    Example:
        >>> out = normalize_integer(pl.Series(["12", "12.0", "Store 12", "-3"]))
        >>> out.value.to_list(), out.code.to_list()
        (['12', '12', None, None], [None, 'fixed', 'invalid', 'invalid'])
    """
    return map_unique(_integer_one, values)
