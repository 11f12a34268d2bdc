"""Normalise e-mail addresses: trimmed, lower-cased, syntax-checked, typos and stand-ins caught.

What :func:`normalize_email` reads and what it does with it:

- white space, surrounding quotes, a ``mailto:`` prefix, a display name with angle brackets
  (``John Smith <John@X.com>``), a comment in parentheses and trailing ``.``/``,``/``;`` are
  removed, spaces around the ``@`` are closed up and the address is lower-cased → ``fixed``;
- a misspelt provider domain listed in ``reference_data/email_domain_typos.csv`` (``gmial.com``)
  or a top-level-domain slip on a listed provider (``gmail.con``, ``comcast.ent``) is corrected
  → ``fixed``; ``.cm`` or ``.co`` on any other domain is left alone (they are real country
  domains);
- the syntax is checked with email-validator (no DNS look-up); a bad address becomes empty
  → ``invalid`` with email-validator's reason;
- a stand-in for "no e-mail" listed in ``reference_data/email_placeholders.csv`` (``n/a``,
  ``noemail@…``, ``test@test.com``) becomes empty → ``placeholder``;
- a shared role mailbox listed there (``info@``, ``sales@``) is kept without an issue (it is a
  real address) and marked ``role`` in the extra column ``kind``, so that duplicate detection
  can tell it apart from a personal address;
- several addresses in one cell (``a@x.com; b@y.com``): the first usable one is kept; when two
  or more are usable the row is ``ambiguous``, otherwise ``fixed``, and the message always
  names every address that was not kept, so nothing is lost.

Internationalised addresses keep the form they were written in (Unicode or ``xn--`` punycode),
lower-cased and in Unicode normal form NFC; punycode is not decoded, nor Unicode encoded, so the
output matches what the customer typed.

Example:
    >>> import polars as pl
    >>> out = normalize_email(pl.Series([" John@Gmial.com ", "n/a", "info@acme.com", None]))
    >>> out.value.to_list()
    ['john@gmail.com', None, 'info@acme.com', None]
    >>> out.code.to_list()
    ['fixed', 'placeholder', None, None]
    >>> out.extra["kind"].to_list()
    [None, None, 'role', None]
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from pathlib import Path

import email_validator
import polars as pl
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from custclean.normalize._core import Normalized, map_unique
from custclean.reference import load_table, reference_dirs

__all__ = ["normalize_email"]

#: Longest cell read as addresses; an address has at most 254 characters.
_MAX_CELL = 1_000
#: Characters stripped from both ends of the cell and of every address in it.
_QUOTES = "\"'`‘’“”«»"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

# An address the fast path accepts without calling email-validator: plain ASCII, dot-atom local
# part, host names without "--" (punycode goes through email-validator), alphabetic TLD. Every
# such address is valid for email-validator and unchanged by it (tests/test_normalize_email.py
# checks this with hypothesis); lengths are checked separately.
_ATEXT = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SIMPLE = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@(?!.*--)(?:{_LABEL}\.)+[a-z]{{2,63}}")
_SPECIAL_TLDS = frozenset(SPECIAL_USE_DOMAIN_NAMES)
# Local parts checked apart from their domain (see _syntax_error): unquoted letters, digits
# and ASCII specials.
_SPLIT_LOCAL = re.compile(r"[\w!#$%&'*+/=?^`{|}~.-]+")
try:
    from email_validator.syntax import validate_email_local_part as _validate_local
except ImportError:  # pragma: no cover - a future email-validator may move it
    _validate_local = None
# The vectorised pre-pass: a stricter subset of _SIMPLE in Rust regex syntax. An apostrophe
# (o'brien) may not open the address: _clean_address strips quotes there.
_PLAIN_ATOM = r"[a-z0-9_%+'-]+"
_PLAIN = rf"^[a-z0-9_%+-][a-z0-9_%+'-]*(?:\.{_PLAIN_ATOM})*@(?:{_LABEL}\.)+[a-z]{{2,63}}$"

# One address in a cell: "Name <addr>" or a bare address, each with an optional (comment).
_LOCAL = r"[^\s<>;,()\[\]\"@/|]+"
_DOMAIN = r"[^\s<>;,()\[\]\"'@/|&]+"
_ITEM = re.compile(
    rf"""
    (?:
        (?P<name>"[^"]*"|[^<>;,@"]*?) \s* < \s* (?:mailto:)? (?P<bracketed>[^<>@\s]+@[^<>@\s]+)
        \s* >
      | (?:mailto:)? (?P<bare>{_LOCAL}@{_DOMAIN})
    )
    (?: \s* \( (?P<comment>[^()]*) \) )?
    """,
    re.IGNORECASE | re.VERBOSE,
)
# What may stand between the addresses of a cell.
_GLUE = re.compile(r"(?:[\s;,/|&:.'\"<>\[\]]|\band\b|\bor\b|\be-?mail\b|\bmailto\b)*", re.I)
_SPACED_AT = re.compile(r"\s*@\s*")
_COMMA_TLD = re.compile(r"^([^@\s,;]+@[^@\s,;]+),(com|net|org|edu)$", re.IGNORECASE)
_LOCAL_SEPARATORS = re.compile(r"[._-]")


@dataclass(frozen=True)
class _Lookups:
    """The reference tables, parsed once per set of reference folders."""

    typos: dict[str, str]
    tld_typos: dict[str, str]
    providers: frozenset[str]
    cells: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    locals: dict[str, tuple[str, str]] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)


def _local_and_domain(column: str) -> pl.Expr:
    """Split ``column`` at its first ``@`` into the struct ``__parts`` (local part, domain)."""
    return (
        pl.col(column)
        .str.split_exact("@", 1)
        .struct.rename_fields(["__local", "__domain"])
        .alias("__parts")
    )


@cache
def _lookups(dirs: tuple[Path, ...]) -> _Lookups:
    del dirs  # the cache key: load_table reads the same folders
    typo_rows = load_table("email_domain_typos").select("typo", "domain").drop_nulls().rows()
    typos: dict[str, str] = {}
    tld_typos: dict[str, str] = {}
    for typo, domain in typo_rows:
        typo, domain = typo.strip().lower(), domain.strip().lower()
        target = tld_typos if typo.startswith(".") else typos
        target.setdefault(typo, domain)  # the analyst's rows come first and win
    providers = frozenset(typos.values())
    cells: dict[str, str] = {}
    addresses: dict[str, str] = {}
    locals_: dict[str, tuple[str, str]] = {}
    domains: dict[str, str] = {}
    for pattern, kind in load_table("email_placeholders").select("pattern", "kind").rows():
        if not pattern or not kind:
            continue
        pattern, kind = " ".join(pattern.lower().split()), kind.strip().lower()
        if pattern.endswith("@"):
            locals_.setdefault(_local_key(pattern[:-1]), (pattern, kind))
        elif pattern.startswith("@"):
            domains.setdefault(pattern[1:], kind)
        elif "@" in pattern:
            addresses.setdefault(pattern, kind)
        else:
            cells.setdefault(pattern, kind)
    return _Lookups(
        {k: v for k, v in typos.items() if k != v},
        tld_typos,
        providers,
        cells,
        addresses,
        locals_,
        domains,
    )


def _local_key(local: str) -> str:
    """Local part as matched against placeholder patterns (see email_placeholders.csv)."""
    key = _LOCAL_SEPARATORS.sub("", local).rstrip("0123456789")
    return key if len(key) >= 4 else local


def _quote(raw: str, limit: int = 80) -> str:
    """Quote a value for a message, shortening very long ones."""
    text = raw if len(raw) <= limit else raw[: limit - 1] + "…"
    return f"'{text}'"


def _lower(text: str) -> str:
    """Lower-case in Unicode normal form NFC, to a fixed point (so it is idempotent)."""
    if text.isascii():
        return text.lower()
    for _ in range(3):
        new = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower())
        if new == text:
            break
        text = new
    return text


@dataclass
class _Address:
    """One address of a cell, cleaned: what it became, what was done, and what it is."""

    written: str
    value: str = ""
    notes: list[str] = field(default_factory=list)
    typo: str | None = None
    error: str | None = None
    stand_in: str | None = None
    kind: str | None = None


def _correct_domain(domain: str, lookups: _Lookups) -> str:
    """Return the corrected domain per email_domain_typos.csv (the domain itself if none)."""
    exact = lookups.typos.get(domain)
    if exact is not None:
        return exact
    name, dot, tld = domain.rpartition(".")
    while dot:
        fix = lookups.tld_typos.get(dot + tld)
        if fix is not None and name + fix in lookups.providers:
            return name + fix
        # a two-part slip such as .con.au: try the longer suffix too
        name, dot, rest = name.rpartition(".")
        tld = f"{rest}.{tld}"
    return domain


def _syntax_error(address: str) -> str | None:
    """Return email-validator's reason why ``address`` is not valid, or None when it is.

    Plain ASCII addresses pass on :data:`_SIMPLE` alone. For other short addresses with an
    ASCII domain, email-validator's own local-part check runs on the local part and its full
    check once per distinct domain: it validates the two parts independently, local part
    first, and the domain check is most of its cost; with an NFC local part and an ASCII domain
    every form whose length it checks is the address itself. Everything else
    (internationalised domains, local parts that NFC would change, quotes, over-long
    addresses) goes through ``validate_email`` whole. A test checks that
    the answers are email-validator's own.
    """
    local, _, domain = address.rpartition("@")
    if (
        _SIMPLE.fullmatch(address)
        and len(address) <= 254
        and len(local) <= 64
        and domain.rpartition(".")[2] not in _SPECIAL_TLDS
    ):
        return None
    if (
        _validate_local is None
        or not domain.isascii()
        or "xn--" in domain
        or len(address.encode("utf-8")) > 254  # an NFC local part + ASCII domain: no regrowth
        or not _SPLIT_LOCAL.fullmatch(local)
        or unicodedata.normalize("NFC", local) != local
    ):
        return _validator_error(address)
    try:
        _validate_local(
            local,
            allow_smtputf8=email_validator.ALLOW_SMTPUTF8,
            allow_empty_local=email_validator.ALLOW_EMPTY_LOCAL,
            quoted_local_part=False,
            strict=email_validator.STRICT,
        )
    except EmailNotValidError as exc:
        return str(exc).rstrip(".") or "not a valid address"
    except Exception:  # an unexpected change in email-validator: ask it the usual way
        return _validator_error(address)
    return _domain_error(domain)


@lru_cache(maxsize=100_000)
def _domain_error(domain: str) -> str | None:
    """Return email-validator's reason why ``domain`` is not a valid mail domain, or None."""
    return _validator_error(f"a@{domain}")


def _validator_error(address: str) -> str | None:
    """Run email-validator (no DNS): its reason why ``address`` is not valid, or None."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc).rstrip(".") or "not a valid address"
    except Exception as exc:  # the contract: never raise on a value
        return f"not readable as an address ({type(exc).__name__})"
    return None


def _stand_in(address: str, lookups: _Lookups) -> tuple[str | None, str | None]:
    """Return (why, kind) when ``address`` is a placeholder or role address, else (None, None).

    ``why`` names the pattern of email_placeholders.csv that matched, or the rule.
    """
    local, _, domain = address.rpartition("@")
    kind = lookups.addresses.get(address)
    if kind is not None:
        return f"'{address}' is listed in email_placeholders.csv", kind
    pattern, kind = lookups.locals.get(_local_key(local), (None, None))
    if pattern is not None:
        return f"matches '{pattern}' in email_placeholders.csv", kind
    kind = lookups.domains.get(domain)
    if kind is not None:
        return f"matches '@{domain}' in email_placeholders.csv", kind
    name = domain.partition(".")[0]
    if len(set(local)) == 1 and local.isalpha() and set(name) == set(local):
        return "one repeated letter before and after the '@'", "placeholder"
    return None, None


def _clean_address(written: str, lookups: _Lookups) -> _Address:
    """Clean one address taken from a cell."""
    out = _Address(written)
    text = written.strip().strip(_QUOTES).strip()
    if text != written.strip():
        out.notes.append("quotes removed")
    if text[:7].lower() == "mailto:":
        text = text[7:].strip()
        out.notes.append("'mailto:' removed")
    stripped = text.rstrip(".,;:")
    if stripped != text:
        out.notes.append(f"trailing {_quote(text[len(stripped) :])} removed")
    lowered = _lower(stripped)
    if lowered != stripped:
        out.notes.append("lower-cased")
    local, at, domain = lowered.rpartition("@")
    if at:
        fixed = _correct_domain(domain, lookups)
        if fixed != domain:
            out.typo = f"domain '{domain}' corrected to '{fixed}'"
            domain = fixed
        out.value = f"{local}@{domain}"
    else:
        out.value = lowered
    out.error = _syntax_error(out.value)
    if out.error is None:
        pattern, kind = _stand_in(out.value, lookups)
        if kind == "role":
            out.kind = "role"
        elif kind is not None:
            out.stand_in = pattern
    return out


def _split_cell(text: str) -> tuple[list[str], list[str]]:
    """Split a cell into its addresses and the notes on what was removed around them.

    A cell the grammar does not cover (stray words next to an address, say) comes back whole,
    as one address, so email-validator judges it and nothing is silently dropped.
    """
    notes: list[str] = []
    found: list[str] = []
    between: list[str] = []
    end = 0
    for match in _ITEM.finditer(text):
        found.append(match["bracketed"] or match["bare"])
        between.append(text[end : match.start()])
        end = match.end()
        name = (match["name"] or "").strip().strip(_QUOTES).strip()
        if match["bracketed"] and name:
            notes.append(f"display name {_quote(name)} removed")
        elif match["bracketed"]:
            notes.append("angle brackets removed")
        if match["comment"] is not None:
            notes.append(f"comment {_quote('(' + match['comment'] + ')')} removed")
    rest = "".join(between) + text[end:]
    if not found or not _GLUE.fullmatch(rest):
        return [text], []
    if len(found) == 1 and rest.strip(" ") and not notes:
        notes.append(f"{_quote(rest.strip())} around the address removed")
    return found, notes


def _listed(said: str) -> tuple[None, str, str, None]:
    """Answer for a cell listed as a whole in email_placeholders.csv."""
    return (
        None,
        "placeholder",
        f"{said} stands for no e-mail address (listed in email_placeholders.csv); left empty",
        None,
    )


def _email_value(
    lookups: _Lookups, raw: str
) -> tuple[str | None, str | None, str | None, str | None]:
    """Normalise one distinct cell: (value, code, message, kind)."""
    text = raw.strip().strip(_INVISIBLE).strip()
    if not text:
        return None, None, None, None
    said = _quote(raw)
    if len(text) > _MAX_CELL:
        return None, "invalid", f"{said} is too long to be an e-mail address; left empty", None
    notes: list[str] = ["trimmed"] if raw != text else []
    low = text.lower()
    if _SIMPLE.fullmatch(low):  # the common case: one plain address, nothing to repair
        if lookups.addresses.get(low) == "placeholder":
            return _listed(said)
        return _choose(raw, said, [_clean_address(text, lookups)], notes)
    cell_key = " ".join(low.split())
    if not any(ch.isalnum() for ch in text):
        return None, "placeholder", f"{said} has no letters or digits: no e-mail; left empty", None
    if lookups.cells.get(cell_key, lookups.addresses.get(cell_key)) == "placeholder":
        return _listed(said)

    while len(text) > 1 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
        if "quotes removed" not in notes:
            notes.append("quotes removed")
    spaced = _SPACED_AT.sub("@", text) if text.count("@") == 1 else text
    if spaced != text and _ITEM.fullmatch(spaced):
        notes.append("spaces around '@' removed")
        text = spaced
    if text.count("@") == 2 and "@@" in text:
        text = text.replace("@@", "@")
        notes.append("doubled '@' made single")
    comma = _COMMA_TLD.match(text)
    if comma:
        text = f"{comma[1]}.{comma[2]}"
        notes.append(f"comma before '{comma[2]}' read as a dot")
    pieces, split_notes = _split_cell(text)
    notes.extend(split_notes)
    return _choose(raw, said, [_clean_address(piece, lookups) for piece in pieces], notes)


def _choose(
    raw: str, said: str, addresses: list[_Address], notes: list[str]
) -> tuple[str | None, str | None, str | None, str | None]:
    """Pick the address to keep from a cell's addresses and say what was done."""
    usable = [a for a in addresses if a.error is None and a.stand_in is None]
    if not usable:
        first = addresses[0]
        stand_in = next((a for a in addresses if a.stand_in is not None), None)
        if stand_in is not None:
            return (
                None,
                "placeholder",
                f"{said} stands for no e-mail address ({stand_in.stand_in}); left empty",
                None,
            )
        return (
            None,
            "invalid",
            f"{said} is not a valid e-mail address: {first.error}; left empty",
            None,
        )

    chosen = usable[0]
    others = [a for a in addresses if a is not chosen and a.value != chosen.value]
    notes.extend(chosen.notes)
    if chosen.typo:
        notes.append(chosen.typo)
    if len(addresses) > 1 and not others:
        notes.append("the same address repeated")
    if not others:
        if not notes and chosen.value == raw:
            return chosen.value, None, None, chosen.kind
        done = ": " + ", ".join(dict.fromkeys(notes)) if notes else ""
        return chosen.value, "fixed", f"{said} written as '{chosen.value}'{done}", chosen.kind
    distinct_usable = {a.value for a in usable}
    dropped = "; ".join(_describe_dropped(a) for a in others)
    if len(distinct_usable) > 1:
        return (
            chosen.value,
            "ambiguous",
            f"{said} holds {len(distinct_usable)} addresses; kept the first, '{chosen.value}'; "
            f"not kept: {dropped}",
            chosen.kind,
        )
    return (
        chosen.value,
        "fixed",
        f"{said} written as '{chosen.value}', the one usable address; not kept: {dropped}",
        chosen.kind,
    )


def _describe_dropped(address: _Address) -> str:
    """Name an address that was not kept, and why."""
    if address.error is not None:
        return f"{_quote(address.written)} (not valid: {address.error})"
    if address.stand_in is not None:
        return f"'{address.value}' (a stand-in for no e-mail)"
    return f"'{address.value}'"


def _accepted(address: pl.Expr, local: pl.Expr, domain: pl.Expr, lookups: _Lookups) -> pl.Expr:
    """Return a mask of lower-case addresses that are valid and no stand-in or role address.

    ``local`` and ``domain`` are the parts of ``address`` around its first ``@``. The test is
    conservative: it accepts only addresses that :func:`_syntax_error` passes on
    :data:`_SIMPLE` alone (no email-validator call) and that :func:`_stand_in` cannot match.
    """
    return _address_accepted(address, local, lookups) & ~_domain_refused(domain, lookups)


def _address_accepted(address: pl.Expr, local: pl.Expr, lookups: _Lookups) -> pl.Expr:
    """Return the part of :func:`_accepted` that reads the address and its local part."""
    return (
        address.str.contains(_PLAIN)
        & ~address.str.contains("--", literal=True)
        & (address.str.len_chars() <= 254)
        & (local.str.len_chars() <= 64)
        & (local.str.strip_chars(local.str.slice(0, 1)) != "")  # not x@…, aaa@…
        & ~address.is_in(list(lookups.addresses))
        & ~_stand_in_local(local, lookups)
    )


def _domain_refused(domain: pl.Expr, lookups: _Lookups) -> pl.Expr:
    """Return the part of :func:`_accepted` that reads the domain (special-use, stand-in)."""
    return domain.str.split(".").list.last().is_in(list(_SPECIAL_TLDS)) | domain.is_in(
        list(lookups.domains)
    )


def _stand_in_local(local: pl.Expr, lookups: _Lookups) -> pl.Expr:
    """``_local_key(local) in lookups.locals``, without rewriting every local part.

    A key of four characters or more is an entry with separators (``._-``) anywhere in it
    and digits or separators after it: one regular expression of all such entries. A
    shorter key is the local part as written: those entries are compared as they are.

    Example:
        >>> lookups = _lookups(tuple(reference_dirs()))
        >>> locals_ = pl.Series(["no.email42", "n.a", "na", "hr", "maria.info"])
        >>> pl.select(_stand_in_local(pl.lit(locals_), lookups)).to_series().to_list()
        [True, False, True, True, False]
    """
    pattern, short = _stand_in_locals(tuple(lookups.locals))
    hit = local.is_in(sorted(short))
    return local.str.contains(pattern) | hit if pattern else hit


@lru_cache(maxsize=8)
def _stand_in_locals(keys: tuple[str, ...]) -> tuple[str | None, frozenset[str]]:
    """(pattern, short keys) for :func:`_stand_in_local` from the keys of ``lookups.locals``.

    A long key that is not its own :func:`_local_key` (one ending in a digit, say) can never
    be matched, so it is left out of the pattern.
    """

    def literal(char: str) -> str:
        return char if char.isascii() and char.isalnum() else f"\\x{{{ord(char):x}}}"

    long = [k for k in keys if len(k) >= 4 and _local_key(k) == k]
    short = frozenset(k for k in keys if len(_LOCAL_SEPARATORS.sub("", k).rstrip("0123456789")) < 4)
    if not long:
        return None, short
    words = "|".join("[._-]*".join(literal(c) for c in key) for key in sorted(long))
    return f"^[._-]*(?:{words})[0-9._-]*$", short


def _plain(lookups: _Lookups, domains: pl.Series) -> pl.Expr:
    """Return a mask of cells that hold one plain address needing at most trimming and case.

    It reads the columns ``__raw`` (the cell), ``__low`` (trimmed, lower case), ``__local`` and
    ``__domain`` (its parts around the first ``@``); ``domains`` holds the column's distinct
    domains, which are judged once each. The test is conservative: a cell passes only when
    :func:`_email_value` would return it trimmed and lower-cased with nothing else to say (no
    typo, no stand-in or role pattern, no email-validator call needed). Everything else goes
    to :func:`_canonical` or :func:`_email_value`; a test checks that the paths agree.
    """
    domain = pl.col("__domain")
    suffix_labels = max((t.count(".") for t in lookups.tld_typos), default=0)
    suffixes = [
        domain.str.extract(rf"((?:\.[^.]+){{{n}}})$", 1)
        .is_in(list(lookups.tld_typos))
        .fill_null(False)
        for n in range(1, suffix_labels + 1)
    ]
    doubtful = (
        _domain_refused(domain, lookups)
        | domain.is_in(list(lookups.typos))
        | pl.any_horizontal(pl.lit(False), *suffixes)
    )
    refused = pl.DataFrame({"__domain": domains}).filter(doubtful.fill_null(True))["__domain"]
    return (
        (pl.col("__raw").str.len_chars() <= 80)
        & _address_accepted(pl.col("__low"), pl.col("__local"), lookups)
        & ~domain.is_in(refused.drop_nulls().implode())
    ).fill_null(False)


# The cells _canonical reads (Rust regex syntax): one ASCII address, bare with an optional
# "mailto:" and trailing ".", ":", ";" or ",", or in angle brackets after a display name of
# letters, spaces, apostrophes, dots and hyphens (and commas when in double quotes). They are
# a subset of what _split_cell reads as one address; everything else goes to _email_value.
_ADDRESS = r"[A-Za-z0-9_%+'.-]+@[A-Za-z0-9.-]*[A-Za-z0-9]"
_NAME = r"\p{L}\p{M}' ."
_SHAPE = (
    r"^[ \t\r\n]*(?:"
    rf"(?i:mailto:)?(?P<bare>{_ADDRESS})(?P<dots>[.:]*)(?P<sep>[;,]?)"
    rf"|(?P<name>\"[{_NAME},-]*\"|[{_NAME}-]*) *< *(?i:mailto:)?(?P<bracketed>{_ADDRESS}) *>"
    r")[ \t\r\n]*$"
)


def _quote_expr(text: pl.Expr, limit: int = 80) -> pl.Expr:
    """:func:`_quote` as a polars expression."""
    short = pl.when(text.str.len_chars() <= limit).then(text)
    short = short.otherwise(pl.concat_str(text.str.slice(0, limit - 1), pl.lit("…")))
    return pl.concat_str(pl.lit("'"), short, pl.lit("'"))


def _canonical(cells: pl.Series, lookups: _Lookups) -> pl.DataFrame:
    """Answer, in polars, the cells that hold one address messy only in cheap ways.

    Returns one row per cell with the columns ``__fast`` (answered here), ``__fvalue``,
    ``__fcode`` and ``__fmessage``: for every ``__fast`` cell exactly what
    :func:`_email_value` returns (value, code, message; ``kind`` is null as role addresses
    are left to it). The cells are those of :data:`_SHAPE` whose lower-cased, typo-corrected
    address passes :func:`_accepted`; the trimming, ``mailto:``, display name, trailing
    punctuation and case are read off the cell, and the typo with :func:`_correct_domain`
    itself, once per distinct domain. Equivalence tests in tests/test_normalize_email.py hold
    the two paths together.
    """
    raw = pl.col("__raw")
    parts = (
        pl.DataFrame({"__raw": cells.cast(pl.String)})
        .with_columns(raw.str.extract_groups(_SHAPE).alias("__shape"))
        .unnest("__shape")
        .with_columns(__written=pl.coalesce(pl.col("bare"), pl.col("bracketed")))
        .with_columns(__low=pl.col("__written").str.to_lowercase())
        .with_columns(_local_and_domain("__low"))
        .unnest("__parts")
    )
    domains = parts["__domain"].drop_nulls().unique().to_list()
    fixes = {d: f for d in domains if (f := _correct_domain(d, lookups)) != d}
    local, domain = pl.col("__local"), pl.col("__domain")
    fixed = domain.replace(fixes) if fixes else domain
    value = pl.concat_str(local, pl.lit("@"), fixed)
    core = raw.str.strip_chars(" \t\r\n")
    name = pl.col("name").str.strip_chars(" ").str.strip_chars("\"'").str.strip_chars(" ")
    notes = pl.concat_str(
        pl.when(raw != core).then(pl.lit("trimmed")),
        pl.when(pl.col("sep") != "").then(
            pl.concat_str(_quote_expr(pl.col("sep")), pl.lit(" around the address removed"))
        ),
        pl.when(pl.col("bracketed").is_not_null()).then(
            pl.when(name != "")
            .then(pl.concat_str(pl.lit("display name "), _quote_expr(name), pl.lit(" removed")))
            .otherwise(pl.lit("angle brackets removed"))
        ),
        pl.when(pl.col("dots") != "").then(
            pl.concat_str(pl.lit("trailing "), _quote_expr(pl.col("dots")), pl.lit(" removed"))
        ),
        pl.when(pl.col("__written") != pl.col("__low")).then(pl.lit("lower-cased")),
        pl.when(fixed != domain).then(pl.format("domain '{}' corrected to '{}'", domain, fixed)),
        separator=", ",
        ignore_nulls=True,
    )
    done = pl.when(notes != "").then(pl.lit(": ") + notes).otherwise(pl.lit(""))
    changed = (notes != "") | (value != raw)
    cell_key = core.str.to_lowercase().str.replace_all(" +", " ")
    return parts.select(
        __fast=(
            pl.col("__written").is_not_null()
            & (raw.str.len_chars() <= _MAX_CELL)
            & ~cell_key.is_in([*lookups.cells, *lookups.addresses])
            & _accepted(value, local, fixed, lookups)
        ).fill_null(False),
        __fvalue=value,
        __fcode=pl.when(changed).then(pl.lit("fixed")),
        __fmessage=pl.when(changed).then(
            pl.concat_str(_quote_expr(raw), pl.lit(" written as '"), value, pl.lit("'"), done)
        ),
    )


def normalize_email(values: pl.Series) -> Normalized:
    """Normalise a column of e-mail addresses (see the module docstring for every rule).

    Returns the address trimmed and lower-cased, or null; ``code``/``message`` for every row
    changed or emptied; and the extra column ``kind`` (``"role"`` for a shared role mailbox
    such as ``info@…``, else null). Plain ASCII addresses, and single ASCII addresses that are
    messy only in cheap ways (case, spaces, ``mailto:``, a display name, trailing punctuation,
    a listed domain typo), are handled in polars; every other distinct cell is read once, by
    :func:`_email_value`, with email-validator where needed. Both give the same answers.

    Example:
        >>> import polars as pl
        >>> out = normalize_email(pl.Series(["Ann <Ann@Outlok.com>", "bob@x", "a@b.co"]))
        >>> out.value.to_list(), out.code.to_list()
        (['ann@outlook.com', None, 'a@b.co'], ['fixed', 'invalid', None])
        >>> out.message[0].split(": ", 1)[1]
        "display name 'Ann' removed, lower-cased, domain 'outlok.com' corrected to 'outlook.com'"
        >>> out.message[1]  # doctest: +ELLIPSIS
        "'bob@x' is not a valid e-mail address: The part after the @-sign is not valid. It ..."
    """
    lookups = _lookups(tuple(reference_dirs()))
    raw = pl.col("__raw")
    stripped = raw.str.strip_chars()
    frame = (
        pl.DataFrame({"__raw": values.cast(pl.String)})
        .with_columns(__low=stripped.str.to_lowercase())
        .with_columns(_local_and_domain("__low"))
        .unnest("__parts")
    )
    frame = frame.with_columns(__plain=_plain(lookups, frame["__domain"].unique()))
    # the cells not plain, once each, through the polars canonical pass
    todo = frame.filter(~pl.col("__plain") & raw.is_not_null())["__raw"].unique()
    answered = pl.concat([todo.to_frame("__raw"), _canonical(todo, lookups)], how="horizontal")
    frame = frame.join(answered, on="__raw", how="left", maintain_order="left").with_columns(
        pl.col("__fast").fill_null(False)
    )
    plain, fast = pl.col("__plain"), pl.col("__fast")
    rest = map_unique(
        partial(_email_value, lookups),
        frame.select(pl.when(~plain & ~fast).then(raw)).to_series(),
        extra_names=("kind",),
    )
    notes = pl.concat_str(  # ignore_nulls: far cheaper than a list column
        pl.when(raw != stripped).then(pl.lit("trimmed")),
        pl.when(stripped != pl.col("__low")).then(pl.lit("lower-cased")),
        separator=", ",
        ignore_nulls=True,
    )
    changed = raw != pl.col("__low")
    result = frame.with_columns(
        rest.value.alias("__value"), rest.code.alias("__code"), rest.message.alias("__message")
    ).select(
        value=pl.when(plain)
        .then(pl.col("__low"))
        .when(fast)
        .then(pl.col("__fvalue"))
        .otherwise(pl.col("__value")),
        code=pl.when(plain)
        .then(pl.when(changed).then(pl.lit("fixed")))
        .when(fast)
        .then(pl.col("__fcode"))
        .otherwise(pl.col("__code")),
        message=pl.when(plain)
        .then(
            pl.when(changed).then(
                pl.format("'{}' written as '{}': {}", raw, pl.col("__low"), notes)
            )
        )
        .when(fast)
        .then(pl.col("__fmessage"))
        .otherwise(pl.col("__message")),
    )
    return Normalized(
        value=result["value"],
        code=result["code"],
        message=result["message"],
        extra={"kind": rest.extra["kind"]},
    )
