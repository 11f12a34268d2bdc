"""A vectorised fast path for :func:`custclean.normalize.phone.normalize_phone`.

``normalize_phone`` reads each distinct number with ``phonenumbers``, one Python call at a
time. Most cells of a real customer list are plain numbers (``(312) 555-0123``,
``+44 20 7946 0958``, ``0171/1234567``) that need none of its repairs, so :func:`read_fast`
reads those with polars expressions over whole columns instead, and *claims* a row only when
its answer is certain to be the one the per-value path would give:

- the key (the cell without separators) is ``+`` and digits, or digits only; ``/`` inside one
  number is dropped; a number a spreadsheet stored as ``3125550123.0`` or showed as
  ``3.125550123e9`` with every digit is taken with the slow path's note on the repair.
  Letters, several numbers in one cell, shortened exponents are left to the slow path;
- an extension after a plain number (``x45``, ``#45``, ``ext45``, ``ext:45``, ``extn45``,
  ``extension45``, ``;ext=45``: the key has lost its spaces and dots) is split off as
  phonenumbers' ``_maybe_strip_extension`` splits it, within its digit limits (20 after
  ``ext``, 9 after ``x`` or ``#``; 6 after ``;ext=``, as the slow path reads 7 digits after a
  ``;`` as a second number), and the number before it read as below; the slow path's note
  "extension 45 kept apart" comes last, and its stand-in check reads the extension's digits
  with the number's (except after ``;``). Other labels (``int``, ``;`` alone, ``,,``…) are
  left to the slow path;
- it is read exactly as ``phonenumbers.parse`` reads it: ``+`` (or ``00`` on a row without a
  country) then a country calling code of 1 to 3 digits; otherwise the international prefix
  of the row's country (``00``, ``011``…) or a national number of that country, with its
  national (trunk) prefix stripped by phonenumbers' own rule. Countries whose prefix is
  rewritten rather than stripped (Japan, Brazil, Argentina…) and national numbers that
  start with their own country code are left to the slow path;
- where that first reading is not valid, the slow path's second readings are reproduced:
  ``00…`` and, outside North America, ``011…`` read as international prefixes;
- the number is valid (``phonenumbers.is_valid_number``): its length and pattern fit its
  country's metadata; its type and its own region (for a calling code that several regions
  share, such as +1, +44, +7, +61) come from the same checks in the same order as
  phonenumbers' ``_number_type_helper`` and ``region_code_for_number``;
- it is no stand-in: neither its national significant number nor its digits are one repeated
  digit or a run of consecutive digits (the slow path's ``_dummy``).

Invalid numbers, placeholders and ambiguous cells are not claimed: their codes and messages
keep coming from the slow path. The one exception is the commonest invalid cell, a national
number of a row of the US (or CA, PR, DO, JM, which read a 7-digit number as it is) that no
region of +1 takes (``555-0123``, a UK mobile ``07946 318829`` on a US row, also as a
spreadsheet's ``5550123.0``): the reading and classification above already prove it invalid,
and it gets the slow path's ``invalid`` and its reason, from +1's lengths. ``conflict`` (a
fixed line in a cell-phone column) is decided after both paths, from the ``type`` either of
them gives.

phonenumbers' patterns are Python regular expressions; polars runs them with Rust's regex
engine. Every pattern is anchored (``^(?:…)$``) and checked to compile when a region's table
is built (once, cached); a region whose patterns do not compile goes to the slow path. The
patterns are plain regular expressions (no look-around, no back-references), for which both
engines accept the same strings and pick the same leftmost-first prefix match.

Example:
    >>> import polars as pl
    >>> out = read_fast(
    ...     pl.Series(["3125550123", "+442079460958", "5550123", "3125550123x45"]), "US"
    ... )
    >>> out["claimed"].to_list()
    [True, True, True, True]
    >>> out["value"].to_list()
    ['+13125550123', '+442079460958', None, '+13125550123']
    >>> out["type"].to_list()
    ['fixed_line_or_mobile', 'fixed_line', None, 'fixed_line_or_mobile']
    >>> out["ext"][3], out["message"][3]
    ('45', 'written as +13125550123: extension 45 kept apart')
    >>> out["code"][2], out["message"][2][:44]
    ('invalid', 'has 7 digits: a local number without its are')
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import phonenumbers as pn
import polars as pl
from phonenumbers import PhoneMetadata

from custclean.normalize._core import positions

__all__ = ["FAST_COLUMNS", "read_fast", "valid_fast"]

#: The columns :func:`read_fast` returns, besides ``claimed``.
FAST_COLUMNS = ("value", "code", "message", "ext", "type", "region")

_NON_GEOGRAPHIC = pn.REGION_CODE_FOR_NON_GEO_ENTITY
_SUPPORTED = frozenset(pn.SUPPORTED_REGIONS)
_NANP = sorted(pn.COUNTRY_CODE_TO_REGION_CODE[1])
_CALLING_CODES = {str(code) for code in pn.COUNTRY_CODE_TO_REGION_CODE}
# North American regions that read a 7-digit number as it is (no area code added)
_LOCAL_NANP = sorted(
    r
    for r in _NANP
    if (m := PhoneMetadata.metadata_for_region(r, None)) is not None
    and m.national_prefix_for_parsing == "1"
    and not m.national_prefix_transform_rule
)
_NANP_LENGTHS = PhoneMetadata.metadata_for_region("US").general_desc  # +1's, for is_possible
_MIN_NSN, _MAX_NSN = 2, 17  # phonenumbers' _MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN
_MAX_KEY = 100  # the slow path rejects longer keys before reading them
_ASCENDING = "01234567890123456789"
_DESCENDING = _ASCENDING[::-1]
_ZERO_NOTE = "'00' read as the international prefix"
_NORTH_NOTE = "'011' read as the international prefix dialled from North America"
_DECIMAL_NOTE = "a spreadsheet had stored it as a decimal number"
_SCI_NOTE = "a spreadsheet had shown it in scientific notation; every digit was there"
# normalize_phone keeps the key of these two spreadsheet forms as it was (lower-cased)
_DECIMAL = r"^(\+?[0-9]+)\.0+$"
# An extension after a plain number, as phonenumbers' _EXTN_PATTERN splits it off (the key
# has no spaces or dots left): the label, then at most as many digits as phonenumbers takes
# after it. ';ext=' stops at 6 digits: normalize_phone splits a cell at ';', and a part of 7
# digits or more would count as a second number.
_EXTENSIONS = (
    r"^(?<base>\+?[0-9]+)(?:(?:ext|extn|extension):?(?<explicit>[0-9]{1,20})"
    r"|[x#]:?(?<ambiguous>[0-9]{1,9})|;ext=(?<rfc>[0-9]{1,6}))$"
)
_SCIENTIFIC = (
    r"^(?<plus>\+?)(?<first>[0-9])(?:\.(?<fraction>[0-9]+))?e(?<sign>[+-]?)(?<power>[0-9]+)$"
)

# The types _number_type_helper tries, in its order, before fixed line and mobile.
_TYPE_ORDER = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


@dataclass(frozen=True)
class _Desc:
    """One PhoneNumberDesc: its possible lengths and its anchored pattern."""

    lengths: tuple[int, ...]
    pattern: str

    def matches(self, nsn: pl.Expr) -> pl.Expr:
        """``_is_number_matching_desc``: a possible length, then the whole pattern."""
        hit = nsn.str.contains(self.pattern)
        return nsn.str.len_chars().is_in(self.lengths) & hit if self.lengths else hit


@dataclass(frozen=True, eq=False)
class _Plan:
    """What the fast path needs of one region's (or non-geographic entity's) metadata."""

    country_code: int
    general: _Desc
    general_local: tuple[int, ...]
    types: tuple[tuple[str, _Desc], ...]
    fixed_line: _Desc | None
    mobile: _Desc | None
    same_mobile_and_fixed_line: bool
    leading_digits: str | None
    idd: str | None
    national_prefix: str | None
    strips_simply: bool

    def typed(self, nsn: pl.Series) -> pl.Series:
        """Return the type of each number of ``nsn``, or null (invalid), in the same order.

        The rare types (premium rate, toll free… all but fixed line and mobile) are first
        tested with one pattern for all of them, so the usual number costs two or three
        pattern matches rather than ten; the few rows that pass it are typed apart.
        """
        rare = self.rare_test
        column = pl.col("nsn")
        # each pattern is matched once: general, fixed line, mobile and the rare test, as columns
        frame = (
            nsn.alias("nsn")
            .to_frame()
            .with_columns(
                __general=self.general.matches(column),
                __fixed=self.fixed_line.matches(column) if self.fixed_line else pl.lit(False),
                __mobile=self.mobile.matches(column)
                if self.mobile and not self.same_mobile_and_fixed_line
                else pl.lit(False),
                __rare=pl.lit(False) if rare is None else rare,
            )
        )
        kind = frame.select(self.type_from(rare=False)).to_series().alias("type")
        rows = frame["__rare"].arg_true()
        if not rows.len():
            return kind
        rare_kind = frame.select(pl.all().gather(rows)).select(self.type_from(rare=True))
        return kind.scatter(rows, rare_kind.to_series())

    def type_from(self, *, rare: bool) -> pl.Expr:
        """``_number_type_helper`` as an expression: the type's name, or null (invalid).

        It reads the matches of the general, fixed-line and mobile patterns from the columns
        ``__general``, ``__fixed``, ``__mobile``. ``rare=False`` leaves out the types other
        than fixed line and mobile: for numbers that match none of their patterns.
        """
        nsn = pl.col("nsn")
        chain = pl.when(~pl.col("__general")).then(pl.lit(None, pl.String))
        for name, desc in self.types if rare else ():
            chain = chain.when(desc.matches(nsn)).then(pl.lit(name))
        fixed, mobile = pl.col("__fixed"), pl.col("__mobile")
        if self.fixed_line is not None:
            if self.same_mobile_and_fixed_line:
                chain = chain.when(fixed).then(pl.lit("fixed_line_or_mobile"))
            elif self.mobile is not None:
                chain = chain.when(fixed & mobile).then(pl.lit("fixed_line_or_mobile"))
                chain = chain.when(fixed).then(pl.lit("fixed_line"))
            else:
                chain = chain.when(fixed).then(pl.lit("fixed_line"))
        if self.mobile is not None and not self.same_mobile_and_fixed_line:
            chain = chain.when(mobile).then(pl.lit("mobile"))
        return chain.otherwise(pl.lit(None, pl.String))

    @functools.cached_property
    def rare_test(self) -> pl.Expr | None:
        """Match the rare types' patterns, joined: a number that fails matches none of them.

        None where the region has no rare type.
        """
        patterns = "|".join(desc.pattern for _, desc in self.types)
        return pl.col("nsn").str.contains(patterns) if patterns else None


#: Patterns polars was seen to compile (by :func:`_compiles` or :func:`_all_compile`).
_COMPILING: set[str] = set()


def _compiles(pattern: str) -> bool:
    """Say whether polars (Rust's regex engine) accepts ``pattern``."""
    if pattern in _COMPILING:
        return True
    try:
        pl.Series(["0"]).str.contains(pattern)
    except Exception:  # polars raises ComputeError; any failure means: not usable
        return False
    _COMPILING.add(pattern)
    return True


def _all_compile(patterns: list[str]) -> bool:
    r"""Check ``patterns`` in one polars call and remember them if they all compile.

    A region's patterns are checked together rather than with a call each (a call costs
    more than most compilations); False only says that one of them (at least) does not
    compile, and :func:`_compiles` then tells which.

    Example:
        >>> _all_compile([r"(?:(?-u)^(?:[2-9]\d{9})$)", "(?:^(?:1))"])
        True
        >>> _all_compile([r"(?:(?-u)^(?:[2-9]\d{9})$)", "(?-u)[^0]"])
        False
    """
    try:
        pl.select(pl.lit("0").str.contains(p).alias(f"p{i}") for i, p in enumerate(patterns))
    except Exception:  # polars raises ComputeError; any failure means: check one by one
        return False
    _COMPILING.update(patterns)
    return True


def _translated(pattern: str, template: str, flags: str) -> str:
    """Put ``pattern`` into ``template``, with ``flags`` scoped to a group of its own.

    Example:
        >>> _translated("1|2", "^(?:{})$", "(?-u)")
        '(?:(?-u)^(?:1|2)$)'
    """
    return f"(?:{flags}{template.format(pattern)})"


def _translate(pattern: str, template: str) -> str:
    """Put ``pattern`` into ``template`` for polars, ASCII-only if it compiles so.

    The keys are ASCII digits, on which phonenumbers' digit classes mean the same with or
    without Unicode; without it a pattern compiles and runs faster. The flag is scoped to a
    group of its own, so translated patterns can be joined with ``|``. Raises ValueError
    if the pattern does not compile either way.
    """
    for flags in ("(?-u)", ""):
        translated = _translated(pattern, template, flags)
        if _compiles(translated):
            return translated
    raise ValueError(f"pattern {pattern!r} does not compile in polars")


_ANCHORED = "^(?:{})$"  # a whole national number
_PREFIX = "^((?:{}))"  # a prefix match: the whole match is captured, its length is stripped


def _desc(desc: object) -> _Desc | None:
    """Translate a PhoneNumberDesc; None when it matches nothing (absent or empty pattern)."""
    pattern = getattr(desc, "national_number_pattern", None)
    if desc is None or not pattern:
        return None
    anchored = _translate(pattern, _ANCHORED)
    return _Desc(tuple(getattr(desc, "possible_length", ()) or ()), anchored)


@functools.cache
def _plan(name: str) -> _Plan | None:
    """Build the table of a region ('GB') or non-geographic calling code ('+800'), or None.

    None means the fast path cannot reproduce phonenumbers for it: no metadata, a pattern
    that polars cannot compile, or no possible lengths for its numbers.
    """
    if name.startswith("+"):
        metadata = PhoneMetadata.metadata_for_nongeo_region(int(name[1:]), None)
    else:
        metadata = PhoneMetadata.metadata_for_region(name, None)
    if metadata is None or metadata.general_desc is None:
        return None
    optional = {
        "leading_digits": metadata.leading_digits,
        "idd": metadata.international_prefix,
        "national_prefix": metadata.national_prefix_for_parsing,
    }
    # every pattern's ASCII-only translation checked at once (most compile so)
    descs = [metadata.general_desc, *(getattr(metadata, k) for k in _TYPE_ORDER)]
    numbers = [getattr(d, "national_number_pattern", None) for d in descs]
    numbers += [
        getattr(d, "national_number_pattern", None) for d in (metadata.fixed_line, metadata.mobile)
    ]
    _all_compile(
        [_translated(p, _ANCHORED, "(?-u)") for p in numbers if p]
        + [_translated(p, _PREFIX, "(?-u)") for p in optional.values() if p]
    )
    try:
        general = _desc(metadata.general_desc)
        if general is None or not general.lengths:
            return None
        types = tuple(
            (kind, desc)
            for kind in _TYPE_ORDER
            if (desc := _desc(getattr(metadata, kind))) is not None
        )
        fixed_line, mobile = _desc(metadata.fixed_line), _desc(metadata.mobile)
    except ValueError:
        return None
    try:
        anchored = {key: _translate(p, _PREFIX) if p else None for key, p in optional.items()}
    except ValueError:
        return None
    return _Plan(
        country_code=metadata.country_code,
        general=general,
        general_local=tuple(metadata.general_desc.possible_length_local_only or ()),
        types=types,
        fixed_line=fixed_line,
        mobile=mobile,
        same_mobile_and_fixed_line=bool(metadata.same_mobile_and_fixed_line_pattern),
        leading_digits=anchored["leading_digits"],
        idd=anchored["idd"],
        national_prefix=anchored["national_prefix"],
        strips_simply=not metadata.national_prefix_transform_rule,
    )


def _main_plan_name(code: int) -> str:
    """Name the metadata phonenumbers parses a +``code`` number with: its main region."""
    region = pn.region_code_for_country_code(code)
    return f"+{code}" if region == _NON_GEOGRAPHIC else region


@functools.cache
def _stand_ins() -> pl.Series:
    """Every digit string the slow path's ``_dummy`` flags, up to the longest key.

    One digit repeated (``0000000``), or six or more consecutive digits, up or down
    (``123456``, ``9876543210``): a substring of 0123456789012345678 or of its reverse.
    """
    repeated = {digit * n for digit in "0123456789" for n in range(1, _MAX_KEY + 1)}
    runs = {
        text[start : start + n]
        for text in (_ASCENDING, _DESCENDING)
        for n in range(6, len(text) + 1)
        for start in range(len(text) - n + 1)
    }
    return pl.Series(sorted(repeated | runs), dtype=pl.String)


@functools.cache
def _signed_stand_ins() -> pl.Series:
    """Return the stand-ins of :func:`_stand_ins`, as they are and after a ``+``.

    Example:
        >>> "+0000000" in _signed_stand_ins().to_list(), "0000000" in _signed_stand_ins()
        (True, True)
    """
    return pl.concat([_stand_ins(), "+" + _stand_ins()])


def _is_dummy(digits: pl.Expr) -> pl.Expr:
    """Flag stand-ins as the slow path's ``_dummy`` does: one digit repeated, or a run."""
    return digits.is_in(_stand_ins().implode())


def _dummy_digits() -> pl.Expr:
    """Flag the rows whose ``digits`` (what the stand-in check reads) are a stand-in.

    ``digits`` is null where they are the key's own digits (``+`` left out): the key is
    then tested as it is, against the stand-ins with and without a ``+``.

    Example:
        >>> frame = pl.DataFrame({"key": ["+1111111", "+1111111"], "digits": [None, "11111112"]})
        >>> frame.select(_dummy_digits()).to_series().to_list()
        [True, False]
    """
    digits = pl.col("digits")
    return (
        pl.when(digits.is_null())
        .then(pl.col("key").is_in(_signed_stand_ins().implode()))
        .otherwise(_is_dummy(digits))
    )


def _strip_national_prefix(frame: pl.DataFrame, plan: _Plan) -> pl.DataFrame:
    """Set ``nsn`` from ``national`` as ``parse`` does with ``plan``'s national prefix rule.

    ``_maybe_strip_national_prefix_carrier_code`` (without a transform rule) drops the
    prefix match unless the number fitted the general pattern before and no longer does;
    ``parse`` then keeps the shorter number only if its length is possible (or too long).
    """
    national = pl.col("national")
    if plan.national_prefix is None:
        return frame.with_columns(nsn=national)
    # the number after the prefix match; null where there is none
    prefix = national.str.extract(plan.national_prefix, 1)
    frame = frame.with_columns(__rest=national.str.slice(prefix.str.len_chars()))
    rest = pl.col("__rest")
    # _test_number_length: not TOO_SHORT, IS_POSSIBLE_LOCAL_ONLY or INVALID_LENGTH
    length, lengths = rest.str.len_chars(), plan.general.lengths
    possible = ~length.is_in(plan.general_local) & (
        (length == lengths[0])
        | ((length > lengths[0]) & ((length > lengths[-1]) | length.is_in(lengths[1:])))
    )
    # kept whole if it fitted the general pattern before and no longer does
    fits = rest.str.contains(plan.general.pattern) | ~national.str.contains(plan.general.pattern)
    return frame.with_columns(nsn=pl.when(possible & fits).then(rest).otherwise(national)).drop(
        "__rest"
    )


@functools.cache
def _any_of(patterns: tuple[str, ...]) -> str | None:
    """Join prefix patterns with ``|`` into one that matches where any of them does.

    None if the joined pattern does not compile (the patterns are then tried one by one).

    Example:
        >>> _any_of(("(?:(?-u)^((?:268)))", "(?:(?-u)^((?:264)))"))
        '(?:(?-u)^((?:268)))|(?:(?-u)^((?:264)))'
    """
    joined = "|".join(patterns)
    return joined if _compiles(joined) else None


def _classify(frame: pl.DataFrame, code: int) -> pl.DataFrame:
    """Add ``type`` (null when invalid) and ``own`` (the number's region) to one code's rows.

    For a calling code shared by several regions this is ``_region_code_for_number_from_list``:
    in phonenumbers' order, the first region whose leading digits match (its type then
    decides validity) or, for a region without leading digits, whose type is not UNKNOWN.
    Rows with no such region are invalid. The rows of a run of regions with leading digits
    (the many small regions of +1) are picked out with one pattern, then typed region by
    region, as there are few of them. Only the numbers go from step to step, by position.
    """
    regions = pn.COUNTRY_CODE_TO_REGION_CODE[code]
    plans = [_plan(f"+{code}" if r == _NON_GEOGRAPHIC else r) for r in regions]
    unknown = pl.lit(None, pl.String)
    if any(p is None for p in plans):  # a pattern polars cannot run: no answer here
        return frame.clear().with_columns(type=unknown, own=unknown)
    if len(regions) == 1:
        only = plans[0]
        assert only is not None
        return frame.with_columns(type=only.typed(frame["nsn"]), own=pl.lit(regions[0]))
    numbers, n = frame["nsn"], frame.height
    everything = pl.int_range(n, eager=True, dtype=pl.UInt32)
    left = everything  # positions of the rows no region has taken yet
    # the first step types every row; the later ones' answers are put in place at the end
    kind = own = None
    positions: list[pl.Series] = []
    kinds: list[pl.Series] = []
    owners: list[pl.Series] = []
    steps = list(zip(regions, plans, strict=True))
    while steps and left.len():
        region, plan = steps[0]
        assert plan is not None
        nsn = numbers if left is everything else numbers.gather(left)
        if plan.leading_digits is None:
            typed = plan.typed(nsn)
            valid = typed.is_not_null()
            if left is everything:
                kind = typed
                own = pl.select(pl.when(pl.lit(valid)).then(pl.lit(region))).to_series()
            else:
                positions.append(left.filter(valid))
                kinds.append(typed.filter(valid))
                owners.append(pl.repeat(region, positions[-1].len(), eager=True))
            left = left.filter(~valid)
            steps = steps[1:]
            continue
        run = list(itertools.takewhile(lambda s: s[1] and s[1].leading_digits, steps))
        steps = steps[len(run) :]
        leads = tuple(plan.leading_digits for _, plan in run if plan and plan.leading_digits)
        joined = _any_of(leads)
        hit = (
            nsn.str.contains(joined)
            if joined is not None
            else pl.select(
                pl.any_horizontal(pl.lit(nsn).str.contains(p) for p in leads)
            ).to_series()
        )
        matched, left = left.filter(hit), left.filter(~hit)
        if matched.len():  # few rows: the region first, then each region's rows typed
            column, numbers_hit = pl.col("nsn"), nsn.filter(hit)
            chain = pl.when(pl.lit(False)).then(unknown)  # a chain to add branches to
            for region, plan in run:
                assert plan is not None and plan.leading_digits is not None
                chain = chain.when(column.str.contains(plan.leading_digits)).then(pl.lit(region))
            found = numbers_hit.alias("nsn").to_frame().select(chain).to_series()
            for region, plan in run:
                mine = found == region
                if plan is not None and mine.any():
                    positions.append(matched.filter(mine))
                    kinds.append(plan.typed(numbers_hit.filter(mine)))
                    owners.append(found.filter(mine))
    if kind is None or own is None:
        kind = own = pl.repeat(None, n, dtype=pl.String, eager=True)
    if positions:
        at = pl.concat(positions)
        kind = kind.clone().scatter(at, pl.concat(kinds).cast(pl.String))
        own = own.clone().scatter(at, pl.concat(owners).cast(pl.String))
    return frame.with_columns(type=kind, own=own)


def _repaired(frame: pl.DataFrame) -> pl.DataFrame:
    """Set ``key`` and ``pre`` of the rare keys that are not plain ``+`` and digits.

    ``/`` between parts of one number is dropped (a cell with two numbers of 7 digits or
    more is left to the slow path, which picks one); a number a spreadsheet stored as a
    decimal (``3125550123.0``) or showed in scientific notation with every digit
    (``3.125550123e9``) is repaired, with the slow path's note on the repair in ``pre``.
    """
    raw = pl.col("raw")
    decimal = raw.str.extract(_DECIMAL, 1)
    frame = frame.with_columns(key=decimal, pre=pl.lit(_DECIMAL_NOTE))
    # the decimals (most) are read; the others are tested as exponents, then for a '/'
    others = frame.filter(pl.col("key").is_null()).with_columns(
        __sci=raw.str.extract_groups(_SCIENTIFIC)
    )
    sci = pl.col("__sci")
    fraction = sci.struct["fraction"].fill_null("")
    exact = (sci.struct["sign"] != "-") & (
        fraction.str.len_chars() == sci.struct["power"].cast(pl.Int64, strict=False)
    )
    scientific = pl.when(exact).then(
        pl.concat_str(sci.struct["plus"], sci.struct["first"], fraction)
    )
    slashed = pl.when(raw.str.count_matches("[0-9]{7,}") < 2).then(
        raw.str.replace_all("/", "", literal=True)
    )
    others = others.with_columns(
        key=pl.coalesce(scientific, slashed), pre=pl.when(exact).then(pl.lit(_SCI_NOTE))
    ).drop("__sci")
    return pl.concat(
        [frame.filter(pl.col("key").is_not_null()), others], how="vertical_relaxed"
    ).filter(pl.col("key").str.contains(r"^\+?[0-9]+$"))


def _candidates(
    keys: pl.Series, regions: pl.Series, default: str | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows whose key is ``+`` and digits, with the region they are read in (``known``).

    Columns: ``row`` (position in ``keys``), ``row_region``, ``key``, ``known`` (the region
    the slow path reads it in: the row's or the default, if phonenumbers knows it), ``pre``
    (a spreadsheet repair, see :func:`_repaired`), ``note`` (null here), ``ext`` and
    ``extd`` (an extension, see :func:`_extended`). Also returns the keys that are not
    plain ``+`` and digits (``row``, ``raw``), for :func:`_shortened`.
    """
    frame = pl.DataFrame({"raw": keys.cast(pl.String), "row_region": regions}).with_row_index("row")
    raw = pl.col("raw")
    # one test splits the keys: the plain ones (most), and the few others tested further
    plain = frame["raw"].str.contains(r"^\+?[0-9]+$")
    simple, odd = frame.filter(plain), frame.filter(~plain)
    if (simple["raw"].str.len_bytes() > _MAX_KEY).any():  # ASCII: a byte is a character
        simple = simple.filter(raw.str.len_bytes() <= _MAX_KEY)  # the slow path's limit
    odd = odd.filter(raw.str.len_chars() <= _MAX_KEY)
    none, empty = pl.lit(None, pl.String), pl.lit("")
    parts = [
        simple.with_columns(key=raw, pre=none, ext=none, extd=empty),
        _repaired(odd.filter(raw.str.contains(r"^\+?[0-9][0-9e+./-]*$"))).with_columns(
            ext=none, extd=empty
        ),
        _extended(odd.filter(raw.str.contains(r"[0-9][a-z#;:=]+[0-9]+$"))),
    ]
    where = pl.col("row_region").fill_null(pl.lit(default, pl.String))
    candidates = pl.concat(parts, how="vertical_relaxed").select(
        "row",
        "row_region",
        "key",
        known=pl.when(where.is_in(sorted(_SUPPORTED))).then(where),
        pre="pre",
        note=none,
        ext="ext",
        extd="extd",
    )
    return candidates, odd.select("row", "raw")


def _extended(frame: pl.DataFrame) -> pl.DataFrame:
    """Set ``key`` (the number before the extension), ``ext`` and ``extd`` of keys with one.

    ``extd`` is the extension's digits where the slow path's stand-in check reads them with
    the number's (all forms but ``;ext=``, which it cuts off at the ``;``), else ``""``.
    """
    parts = pl.col("raw").str.extract_groups(_EXTENSIONS)
    ext = pl.coalesce(parts.struct["explicit"], parts.struct["ambiguous"], parts.struct["rfc"])
    return frame.with_columns(
        key=parts.struct["base"],
        pre=pl.lit(None, pl.String),
        ext=ext,
        extd=pl.when(parts.struct["rfc"].is_null()).then(ext).otherwise(pl.lit("")),
    ).filter(pl.col("ext").is_not_null())


def _national_readings(
    frame: pl.DataFrame,
) -> tuple[list[pl.DataFrame], list[tuple[_Plan, pl.DataFrame]]]:
    """Read keys without ``+`` in their row's region: (through its IDD, as national numbers).

    A key that starts with the region's international prefix (011 in North America, 00 in
    most of the world) not followed by a 0 (no calling code starts with one) is read as
    international (``intl``); one that starts with the region's own calling code is dropped
    (phonenumbers may then read it without the country code, a rule left to it). The
    national numbers come with the plan of their region.
    """
    key, intl = pl.col("key"), pl.col("intl")
    international: list[pl.DataFrame] = []
    national: list[tuple[_Plan, pl.DataFrame]] = []
    for (region,), part in frame.partition_by("known", as_dict=True).items():
        plan = _plan(str(region))
        if plan is None:
            continue
        # the few keys that start with the IDD
        if plan.idd is not None and (dialled := part["key"].str.contains(plan.idd)).any():
            after = key.str.slice(key.str.extract(plan.idd, 1).str.len_chars())
            abroad = part.filter(dialled).with_columns(intl=after)
            # read as international unless a 0 follows the prefix
            abroad = abroad.with_columns(intl=pl.when(~intl.str.starts_with("0")).then(intl))
            international.append(abroad.filter(intl.is_not_null()))
            part = pl.concat(
                [part.filter(~dialled), abroad.filter(intl.is_null())], how="vertical_relaxed"
            )
        own_code = str(plan.country_code)
        national.append(
            (
                plan,
                part.filter(~key.str.starts_with(own_code)).with_columns(
                    code=pl.lit(plan.country_code, pl.Int64), national=key
                ),
            )
        )
    return international, national


@functools.cache
def _code_of_start() -> dict[str, int]:
    """Map the first three digits of an international number to its calling code.

    The code is the first of its first 1, 2, 3 digits that is one (none starts with 0).

    Example:
        >>> _code_of_start()["447"], _code_of_start()["120"], "012" in _code_of_start()
        (44, 1, False)
    """
    starts = {}
    for number in range(100, 1000):
        digits = str(number)
        for n in (1, 2, 3):
            if digits[:n] in _CALLING_CODES:
                starts[digits] = int(digits[:n])
                break
    return starts


def _with_digits(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``digits``: what the stand-in check reads, where that is not the key's own digits.

    That is the key after the ``00`` the slow path reads as ``+`` (a row without a region),
    or the key's digits and the extension's (``extd``); null elsewhere — on most rows —
    where the check reads the key itself (see :func:`_dummy_digits`).

    Example:
        >>> frame = pl.DataFrame(
        ...     {"key": ["+4420", "0044", "+4421"], "known": [None, None, "GB"]}
        ... ).with_columns(extd=pl.Series(["", "", "9"]))
        >>> _with_digits(frame).sort("key")["digits"].to_list()
        [None, '44219', '44']
    """
    key, extd = pl.col("key"), pl.col("extd")
    zeros = pl.col("known").is_null() & key.str.starts_with("00")  # the slow path reads +
    frame = frame.with_columns(__own=~zeros & (extd == ""))
    own = pl.col("__own")
    if frame["__own"].all():
        return frame.with_columns(digits=pl.lit(None, pl.String)).drop("__own")
    digits = pl.when(zeros).then(key.str.slice(2)).otherwise(key.str.replace("+", "", literal=True))
    return pl.concat(
        [
            frame.filter(own).with_columns(digits=pl.lit(None, pl.String)),
            frame.filter(~own).with_columns(digits=digits + extd),
        ],
        how="vertical_relaxed",
    ).drop("__own")


_READ_COLUMNS = ["row", "row_region", "key", "known", "pre", "note", "ext", "extd", "digits"]
_READ_COLUMNS += ["code", "nsn"]


def _readings(frame: pl.DataFrame) -> dict[int, pl.DataFrame]:
    """Read each key into calling ``code`` and ``nsn`` exactly as ``phonenumbers.parse`` does.

    ``frame`` has ``row``, ``row_region``, ``key`` (``+`` and digits, or digits), ``known``
    (the region it is read in, or null), ``note`` and ``extd``. Returns the rows read with
    each calling code, with ``digits`` (what the stand-in check reads, see
    :func:`_with_digits`), ``code`` and ``nsn`` added. Keys it cannot read exactly, and keys
    phonenumbers cannot parse, are dropped: the slow path answers for them.
    """
    key, known, intl = pl.col("key"), pl.col("known"), pl.col("intl")
    plus = key.str.starts_with("+")
    zeros = known.is_null() & key.str.starts_with("00")  # the slow path reads them as +
    # the slow path's own shortcut for plain North American numbers (tested against parse):
    # '+1' and ten digits, or ten digits (after a '1') read in a region of +1
    nanp = key.str.contains(r"^(?:\+1|1)?[2-9][0-9]{9}$") & (plus | known.is_in(_NANP))
    frame = _with_digits(frame).with_columns(__nanp=nanp)
    shortcut = frame.filter("__nanp").with_columns(code=pl.lit(1, pl.Int64), nsn=key.str.slice(-10))
    rest = frame.filter(~pl.col("__nanp")).with_columns(
        note=pl.when(zeros).then(pl.lit(_ZERO_NOTE)).otherwise("note"),
        intl=key.str.slice(pl.when(plus).then(1).when(zeros).then(2)),
    )
    international, national = _national_readings(rest.filter(intl.is_null() & known.is_not_null()))
    code = pl.col("code")
    main = {c: _main_plan_name(c) for c in pn.COUNTRY_CODE_TO_REGION_CODE}
    coded = (
        pl.concat([rest.filter(intl.is_not_null()), *international], how="diagonal_relaxed")
        .with_columns(
            code=pl.when(intl.str.len_chars() > _MIN_NSN).then(
                intl.str.head(3).replace_strict(
                    _code_of_start(), default=None, return_dtype=pl.Int64
                )
            )
        )
        .filter(code.is_not_null())
        .with_columns(
            national=intl.str.slice(code.cast(pl.String).str.len_chars()),
            plan=code.replace_strict(main, return_dtype=pl.String),
        )
    )
    read: dict[int, list[pl.DataFrame]] = {1: [shortcut]}
    for (name,), part in coded.partition_by("plan", as_dict=True).items():
        plan = _plan(str(name))
        if plan is not None and plan.strips_simply:
            read.setdefault(plan.country_code, []).append(_strip_national_prefix(part, plan))
    for plan, part in national:
        if plan.strips_simply:
            read.setdefault(plan.country_code, []).append(_strip_national_prefix(part, plan))
    # one chunk per column: a frame whose columns are chunked unlike is rechunked by every
    # operation on it, and the types added to it next come in one chunk
    return {
        code: pl.concat(
            [part.select(_READ_COLUMNS) for part in parts], how="vertical_relaxed", rechunk=True
        )
        for code, parts in read.items()
        if sum(part.height for part in parts)
    }


def _classified(frame: pl.DataFrame) -> pl.DataFrame:
    """Read and classify ``frame`` (see :func:`_readings`); adds ``type``, ``own``, ``usable``.

    ``usable`` is False where the slow path would not keep the reading: phonenumbers would
    raise on its length, or it looks like a stand-in.
    """
    parts = [_classify(part, code) for code, part in _readings(frame).items()]
    if not parts:
        unknown = pl.lit(None, pl.String)
        read = frame.clear().with_columns(digits=unknown, code=pl.lit(None, pl.Int64), nsn=unknown)
        return read.select(_READ_COLUMNS).with_columns(type=unknown, own=unknown, usable=False)
    nsn = pl.col("nsn")
    # one chunk per column (polars joins null columns into one chunk: unlike the others)
    return pl.concat(parts, how="vertical_relaxed", rechunk=True).with_columns(
        usable=nsn.str.len_chars().is_between(_MIN_NSN, _MAX_NSN)
        & ~_is_dummy(nsn)
        & ~_dummy_digits()
    )


def _fallbacks(first: pl.DataFrame) -> pl.DataFrame:
    """Second readings the slow path tries when the first one is not valid.

    ``00…`` read as ``+…`` ("'00' read as the international prefix") and, on a row outside
    North America, ``011…`` read as ``+…`` — kept by the slow path only when the number's
    region is the row's, or the row has none. Readings that reach the slow path's other
    repairs (Mexico's dropped ``1`` and trunk prefixes) are left to it.
    """
    key, nsn = pl.col("key"), pl.col("nsn")
    mexican = ((pl.col("code") == 52) & (nsn.str.len_chars() == 11) & nsn.str.starts_with("1")) | (
        (pl.col("known") == "MX") & key.str.contains("^(?:01|044|045)[0-9]{10}$")
    )
    zeros = key.str.starts_with("00")
    north = key.str.starts_with("011") & ~pl.col("known").is_in(_NANP)
    return (
        first.filter(pl.col("type").is_null(), "usable")  # the few invalid readings first
        .filter(
            ~mexican,
            pl.col("known").is_not_null(),
            pl.col("note").is_null(),
            ~key.str.starts_with("+"),
            zeros | north,
        )
        .select(
            "row",
            "row_region",
            "pre",
            "ext",
            "extd",
            key=pl.format("+{}", pl.when(zeros).then(key.str.slice(2)).otherwise(key.str.slice(3))),
            known=pl.lit(None, pl.String),
            note=pl.when(zeros).then(pl.lit(_ZERO_NOTE)).otherwise(pl.lit(_NORTH_NOTE)),
        )
    )


def read_fast(
    keys: pl.Series, region: pl.Series | str | None = None, default_region: str | None = None
) -> pl.DataFrame:
    """Read the plain numbers among ``keys`` in polars; leave the rest to the slow path.

    ``keys`` are normalize_phone's keys (the cell stripped, lower-cased, without spaces,
    dots, dashes and brackets); ``region`` the row's country (upper-case alpha-2, a Series
    or one code for all rows), ``default_region`` the country for rows without one. Returns
    one row per key: ``claimed`` (True where the answer is certain), and for claimed rows
    ``value`` (E.164), ``code`` and ``message`` (``fixed`` and the repair when the slow path
    would name one, such as ``00`` read as the international prefix or an extension kept
    apart; else null, and normalize_phone adds its "written as"; ``invalid`` and the reason
    for a 7-digit local number of the US), ``ext`` (the extension's
    digits, or null), ``type`` and ``region`` (the number's own; null
    for +800 and the other non-geographic codes) — the answer of the per-value path.

    Example:
        >>> import polars as pl
        >>> out = read_fast(
        ...     pl.Series(["02079460958", "0171/1234567", "0014165550199", "5550123"]),
        ...     pl.Series(["GB", "DE", "US", "JP"]),
        ... )
        >>> out["claimed"].to_list()
        [True, True, True, False]
        >>> out["value"].to_list()
        ['+442079460958', '+491711234567', '+14165550199', None]
        >>> out["region"].to_list()
        ['GB', 'DE', 'CA', None]
        >>> out["message"][2]
        "written as +14165550199: '00' read as the international prefix"
    """
    n = keys.len()
    keys = keys.cast(pl.String).rechunk()
    regions = _regions(region, n)
    candidates, odd = _candidates(keys, regions, default_region)
    first = _classified(candidates)
    invalid = first.filter(pl.col("type").is_null())  # the few rows the repairs below read
    second = _classified(_fallbacks(invalid)).filter(
        pl.col("row_region").is_null()
        | (pl.col("note") == _ZERO_NOTE)
        | (pl.col("own") == pl.col("row_region"))
    )
    valid = pl.col("type").is_not_null() & pl.col("usable")
    # the valid readings, with the columns the answers need
    needed = ["row", "code", "nsn", "pre", "note", "ext", "type", "own", "usable"]
    found = pl.concat(
        [part.select(needed).filter(valid) for part in (first, second)],
        how="vertical_relaxed",
        rechunk=True,
    ).with_columns(
        value=pl.format("+{}{}", pl.col("code"), pl.col("nsn")),
        region=pl.when(pl.col("own") != _NON_GEOGRAPHIC).then(pl.col("own")),
    )
    local = _local(invalid, default_region)
    # only keys that were digits as given or a spreadsheet's number: the slow path reads
    # the parts of '0173/3100909'
    local = local.filter(
        pl.col("pre").is_not_null() | keys.gather(local["row"]).str.contains("^[0-9]+$")
    ).drop("pre")
    # the few readings with a repair to name get a code and a message, the others none
    kept_apart = pl.format("extension {} kept apart", pl.col("ext"))
    note = pl.concat_str("pre", "note", kept_apart, separator="; ", ignore_nulls=True)
    noted = found.filter(pl.any_horizontal(pl.col("pre", "note", "ext").is_not_null())).select(
        "row",
        code=pl.lit("fixed"),
        message=pl.format("written as {}: {}", pl.col("value"), note),
        ext="ext",
    )
    said = pl.concat([noted, local, _shortened(odd)], how="diagonal_relaxed").cast(
        {"row": pl.UInt32, "code": pl.String, "message": pl.String, "ext": pl.String}
    )
    # every row once: where its answer is (if it has one), then a gather
    at_found, at_said = (positions(part["row"], n) for part in (found, said))
    answers = pl.DataFrame(
        {
            "value": found["value"].gather(at_found),
            "code": said["code"].gather(at_said),
            "message": said["message"].gather(at_said),
            "ext": said["ext"].gather(at_said),
            "type": found["type"].gather(at_found),
            "region": found["region"].gather(at_found),
        }
    )
    claimed = pl.col("value").is_not_null() | pl.col("code").is_not_null()
    return answers.select(claimed.alias("claimed"), *FAST_COLUMNS)


def valid_fast(keys: pl.Series, region: pl.Series | str | None) -> pl.DataFrame:
    """Say whether each key is a valid number of the region it is read in, where that is certain.

    ``keys`` and ``region`` as for :func:`read_fast`, without a default region. Returns one
    row per key: ``valid`` — True where :func:`read_fast` reads a valid number, False where
    the slow path is certain to leave the cell empty, null where only the slow path can
    tell — and ``region``, the valid number's own region (null for +800 and the other
    non-geographic codes). It answers without the slow path's messages, so it also settles
    the invalid numbers of every country, not only of North America: a key read exactly
    (``+`` and digits, a spreadsheet's decimal or full exponent, a number and its
    extension) whose reading is not valid (or is a stand-in) is empty in the slow path too,
    except where the slow path tries another reading: keys written with a ``/`` (it reads
    the parts), keys starting ``00`` or ``011`` and Mexico's old forms stay open. Numbers a
    spreadsheet shortened (``3.1e9``) are no number either.

    Example:
        >>> out = valid_fast(
        ...     pl.Series(["02079460958", "02079460958", "3.1e9", "+4915112345678", "0171/12"]),
        ...     pl.Series(["GB", "DE", "US", "US", "DE"]),
        ... )
        >>> out["valid"].to_list(), out["region"].to_list()
        ([True, False, False, True, None], ['GB', None, None, 'DE', None])
    """
    n = keys.len()
    text = keys.cast(pl.String).rechunk()
    candidates, odd = _candidates(text, _regions(region, n), None)
    first = _classified(candidates)
    key, good = pl.col("key"), pl.col("type").is_not_null() & pl.col("usable")
    settled = good | (
        pl.col("plain")
        & ~key.str.starts_with("00")
        & ~key.str.starts_with("011")
        & (pl.col("code") != 52)
        & (pl.col("known") != "MX")
    ).fill_null(False)
    # a '/' splits the cell into parts for the slow path, which may read one on its own
    answers = first.with_columns(
        plain=~text.gather(first["row"]).str.contains("/", literal=True)
    ).select(
        "row",
        valid=pl.when(settled).then(good),
        region=pl.when(good & (pl.col("own") != _NON_GEOGRAPHIC)).then(pl.col("own")),
    )
    lost = _shortened(odd).select("row", valid=pl.lit(False), region=pl.lit(None, pl.String))
    answers = pl.concat([answers, lost.cast({"row": answers.schema["row"]})])
    return answers.select(pl.col("valid", "region").gather(positions(answers["row"], n)))


def _regions(region: pl.Series | str | None, n: int) -> pl.Series:
    """Return the rows' regions as a String Series of length ``n``."""
    if isinstance(region, pl.Series):
        return region.cast(pl.String)
    return pl.repeat(region, n, dtype=pl.String, eager=True)


def _shortened(odd: pl.DataFrame) -> pl.DataFrame:
    """Answer the spreadsheet numbers that are no phone number as the slow path does.

    A number shown in scientific notation with fewer digits than its exponent needs
    (``3.12555e+09``: the last digits are lost) or with more (a decimal number), and one
    with a negative exponent (``3.1e-5``): ``invalid``, with the slow path's reason.
    Exponents that hold every digit are read by :func:`_repaired`. ``odd`` holds the keys
    that are not plain ``+`` and digits (``row``, ``raw``: see :func:`_candidates`); a plain
    one holds no exponent.
    """
    raw = pl.col("raw")
    frame = (
        # one chunk: polars 2.1 panics on some multi-chunk string columns in this query
        odd.rechunk()
        .filter(raw.str.contains("e", literal=True), raw.str.len_chars() <= _MAX_KEY)
        .select("row", sci=raw.str.extract_groups(_SCIENTIFIC))
    )
    sci = pl.col("sci")
    frame = frame.select(
        "row",
        have=sci.struct["fraction"].fill_null("").str.len_chars().cast(pl.Int64),
        power=sci.struct["power"].cast(pl.Int64, strict=False),
        negative=sci.struct["sign"] == "-",
    )
    have, power = pl.col("have"), pl.col("power")
    decimal = pl.lit("is a decimal number, not a phone number; left empty")
    message = (
        pl.when(pl.col("negative") & (power != 0))
        .then(decimal)
        .when(have < power)
        .then(
            pl.format(
                "is in scientific notation with {} significant digits: a spreadsheet "
                "shortened it and the last {} digits are lost; left empty",
                have + 1,
                power - have,
            )
        )
        .when(have > power)
        .then(decimal)
    )
    return (
        frame.filter(power.is_not_null())
        .select("row", code=pl.lit("invalid"), message=message)
        .filter(pl.col("message").is_not_null())
    )


def _local(first: pl.DataFrame, default: str | None) -> pl.DataFrame:
    """Answer an invalid national number of the US (CA, PR, DO, JM) as the slow path does.

    phonenumbers reads ``5550123`` or ``07946318829`` there as a +1 number; no region of +1
    takes it (``type`` is null), and the slow path's reason comes from +1's lengths
    (``is_possible_number_with_reason``): 7 digits is a local number without its area code,
    fewer than 10 too short, 10 not in a range in use, more too long. A number a
    spreadsheet stored as a decimal or in scientific notation (``pre``) is answered alike:
    the slow path repairs it, then names no repair for an invalid number. Left to the slow
    path: keys with an international prefix (``00``, ``011``) or an extension, stand-ins,
    keys written with a ``/`` (left out by :func:`read_fast`), and rows whose country
    differs from a ``default`` outside these regions (the slow path then tries the number in
    ``default``). Columns: ``row``, ``code``, ``message`` and ``pre``.
    """
    row_region, known = pl.col("row_region"), pl.col("known")
    length = pl.col("nsn").str.len_chars()
    lengths, local = _NANP_LENGTHS.possible_length, _NANP_LENGTHS.possible_length_local_only
    shortest, longest = min(lengths), max(lengths)
    message = (
        pl.when(length.is_in(local))
        .then(
            pl.format(
                "has {} digits: a local number without its area code, which is not guessed; "
                "left empty",
                length,
            )
        )
        .when(length < shortest)
        .then(pl.format("is too short for a {} number ({} digits); left empty", known, length))
        .when(length > longest)
        .then(pl.format("is too long for a {} number ({} digits); left empty", known, length))
        .when(length.is_in(lengths))
        .then(
            pl.format(
                "has the length of a {} number but is not in a range in use (unknown area code "
                "or prefix); left empty",
                known,
            )
        )
    )
    return (
        first.filter(pl.col("type").is_null(), "usable")  # the few invalid readings first
        .filter(
            known.is_in(_LOCAL_NANP),
            pl.col("code") == 1,
            pl.col("key").str.contains(r"^[0-9]+$"),
            ~pl.col("key").str.starts_with("00"),
            ~pl.col("key").str.starts_with("011"),
            pl.col("ext").is_null(),
            row_region.is_null()
            | pl.lit(default is None or default in _LOCAL_NANP)
            | (row_region == pl.lit(default)),
        )
        .select("row", "pre", code=pl.lit("invalid"), message=message)
        .filter(pl.col("message").is_not_null())
    )
