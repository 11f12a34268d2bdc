"""Names of people, companies, places (cities) and street addresses.

Every kind is tidied: Unicode NFC, control characters removed, surrounding white space trimmed
and inner white space collapsed. Values typed ALL-CAPS or all-lower are put in proper case;
values in mixed case are taken to be cased on purpose and left alone (so proper-cased output
is never re-cased: the normaliser is idempotent). Proper case follows the usual rules:

- ``MCDONALD`` → ``McDonald``; ``Mac`` is no rule (Mack, Macy, Machado), only the family names
  listed in ``reference_data/name_case_words.csv`` (``MacDonald``, ``MacLeod``, ``DeLuca``);
- after an apostrophe that follows one letter: ``O'Brien``, ``D'Angelo`` (but ``Joe's``);
- each part of a hyphenated name: ``Jean-Luc``, ``Mary-Kate``, ``Smith-Jones``;
- particles (``reference_data/name_particles.csv``) in lower case: ``Jan van der Berg``,
  ``Maria de la Cruz``, ``Saint-Jean-de-Luz``; at the start of a person's name too when more
  words follow (a family name: ``van der Berg``, ``de la Cruz``), but not at the start of a
  place, company or address (``La Paz``, ``Den Haag``) nor alone (``Van``);
- Roman numerals upper case (``III``); fixed forms from ``reference_data/name_case_words.csv``
  (companies: ``LLC``, ``Inc.``, ``GmbH``, ``S.A. de C.V.``; addresses: ``NE``, ``SW``).

Companies: only ALL-CAPS or all-lower names are re-cased, words without a vowel stay upper
(``KPMG``, ``BMW``) and short parts joined by ``&`` too (``AT&T``). Addresses: ordinals in lower
case (``5th``, ``21st``), other words with digits as typed (``4B``), ``PO Box``, and a state
code before a ZIP code upper case (``Boston MA 02134``).

People (``kind="person"``) also have honorifics (``reference_data/honorifics.csv``) split off
the start and suffixes (``reference_data/name_suffixes.csv``) off the end of the name, into the
extra columns ``honorific`` and ``suffix``: ``'Mr. John'`` → ``'John'`` + ``'Mr.'``,
``'Smith, Jr.'`` → ``'Smith'`` + ``'Jr.'``. Position decides: ``'Sr. Juan'`` is Señor,
``'Juan Pérez Sr.'`` Senior; ``'M. Benoît'`` is Monsieur but ``'M.'`` alone an initial. A value
that is only an honorific becomes null (``invalid``), the honorific kept in its column.

Placeholders (``reference_data/name_placeholders.csv``: ``'N/A'``, ``'Test Test'``,
``'Walk-In Customer'``…) and values without a letter (``'?'``, ``'0'``, ``'123'``; for
addresses: without a letter or digit) become null, ``placeholder``. Every other change is coded
``fixed``, the message saying what was done.

Example:
    >>> import polars as pl
    >>> out = normalize_name(pl.Series(["MR. JOHN", "o'brien jr", "van der Berg", "N/A"]))
    >>> out.value.to_list()
    ['John', "O'Brien", 'van der Berg', None]
    >>> out.extra["honorific"].to_list(), out.extra["suffix"].to_list()
    (['Mr.', None, None, None], [None, 'Jr.', None, None])
    >>> out.code.to_list()
    ['fixed', 'fixed', None, 'placeholder']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from typing import Literal, get_args

import polars as pl

from custclean.normalize._core import Normalized, map_unique, on_distinct
from custclean.normalize.text import MOJIBAKE, describe, show, tidy
from custclean.reference import load_table

__all__ = ["NameKind", "is_placeholder_text", "normalize_name"]

NameKind = Literal["person", "company", "place", "address"]
_KINDS: tuple[str, ...] = get_args(NameKind)

_ROMAN = frozenset({"II", "III", "IV", "VII", "VIII", "IX", "XII", "XIII", "XIV", "XV", "XVI"})
_VOWELS = frozenset("AEIOUYÀÁÂÃÄÅÆÈÉÊËÌÍÎÏÒÓÔÕÖØÙÚÛÜÝŸŒ")
_SEGMENT = re.compile(r"([^\w'’]+)")
_APOSTROPHE = re.compile(r"(['’])")
_ORDINAL = re.compile(r"(\d+)(st|nd|rd|th|er|re|eme|ème|º|ª)", re.IGNORECASE)
_PO_BOX = re.compile(r"\bp\s?\.?\s?o\s?\.?\s*box\b", re.IGNORECASE)
_US_ZIP = re.compile(r"\d{5}(?:-\d{4})?")
_CA_POSTAL = re.compile(r"[A-Za-z]\d[A-Za-z]")
_GLUED_TITLE = re.compile(r"([^\W\d_]{1,5})\.(?=[^\W\d_])")
_LETTER = re.compile(r"[^\W\d_]")
_ALNUM = re.compile(r"[^\W_]")
_COUPLE = frozenset({"&", "and", "und", "y", "et", "e", "+"})


# --- reference tables ------------------------------------------------------------------


def _title_key(text: str) -> tuple[str, ...]:
    return tuple(text.casefold().replace(".", " ").replace("-", " ").split())


@cache
def _honorifics() -> dict[tuple[str, ...], tuple[str, bool]]:
    table = load_table("honorifics")
    known: dict[tuple[str, ...], tuple[str, bool]] = {}
    for value, form in table.select("value", "honorific").iter_rows():
        if value and form:
            key = _title_key(value)
            if key and key not in known:
                known[key] = (form.strip(), value.strip().endswith("."))
    return known


@cache
def _honorific_starts() -> frozenset[str]:
    return frozenset(key[0] for key in _honorifics())


@cache
def _suffixes() -> dict[str, str]:
    table = load_table("name_suffixes")
    known: dict[str, str] = {}
    for value, form in table.select("value", "suffix").iter_rows():
        if value and form:
            known.setdefault(value.casefold().replace(".", "").strip(), form.strip())
    return known


@dataclass(frozen=True)
class _Placeholders:
    entries: dict[tuple[str, ...], bool]  # words → "alone"
    first_words: frozenset[str]
    longest: int


def _placeholder_words(text: str) -> tuple[str, ...]:
    return tuple(text.casefold().replace("_", " ").replace("-", " ").split())


@cache
def _placeholders() -> _Placeholders:
    table = load_table("name_placeholders")
    entries: dict[tuple[str, ...], bool] = {}
    for value, alone in table.select("value", "alone").iter_rows():
        if value:
            words = _placeholder_words(value)
            if words and words not in entries:
                entries[words] = (alone or "yes").strip().casefold() != "no"
    return _Placeholders(
        entries=entries,
        first_words=frozenset(w[0] for w in entries),
        longest=max((len(w) for w in entries), default=1),
    )


@cache
def _particles(kind: str) -> frozenset[str]:
    table = load_table("name_particles")
    return frozenset(
        value.strip().lower()
        for value, kinds in table.select("value", "kinds").iter_rows()
        if value and kind in (kinds or "").split()
    )


@cache
def _case_words(kind: str) -> dict[str, str]:
    table = load_table("name_case_words")
    words: dict[str, str] = {}
    for form, kinds in table.select("form", "kinds").iter_rows():
        if form and kind in (kinds or "").split():
            words.setdefault(form.strip().lower().rstrip("."), form.strip().rstrip("."))
    return words


@cache
def _state_codes() -> frozenset[str]:
    states = load_table("us_zip_prefixes")["state"].drop_nulls().to_list()
    provinces = load_table("ca_postal_prefixes")["province"].drop_nulls().to_list()
    return frozenset(s.strip().upper() for s in [*states, *provinces])


# --- placeholders ----------------------------------------------------------------------


def is_placeholder_text(text: str) -> bool:
    """Tell whether a value is a stand-in listed in ``name_placeholders.csv``.

    It is when it matches a listed phrase that is a stand-in by itself, or when it is made of
    listed words only and either one of them is a stand-in by itself or there are two or more
    ("Cash Customer", "Guest Guest"). Case, repeated spaces and ``-``/``_`` are ignored.

    Example:
        >>> is_placeholder_text("N/A"), is_placeholder_text("Walk-In Customer")
        (True, True)
        >>> is_placeholder_text("Cash"), is_placeholder_text("Johnny Cash")
        (False, False)
    """
    table = _placeholders()
    head = text.split(None, 1)[0].lower() if text else ""
    if head not in table.first_words and ("-" not in head and "_" not in head):
        return False
    words = _placeholder_words(text)
    if not words or words[0] not in table.first_words:
        return False
    # Split the words into listed entries (longest first); remember whether one is "alone".
    n = len(words)
    best: list[tuple[int, bool] | None] = [None] * (n + 1)
    best[0] = (0, False)
    for start in range(n):
        reached = best[start]
        if reached is None:
            continue
        for length in range(1, min(table.longest, n - start) + 1):
            alone = table.entries.get(words[start : start + length])
            if alone is None:
                continue
            candidate = (reached[0] + 1, reached[1] or alone)
            current = best[start + length]
            if current is None or candidate[1] > current[1]:
                best[start + length] = candidate
    done = best[n]
    return done is not None and (done[1] or done[0] >= 2)


def _no_name_reason(text: str, kind: str) -> str | None:
    if kind == "address":
        if not _ALNUM.search(text):
            return "it has no letter or digit"
    elif not _LETTER.search(text):
        return "it has no letter"
    if is_placeholder_text(text):
        return "a stand-in, not a real name" if kind in ("person", "company") else "a stand-in"
    return None


# --- proper case -----------------------------------------------------------------------


def _cap(word: str) -> str:
    """Upper-case the first character and lower-case the rest (one-to-one characters only)."""
    if not word:
        return word
    first = word[0].upper()
    if len(first) != 1:
        first = word[0]
    return first + word[1:].lower()


@dataclass(frozen=True)
class _Rules:
    kind: str
    particles: frozenset[str]
    case_words: dict[str, str]
    states: frozenset[str]
    hyphen_particles: bool
    leading_particles: bool


@cache
def _rules(kind: str) -> _Rules:
    return _Rules(
        kind=kind,
        particles=_particles(kind),
        case_words=_case_words(kind),
        states=_state_codes() if kind == "address" else frozenset(),
        hyphen_particles=kind in ("place", "address"),
        leading_particles=kind == "person",
    )


def _is_particle(key: str, index: int, count: int, rules: _Rules) -> bool:
    """Tell whether word ``index`` of ``count`` (lower case ``key``) is written in lower case.

    Particles are, except a single letter at either end ("Y", an initial); at the start only
    in people's names followed by more words ("van der Berg"; "Van" alone stays).
    """
    if key not in rules.particles:
        return False
    if index == 0:
        return rules.leading_particles and count > 1 and len(key) > 1
    return len(key) > 1 or index < count - 1


def _case_piece(piece: str, rules: _Rules, lower_particle: bool) -> str:
    """Proper-case one run of letters and digits (apostrophes included)."""
    if not piece.isalpha() and any(c.isdigit() for c in piece):
        if rules.kind == "address" and _ORDINAL.fullmatch(piece):
            return piece.lower()
        return piece
    low = piece.lower()
    if lower_particle and low in rules.particles:
        return low
    if "'" not in piece and "’" not in piece:
        return _cap_word(piece)
    parts = _APOSTROPHE.split(piece)
    out = []
    for i in range(0, len(parts), 2):
        part = parts[i]
        if i == 0:
            first = part.lower()
            keep_low = lower_particle and f"{first}'" in rules.particles
            out.append(first if keep_low else _cap_word(part))
        else:
            prev = parts[i - 2]
            single = len(prev) == 1 and prev.isalpha()
            out.append(parts[i - 1])
            out.append(_cap_word(part) if single else part.lower())
    return "".join(out)


def _cap_word(word: str) -> str:
    """Proper-case a word of letters: ``McDonald`` for Mc names, else first letter upper."""
    if len(word) >= 4 and word[:2].lower() == "mc":
        return "Mc" + _cap(word[2:])
    if word.isascii():
        return word.capitalize()
    return _cap(word)


def _case_token(token: str, rules: _Rules, index: int, tokens: list[str]) -> str:
    plain = token.isalpha()
    if plain and rules.kind in ("person", "place"):
        # The common case, kept short: a word of letters only.
        key = token.lower()
        form = rules.case_words.get(key)
        if form is not None:
            return form
        if _is_particle(key, index, len(tokens), rules):
            return key
        if len(key) < 5 and key.upper() in _ROMAN:
            return key.upper()
        return _cap_word(token)
    core = token if plain else token.rstrip(".,;:")
    trail = token[len(core) :]
    key = core.lower()
    form = rules.case_words.get(key)
    if form is not None:
        return form + trail
    last = index == len(tokens) - 1
    upper = core.upper()
    if rules.kind == "address" and len(core) == 2:
        # A state code before a ZIP code ("Wilmington DE 19801") or last after a comma.
        if not last and upper == "PO" and tokens[index + 1].lower().startswith("box"):
            return "PO"
        if index > 0 and upper in rules.states:
            following = tokens[index + 1] if not last else ""
            after_comma = tokens[index - 1].endswith(",") and last
            if after_comma or _US_ZIP.fullmatch(following) or _CA_POSTAL.fullmatch(following):
                return upper + trail
    if _is_particle(key, index, len(tokens), rules):
        return token.lower()
    if upper in _ROMAN:
        return upper + trail
    if rules.kind == "company":
        if len(core) >= 2 and core.isalpha() and upper.isalpha() and not set(upper) & _VOWELS:
            return upper + trail
        if "&" in core and all(len(p) <= 2 for p in core.split("&")):
            return upper + trail
    if plain:
        return _cap_word(token)
    segments = _SEGMENT.split(token)
    out = []
    for i, segment in enumerate(segments):
        if i % 2 or not segment:
            out.append(segment)
            continue
        inner = rules.hyphen_particles and (index > 0 or i > 0)
        out.append(_case_piece(segment, rules, inner))
    return "".join(out)


@lru_cache(maxsize=65_536)
def _case_word_cached(token: str, kind: str, first: bool, last: bool) -> str:
    """:func:`_case_token` for kinds whose words depend only on their position (not address)."""
    # A stand-in sentence with the word at the same place: first, last, alone or inside.
    before = [] if first else [""]
    after = [] if last else [""]
    return _case_token(token, _rules(kind), len(before), [*before, token, *after])


def _recase(text: str, kind: str) -> str:
    tokens = text.split(" ")
    if kind != "address":
        end = len(tokens) - 1
        return " ".join(_case_word_cached(t, kind, i == 0, i == end) for i, t in enumerate(tokens))
    rules = _rules(kind)
    tokens = _PO_BOX.sub("PO BOX", text).split(" ")
    return " ".join(_case_token(t, rules, i, tokens) for i, t in enumerate(tokens))


def _needs_case(text: str) -> bool:
    return text.isupper() or text.islower()


# --- honorifics and suffixes -----------------------------------------------------------


def _split_honorific(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Take honorifics off the start; return (honorific forms, remaining tokens)."""
    known = _honorifics()
    forms: list[str] = []
    rest = tokens
    starts = _honorific_starts()
    while rest and rest[0].lower().partition(".")[0].partition("-")[0] in starts:
        found = None
        for length in range(min(3, len(rest)), 0, -1):
            raw = " ".join(rest[:length])
            entry = known.get(_title_key(raw))
            if entry is not None and (not entry[1] or raw.endswith(".")):
                found = (length, entry[0])
                break
        if found is None:
            break
        forms.append(found[1])
        rest = rest[found[0] :]
    if forms and rest and rest[0].casefold() in _COUPLE:
        return [], tokens
    if forms and not rest and len(tokens) == 1 and len(tokens[0]) == 2:
        return [], tokens  # "M." alone is an initial, not Monsieur
    return forms, rest


def _split_suffix(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Take suffixes off the end (never the whole name); return (suffix forms, remaining)."""
    known = _suffixes()
    if "," not in tokens[-1] and tokens[-1].lower().replace(".", "") not in known:
        return [], tokens
    forms: list[str] = []
    rest = list(tokens)
    while rest:
        last = rest[-1]
        head, comma, tail = last.rpartition(",")
        if comma and head and tail:
            form = known.get(tail.casefold().replace(".", "").strip())
            if form is not None:
                forms.insert(0, form)
                rest[-1] = head
                continue
        if len(rest) < 2:
            break
        form = known.get(last.casefold().replace(".", "").strip(","))
        if form is None:
            break
        forms.insert(0, form)
        rest.pop()
        rest[-1] = rest[-1].rstrip(",")
        if not rest[-1]:
            rest.pop()
    return forms, rest


# --- per value -------------------------------------------------------------------------


def _name_one(value: str, kind: str) -> tuple[str | None, ...]:
    person = kind == "person"
    text, changes = tidy(value)
    nothing: tuple[str | None, ...] = (None, None) if person else ()
    if not text:
        return None, "invalid", f"{show(value)} has no visible characters; left empty", *nothing
    reason = _no_name_reason(text, kind)
    if reason:
        return (
            None,
            "placeholder",
            f"{show(value)} is a placeholder ({reason}); left empty",
            *nothing,
        )
    honorific = suffix = None
    if person:
        glued = _GLUED_TITLE.match(text) if "." in text else None
        if glued and _title_key(glued.group(1)) in _honorifics():
            text = text[: glued.end()] + " " + text[glued.end() :]
        tokens = text.split(" ")
        titles, tokens = _split_honorific(tokens)
        if titles and not tokens:
            honorific = " ".join(titles)
            return (
                None,
                "invalid",
                f"{show(value)} is only an honorific, no name; {show(honorific)} kept in the "
                "honorific column, the name left empty",
                honorific,
                None,
            )
        ends, tokens = _split_suffix(tokens)
        if titles or ends:
            text = " ".join(tokens)
            reason = _no_name_reason(text, kind) if text else "nothing is left"
            if reason:
                return (
                    None,
                    "placeholder",
                    f"{show(value)} is a placeholder ({reason}); left empty",
                    None,
                    None,
                )
        if titles:
            honorific = " ".join(titles)
            changes.append(f"honorific {show(honorific)} moved to its own column")
        if ends:
            suffix = ", ".join(ends)
            changes.append(f"suffix {show(suffix)} moved to its own column")
    if _needs_case(text):
        cased = _recase(text, kind)
        if not cased.isascii():
            cased = unicodedata.normalize("NFC", cased)
        if tidy(cased)[1] or (_needs_case(cased) and _recase(cased, kind) != cased):
            cased = text  # re-casing would not settle (odd Unicode): leave the case alone
        if cased != text:
            text = cased
            changes.insert(0, "proper-cased")
    extras = (honorific, suffix) if person else ()
    if text == value:
        return text, None, None, *extras
    return text, "fixed", describe(changes) if changes else "tidied", *extras


def normalize_name(values: pl.Series, *, kind: NameKind = "person") -> Normalized:
    """Tidy and proper-case names; for people also split off honorifics and suffixes.

    ``kind`` is ``"person"`` (first or last name), ``"company"``, ``"place"`` (a city) or
    ``"address"`` (a street line). For people the result has the extra columns ``honorific``
    and ``suffix``. Codes: any change → ``fixed`` (the message says what: "proper-cased",
    "honorific 'Mr.' moved to its own column", "white space collapsed"); placeholders and values
    without a letter → ``placeholder``; a person's name that is only an honorific → ``invalid``.

    Example:
        >>> out = normalize_name(pl.Series(["ACME TOOLS LLC", "kpmg", "Acme Llc"]), kind="company")
        >>> out.value.to_list(), out.code.to_list()
        (['Acme Tools LLC', 'KPMG', 'Acme Llc'], ['fixed', 'fixed', None])
        >>> normalize_name(pl.Series(["123 N MAIN ST APT 4B"]), kind="address").value.to_list()
        ['123 N Main St Apt 4B']
        >>> normalize_name(pl.Series(["SAINT-JEAN-DE-LUZ"]), kind="place").value.to_list()
        ['Saint-Jean-de-Luz']
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(_KINDS)}, not {kind!r}")
    # A name's answer depends on the value alone: work once per distinct value.
    return on_distinct(partial(_normalize_distinct, kind=kind), values)


def _normalize_distinct(values: pl.Series, *, kind: str) -> Normalized:
    """:func:`normalize_name` on a column (run on its distinct values)."""
    extra = ("honorific", "suffix") if kind == "person" else ()
    text = values.cast(pl.String)
    clean = _already_clean(text, kind)
    out = map_unique(partial(_name_one, kind=kind), text.set(clean, None), extra_names=extra)  # type: ignore[arg-type]
    return Normalized(
        value=text.zip_with(clean, out.value).alias("value"),
        code=out.code,
        message=out.message,
        extra=out.extra,
    )


#: Letters whose lower case is the same in Python and polars and that are stable under NFC.
_PLAIN_LETTERS = "A-Za-zÀ-ÖØ-Þà-öø-ÿĀ-ňŊ-ž"
_PLAIN_PERSON = rf"^[{_PLAIN_LETTERS}]+(?:[ '’\-][{_PLAIN_LETTERS}]+)*$"
_PLAIN_OTHER = rf"^[!-~{_PLAIN_LETTERS}’]+(?: [!-~{_PLAIN_LETTERS}’]+)*$"


def _already_clean(text: pl.Series, kind: str) -> pl.Series:
    """Mark values :func:`_name_one` would return unchanged without a code (a quick vector test).

    A value qualifies when it is tidy, in mixed case, made of plain Latin letters (and, except
    for people, printable ASCII), shows no mojibake, and its first word starts no placeholder
    or honorific and its last word is no suffix. Everything else goes through :func:`_name_one`.
    """
    table = _placeholders()
    plain = text.str.contains(_PLAIN_PERSON if kind == "person" else _PLAIN_OTHER)
    mixed = text.str.contains(r"\p{Lu}") & text.str.contains(r"\p{Ll}")
    head = text.str.extract(r"^([^ ]+)").str.to_lowercase()
    word = text.str.extract(r"^([^ \-_]+)").str.to_lowercase()
    starts = table.first_words | (_honorific_starts() if kind == "person" else frozenset())
    clean = plain & mixed & ~text.str.contains(MOJIBAKE)
    clean = clean & ~head.is_in(list(starts)) & ~word.is_in(list(starts))
    if kind == "person":
        tail = text.str.extract(r"([^ ]+)$").str.to_lowercase()
        clean = clean & ~tail.is_in(list(_suffixes()))
    return clean.fill_null(False)
