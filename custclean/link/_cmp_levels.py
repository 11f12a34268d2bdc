"""The level rules of each comparison, vectorised over a ``PairContext``.

Every rule returns an Int8 numpy array of gammas: -1 when a value is missing on either side,
0 for "else", and higher for stronger agreement, in the order of the comparison's ``levels``
(strongest first). Equality is decided on integer value ids; fuzzy scores are computed only
for the distinct value combinations that still need one. Every rule is symmetric: swapping
left and right gives the same gamma.

Example:
    >>> import polars as pl
    >>> rec = pl.DataFrame({"source_row": [1, 2, 3, 4],
    ...     "dob_digits": ["19800517", "19801705", "19810517", None],
    ...     "suffix_norm": [None, None, None, None]})
    >>> pairs = pl.DataFrame({"source_row_l": [1, 1, 1], "source_row_r": [2, 3, 4]})
    >>> dob_gamma(PairContext(rec, pairs)).tolist()
    [3, 2, -1]
"""

from __future__ import annotations

import numpy as np
import polars as pl

from custclean.link._cmp_context import PairContext
from custclean.link._cmp_prepare import nickname_keys
from custclean.link._cmp_similarity import pair_similarity

__all__ = [
    "PairContext",
    "address_gamma",
    "city_gamma",
    "code_gamma",
    "company_gamma",
    "dob_gamma",
    "email_gamma",
    "first_name_gamma",
    "gender_gamma",
    "last_name_gamma",
    "phone_gamma",
    "postal_gamma",
]


def _levels(missing: np.ndarray, conditions: list[np.ndarray]) -> np.ndarray:
    """Gammas n..1 for ``conditions`` (strongest first), else 0, ``missing`` -1."""
    n = len(conditions)
    choices = [np.int8(n - i) for i in range(n)]
    out = np.select(conditions, choices, default=np.int8(0)).astype(np.int8)
    return np.where(missing, np.int8(-1), out).astype(np.int8)


def _pair(
    ctx: PairContext, name: str, *, keys: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ids left/right, whether a side is missing, and whether both agree.

    ``keys``: only equality is needed, so equality keys do (``PairContext.keys``).
    """
    a, b = ctx.keys(name) if keys else ctx.ids(name)
    missing = (a < 0) | (b < 0)
    return a, b, missing, ~missing & (a == b)


def _at_least(values: np.ndarray, threshold: float) -> np.ndarray:
    """``values >= threshold``; NaN (not scored) is False."""
    return values >= threshold


def _lengths(ctx: PairContext, name: str) -> np.ndarray:
    """Character length of each vocabulary value of ``name`` (index = id)."""
    return ctx.per_value(name, "length", lambda v: v.str.len_chars()).to_numpy().astype(np.int64)


def _first_chars(ctx: PairContext, name: str) -> np.ndarray:
    """Code point of the first character of each vocabulary value (index = id)."""
    chars = ctx.per_value(name, "first_char", lambda v: v.str.slice(0, 1))
    return np.array([ord(c) if c else 0 for c in chars.to_list()], dtype=np.int64)


def _gather(table: np.ndarray, ids: np.ndarray, missing: int = -1) -> np.ndarray:
    """``table[ids]`` with ``missing`` where the id is -1."""
    if table.size == 0:
        return np.full(ids.shape, missing, dtype=np.int64)
    return np.append(table, missing)[ids]  # id -1 picks the appended ``missing``


#: Jaro-Winkler at which two names are one name with a typo.
_TYPO = 0.92
#: Jaro-Winkler at which the second name of a swap may still agree (a worse typo).
_LOOSE = 0.80


def _cross(ctx: PairContext, left: str, right: str, mask: np.ndarray) -> dict[str, np.ndarray]:
    """How ``left`` of the left record agrees with ``right`` of the right one (on ``mask``).

    ``present``: both values there; ``strong``: the same name, a nickname of it or a typo
    (jaro-winkler >= 0.92, same first letter); ``loose``: strong or jaro-winkler >= 0.80 with
    the same first letter.
    """
    a, b = ctx.ids(left)[0], ctx.ids(right)[1]
    present = (a >= 0) & (b >= 0)
    look = mask & present
    chars = _first_chars(ctx, "first_norm")  # shared vocabulary with last_norm
    same_char = _gather(chars, a) == _gather(chars, b)
    jw = ctx.similar(left, right, "jaro_winkler", look & same_char)
    nick = _nickname(ctx, look & (a != b), left, right)
    strong = look & ((a == b) | nick | _at_least(jw, _TYPO))
    loose = strong | (look & _at_least(jw, _LOOSE))
    return {"present": present, "strong": strong, "loose": loose}


def _swap_parts(ctx: PairContext) -> dict[str, np.ndarray]:
    """First and last name compared crosswise, where the direct comparison finds no agreement.

    ``full``: both crosswise names agree (the same name, a nickname, a typo), or one does and
    the other is missing: ``Smith / John`` = ``John / Smith``, ``Koch / Matthias`` =
    ``Matze / Koch``, ``Taylor / -`` = ``Linda / Taylor``. A merely similar second name
    (``Rossi / Mai`` and ``Matilda / Rossi``: a mother and daughter) is no swap.
    ``half``: one crosswise name agrees and the other is present and different (``Riley /
    Gloster`` and ``Gloster / Mia``): only the surname can be said to agree (the first
    names are ``Riley`` and ``Mia``, or the surnames are; either way one name differs), so
    the first names count as different and the household rule still applies.
    Only pairs whose first names differ and whose surnames are not one name are looked at.
    """
    if "swap_parts" in ctx.cache:
        return ctx.cache["swap_parts"]
    fl, fr = ctx.ids("first_norm")
    ll, lr = ctx.ids("last_norm")
    differ = (fl >= 0) & (fr >= 0) & (fl != fr) & ~((ll >= 0) & (ll == lr))
    # at least one crosswise value pair is present
    crossable = ((fl >= 0) & (lr >= 0)) | ((ll >= 0) & (fr >= 0))
    candidate = differ & crossable
    a = _cross(ctx, "first_norm", "last_norm", candidate)
    b = _cross(ctx, "last_norm", "first_norm", candidate)
    # the direct comparison must not already agree (a typo on the surname, the same first name)
    direct_first = _cross(ctx, "first_norm", "first_norm", candidate & (a["strong"] | b["strong"]))
    direct_last = _cross(ctx, "last_norm", "last_norm", candidate & (a["strong"] | b["strong"]))
    unswapped = direct_first["strong"] | direct_last["strong"]
    strong_any = (a["strong"] | b["strong"]) & ~unswapped
    fits_a = a["strong"] | ~a["present"]
    fits_b = b["strong"] | ~b["present"]
    both_present = a["present"] & b["present"]
    full = candidate & strong_any & fits_a & fits_b
    # the other name differs: not even loosely alike (a worse typo is no evidence either way)
    half = candidate & strong_any & both_present & ~full & ~(a["loose"] & b["loose"])
    out = {"full": full, "half": half}
    ctx.cache["swap_parts"] = out
    return out


def _swapped(ctx: PairContext) -> np.ndarray:
    """Whether first and last name agree crosswise (see ``_swap_parts``, ``full``)."""
    return _swap_parts(ctx)["full"]


def _nickname(
    ctx: PairContext, mask: np.ndarray, left: str = "first_norm", right: str = "first_norm"
) -> np.ndarray:
    """Whether the names share a nickname key, exactly or within jaro-winkler 0.92.

    ``left`` of the left record against ``right`` of the right one (first names by default;
    crosswise for swapped names). The fuzzy part catches a nickname on one record and a typo
    on the other (``Tilly`` / ``Matlda``): it is scored only where one side has more than one
    key.
    """
    keys = ctx.per_value("first_norm", "nickname_keys", nickname_keys)

    def compute(unique: pl.DataFrame) -> np.ndarray:
        frame = pl.DataFrame(
            {"kl": keys.gather(unique["lo"]), "kr": keys.gather(unique["hi"])}
        ).with_row_index("row")
        exact = frame.select(pl.col("kl").list.set_intersection("kr").list.len() > 0).to_series()
        result = exact.to_numpy().astype(np.float64)
        fuzzy = (
            frame.filter(~exact & ((pl.col("kl").list.len() > 1) | (pl.col("kr").list.len() > 1)))
            .explode("kl")
            .explode("kr")
        )
        if fuzzy.height:
            sim = pair_similarity(fuzzy["kl"], fuzzy["kr"], "jaro_winkler")
            hits = fuzzy.filter(sim.fill_null(0.0) >= _TYPO)["row"].unique().to_numpy()
            result[hits] = 1.0
        return result

    known = ctx.per_value("first_norm", "has_nickname", lambda v: keys.list.len() > 1)
    fl, fr = ctx.ids(left)[0], ctx.ids(right)[1]
    mask = mask & (_gather(known.to_numpy(), fl, 0) | _gather(known.to_numpy(), fr, 0)).astype(bool)
    return ctx.map_combos(left, right, compute, mask, fill=0.0) > 0


def first_name_gamma(ctx: PairContext) -> np.ndarray:
    """Levels: exact, nickname, swapped, jaro_winkler>=0.92, jaro_winkler>=0.80, initial, else.

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2, 3, 4, 5, 6],
        ...     "first_norm": ["bob", "robert", "j", "john", "smith", "john"],
        ...     "last_norm": ["x", "x", "x", "x", "john", "smith"]})
        >>> pairs = pl.DataFrame({"source_row_l": [1, 3, 5, 1], "source_row_r": [2, 4, 6, 6]})
        >>> first_name_gamma(PairContext(rec, pairs)).tolist()
        [5, 1, 4, 0]
    """
    fl, fr, missing, exact = _pair(ctx, "first_norm")
    differ = ~missing & ~exact
    jw = ctx.similar("first_norm", "first_norm", "jaro_winkler", differ)
    nick = _nickname(ctx, differ)
    lengths, chars = _lengths(ctx, "first_norm"), _first_chars(ctx, "first_norm")
    initial = (
        differ
        & ((_gather(lengths, fl) == 1) | (_gather(lengths, fr) == 1))
        & (_gather(chars, fl) == _gather(chars, fr))
    )
    return _levels(
        missing,
        [exact, nick, _swapped(ctx), _at_least(jw, _TYPO), _at_least(jw, _LOOSE), initial],
    )


def last_name_gamma(ctx: PairContext) -> np.ndarray:
    """Levels: exact, swapped, jaro_winkler>=0.92, contains, jaro_winkler>=0.80, else.

    ``contains``: the words of one surname are all in the other (``Garcia`` / ``Garcia Lopez``,
    ``Jones`` / ``Smith Jones``: maiden and married or double surnames).

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2, 3, 4, 5],
        ...     "last_norm": ["garcia", "garcia lopez", "smith jones", "jones", "smiht"],
        ...     "first_norm": ["a", "a", "b", "b", "c"]})
        >>> pairs = pl.DataFrame({"source_row_l": [1, 3, 1], "source_row_r": [2, 4, 5]})
        >>> last_name_gamma(PairContext(rec, pairs)).tolist()
        [2, 2, 0]
    """
    _, _, missing, exact = _pair(ctx, "last_norm")
    differ = ~missing & ~exact
    jw = ctx.similar("last_norm", "last_norm", "jaro_winkler", differ)
    vocab = ctx.vocab("last_norm")

    def subset(unique: pl.DataFrame) -> np.ndarray:
        a = vocab.gather(unique["lo"]).str.split(" ")
        b = vocab.gather(unique["hi"]).str.split(" ")
        frame = pl.DataFrame({"a": a, "b": b})
        common = frame.select(pl.col("a").list.set_intersection("b").list.len()).to_series()
        shorter = frame.select(pl.min_horizontal(pl.col("a").list.len(), pl.col("b").list.len()))
        return ((common > 0) & (common == shorter.to_series())).to_numpy().astype(np.float64)

    contains = (
        ctx.map_combos("last_norm", "last_norm", subset, differ & ~_at_least(jw, _TYPO), fill=0.0)
        > 0
    )
    swap = _swap_parts(ctx)
    return _levels(
        missing,
        [exact, swap["full"] | swap["half"], _at_least(jw, _TYPO), contains, _at_least(jw, _LOOSE)],
    )


def email_gamma(ctx: PairContext) -> np.ndarray:
    """Levels: exact, local_part (same mailbox name, other domain), edit_distance<=2, else.

    The typo level needs the same domain (the cleaner already fixed misspelt domains), mailbox
    names of four characters or more and lengths at most two apart.

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2, 3, 4, 5],
        ...     "email_norm": ["a.b@x.com", "ab@y.com", "jsmith@x.com", "jsmiht@x.com",
        ...                    "jdoe@x.com"],
        ...     "email_local": ["ab", "ab", "jsmith", "jsmiht", "jdoe"],
        ...     "email_domain": ["x.com", "y.com", "x.com", "x.com", "x.com"]})
        >>> pairs = pl.DataFrame({"source_row_l": [1, 3, 3], "source_row_r": [2, 4, 5]})
        >>> email_gamma(PairContext(rec, pairs)).tolist()
        [2, 1, 0]
    """
    el, er, missing, exact = _pair(ctx, "email_norm")
    xl, xr, _, local = _pair(ctx, "email_local")
    _, _, _, domain = _pair(ctx, "email_domain", keys=True)
    lengths = _lengths(ctx, "email_norm")
    local_lengths = _lengths(ctx, "email_local")
    near = (
        ~missing
        & ~exact
        & ~local
        & domain
        & (np.abs(_gather(lengths, el, 0) - _gather(lengths, er, 0)) <= 2)
        & (np.minimum(_gather(local_lengths, xl, 0), _gather(local_lengths, xr, 0)) >= 4)
    )
    dist = ctx.similar("email_norm", "email_norm", "levenshtein", near)
    typo = near & (dist <= 2)  # NaN (not scored) is False
    return _levels(missing, [exact, local, typo])


def phone_gamma(ctx: PairContext) -> np.ndarray:
    """Levels: cell_exact, exact (any of cell / work on either side), last_7 digits, else.

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2, 3, 4],
        ...     "cell_e164": ["+13125550123", "+13125550123", None, "+13135550123"],
        ...     "work_e164": [None, None, "+13125550123", None],
        ...     "cell_last7": ["5550123", "5550123", None, "5550123"],
        ...     "work_last7": [None, None, "5550123", None]})
        >>> pairs = pl.DataFrame({"source_row_l": [1, 1, 1], "source_row_r": [2, 3, 4]})
        >>> phone_gamma(PairContext(rec, pairs)).tolist()
        [3, 2, 1]
    """
    cl, cr = ctx.keys("cell_e164")
    wl, wr = ctx.keys("work_e164")
    missing = ((cl < 0) & (wl < 0)) | ((cr < 0) & (wr < 0))

    def crossing(cell: str, work: str) -> np.ndarray:
        a, b = ctx.keys(cell)
        c, d = ctx.keys(work)
        return (
            ((a >= 0) & (a == b))
            | ((a >= 0) & (a == d))
            | ((c >= 0) & (c == b))
            | ((c >= 0) & (c == d))
        )

    cell = (cl >= 0) & (cl == cr)
    return _levels(
        missing, [cell, crossing("cell_e164", "work_e164"), crossing("cell_last7", "work_last7")]
    )


def _dob_parts(ctx: PairContext) -> dict[str, np.ndarray]:
    """Per date-of-birth vocabulary value (index = id; id -1 → the last entry, all zero).

    ``year``, ``month``, ``day`` of the integer YYYYMMDD and ``digits``: its last eight decimal
    digits packed four bits each, so two dates' differing digits are the non-zero nibbles of
    their XOR.
    """
    if "dob_parts" not in ctx.cache:
        vocab = ctx.vocab("dob_digits")
        x = np.append(vocab.cast(pl.Int64, strict=False).fill_null(0).to_numpy(), 0)
        digits = np.zeros(x.size, dtype=np.uint32)
        rest = x.copy()
        for i in range(8):
            digits |= (rest % 10).astype(np.uint32) << np.uint32(4 * i)
            rest //= 10
        ctx.cache["dob_parts"] = {
            "year": x // 10000,
            "month": x // 100 % 100,
            "day": x % 100,
            "digits": digits,
        }
    return ctx.cache["dob_parts"]


def _differing_digits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Count the differing decimal digits of two nibble-packed numbers."""
    x = a ^ b
    x |= x >> np.uint32(1)
    x |= x >> np.uint32(2)
    return np.bitwise_count(x & np.uint32(0x11111111))


#: Two birth dates fewer months apart than this cannot be a parent's and a child's.
GENERATION_MONTHS = 15 * 12


def dob_gamma(ctx: PairContext) -> np.ndarray:
    """Levels: exact, day_month_swapped, one_digit_or_year_off, under_15_years, else.

    ``under_15_years``: two different dates less than ``GENERATION_MONTHS`` apart (by year and
    month): a wrong date, not a parent and child. "else": dates a generation apart or more,
    and different generation suffixes (``Jr`` / ``Sr``), even when a date is missing. Only
    the pairs with two different dates are looked at closely.

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2, 3],
        ...     "dob_digits": ["19800517", "19870301", "19550517"],
        ...     "suffix_norm": [None, None, None]})
        >>> pairs = pl.DataFrame({"source_row_l": [1, 1], "source_row_r": [2, 3]})
        >>> dob_gamma(PairContext(rec, pairs)).tolist()
        [1, 0]
    """
    dl, dr, missing, exact = _pair(ctx, "dob_digits")
    sl, sr, _, same_suffix = _pair(ctx, "suffix_norm", keys=True)
    generation = (sl >= 0) & (sr >= 0) & ~same_suffix
    rows = np.flatnonzero(~missing & ~exact)
    parts = _dob_parts(ctx)
    a, b = dl[rows], dr[rows]
    year_a, year_b = parts["year"][a], parts["year"][b]
    mm_a, mm_b = parts["month"][a], parts["month"][b]
    dd_a, dd_b = parts["day"][a], parts["day"][b]
    swapped = np.zeros(ctx.n, dtype=bool)
    swapped[rows] = (year_a == year_b) & (mm_a == dd_b) & (dd_a == mm_b) & (mm_a != dd_a)
    year_off = (np.abs(year_a - year_b) == 1) & (mm_a == mm_b) & (dd_a == dd_b)
    one_digit = _differing_digits(parts["digits"][a], parts["digits"][b]) == 1
    near = np.zeros(ctx.n, dtype=bool)
    near[rows] = one_digit | year_off
    months = np.abs((year_a * 12 + mm_a) - (year_b * 12 + mm_b))
    close = np.zeros(ctx.n, dtype=bool)
    close[rows] = months < GENERATION_MONTHS
    return _levels(
        missing & ~generation,
        [exact & ~generation, swapped & ~generation, near & ~generation, close & ~generation],
    )


def address_gamma(ctx: PairContext) -> np.ndarray:
    """Levels: exact, token_set>=0.90, token_set>=0.70, street_number_missing, else.

    The house numbers must agree for the token-set levels. ``street_number_missing``: one
    side has no house number and the streets are nearly the same (ratio >= 0.90 with the
    numbers left out): a number left off is missing evidence, not a different address. An
    address without a street word (a bare house number) has no street to compare: missing,
    so it never agrees by being contained in every address with that number.

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2, 3, 4, 5, 6],
        ...     "address_norm": ["12 elm st", "12 elm st", "elm street 12", "14 elm st",
        ...                      "elm st", "12"],
        ...     "house_number": ["12", "12", "12", "14", None, "12"]})
        >>> pairs = pl.DataFrame({"source_row_l": [1, 1, 1, 1, 1],
        ...                       "source_row_r": [2, 3, 4, 5, 6]})
        >>> address_gamma(PairContext(rec, pairs)).tolist()
        [4, 2, 0, 1, -1]
    """
    al, ar, missing, exact = _pair(ctx, "address_norm")
    street = ctx.per_value("address_norm", "has_street", lambda v: v.str.contains("[a-z]"))
    street = street.to_numpy().astype(bool)
    missing = missing | ~_gather(street, al, 0).astype(bool) | ~_gather(street, ar, 0).astype(bool)
    exact = exact & ~missing
    hl, hr = ctx.keys("house_number")
    numbers = hl == hr  # both missing agree too
    sim = ctx.similar("address_norm", "address_norm", "token_set", ~missing & ~exact & numbers)
    lines = _address_lines_similarity(ctx, ~missing & ~exact & ~_at_least(sim, 0.90))
    sim = np.fmax(sim, lines)
    no_number = ~missing & ~exact & ((hl < 0) != (hr < 0)) & ~_at_least(sim, 0.70)
    same_street = _at_least(_street_similarity(ctx, no_number), 0.90)
    return _levels(
        missing, [exact, _at_least(sim, 0.90), _at_least(sim, 0.70), no_number & same_street]
    )


def _street_similarity(ctx: PairContext, mask: np.ndarray) -> np.ndarray:
    """Similarity (rapidfuzz ratio) of the address1 lines with their numbers left out.

    NaN where not compared.

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2],
        ...     "address_norm": ["colebatch place", "112 colebatch lace"]})
        >>> pairs = pl.DataFrame({"source_row_l": [1], "source_row_r": [2]})
        >>> _street_similarity(PairContext(rec, pairs), np.array([True])).round(2)
        array([0.97])
    """
    vocab = ctx.vocab("address_norm")

    def compute(unique: pl.DataFrame) -> np.ndarray:
        def words(ids: pl.Series) -> pl.Series:
            value = vocab.gather(ids).str.replace_all(r"\d+", " ")
            return value.str.replace_all(r" +", " ").str.strip_chars(" ")

        sim = pair_similarity(words(unique["lo"]), words(unique["hi"]), "ratio")
        return sim.fill_null(0.0).to_numpy()

    return ctx.map_combos("address_norm", "address_norm", compute, mask)


def _address_lines_similarity(ctx: PairContext, mask: np.ndarray) -> np.ndarray:
    """Token-set similarity of both address lines taken as one, where a record has an address2.

    Lists split an address over two lines differently (``8 Fawkner St`` / ``Emerald College``
    and ``8 Emerald College`` / ``Fawkner St``): read as one set of words, the lines agree.
    The numbers of both lines must be the same set. A record without an address2 takes part
    with its address1 alone. NaN where not compared.

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2, 3],
        ...     "address_norm": ["8 fawkner st", "8 emerald college", "8 elm st"],
        ...     "address_lines": ["8 fawkner st emerald college", "8 emerald college fawkner st",
        ...                       None],
        ...     "line_numbers": ["8", "8", "8"]})
        >>> pairs = pl.DataFrame({"source_row_l": [1, 2], "source_row_r": [2, 3]})
        >>> _address_lines_similarity(PairContext(rec, pairs), np.array([True, True])).round(2)
        array([1.  , 0.67])
    """
    nl, nr = ctx.keys("line_numbers")
    look = mask & (nl == nr)
    al, ar = ctx.ids("address_lines")
    left, right = al >= 0, ar >= 0
    out = np.full(ctx.n, np.nan)
    for a, b, where in (
        ("address_lines", "address_lines", left & right),
        ("address_lines", "address_norm", left & ~right),
        ("address_norm", "address_lines", ~left & right),
    ):
        if (look & where).any():
            out = np.fmax(out, ctx.similar(a, b, "token_set", look & where))
    return out


def postal_gamma(ctx: PairContext) -> np.ndarray:
    """Levels: exact, transposed (two neighbouring characters swapped), prefix_3, else.

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2, 3, 4],
        ...     "zip_norm": ["6285", "6258", "6289", "2658"],
        ...     "zip_prefix": ["628", "625", "628", "265"]})
        >>> pairs = pl.DataFrame({"source_row_l": [1, 1, 1], "source_row_r": [2, 3, 4]})
        >>> postal_gamma(PairContext(rec, pairs)).tolist()
        [2, 1, 0]
    """
    _, _, missing, exact = _pair(ctx, "zip_norm", keys=True)
    _, _, _, prefix = _pair(ctx, "zip_prefix", keys=True)
    transposed = _transposed(ctx, "zip_norm", ~missing & ~exact)
    return _levels(missing, [exact, transposed, prefix & ~transposed])


def _transposed(ctx: PairContext, name: str, mask: np.ndarray) -> np.ndarray:
    """Whether the values of ``name`` differ by one swap of two neighbouring characters.

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2, 3], "zip_norm": ["6076", "0676", "6706"]})
        >>> pairs = pl.DataFrame({"source_row_l": [1, 1], "source_row_r": [2, 3]})
        >>> _transposed(PairContext(rec, pairs), "zip_norm", np.array([True, True])).tolist()
        [True, True]
    """
    vocab = ctx.vocab(name)

    def compute(unique: pl.DataFrame) -> np.ndarray:
        a, b = vocab.gather(unique["lo"]), vocab.gather(unique["hi"])
        frame = pl.DataFrame({"a": a, "b": b}).with_columns(n=pl.col("a").str.len_chars())
        same_length = pl.col("n") == pl.col("b").str.len_chars()
        width = int(frame["n"].max() or 0)
        hit = pl.lit(False)
        for k in range(max(width - 1, 0)):
            swapped = pl.concat_str(
                pl.col("a").str.slice(0, k),
                pl.col("a").str.slice(k + 1, 1),
                pl.col("a").str.slice(k, 1),
                pl.col("a").str.slice(k + 2),
            )
            hit = hit | ((pl.col("n") >= k + 2) & (swapped == pl.col("b")))
        return frame.select(same_length & hit).to_series().to_numpy().astype(np.float64)

    return ctx.map_combos(name, name, compute, mask, fill=0.0) > 0


def city_gamma(ctx: PairContext) -> np.ndarray:
    """Levels: exact, jaro_winkler>=0.90, else; missing when both postal codes agree.

    The postal code already says where a record is, and a city agrees whenever the postal
    code does: counting both would count one fact twice. When both postal codes are there
    and differ, an agreeing city says the postal code has a typo and counts; a different
    city would repeat what the postal codes said and is not counted (missing).

    Example:
        >>> rec = pl.DataFrame({"source_row": [1, 2, 3], "city_norm": ["koln", "koeln", "koln"],
        ...     "zip_norm": [None, "50667", "50667"]})
        >>> pairs = pl.DataFrame({"source_row_l": [1, 2], "source_row_r": [2, 3]})
        >>> city_gamma(PairContext(rec, pairs)).tolist()
        [1, -1]
    """
    _, _, missing, exact = _pair(ctx, "city_norm")
    zl, zr = ctx.keys("zip_norm")
    both = (zl >= 0) & (zr >= 0)
    missing = missing | (both & (zl == zr))
    jw = ctx.similar("city_norm", "city_norm", "jaro_winkler", ~missing & ~exact)
    out = _levels(missing, [exact, _at_least(jw, 0.90)])
    # different postal codes already say "elsewhere": a different city would say it twice
    return np.where(both & (out == 0), np.int8(-1), out).astype(np.int8)


def company_gamma(ctx: PairContext) -> np.ndarray:
    """Levels: exact, token_set>=0.85, else."""
    _, _, missing, exact = _pair(ctx, "company_norm")
    sim = ctx.similar("company_norm", "company_norm", "token_set", ~missing & ~exact)
    return _levels(missing, [exact, _at_least(sim, 0.85)])


def gender_gamma(ctx: PairContext) -> np.ndarray:
    """Levels: exact, else."""
    _, _, missing, exact = _pair(ctx, "gender_norm", keys=True)
    return _levels(missing, [exact])


def code_gamma(ctx: PairContext) -> np.ndarray:
    """Levels: exact, else."""
    _, _, missing, exact = _pair(ctx, "code_norm", keys=True)
    return _levels(missing, [exact])
