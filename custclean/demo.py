"""Seeded, realistic, messy customer lists that come with their truth.

``generate`` builds a customer list the way an old point-of-sale system would export it
(``messy``), the exact clean value of every field a perfect cleaner should produce
(``truth``), the list of every mess applied (``messes``, one row per mess, to break accuracy
down by kind) and the customers an account already holds (``existing``). ``write_demo`` writes
the same list as CSV (UTF-8 and Windows-1252), XLSX and JSON beside its truth.

Everything is drawn from ``random.Random(seed)``: the same arguments give identical frames and
byte-identical files. The pools (names, places, streets, vocabularies) are the CSV tables
``reference_data/demo_*.csv``.

Truth conventions (the design's normalised forms): phones E.164 with the extension apart in
``cell_phone_ext`` / ``work_phone_ext``; ``dob`` ``YYYY-MM-DD``; ``gender`` ``male`` /
``female`` / null; ``country`` ISO 3166-1 alpha-2; ``state`` the ISO 3166-2 code without the
country prefix; ``zip`` in the country's own format; every column text. Where a mess makes a
value unresolvable (see ``UNRESOLVABLE``) the truth is null. Case-only messes of names and
cities (``name_upper``, ``name_lower``, ``city_upper``, ``city_lower``) keep the properly cased
value in the truth; duplicate-record variations (``dup_*``) are *not* messes to undo: the truth
holds the varied value (a nickname, a typo, swapped names, the new address).

Example:
    >>> d = generate(200, seed=1)
    >>> d.messy.height == d.truth.height == 200
    True
    >>> d.truth["source_row"].to_list()[:3]
    [1, 2, 3]
    >>> set(d.messes.columns) == {"source_row", "field", "mess"}
    True
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import phonenumbers
import polars as pl
import pycountry
from phonenumbers import PhoneMetadata

from custclean.fields import field_names
from custclean.reference import load_table

__all__ = [
    "DEFAULT_COUNTRIES",
    "MESSY_HEADERS",
    "MESS_KINDS",
    "UNRESOLVABLE",
    "DemoData",
    "generate",
    "write_demo",
]

#: The countries drawn by default.
DEFAULT_COUNTRIES: tuple[str, ...] = ("US", "CA", "GB", "AU", "DE", "MX")

#: Header of every canonical field in a messy export (``headers="messy"``).
MESSY_HEADERS: dict[str, str] = {
    "customer_code": "Cust #",
    "first_name": "First Name",
    "last_name": "Surname",
    "company": "Company",
    "email": "E-mail Address",
    "cell_phone": "Mobile #",
    "work_phone": "Work Phone",
    "dob": "DOB",
    "gender": "Sex",
    "address1": "Street",
    "address2": "Address 2",
    "city": "City",
    "state": "Province/State",
    "zip": "Zip/Postal Code",
    "country": "Country",
    "note_type": "Note Type",
    "notes": "Notes",
    "location_id": "Store",
}

#: Every mess kind ``generate`` applies, with what it does. ``dup_*`` kinds are the
#: variations of a duplicate record of the same person (the truth keeps the varied value).
MESS_KINDS: dict[str, str] = {
    "country_alpha3": "country as ISO alpha-3 (USA, DEU)",
    "country_name": "country as its English name (Germany)",
    "country_native": "country in its own language (Deutschland, México)",
    "country_alias": "country alias (U.S.A., America, UK, Great Britain, England, BRD)",
    "country_case": "country in random case (gERMANY, usa)",
    "country_punct": "stray dots or spaces around the country",
    "country_blank": "country left empty; the state names it unambiguously",
    "state_name": "state as its English name (Massachusetts, Bavaria, Nuevo Leon)",
    "state_local_name": "state in its own language (Bayern, Québec, Nuevo León)",
    "state_old_abbrev": "dotted or old abbreviation (Calif., Mass., N.Y., NRW, CDMX)",
    "state_case": "state in random case",
    "state_blank": "GB record without a nation (truth null)",
    "zip_lost_zero": "leading zero lost (2134 for 02134)",
    "zip_float": "postal code as a spreadsheet float (2134.0)",
    "zip_plus4": "ZIP+4 without its dash (021341234, 02134 1234)",
    "zip_no_space": "CA / GB postal code without its space",
    "zip_lower_case": "CA / GB postal code in lower case",
    "zip_truncated": "only the first three characters (truth null)",
    "zip_whitespace": "surrounding spaces",
    "zip_country_prefix": "country prefix on the code (D-10115, C.P. 06600)",
    "phone_national": "national format ((312) 555-0123, 020 7946 0958, 0151/23456789)",
    "phone_dots": "groups separated by dots",
    "phone_dashes": "groups separated by dashes",
    "phone_digits": "national digits only (3125550123, 02079460958)",
    "phone_intl": "international format with + and spaces",
    "phone_intl_00": "international with the 00 exit code (0044 20 ..., 001 312 ...)",
    "phone_intl_011": "international with the North American exit code 011",
    "phone_trunk_zero": "international with the trunk zero kept: +44 (0)20 ...",
    "phone_leading_1": "North American number with the leading 1 (1-312-555-0123)",
    "phone_float": "national digits as a spreadsheet float (3125550123.0)",
    "phone_sci": "exact scientific notation, every digit kept (3.125550120E9)",
    "phone_sci_lossy": "rounded scientific notation 3.12555E+09 (truth null)",
    "phone_local7": "seven-digit local number without area code (truth null)",
    "phone_ext": "extension appended (x123, ext. 45, ;ext=45); truth in *_ext",
    "dob_us": "US month-first date (05/17/1980, 5/17/1980), US records only",
    "dob_day_first": "day-first date (17/05/1980, 17-05-1980), GB AU DE MX records",
    "dob_dotted": "German dotted date (17.05.1980)",
    "dob_text_en": "English month name (17 May 1980, May 17, 1980, 17-Sep-1980)",
    "dob_text_es": "Spanish month name (17 de mayo de 1980), MX records",
    "dob_text_de": "German month name (17. Mai 1980), DE records",
    "dob_timestamp": "ISO timestamp (1980-05-17T00:00:00)",
    "dob_excel_serial": "Excel serial day number (29358)",
    "dob_two_digit_year": "two-digit year, always 19xx (5/17/80, 17/05/80, 17.05.80)",
    "dob_impossible": "impossible day (1985-02-30, 31/04/1990) (truth null)",
    "dob_zero": "all-zero date 00/00/0000 (truth null)",
    "dob_placeholder": "placeholder 1900-01-01 (truth null)",
    "dob_future": "birth date in the future (truth null)",
    "email_upper": "upper or title case",
    "email_spaces": "surrounding spaces",
    "email_mailto": "mailto: prefix",
    "email_display_name": "display name: John Smith <john@x.com>",
    "email_domain_typo": "misspelt domain (gmial.com, hotmial.com); truth corrected",
    "email_placeholder": "stand-in address (none@none.com, noemail@) (truth null)",
    "gender_code": "one letter (M, F, W, m, f)",
    "gender_word": "English word in any case (Male, FEMALE, Woman)",
    "gender_foreign": "French, Spanish or German word (Femme, Hombre, Weiblich)",
    "gender_dotted": "abbreviation with a dot (m., f., fem.)",
    "gender_unknown": "X, ?, U, Unknown, Divers (truth null)",
    "name_upper": "name in upper case (case-only; truth properly cased)",
    "name_lower": "name in lower case (case-only; truth properly cased)",
    "name_whitespace": "stray spaces",
    "name_honorific": "honorific glued on (Mr. John, Frau Anna); truth without it",
    "name_suffix": "suffix glued on (Smith Jr., Smith, III); truth without it",
    "name_placeholder": "N/A, test, unknown as the name (truth null)",
    "name_mojibake": "UTF-8 read as Windows-1252 (MÃ¼ller); truth repaired",
    "city_upper": "city in upper case (case-only)",
    "city_lower": "city in lower case (case-only)",
    "city_whitespace": "stray spaces",
    "city_mojibake": "UTF-8 read as Windows-1252 (MontrÃ©al)",
    "address_whitespace": "stray or doubled spaces",
    "note_type_case": "note type in another case (vip, ALLERGY)",
    "note_type_whitespace": "surrounding spaces",
    "code_whitespace": "customer code with surrounding spaces",
    "location_float": "store number as a float (2.0)",
    "dup_nickname": "duplicate record uses a nickname (Bob for Robert)",
    "dup_name_typo": "duplicate record with a typo in the name",
    "dup_name_swap": "duplicate record with first and last name swapped",
    "dup_accents_stripped": "duplicate record without accents (Jose for José)",
    "dup_moved": "duplicate record at a new address",
    "dup_new_email": "duplicate record with another e-mail address",
    "dup_no_email": "duplicate record without e-mail",
    "dup_new_phone": "duplicate record with another cell phone",
    "dup_no_phone": "duplicate record without cell phone",
    "dup_no_dob": "duplicate record without date of birth",
    "dup_code_blank": "duplicate record without customer code",
    "dup_code_new": "duplicate record with another customer code",
    "dup_other_store": "duplicate record at another store",
}

#: Mess kinds after which the value cannot be recovered: the truth of that field is null.
UNRESOLVABLE: frozenset[str] = frozenset(
    {
        "state_blank",
        "zip_truncated",
        "phone_sci_lossy",
        "phone_local7",
        "dob_impossible",
        "dob_zero",
        "dob_placeholder",
        "dob_future",
        "email_placeholder",
        "gender_unknown",
        "name_placeholder",
    }
)

_TRUTH_FIELDS: tuple[str, ...] = (
    "customer_code",
    "first_name",
    "last_name",
    "company",
    "email",
    "cell_phone",
    "cell_phone_ext",
    "work_phone",
    "work_phone_ext",
    "dob",
    "gender",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "country",
    "note_type",
    "notes",
    "location_id",
)

_NANP = frozenset({"US", "CA"})
_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()
_UNIX_EPOCH = dt.date(1970, 1, 1).toordinal()
_DOB_FIRST = dt.date(1940, 1, 1)
_DOB_LAST = dt.date(2006, 12, 31)
_HOUSE_MAX: dict[str, int] = {"DE": 160, "GB": 240, "MX": 3200}
_EXISTING_SHARE = 0.3
_EXISTING_ONLY_SHARE = 0.1
_EXISTING_ID_BASE = 100_000


@dataclass(frozen=True, slots=True)
class DemoData:
    """A generated customer list with its truth.

    Attributes:
        messy: the list as an old system exports it; every column text, no ``source_row``.
        truth: ``source_row``, ``entity_id``, ``household_id`` and the clean value of every
            canonical field (plus ``cell_phone_ext`` and ``work_phone_ext``).
        messes: one row per mess applied: ``source_row``, ``field``, ``mess``.
        existing: the customers the account already holds (clean canonical fields,
            ``existing_id`` and ``entity_id``).

    Example:
        >>> d = generate(50, seed=3)
        >>> d.truth.columns[:3]
        ['source_row', 'entity_id', 'household_id']
    """

    messy: pl.DataFrame
    truth: pl.DataFrame
    messes: pl.DataFrame
    existing: pl.DataFrame


# --------------------------------------------------------------------------------------
# randomness: everything comes from one random.Random, in bulk through randbytes
# --------------------------------------------------------------------------------------


class _Rand:
    """Bulk draws from one ``random.Random``: deterministic for a seed on every platform."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def u32(self, n: int) -> pl.Series:
        """Return ``n`` uniform integers in ``[0, 2**32)`` as Int64."""
        parts: list[pl.Series] = []
        while n > 0:
            k = min(n, 1 << 20)
            blob = pl.Series("u", [self.rng.randbytes(4 * k)], dtype=pl.Binary)
            words = blob.bin.reinterpret(dtype=pl.Array(pl.UInt32, k), endianness="little")
            parts.append(words.arr.explode().cast(pl.Int64))
            n -= k
        if not parts:
            return pl.Series("u", [], dtype=pl.Int64)
        return pl.concat(parts) if len(parts) > 1 else parts[0]

    def uniform(self, n: int) -> pl.Series:
        """Return ``n`` uniform floats in ``[0, 1)``."""
        return self.u32(n) / 4_294_967_296.0

    def below(self, n: int, k: int | pl.Series) -> pl.Series:
        """Return ``n`` uniform integers in ``[0, k)`` (``k`` a number or one per row)."""
        return (self.u32(n) * k) // 4_294_967_296

    def bernoulli_rows(self, n: int, p: float) -> pl.Series:
        """Return the sorted rows of ``0 .. n-1`` that each pass a coin with chance ``p``.

        The gaps between chosen rows are drawn (geometric), so the cost follows the number
        of rows chosen, not ``n``.
        """
        if p <= 0 or n <= 0:
            return pl.Series("row", [], dtype=pl.Int64)
        if p >= 1:
            return pl.int_range(n, eager=True, dtype=pl.Int64).alias("row")
        log_q = math.log1p(-p)
        parts: list[pl.Series] = []
        last = -1
        while last < n - 1:
            expect = p * (n - 1 - last)
            m = int(expect + 6 * math.sqrt(expect) + 16)
            u = (self.u32(m) + 1) / 4_294_967_296.0
            gaps = (u.log() / log_q).floor().cast(pl.Int64) + 1
            rows = gaps.cum_sum() + last
            parts.append(rows.filter(rows < n))
            last = rows[-1]
        return pl.concat(parts).alias("row")

    def permutation(self, n: int) -> pl.Series:
        """Return a random permutation of ``0 .. n-1``."""
        # unique keys (random high bits, the index below) sort the same way everywhere
        index = pl.int_range(n, eager=True, dtype=pl.Int64)
        key = self.u32(n) * (1 << 31) + index
        return key.arg_sort().cast(pl.Int64)

    def choice_index(self, n: int, weights: Sequence[float]) -> pl.Series:
        """Return ``n`` indices into ``weights``, drawn in proportion to them."""
        total = float(sum(weights))
        cum: list[float] = []
        acc = 0.0
        for w in weights:
            acc += w / total
            cum.append(acc)
        cum[-1] = 1.0
        idx = pl.Series(cum).search_sorted(self.uniform(n), side="right")
        return idx.clip(0, len(weights) - 1).cast(pl.Int64)


# --------------------------------------------------------------------------------------
# pools: the reference tables, loaded once
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pool:
    """A table sorted by a group key, with where each group starts and how long it is."""

    frame: pl.DataFrame
    start: dict[str, int]
    count: dict[str, int]

    def pick(self, r: _Rand, keys: pl.Series) -> pl.Series:
        """Return one random row index per key, uniform within the key's group."""
        missing = sorted(set(keys.unique().drop_nulls().to_list()) - set(self.start))
        if missing:
            raise ValueError(f"demo pools have no entries for {', '.join(missing)}")
        start = keys.replace_strict(self.start, return_dtype=pl.Int64)
        count = keys.replace_strict(self.count, return_dtype=pl.Int64)
        return start + r.below(keys.len(), count)

    def pick_words(self, r: _Rand, keys: pl.Series) -> pl.Series:
        """Return one random ``word`` per key, null where the pool has none for the key."""
        start = keys.replace_strict(self.start, default=None, return_dtype=pl.Int64)
        count = keys.replace_strict(self.count, default=1, return_dtype=pl.Int64)
        return self.frame["word"].gather(start + r.below(keys.len(), count))


def _pool(frame: pl.DataFrame, key: pl.Expr) -> _Pool:
    frame = frame.with_columns(_key=key).sort("_key", maintain_order=True)
    groups = (
        frame.with_row_index("_i")
        .group_by("_key", maintain_order=True)
        .agg(start=pl.col("_i").min(), count=pl.len())
    )
    start = dict(zip(groups["_key"].to_list(), groups["start"].to_list(), strict=True))
    count = dict(zip(groups["_key"].to_list(), groups["count"].to_list(), strict=True))
    return _Pool(frame, start, count)


def _word_pool(words: dict[str, list[str]]) -> _Pool:
    rows = [(key, word) for key in sorted(words) for word in words[key]]
    frame = pl.DataFrame(rows, schema={"key": pl.String, "word": pl.String}, orient="row")
    return _pool(frame, pl.col("key"))


@dataclass(frozen=True, slots=True)
class _Pools:
    places: _Pool
    first: _Pool
    last: _Pool
    streets: _Pool
    mobiles: _Pool
    vocab: dict[tuple[str, str], list[tuple[str, str]]]
    state_keys: dict[str, str | None]
    phone_rules: dict[tuple[str, str], tuple[str, str, tuple[int, ...]]]

    def words(self, kind: str, country: str = "*") -> list[tuple[str, str]]:
        """Return ``(value, extra)`` of a vocabulary kind for a country, then for all."""
        return self.vocab.get((kind, country), []) + (
            self.vocab.get((kind, "*"), []) if country != "*" else []
        )


def _state_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[\s.\-']", "", folded).upper()


@cache
def _pools() -> _Pools:
    text = pl.col
    places = load_table("demo_places")
    first = load_table("demo_first_names").with_columns(text("nicknames").fill_null(""))
    last = load_table("demo_last_names")
    streets = load_table("demo_streets")
    mobiles = load_table("demo_phone_prefixes")
    vocab_frame = load_table("demo_vocab").with_columns(
        text("value").fill_null(""), text("extra").fill_null("")
    )
    vocab: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for kind, country, value, extra in vocab_frame.select(
        "kind", "country", "value", "extra"
    ).iter_rows():
        vocab.setdefault((kind, country), []).append((value, extra))

    # which written states name exactly one country (for a blank country)
    owners: dict[str, set[str]] = {}
    for country, state in places.select("country", "state").unique(maintain_order=True).rows():
        if state:
            owners.setdefault(_state_key(state), set()).add(country)
    for (kind, country), rows in vocab.items():
        if kind in ("state_name", "state_local", "state_abbrev"):
            for value, _ in rows:
                owners.setdefault(_state_key(value), set()).add(country)
    state_keys = {k: (min(v) if len(v) == 1 else None) for k, v in owners.items()}

    rules: dict[tuple[str, str], tuple[str, str, tuple[int, ...]]] = {}
    for country in sorted(set(places["country"].to_list())):
        meta = PhoneMetadata.metadata_for_region(country)
        if meta is None:  # pragma: no cover - reference data error
            raise ValueError(f"phonenumbers has no metadata for {country}")
        general = meta.general_desc
        for kind, desc in (("fixed", meta.fixed_line), ("mobile", meta.mobile)):
            lengths = tuple(desc.possible_length or general.possible_length)
            rules[(country, kind)] = (
                f"^(?:{general.national_number_pattern})$",
                f"^(?:{desc.national_number_pattern})$",
                lengths,
            )
    return _Pools(
        places=_pool(places, text("country")),
        first=_pool(first, text("country") + "|" + text("gender")),
        last=_pool(last, text("country")),
        streets=_pool(streets, text("country")),
        mobiles=_pool(mobiles, text("country")),
        vocab=vocab,
        state_keys=state_keys,
        phone_rules=rules,
    )


# --------------------------------------------------------------------------------------
# clean values, vectorised
# --------------------------------------------------------------------------------------


def _const(value: object, n: int, dtype: type[pl.DataType] | pl.DataType) -> pl.Series:
    return pl.repeat(value, n, dtype=dtype, eager=True)


def _country_codes(countries: Sequence[str]) -> dict[str, str]:
    return {c: str(phonenumbers.country_code_for_region(c)) for c in countries}


def _phones(
    r: _Rand,
    pools: _Pools,
    country: pl.Series,
    prefix: pl.Series,
    length: pl.Series,
    kind: pl.Series,
    avoid: pl.Series | None = None,
) -> pl.Series:
    """Return valid, unique national significant numbers, one per row.

    Each number is the row's prefix plus random digits, checked against the phonenumbers
    metadata of its country and kind (``fixed`` / ``mobile``) and redrawn until valid and
    unique (also against the E.164 numbers in ``avoid``).
    """
    n = country.len()
    cc = "+" + country.replace_strict(_country_codes(country.unique().sort().to_list()))
    nsn = _const(None, n, pl.String).alias("nsn")
    e164 = _const(None, n, pl.String).alias("e164")
    avoid = avoid.drop_nulls() if avoid is not None else pl.Series([], dtype=pl.String)
    todo = pl.int_range(n, eager=True, dtype=pl.Int64)
    nanp = country.is_in(list(_NANP))
    for _ in range(200):
        if todo.len() == 0:
            return nsn
        sub_prefix = prefix.gather(todo)
        free = length.gather(todo) - sub_prefix.str.len_chars()
        # after a North American area code the exchange starts with 2-9
        low = _when(nanp.gather(todo), r.below(todo.len(), 8) + 2, r.below(todo.len(), 10))
        rest = (r.u32(todo.len()) % (10 ** (free - 1).cast(pl.Int64))).cast(pl.String)
        cand = sub_prefix + low.cast(pl.String) + rest.str.zfill(free - 1)
        key = cc.gather(todo) + cand
        nsn.scatter(todo, cand)
        e164.scatter(todo, key)
        ok = _const(False, todo.len(), pl.Boolean)
        sub_country = country.gather(todo)
        sub_kind = kind.gather(todo)
        present = pl.DataFrame({"c": sub_country, "k": sub_kind}).unique().rows()
        for c, k in sorted(present):
            rows = ((sub_country == c) & (sub_kind == k)).arg_true()
            general, typed, lengths = pools.phone_rules[(c, k)]
            values = cand.gather(rows)
            valid = (
                values.str.contains(general)
                & values.str.contains(typed)
                & values.str.len_chars().is_in(list(lengths))
            )
            ok.scatter(rows, valid)
        # a candidate clashes when its number occurs twice in the whole list or is taken
        hits = e164.filter(e164.is_in(key.implode()))
        twice = hits.filter(hits.is_duplicated())
        taken = avoid.filter(avoid.is_in(key.implode()))
        clash = key.is_in(twice.implode()) | key.is_in(taken.implode())
        todo = todo.filter(~ok | clash)
    raise RuntimeError("could not draw valid phone numbers; check demo_places / prefixes")


def _e164(pools: _Pools, country: pl.Series, nsn: pl.Series) -> pl.Series:
    codes = _country_codes(country.unique().drop_nulls().sort().to_list())
    return "+" + country.replace_strict(codes, default=None) + nsn


def _locations(r: _Rand, pools: _Pools, country: pl.Series) -> pl.DataFrame:
    """Draw a real place, a street address and sometimes a second line per country."""
    n = country.len()
    place = pools.places.frame.gather(pools.places.pick(r, country))
    street = pools.streets.frame["street"].gather(pools.streets.pick(r, country))
    house_max = country.replace_strict(_HOUSE_MAX, default=2999, return_dtype=pl.Int64)
    number = (r.below(n, house_max) + 1).cast(pl.String)
    street_first = [
        c for c, fmt in _country_rows(pools, "address_format") if fmt.startswith("{street}")
    ]
    address1 = (
        pl.DataFrame({"c": country, "s": street, "n": number})
        .select(
            pl.when(pl.col("c").is_in(street_first))
            .then(pl.col("s") + " " + pl.col("n"))
            .otherwise(pl.col("n") + " " + pl.col("s"))
        )
        .to_series()
    )
    plus4 = (country == "US") & (r.uniform(n) < 0.1) & (place["zip"].str.len_chars() == 5)
    zip4 = (r.below(n, 9999) + 1).cast(pl.String).str.zfill(4)
    zip_code = (
        pl.DataFrame({"z": place["zip"], "p": plus4, "f": zip4})
        .select(pl.when("p").then(pl.col("z") + "-" + pl.col("f")).otherwise("z"))
        .to_series()
    )
    # second address lines for about 15 %, from the country's templates
    address2: list[str | None] = [None] * n
    rng = r.rng
    lines = (r.uniform(n) < 0.15).arg_true().to_list()
    countries = country.gather(lines).to_list() if lines else []
    templates = {c: [v for v, _ in pools.words("address2", c)] for c in set(countries)}
    for i, c in zip(lines, countries, strict=True):
        options = templates[c]
        if not options:
            continue
        text = options[int(rng.random() * len(options))]
        while "{n}" in text:
            text = text.replace("{n}", str(1 + int(rng.random() * 9)), 1)
        address2[i] = text.replace("{l}", "ABCDEF"[int(rng.random() * 6)])
    return pl.DataFrame(
        {
            "city": place["city"],
            "state": place["state"],
            "zip": zip_code,
            "place_prefix": place["phone_prefix"],
            "place_area_len": place["area_len"].cast(pl.Int64),
            "place_len": place["phone_len"].cast(pl.Int64),
            "address1": address1,
            "address2": pl.Series(address2, dtype=pl.String),
        }
    )


def _country_rows(pools: _Pools, kind: str) -> list[tuple[str, str]]:
    return sorted(
        (country, value)
        for (k, country), rows in pools.vocab.items()
        if k == kind
        for value, _ in rows
    )


def _cell_phones(
    r: _Rand, pools: _Pools, country: pl.Series, loc: pl.DataFrame, avoid: pl.Series | None
) -> tuple[pl.Series, pl.Series]:
    """Return (national number, area length) of a new cell phone per row."""
    n = country.len()
    mob = pools.mobiles.frame
    has_mobile = country.is_in(list(pools.mobiles.start))
    pick = _const(0, n, pl.Int64)
    rows = has_mobile.arg_true()
    if rows.len():
        pick.scatter(rows, pools.mobiles.pick(r, country.gather(rows)))
    prefix = (
        pl.DataFrame({"m": has_mobile, "a": mob["prefix"].gather(pick), "b": loc["place_prefix"]})
        .select(pl.when("m").then("a").otherwise("b"))
        .to_series()
    )
    length = (
        pl.DataFrame(
            {
                "m": has_mobile,
                "a": mob["phone_len"].gather(pick).cast(pl.Int64),
                "b": loc["place_len"],
            }
        )
        .select(pl.when("m").then("a").otherwise("b"))
        .to_series()
    )
    area = (
        pl.DataFrame(
            {
                "m": has_mobile,
                "a": mob["area_len"].gather(pick).cast(pl.Int64),
                "b": loc["place_area_len"],
            }
        )
        .select(pl.when("m").then("a").otherwise("b"))
        .to_series()
    )
    kind = _const("mobile", n, pl.String)
    return _phones(r, pools, country, prefix, length, kind, avoid), area


def _ascii_fold(s: pl.Series) -> pl.Series:
    return (
        s.str.to_lowercase()
        .str.replace_all("ß", "ss", literal=True)
        .str.normalize("NFKD")
        .str.replace_all(r"[^a-z]", "")
    )


def _entities(
    r: _Rand, pools: _Pools, total: int, countries: Sequence[str], incoming: int
) -> pl.DataFrame:
    """Draw ``total`` distinct people (the first ``incoming`` appear in the list)."""
    cidx = r.choice_index(total, [_weight(pools, c) for c in countries])
    country = pl.Series("country", list(countries)).gather(cidx)
    gender = pl.Series(["male", "female"]).gather(r.below(total, 2))
    first_i = pools.first.pick(r, country + "|" + gender)
    first = pools.first.frame["first_name"].gather(first_i)
    nicknames = pools.first.frame["nicknames"].gather(first_i)
    last_i = pools.last.pick(r, country)
    second_i = pools.last.pick(r, country)
    last_pool = pools.last.frame["last_name"]
    last_folded = _ascii_fold(last_pool)
    compound = (country == "MX") & (r.uniform(total) < 0.35) & (second_i != last_i)
    last = _when(
        compound,
        last_pool.gather(last_i) + " " + last_pool.gather(second_i),
        last_pool.gather(last_i),
    )
    # the ascii-folded names, for e-mail addresses (folded once per pool entry)
    fa = _ascii_fold(pools.first.frame["first_name"]).gather(first_i)
    la = _when(
        compound,
        last_folded.gather(last_i) + last_folded.gather(second_i),
        last_folded.gather(last_i),
    )
    loc = _locations(r, pools, country)
    days = (
        r.below(total, _DOB_LAST.toordinal() - _DOB_FIRST.toordinal() + 1)
        + (_DOB_FIRST - dt.date(1970, 1, 1)).days
    )
    dob = days.cast(pl.Int32).cast(pl.Date).dt.strftime("%Y-%m-%d")

    # e-mail: a pattern of the ascii-folded name at a domain the country uses
    yy = dob.str.slice(2, 2)
    pattern = r.below(total, 7)
    local = (
        pl.DataFrame({"p": pattern, "f": fa, "l": la, "y": yy})
        .select(
            pl.when(pl.col("p") == 0)
            .then(pl.col("f") + "." + pl.col("l"))
            .when(pl.col("p") == 1)
            .then(pl.col("f") + pl.col("l"))
            .when(pl.col("p") == 2)
            .then(pl.col("f").str.slice(0, 1) + pl.col("l"))
            .when(pl.col("p") == 3)
            .then(pl.col("f") + "_" + pl.col("l"))
            .when(pl.col("p") == 4)
            .then(pl.col("f") + "." + pl.col("l") + pl.col("y"))
            .when(pl.col("p") == 5)
            .then(pl.col("f") + pl.col("y"))
            .otherwise(pl.col("l") + "." + pl.col("f"))
        )
        .to_series()
    )
    domain = _domains(r, pools, country)
    email = local + "@" + domain
    email = (
        pl.DataFrame(
            {"e": email, "k": email.is_first_distinct(), "i": pl.int_range(total, eager=True)}
        )
        .select(
            pl.when("k")
            .then("e")
            .otherwise(
                pl.col("e").str.replace(
                    "@", "." + (pl.col("i") + 1).cast(pl.String) + "@", literal=True
                )
            )
        )
        .to_series()
    )
    email = (
        pl.DataFrame({"e": email, "k": r.uniform(total) < 0.88})
        .select(pl.when("k").then("e"))
        .to_series()
    )

    cell_nsn, cell_area = _cell_phones(r, pools, country, loc, None)
    has_cell = r.uniform(total) < 0.9
    work_rows = (r.uniform(total) < 0.3).arg_true()
    work_nsn = _const(None, total, pl.String)
    work_area = loc["place_area_len"].clone()
    if work_rows.len():
        wc = country.gather(work_rows)
        wn = _phones(
            r,
            pools,
            wc,
            loc["place_prefix"].gather(work_rows),
            loc["place_len"].gather(work_rows),
            _const("fixed", work_rows.len(), pl.String),
            _e164(pools, country, cell_nsn),
        )
        work_nsn.scatter(work_rows, wn)
    cell_nsn = (
        pl.DataFrame({"a": cell_nsn, "k": has_cell}).select(pl.when("k").then("a")).to_series()
    )

    companies = {c: [v for v, _ in pools.words("company", c)] for c in countries}
    company: list[str | None] = [None] * total
    company_rows = (r.uniform(total) < 0.12).arg_true().to_list()
    ccountry = country.gather(company_rows).to_list() if company_rows else []
    for i, c in zip(company_rows, ccountry, strict=True):
        if companies[c]:
            company[i] = companies[c][int(r.rng.random() * len(companies[c]))]

    code_num = r.permutation(total) + 1
    code = "C" + code_num.cast(pl.String).str.zfill(6)
    code = (
        pl.DataFrame({"c": code, "k": r.uniform(total) < 0.96})
        .select(pl.when("k").then("c"))
        .to_series()
    )
    location = (r.choice_index(total, [45, 25, 15, 10, 5]) + 1).cast(pl.String)

    return pl.DataFrame(
        {
            "entity": pl.int_range(total, eager=True, dtype=pl.Int64),
            "country": country,
            "sex": gender,
            "first_name": first,
            "nicknames": nicknames,
            "last_name": last,
            "company": pl.Series(company, dtype=pl.String),
            "email": email,
            "cell_nsn": cell_nsn,
            "cell_area": cell_area,
            "work_nsn": work_nsn,
            "work_area": work_area,
            "dob": dob,
            "customer_code": code,
            "location_id": location,
            "household_id": _const(None, total, pl.Int64),
        }
    ).hstack(loc.select("address1", "address2", "city", "state", "zip"))


def _weight(pools: _Pools, country: str) -> float:
    """Return how often a country is drawn (demo_vocab ``country_weight``, else 10)."""
    return next((float(extra) for _, extra in pools.words("country_weight", country)), 10.0)


def _domains(r: _Rand, pools: _Pools, country: pl.Series) -> pl.Series:
    """Draw an e-mail domain per row, in proportion to how common it is in the country."""
    rows = [
        (c, domain)
        for (kind, c), entries in sorted(pools.vocab.items())
        if kind == "email_domain"
        for domain, weight in entries
        for _ in range(int(weight))
    ]
    pool = _pool(pl.DataFrame(rows, schema=["country", "domain"], orient="row"), pl.col("country"))
    fallback = country.is_in(list(pool.start))
    picked = _const("gmail.com", country.len(), pl.String)
    known = fallback.arg_true()
    if known.len():
        picked.scatter(known, pool.frame["domain"].gather(pool.pick(r, country.gather(known))))
    return picked


def _households(
    r: _Rand, pools: _Pools, ent: pl.DataFrame, incoming: int, rate: float
) -> pl.DataFrame:
    """Group some people into households that share an address and a phone or an e-mail.

    Members of a household live in the same country; they get different first names and
    different birth dates, so they are different people the server may still merge.
    """
    if rate <= 0 or incoming < 2:
        return ent
    rng = r.rng
    chosen = (r.uniform(incoming) < rate).arg_true()
    if chosen.len() < 2:
        return ent
    names = (
        "first_name",
        "nicknames",
        "last_name",
        "email",
        "cell_nsn",
        "cell_area",
        "dob",
        "address1",
        "address2",
        "city",
        "state",
        "zip",
        "household_id",
    )
    cols = {name: ent[name].gather(chosen).to_list() for name in names}
    country = ent["country"].gather(chosen).to_list()
    sex = ent["sex"].gather(chosen).to_list()
    by_country: dict[str, list[int]] = {}
    for j, c in enumerate(country):
        by_country.setdefault(c, []).append(j)
    first_names = pools.first.frame["first_name"].to_list()
    first_nicks = pools.first.frame["nicknames"].to_list()
    span = _DOB_LAST.toordinal() - _DOB_FIRST.toordinal() + 1
    household = 0
    for c in sorted(by_country):
        members = by_country[c]
        pos = 0
        while pos + 1 < len(members):
            size = 3 if rng.random() < 0.2 and pos + 2 < len(members) else 2
            group = members[pos : pos + size]
            pos += size
            head = group[0]
            can_phone = cols["cell_nsn"][head] is not None
            can_email = cols["email"][head] is not None
            if not (can_phone or can_email):
                continue
            household += 1
            cols["household_id"][head] = household
            taken_names = {cols["first_name"][head]}
            taken_dobs = {cols["dob"][head]}
            for j in group[1:]:
                cols["household_id"][j] = household
                for f in ("address1", "address2", "city", "state", "zip"):
                    cols[f][j] = cols[f][head]
                if rng.random() < 0.8:
                    cols["last_name"][j] = cols["last_name"][head]
                u = rng.random()
                if can_phone and (u < 0.75 or not can_email):
                    cols["cell_nsn"][j] = cols["cell_nsn"][head]
                    cols["cell_area"][j] = cols["cell_area"][head]
                if can_email and (u >= 0.45 or not can_phone):
                    cols["email"][j] = cols["email"][head]
                key = f"{c}|{sex[j]}"
                start, count = pools.first.start[key], pools.first.count[key]
                while cols["first_name"][j] in taken_names:
                    k = start + int(rng.random() * count)
                    cols["first_name"][j] = first_names[k]
                    cols["nicknames"][j] = first_nicks[k]
                taken_names.add(cols["first_name"][j])
                while cols["dob"][j] in taken_dobs:
                    day = _DOB_FIRST.toordinal() + int(rng.random() * span)
                    cols["dob"][j] = dt.date.fromordinal(day).isoformat()
                taken_dobs.add(cols["dob"][j])
    return ent.with_columns(
        ent[name].scatter(chosen, pl.Series(values, dtype=ent[name].dtype))
        for name, values in cols.items()
    )


# --------------------------------------------------------------------------------------
# records: every person once, then the duplicates with their variations
# --------------------------------------------------------------------------------------


def _typo(word: str, rng: random.Random) -> str:
    """Return ``word`` with one keyboard slip (drop, double, swap or replace a letter)."""
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 3:
        return word + word[-1:] if word else word
    i = letters[1 + int(rng.random() * (len(letters) - 2))]
    op = int(rng.random() * 4)
    if op == 0:
        return word[:i] + word[i + 1 :]
    if op == 1:
        return word[:i] + word[i] + word[i:]
    if op == 2 and i + 1 < len(word) and word[i + 1] != word[i]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    near = "aeiou" if word[i].lower() in "aeiou" else "nmrstlkdh"
    new = near[int(rng.random() * len(near))]
    if new == word[i].lower():
        new = "e" if new != "e" else "a"
    return word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1 :]


def _when(cond: pl.Series, then: pl.Series | str | None, other: pl.Series) -> pl.Series:
    frame = pl.DataFrame({"c": cond, "o": other})
    value = pl.lit(then, dtype=other.dtype) if not isinstance(then, pl.Series) else pl.lit(then)
    return frame.select(pl.when("c").then(value).otherwise("o").alias(other.name)).to_series()


def _log(rows: pl.Series, field: str, mess: str) -> pl.DataFrame:
    k = rows.len()
    return pl.DataFrame(
        {
            "row": rows.cast(pl.Int64),
            "field": _const(field, k, pl.String),
            "mess": _const(mess, k, pl.String),
        }
    )


def _duplicates(
    r: _Rand, pools: _Pools, ent: pl.DataFrame, incoming: int, n_dup: int, total: int
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Draw ``n_dup`` extra records of the first ``incoming`` people, each a little different."""
    src = r.below(n_dup, incoming)
    d = ent.gather(src)
    logs: list[pl.DataFrame] = []
    offset = incoming

    def note(mask: pl.Series, field: str, mess: str) -> None:
        logs.append(_log(mask.arg_true() + offset, field, mess))

    # customer code: often blank, sometimes a new one
    u = r.uniform(n_dup)
    blank = (u < 0.25) & d["customer_code"].is_not_null()
    new = (u >= 0.25) & (u < 0.35)
    new_codes = "C" + (new.cast(pl.Int64).cum_sum() + total).cast(pl.String).str.zfill(6)
    code = _when(blank, None, d["customer_code"])
    code = _when(new, new_codes, code)
    note(blank, "customer_code", "dup_code_blank")
    note(new, "customer_code", "dup_code_new")

    # names: nickname, typo or swap
    u = r.uniform(n_dup)
    first, last = d["first_name"], d["last_name"]
    nick_list = d["nicknames"].str.split("|")
    nick = nick_list.list.get(r.u32(n_dup) % nick_list.list.len().clip(1), null_on_oob=True)
    use_nick = (u < 0.25) & (d["nicknames"] != "")
    first = _when(use_nick, nick, first)
    note(use_nick, "first_name", "dup_nickname")
    swap = (u >= 0.40) & (u < 0.47)
    first, last = _when(swap, last, first), _when(swap, first, last)
    note(swap, "first_name", "dup_name_swap")
    note(swap, "last_name", "dup_name_swap")
    typo_rows = ((u >= 0.25) & (u < 0.40)).arg_true()
    if typo_rows.len():
        which = r.u32(typo_rows.len()) % 2
        rows_first = typo_rows.filter(which == 0)
        rows_last = typo_rows.filter(which == 1)
        rng = r.rng
        first = first.scatter(
            rows_first, [_typo(w, rng) for w in first.gather(rows_first).to_list()]
        )
        last = last.scatter(rows_last, [_typo(w, rng) for w in last.gather(rows_last).to_list()])
        logs.append(_log(rows_first + offset, "first_name", "dup_name_typo"))
        logs.append(_log(rows_last + offset, "last_name", "dup_name_typo"))
    plain_first = first.str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    plain_last = last.str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    strip = (r.uniform(n_dup) < 0.12) & ((plain_first != first) | (plain_last != last))
    note(strip & (plain_first != first), "first_name", "dup_accents_stripped")
    note(strip & (plain_last != last), "last_name", "dup_accents_stripped")
    first = _when(strip, plain_first, first)
    last = _when(strip, plain_last, last)

    # a new address
    moved = r.uniform(n_dup) < 0.12
    alt = _locations(r, pools, d["country"])
    note(moved, "address1", "dup_moved")
    address = {
        f: _when(moved, alt[f], d[f]) for f in ("address1", "address2", "city", "state", "zip")
    }

    # e-mail: missing, or another address of the same person
    u = r.uniform(n_dup)
    no_email = (u < 0.12) & d["email"].is_not_null()
    local = d["email"].str.replace(r"@.*$", "")
    other = local + d["dob"].str.slice(0, 4) + "@" + _domains(r, pools, d["country"])
    new_email = (
        (u >= 0.12)
        & (u < 0.16)
        & d["email"].is_not_null()
        & ~other.is_in(ent["email"].drop_nulls().implode())
    )
    email = _when(no_email, None, d["email"])
    email = _when(new_email, other, email)
    note(no_email, "email", "dup_no_email")
    note(new_email, "email", "dup_new_email")

    # cell phone: missing or new
    u = r.uniform(n_dup)
    no_cell = (u < 0.10) & d["cell_nsn"].is_not_null()
    taken = pl.concat(
        [
            _e164(pools, ent["country"], ent["cell_nsn"]),
            _e164(pools, ent["country"], ent["work_nsn"]),
        ]
    )
    new_rows = ((u >= 0.10) & (u < 0.14)).arg_true()
    cell_nsn = _when(no_cell, None, d["cell_nsn"])
    cell_area = d["cell_area"]
    if new_rows.len():
        sub_country = d["country"].gather(new_rows)
        sub_loc = alt[new_rows]
        nsn, area = _cell_phones(r, pools, sub_country, sub_loc, taken)
        cell_nsn = cell_nsn.scatter(new_rows, nsn)
        cell_area = cell_area.scatter(new_rows, area)
        logs.append(_log(new_rows + offset, "cell_phone", "dup_new_phone"))
    note(no_cell, "cell_phone", "dup_no_phone")
    no_work = (r.uniform(n_dup) < 0.3) & d["work_nsn"].is_not_null()
    note(no_work, "work_phone", "dup_no_phone")

    no_dob = r.uniform(n_dup) < 0.12
    note(no_dob, "dob", "dup_no_dob")
    other_store = r.uniform(n_dup) < 0.2
    store = ((d["location_id"].cast(pl.Int64) % 5) + 1).cast(pl.String)
    note(other_store, "location_id", "dup_other_store")

    d = d.with_columns(
        customer_code=code,
        first_name=first,
        last_name=last,
        email=email,
        cell_nsn=cell_nsn,
        cell_area=cell_area,
        work_nsn=_when(no_work, None, d["work_nsn"]),
        dob=_when(no_dob, None, d["dob"]),
        location_id=_when(other_store, store, d["location_id"]),
        **address,
    )
    return d, logs


# --------------------------------------------------------------------------------------
# messes: each field in layers; Python only touches the cells that get a mess
# --------------------------------------------------------------------------------------

_Table = Sequence[tuple[str, float]]
_RowFn = Callable[[str, str, int], "str | None"]
_FrameFn = Callable[[pl.DataFrame], pl.Series]

_COUNTRY_A: _Table = (
    ("country_alpha3", 0.07),
    ("country_name", 0.12),
    ("country_native", 0.05),
    ("country_alias", 0.10),
    ("country_blank", 0.06),
)
_COUNTRY_B: _Table = (("country_case", 0.08), ("country_punct", 0.05))
_STATE_A: _Table = (("state_name", 0.15), ("state_local_name", 0.07), ("state_old_abbrev", 0.08))
_STATE_A_GB: _Table = (
    ("state_blank", 0.5),
    ("state_name", 0.4),
    ("state_local_name", 0.03),
    ("state_old_abbrev", 0.02),
)
_STATE_B: _Table = (("state_case", 0.06),)
_ZIP_A: _Table = (
    ("zip_lost_zero", 0.35),
    ("zip_float", 0.04),
    ("zip_plus4", 0.30),
    ("zip_no_space", 0.12),
    ("zip_truncated", 0.015),
    ("zip_country_prefix", 0.05),
)
_ZIP_B: _Table = (("zip_lower_case", 0.06), ("zip_whitespace", 0.03))
_PHONE_A: _Table = (
    ("phone_national", 0.25),
    ("phone_dots", 0.08),
    ("phone_dashes", 0.10),
    ("phone_digits", 0.08),
    ("phone_intl", 0.10),
    ("phone_intl_00", 0.04),
    ("phone_intl_011", 0.03),
    ("phone_trunk_zero", 0.03),
    ("phone_leading_1", 0.03),
    ("phone_float", 0.03),
    ("phone_sci", 0.015),
    ("phone_sci_lossy", 0.01),
    ("phone_local7", 0.02),
)
_DOB_A: _Table = (
    ("dob_us", 0.15),
    ("dob_day_first", 0.15),
    ("dob_dotted", 0.10),
    ("dob_text_en", 0.06),
    ("dob_text_es", 0.05),
    ("dob_text_de", 0.05),
    ("dob_timestamp", 0.05),
    ("dob_excel_serial", 0.04),
    ("dob_two_digit_year", 0.04),
    ("dob_impossible", 0.01),
    ("dob_zero", 0.008),
    ("dob_placeholder", 0.008),
    ("dob_future", 0.006),
)
_EMAIL_A: _Table = (("email_domain_typo", 0.05), ("email_placeholder", 0.02))
_EMAIL_B: _Table = (("email_upper", 0.08),)
_EMAIL_C: _Table = (("email_mailto", 0.02), ("email_display_name", 0.03), ("email_spaces", 0.04))
_GENDER_A: _Table = (
    ("gender_code", 0.45),
    ("gender_word", 0.15),
    ("gender_foreign", 0.10),
    ("gender_dotted", 0.05),
    ("gender_unknown", 0.04),
)
_FIRST_A: _Table = (("name_honorific", 0.04), ("name_placeholder", 0.01))
_LAST_A: _Table = (("name_suffix", 0.06), ("name_placeholder", 0.01))
_NAME_B: _Table = (("name_upper", 0.05), ("name_lower", 0.03), ("name_mojibake", 0.08))
_NAME_C: _Table = (("name_whitespace", 0.03),)
_CITY_A: _Table = (
    ("city_upper", 0.05),
    ("city_lower", 0.02),
    ("city_whitespace", 0.02),
    ("city_mojibake", 0.10),
)


def _one(options: Sequence[str], rng: random.Random) -> str:
    return options[int(rng.random() * len(options))]


def _random_case(text: str, rng: random.Random) -> str:
    way = int(rng.random() * 4)
    if way == 0:
        return text.upper()
    if way == 1:
        return text.lower()
    if way == 2:
        return text.swapcase() if text.swapcase() != text else text.lower()
    bits = rng.getrandbits(len(text) or 1)
    out = "".join(ch.upper() if bits >> i & 1 else ch.lower() for i, ch in enumerate(text))
    return out if out != text else text.swapcase()


def _mojibake(text: str) -> str | None:
    if text.isascii():
        return None
    try:
        return text.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:
        return None


def _spaces(v: pl.Expr, way: pl.Expr) -> pl.Expr:
    """Stray spaces: a doubled inner space, two leading spaces or a trailing one."""
    return (
        pl.when(v.str.strip_chars().str.contains(" ", literal=True) & (way < 0.4))
        .then(v.str.replace(" ", "  ", literal=True))
        .when(way < 0.7)
        .then("  " + v)
        .otherwise(v + " ")
    )


def _upper(v: pl.Expr) -> pl.Expr:
    """Upper case, where lower-casing it again gives the value back (not for ß)."""
    return pl.when(v.str.to_uppercase().str.to_lowercase() == v.str.to_lowercase()).then(
        v.str.to_uppercase()
    )


def _fill_python(
    frame: pl.DataFrame, out: pl.Series, kind: str, fn: Callable[[str], str | None]
) -> pl.Series:
    """Compute the rows of ``kind`` in Python (for what polars cannot express)."""
    rows = (frame["kind"] == kind).arg_true()
    if rows.len():
        out.scatter(
            rows, pl.Series([fn(v) for v in frame["value"].gather(rows).to_list()], dtype=pl.String)
        )
    return out


@cache
def _trunk(country: str) -> str:
    meta = PhoneMetadata.metadata_for_region(country)
    return (meta.national_prefix or "") if meta is not None else ""


def _phone_build(frame: pl.DataFrame, field: str) -> pl.Series:
    """Write each picked phone the way its kind says (null where the kind does not apply).

    The national number is cut into the groups people write: area code, then the subscriber
    number in blocks (3-3-4 in North America, 4-4 or 3-4 elsewhere, one block in Germany).
    """
    c = pl.col
    countries = frame["country"].unique().sort().to_list()
    trunks = {x: ("" if x in _NANP else _trunk(x)) for x in countries}
    f = (
        frame.with_columns(
            nsn=c(f"{field}_nsn"),
            area=c(f"{field}_area"),
            nanp=c("country").is_in(list(_NANP)),
            trunk=c("country").replace_strict(trunks, return_dtype=pl.String),
        )
        .with_columns(head=c("nsn").str.slice(0, c("area")), rest=c("nsn").str.slice(c("area")))
        .with_columns(rl=c("rest").str.len_chars())
        .with_columns(
            whole=(c("country") == "DE")
            | ((c("country") == "GB") & (c("rl") == 6))
            | ~c("rl").is_in([6, 7, 8]),
            cut=pl.when(c("rl") == 8).then(4).otherwise(3),
        )
        .with_columns(
            p1=pl.when("whole").then("rest").otherwise(c("rest").str.slice(0, c("cut"))),
            p2=pl.when("whole").then(pl.lit("")).otherwise(c("rest").str.slice(c("cut"))),
        )
    )
    nanp, way, trunk, head, p1, p2 = c("nanp"), c("way"), c("trunk"), c("head"), c("p1"), c("p2")
    de = c("country") == "DE"

    def rest(sep: str) -> pl.Expr:
        return p1 + pl.when(p2 != "").then(pl.lit(sep) + p2).otherwise(pl.lit(""))

    def joined(sep: str) -> pl.Expr:
        return head + sep + rest(sep)

    plus = "+" + c("cc")
    north = "(" + head + ") " + p1 + "-" + p2
    # every digit kept, trailing zeros too, so the notation is visibly exact
    mantissa = c("nsn").str.slice(1)
    exponent = "E" + (c("nsn").str.len_chars() - 1).cast(pl.String)
    first = c("nsn").str.slice(0, 1)
    out = _by_kind(
        f,
        {
            "phone_national": pl.when(nanp)
            .then(north)
            .when(de & (way < 0.4))
            .then(trunk + head + "/" + p1)
            .when(de & (way < 0.6))
            .then("(" + trunk + head + ") " + p1)
            .when(~de & (trunk != "") & (way < 0.2))
            .then("(" + trunk + head + ") " + rest(" "))
            .otherwise(trunk + head + " " + rest(" ")),
            "phone_dots": trunk + joined("."),
            "phone_dashes": trunk + joined("-"),
            "phone_digits": trunk + c("nsn"),
            "phone_intl": pl.when(nanp & (way < 0.3))
            .then("+1 " + north)
            .when(way < 0.5)
            .then(plus + "-" + joined("-"))
            .otherwise(plus + " " + joined(" ")),
            "phone_intl_00": pl.when(way < 0.7)
            .then("00" + c("cc") + " " + joined(" "))
            .otherwise("00" + c("cc") + "-" + joined("-")),
            "phone_intl_011": pl.when(~nanp).then("011 " + c("cc") + " " + joined(" ")),
            "phone_trunk_zero": pl.when(~nanp & (trunk != "")).then(
                plus + " (" + trunk + ")" + head + " " + rest(" ")
            ),
            "phone_leading_1": pl.when(nanp & (way < 0.4))
            .then("1-" + joined("-"))
            .when(nanp & (way < 0.7))
            .then("1 " + north)
            .when(nanp)
            .then("1" + c("nsn")),
            "phone_float": c("nsn") + ".0",
            "phone_sci": first + "." + mantissa + exponent,
            "phone_local7": pl.when(nanp).then(p1 + "-" + p2),
        },
    )
    lossy = (f["kind"] == "phone_sci_lossy").arg_true()
    if lossy.len():
        out.scatter(lossy, [f"{int(x):.5E}" for x in f["nsn"].gather(lossy).to_list()])
    return out


def _dob_build(frame: pl.DataFrame, pools: _Pools, rng: random.Random) -> pl.Series:
    """Write each picked date of birth the way its kind says (null where it does not apply)."""
    c = pl.col
    countries = frame["country"].unique().sort().to_list()
    orders = {x: (pools.words("date_order", x) or [("YMD", "")])[0][0] for x in countries}

    def months(kind: str) -> dict[int, str]:
        return {int(extra): value for value, extra in pools.words(kind)}

    f = frame.with_columns(
        yyyy=c("value").str.slice(0, 4),
        mm=c("value").str.slice(5, 2),
        dd=c("value").str.slice(8, 2),
        order=c("country").replace_strict(orders, return_dtype=pl.String),
    ).with_columns(
        y=c("yyyy").cast(pl.Int64),
        mo=c("mm").cast(pl.Int64),
        m=c("mm").cast(pl.Int64).cast(pl.String),
        d=c("dd").cast(pl.Int64).cast(pl.String),
        yy=c("yyyy").str.slice(2, 2),
    )
    way, yyyy, mm, dd, m, d = c("way"), c("yyyy"), c("mm"), c("dd"), c("m"), c("d")
    month_en = c("mo").replace_strict(months("month_en"), return_dtype=pl.String)
    month_abbr = c("mo").replace_strict(months("month_en_abbr"), return_dtype=pl.String)
    month_es = c("mo").replace_strict(months("month_es"), return_dtype=pl.String)
    month_de = c("mo").replace_strict(months("month_de"), return_dtype=pl.String)
    us, de, mx = c("country") == "US", c("country") == "DE", c("country") == "MX"
    dmy = c("order") == "DMY"
    two = (c("y") >= 1940) & (c("y") <= 1999)
    out = _by_kind(
        f,
        {
            "dob_us": pl.when(us & (way < 0.5))
            .then(mm + "/" + dd + "/" + yyyy)
            .when(us)
            .then(m + "/" + d + "/" + yyyy),
            "dob_day_first": pl.when(dmy & (way < 0.6))
            .then(dd + "/" + mm + "/" + yyyy)
            .when(dmy & (way < 0.8))
            .then(dd + "-" + mm + "-" + yyyy)
            .when(dmy)
            .then(d + "/" + m + "/" + yyyy),
            "dob_dotted": pl.when(de & (way < 0.7))
            .then(dd + "." + mm + "." + yyyy)
            .when(de)
            .then(d + "." + m + "." + yyyy),
            "dob_text_en": pl.when(way < 0.3)
            .then(d + " " + month_en + " " + yyyy)
            .when(way < 0.6)
            .then(month_en + " " + d + ", " + yyyy)
            .when(way < 0.8)
            .then(dd + "-" + month_abbr + "-" + yyyy)
            .otherwise(month_abbr + " " + d + " " + yyyy),
            "dob_text_es": pl.when(mx & (way < 0.7))
            .then(d + " de " + month_es + " de " + yyyy)
            .when(mx)
            .then(d + " " + month_es + " " + yyyy),
            "dob_text_de": pl.when(de).then(d + ". " + month_de + " " + yyyy),
            "dob_timestamp": c("value")
            + pl.when(way < 0.5)
            .then(pl.lit("T00:00:00"))
            .when(way < 0.8)
            .then(pl.lit(" 00:00:00"))
            .otherwise(pl.lit(" 00:00:00.000")),
            "dob_excel_serial": (
                c("value").str.to_date("%Y-%m-%d").cast(pl.Int64) + (_UNIX_EPOCH - _EXCEL_EPOCH)
            ).cast(pl.String),
            "dob_two_digit_year": pl.when(two & (c("order") == "MDY"))
            .then(m + "/" + d + "/" + c("yy"))
            .when(two & de)
            .then(dd + "." + mm + "." + c("yy"))
            .when(two & dmy)
            .then(dd + "/" + mm + "/" + c("yy")),
        },
    )
    rare = f["kind"].is_in(["dob_impossible", "dob_zero", "dob_placeholder", "dob_future"])
    rows = rare.arg_true()
    if rows.len():
        sub = f[rows]
        texts = [
            _bad_date(kind, country, order, int(value[:4]), int(value[5:7]), int(value[8:10]), rng)
            for kind, country, order, value in sub.select(
                "kind", "country", "order", "value"
            ).rows()
        ]
        out.scatter(rows, texts)
    return out


def _bad_date(
    kind: str, country: str, order: str, y: int, m: int, d: int, rng: random.Random
) -> str:
    """Write an unresolvable date of birth: impossible, all zero, placeholder or future."""
    way = rng.random()

    def local(yy: int, mm: int, dd: int) -> str:
        if order == "MDY":
            return f"{mm:02d}/{dd:02d}/{yy:04d}"
        if order == "DMY":
            sep = "." if country == "DE" else "/"
            return f"{dd:02d}{sep}{mm:02d}{sep}{yy:04d}"
        return f"{yy:04d}-{mm:02d}-{dd:02d}"

    if kind == "dob_impossible":
        bad = [(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)]
        if y % 4:
            bad.append((2, 29))
        mm, dd = bad[int(rng.random() * len(bad))]
        return f"{y:04d}-{mm:02d}-{dd:02d}" if way < 0.4 else local(y, mm, dd)
    if kind == "dob_zero":
        return "0000-00-00" if way < 0.3 else local(0, 0, 0)
    if kind == "dob_placeholder":
        return "1900-01-01" if way < 0.4 else local(1900, 1, 1)
    yy = 2031 + int(rng.random() * 60)
    dd = min(d, 28) if m == 2 else d
    return f"{yy:04d}-{m:02d}-{dd:02d}" if way < 0.5 else local(yy, m, dd)


class _Messer:
    """Applies the messes of one list; keeps the messy values, the truth and the log."""

    def __init__(
        self, r: _Rand, pools: _Pools, ctx: pl.DataFrame, truth: dict[str, pl.Series]
    ) -> None:
        self.r = r
        self.rng = r.rng
        self.pools = pools
        self.ctx = ctx
        self.n = ctx.height
        self.truth = {k: v.clone() for k, v in truth.items()}
        self.messy = {k: v.clone() for k, v in truth.items()}
        self.locked = {k: _const(False, self.n, pl.Boolean) for k in truth}
        self.logs: list[pl.DataFrame] = []
        self.cols: dict[str, list[str]] = {c: ctx[c].to_list() for c in ("country", "sex")}

    def pick_series(
        self, field: str, table: _Table, eligible: pl.Series | None = None
    ) -> tuple[pl.Series, pl.Series]:
        """Draw a kind (or none) per row; return the rows that got one and their kinds.

        Rows already holding an unresolvable value, empty rows and rows outside ``eligible``
        get none. Rare layers draw only the rows that get a kind (see ``bernoulli_rows``).
        """
        names = [k for k, _ in table]
        total = sum(p for _, p in table)
        if total <= 0.35:
            rows = self.r.bernoulli_rows(self.n, total)
            share = [p / total for _, p in table]
        else:
            rows = pl.int_range(self.n, eager=True, dtype=pl.Int64).alias("row")
            share = [p for _, p in table]
        acc = 0.0
        cuts: list[int] = []
        for p in share:
            acc += p
            cuts.append(int(acc * 4_294_967_296))
        idx = pl.Series(cuts, dtype=pl.Int64).search_sorted(self.r.u32(rows.len()), side="right")
        mask = (
            (idx < len(names))
            & self.messy[field].gather(rows).is_not_null()
            & ~self.locked[field].gather(rows)
        )
        if eligible is not None:
            mask = mask & eligible.gather(rows)
        kinds = idx.filter(mask).replace_strict(dict(enumerate(names)), return_dtype=pl.String)
        return rows.filter(mask), kinds

    def pick(
        self, field: str, table: _Table, eligible: pl.Series | None = None
    ) -> tuple[list[int], list[str]]:
        """``pick_series`` as Python lists."""
        rows, kinds = self.pick_series(field, table, eligible)
        return rows.to_list(), kinds.to_list()

    def values(self, field: str, rows: list[int]) -> list[str]:
        """Return the current messy values of ``field`` at ``rows``."""
        return self.messy[field].gather(rows).to_list()

    def commit(
        self,
        field: str,
        rows: pl.Series | list[int],
        values: pl.Series | list[str | None],
        kinds: pl.Series | list[str],
    ) -> None:
        """Write the messy values and log the messes; unresolvable kinds null the truth."""
        rows = pl.Series("row", rows, dtype=pl.Int64)
        if rows.len() == 0:
            return
        kinds = pl.Series("mess", kinds, dtype=pl.String)
        self.messy[field].scatter(rows, pl.Series(values, dtype=pl.String))
        dead = rows.filter(kinds.is_in(list(UNRESOLVABLE)))
        if dead.len():
            self.truth[field].scatter(dead, None)
            self.locked[field].scatter(dead, True)
        self.logs.append(
            pl.DataFrame([rows, _const(field, rows.len(), pl.String).alias("field"), kinds])
        )

    def layer(self, field: str, table: _Table, eligible: pl.Series | None, fn: _RowFn) -> None:
        """Pick kinds, compute each new value with ``fn(kind, value, row)``, commit them."""
        rows, kinds = self.pick(field, table, eligible)
        out_rows: list[int] = []
        out_values: list[str | None] = []
        out_kinds: list[str] = []
        for i, kind, value in zip(rows, kinds, self.values(field, rows), strict=True):
            new = fn(kind, value, i)
            if new is None or (new == value and kind not in UNRESOLVABLE):
                continue
            out_rows.append(i)
            out_values.append(new)
            out_kinds.append(kind)
        self.commit(field, out_rows, out_values, out_kinds)

    def vlayer(
        self,
        field: str,
        table: _Table,
        eligible: pl.Series | None,
        build: _FrameFn,
        needs: Sequence[str] = ("country",),
    ) -> None:
        """Like ``layer``, but ``build(frame)`` computes the new values of all picked rows.

        ``frame`` holds ``row``, ``kind``, ``value``, ``way`` (uniform in [0, 1)) and the
        context columns ``needs`` of the picked rows; ``build`` returns one new value per row,
        null where the kind does not apply.
        """
        rows, kinds = self.pick_series(field, table, eligible)
        if rows.len() == 0:
            return
        frame = (
            self.ctx.select(needs)
            .gather(rows)
            .with_columns(
                row=rows,
                kind=kinds,
                value=self.messy[field].gather(rows),
                way=self.r.uniform(rows.len()),
            )
        )
        new = build(frame)
        keep = new.is_not_null() & ((new != frame["value"]) | kinds.is_in(list(UNRESOLVABLE)))
        self.commit(field, rows.filter(keep), new.filter(keep), kinds.filter(keep))


def _by_kind(frame: pl.DataFrame, exprs: dict[str, pl.Expr]) -> pl.Series:
    """Evaluate, for each kind, its expression on the rows of that kind only."""
    lazy = frame.lazy().with_row_index("_at")
    parts = [
        lazy.filter(pl.col("kind") == kind).select("_at", value=expr.cast(pl.String))
        for kind, expr in exprs.items()
    ]
    out = _const(None, frame.height, pl.String)
    for part in pl.collect_all(parts):
        if part.height:
            out.scatter(part["_at"].cast(pl.Int64), part["value"])
    return out


def _apply_messes(m: _Messer) -> None:
    """Mess every field of the list in ``m``, field by field and layer by layer."""
    rng = m.rng
    pools = m.pools
    country = m.cols["country"]
    sex = m.cols["sex"]
    is_country = {
        c: m.ctx["country"] == c for c in sorted(set(m.ctx["country"].unique().to_list()))
    }

    # customer code and store
    v, way = pl.col("value"), pl.col("way")
    m.vlayer(
        "customer_code",
        (("code_whitespace", 0.03),),
        None,
        lambda f: _by_kind(f, {"code_whitespace": " " + v + "  "}),
    )
    m.vlayer(
        "location_id",
        (("location_float", 0.04),),
        None,
        lambda f: _by_kind(f, {"location_float": v + ".0"}),
    )

    # names
    honorifics = {
        (c, g): [v for v, x in pools.words("honorific", c) if x in (g, "any")]
        for c in is_country
        for g in ("male", "female")
    }
    suffixes = {c: [v for v, _ in pools.words("suffix", c)] for c in is_country}
    placeholders = [v for v, _ in pools.words("placeholder_name")]

    def name_a(kind: str, value: str, i: int) -> str | None:
        if kind == "name_placeholder":
            return _one(placeholders, rng)
        if kind == "name_honorific":
            options = honorifics[(country[i], sex[i])]
            return f"{_one(options, rng)} {value}" if options else None
        options = suffixes[country[i]]
        if not options or sex[i] != "male":
            return None
        return f"{value}{',' if rng.random() < 0.3 else ''} {_one(options, rng)}"

    def name_b(frame: pl.DataFrame) -> pl.Series:
        out = _by_kind(frame, {"name_upper": _upper(v), "name_lower": v.str.to_lowercase()})
        return _fill_python(frame, out, "name_mojibake", _mojibake)

    def spaces(frame: pl.DataFrame) -> pl.Series:
        return frame.select(_spaces(v, way)).to_series()

    m.layer("first_name", _FIRST_A, None, name_a)
    m.layer("last_name", _LAST_A, None, name_a)
    for field in ("first_name", "last_name"):
        m.vlayer(field, _NAME_B, None, name_b)
        m.vlayer(field, _NAME_C, None, spaces)

    # e-mail
    typos: dict[str, list[str]] = {}
    for typo, right in pools.words("domain_typo"):
        typos.setdefault(right, []).append(typo)
    email_stand_ins = [v for v, _ in pools.words("placeholder_email")]

    def email_a(kind: str, value: str, i: int) -> str | None:
        if kind == "email_placeholder":
            return _one(email_stand_ins, rng)
        local, _, domain = value.partition("@")
        options = typos.get(domain)
        return f"{local}@{_one(options, rng)}" if options else None

    def email_b(frame: pl.DataFrame) -> pl.Series:
        return frame.select(
            pl.when(way < 0.4).then(v.str.to_uppercase()).otherwise(v.str.to_titlecase())
        ).to_series()

    def email_c(frame: pl.DataFrame) -> pl.Series:
        first, last = pl.col("first_name"), pl.col("last_name")
        return _by_kind(
            frame,
            {
                "email_mailto": pl.when(way < 0.8)
                .then(pl.lit("mailto:"))
                .otherwise(pl.lit("MAILTO:"))
                + v,
                "email_spaces": pl.when(way < 0.5).then(" " + v + "  ").otherwise("\t" + v),
                "email_display_name": pl.when(way < 0.6)
                .then(first + " " + last + " <" + v + ">")
                .otherwise('"' + last + ", " + first + '" <' + v + ">"),
            },
        )

    # a placeholder may stand where there was no address at all
    m.messy["email"] = m.messy["email"].fill_null("")
    m.layer("email", _EMAIL_A, None, email_a)
    m.messy["email"] = m.messy["email"].replace("", None)
    m.vlayer("email", _EMAIL_B, None, email_b)
    m.vlayer("email", _EMAIL_C, None, email_c, ("first_name", "last_name"))

    # phones
    ext_templates = [v for v, _ in pools.words("phone_ext")]
    for field, ext_rate in (("cell_phone", 0.02), ("work_phone", 0.12)):
        m.vlayer(
            field,
            _PHONE_A,
            None,
            lambda frame, field=field: _phone_build(frame, field),
            ("country", "cc", f"{field}_nsn", f"{field}_area"),
        )
        rows, _ = m.pick(field, (("phone_ext", ext_rate),))
        out_rows, out_values, exts = [], [], []
        for i, value in zip(rows, m.values(field, rows), strict=True):
            if "E" in value or value.endswith(".0"):
                continue  # a spreadsheet number carries no extension
            ext = str(1 + int(rng.random() * (10 ** (1 + int(rng.random() * 4)) - 1)))
            out_rows.append(i)
            out_values.append(value + _one(ext_templates, rng).replace("{e}", ext))
            exts.append(ext)
        m.commit(field, out_rows, out_values, ["phone_ext"] * len(out_rows))
        if out_rows:
            m.truth[field + "_ext"].scatter(out_rows, exts)

    # date of birth
    m.vlayer("dob", _DOB_A, None, lambda frame: _dob_build(frame, pools, rng))

    # gender
    gender_words: dict[str, list[str]] = {}
    for kind in ("gender_code", "gender_word", "gender_foreign", "gender_dotted", "gender_unknown"):
        for value, g in pools.words(kind):
            gender_words.setdefault(f"{kind}|{g}", []).append(value)
    gender_pool = _word_pool(gender_words)

    def gender(frame: pl.DataFrame) -> pl.Series:
        g = pl.when(pl.col("kind") == "gender_unknown").then(pl.lit("")).otherwise("value")
        keys = frame.select(pl.col("kind") + "|" + g).to_series()
        return gender_pool.pick_words(m.r, keys)

    m.vlayer("gender", _GENDER_A, None, gender)

    # address and city
    m.vlayer("address1", (("address_whitespace", 0.04),), None, spaces)

    def city(frame: pl.DataFrame) -> pl.Series:
        out = _by_kind(
            frame,
            {
                "city_upper": _upper(v),
                "city_lower": v.str.to_lowercase(),
                "city_whitespace": _spaces(v, way),
            },
        )
        return _fill_python(frame, out, "city_mojibake", _mojibake)

    m.vlayer("city", _CITY_A, None, city)

    # state
    state_words: dict[str, list[str]] = {}
    for kind, word in (
        ("state_name", "state_name"),
        ("state_local_name", "state_local"),
        ("state_old_abbrev", "state_abbrev"),
    ):
        for c in is_country:
            for value, code in pools.words(word, c):
                state_words.setdefault(f"{kind}|{c}|{code}", []).append(value)
    state_pool = _word_pool(state_words)

    def state(frame: pl.DataFrame) -> pl.Series:
        keys = frame.select(pl.col("kind") + "|" + pl.col("country") + "|" + pl.col("value"))
        words = state_pool.pick_words(m.r, keys.to_series())
        return _when(frame["kind"] == "state_blank", "", words)

    gb = is_country.get("GB", _const(False, m.n, pl.Boolean))
    m.vlayer("state", _STATE_A, ~gb, state)
    m.vlayer("state", _STATE_A_GB, gb, state)
    m.messy["state"] = m.messy["state"].replace("", None)
    m.layer("state", _STATE_B, None, lambda k, v, i: _random_case(v, rng))

    # postal code
    def zip_a(frame: pl.DataFrame) -> pl.Series:
        c, v, way = pl.col("country"), pl.col("value"), pl.col("way")
        digits = v.str.contains(r"^\d+$")
        return _by_kind(
            frame,
            {
                "zip_lost_zero": pl.when(v.str.starts_with("0") & v.str.contains(r"^\d{4,5}")).then(
                    v.str.strip_chars_start("0")
                ),
                "zip_float": pl.when(digits).then(
                    v.str.strip_chars_start("0").str.pad_start(1, "0") + ".0"
                ),
                "zip_plus4": pl.when(v.str.contains("-", literal=True)).then(
                    v.str.replace("-", pl.when(way < 0.7).then(pl.lit("")).otherwise(pl.lit(" ")))
                ),
                "zip_no_space": pl.when(v.str.contains(" ", literal=True)).then(
                    v.str.replace_all(" ", "", literal=True)
                ),
                "zip_truncated": v.str.slice(0, 3),
                "zip_country_prefix": pl.when(c == "DE")
                .then(pl.when(way < 0.7).then(pl.lit("D-")).otherwise(pl.lit("D ")) + v)
                .when(c == "MX")
                .then(pl.when(way < 0.7).then(pl.lit("C.P. ")).otherwise(pl.lit("CP ")) + v),
            },
        )

    def zip_b(frame: pl.DataFrame) -> pl.Series:
        v = pl.col("value")
        return _by_kind(
            frame,
            {
                "zip_lower_case": pl.when(v.str.to_lowercase() != v).then(v.str.to_lowercase()),
                "zip_whitespace": " " + v + " ",
            },
        )

    m.vlayer("zip", _ZIP_A, None, zip_a)
    m.vlayer("zip", _ZIP_B, None, zip_b)

    # country: the state written must name the country when it is left blank
    country_words: dict[str, list[str]] = {}
    for kind in ("country_name", "country_native", "country_alias"):
        for c in is_country:
            country_words[f"{kind}|{c}"] = [v for v, _ in pools.words(kind, c)]
    country_pool = _word_pool({k: v for k, v in country_words.items() if v})
    alpha3 = {c: pycountry.countries.get(alpha_2=c).alpha_3 for c in is_country}
    state_owner = {k: v for k, v in pools.state_keys.items() if v is not None}
    written_state = m.messy["state"]

    def country_a(frame: pl.DataFrame) -> pl.Series:
        words = country_pool.pick_words(m.r, frame["kind"] + "|" + frame["value"])
        owner = (
            written_state.gather(frame["row"])
            .str.normalize("NFKD")
            .str.replace_all(r"\p{M}", "")
            .str.replace_all(r"[\s.\-']", "")
            .str.to_uppercase()
            .replace_strict(state_owner, default=None, return_dtype=pl.String)
        )
        blank = _when(owner == frame["value"], "", _const(None, frame.height, pl.String))
        out = _when(frame["kind"] == "country_alpha3", frame["value"].replace_strict(alpha3), words)
        return _when(frame["kind"] == "country_blank", blank, out)

    def country_b(frame: pl.DataFrame) -> pl.Series:
        out = _by_kind(
            frame,
            {
                "country_punct": pl.when(way < 0.4)
                .then(v + ".")
                .when(way < 0.7)
                .then(" " + v + " ")
                .otherwise(v + "  ")
            },
        )
        return _fill_python(frame, out, "country_case", lambda x: _random_case(x, rng))

    m.vlayer("country", _COUNTRY_A, None, country_a)
    m.messy["country"] = m.messy["country"].replace("", None)
    m.vlayer("country", _COUNTRY_B, None, country_b)

    # note type
    m.vlayer(
        "note_type",
        (("note_type_case", 0.1), ("note_type_whitespace", 0.05)),
        None,
        lambda f: _by_kind(
            f,
            {
                "note_type_case": pl.when(way < 0.6)
                .then(v.str.to_lowercase())
                .otherwise(v.str.to_uppercase()),
                "note_type_whitespace": pl.when(way < 0.5).then(" " + v + " ").otherwise(v + "  "),
            },
        ),
    )


# --------------------------------------------------------------------------------------
# the public functions
# --------------------------------------------------------------------------------------


def _empty(headers: str) -> DemoData:
    messy_names = [MESSY_HEADERS[f] if headers == "messy" else f for f in MESSY_HEADERS]
    truth_schema: dict[str, pl.DataType] = {
        "source_row": pl.Int64(),
        "entity_id": pl.Int64(),
        "household_id": pl.Int64(),
    }
    truth_schema.update({f: pl.String() for f in _TRUTH_FIELDS})
    existing_schema: dict[str, pl.DataType] = {"existing_id": pl.Int64()}
    existing_schema.update({f: pl.String() for f in field_names()})
    existing_schema["entity_id"] = pl.Int64()
    return DemoData(
        messy=pl.DataFrame(schema={c: pl.String for c in messy_names}),
        truth=pl.DataFrame(schema=truth_schema),
        messes=pl.DataFrame(schema={"source_row": pl.Int64, "field": pl.String, "mess": pl.String}),
        existing=pl.DataFrame(schema=existing_schema),
    )


def _check(
    n: int, countries: Sequence[str], duplicate_rate: float, household_rate: float, headers: str
) -> tuple[str, ...]:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a whole number >= 0, got {n!r}")
    if not 0 <= duplicate_rate < 1:
        raise ValueError(f"duplicate_rate must be in [0, 1), got {duplicate_rate!r}")
    if not 0 <= household_rate <= 1:
        raise ValueError(f"household_rate must be in [0, 1], got {household_rate!r}")
    if headers not in ("messy", "canonical"):
        raise ValueError(f"headers must be 'messy' or 'canonical', got {headers!r}")
    if isinstance(countries, str):
        countries = (countries,)
    wanted: list[str] = []
    for c in countries:
        code = str(c).strip().upper()
        if code not in wanted:
            wanted.append(code)
    if not wanted:
        raise ValueError("countries must name at least one country")
    pools = _pools()
    known = set(pools.places.start)
    unknown = [c for c in wanted if c not in known or c not in pools.last.start]
    if unknown:
        raise ValueError(
            f"no demo data for {', '.join(unknown)}; supported: {', '.join(sorted(known))}"
        )
    return tuple(wanted)


def _existing(r: _Rand, pools: _Pools, ent: pl.DataFrame, incoming: int) -> pl.DataFrame:
    """Return the customers the account holds: about 30 % of the people, and a few more."""
    total = ent.height
    keep = (r.uniform(total) < _EXISTING_SHARE) | (ent["entity"] >= incoming)
    e = ent.filter(keep)
    k = e.height
    cell = _e164(pools, e["country"], e["cell_nsn"])
    taken = pl.concat(
        [
            _e164(pools, ent["country"], ent["cell_nsn"]),
            _e164(pools, ent["country"], ent["work_nsn"]),
        ]
    )
    new_rows = ((r.uniform(k) < 0.1) & e["cell_nsn"].is_not_null()).arg_true()
    if new_rows.len():
        loc = _locations(r, pools, e["country"].gather(new_rows))
        nsn, _ = _cell_phones(r, pools, e["country"].gather(new_rows), loc, taken)
        cell = cell.scatter(new_rows, _e164(pools, e["country"].gather(new_rows), nsn))
    other = (
        e["email"].str.replace(r"@.*$", "")
        + e["dob"].str.slice(2, 2)
        + "@"
        + _domains(r, pools, e["country"])
    )
    known_emails = ent["email"].drop_nulls().implode()
    change = (r.uniform(k) < 0.1) & e["email"].is_not_null() & ~other.is_in(known_emails)
    gender = _when(r.uniform(k) < 0.9, e["sex"], _const(None, k, pl.String))
    out = pl.DataFrame(
        {
            "customer_code": e["customer_code"],
            "first_name": e["first_name"],
            "last_name": e["last_name"],
            "company": e["company"],
            "email": _when(change, other, e["email"]),
            "cell_phone": cell,
            "work_phone": _e164(pools, e["country"], e["work_nsn"]),
            "dob": e["dob"],
            "gender": gender.alias("gender"),
            "address1": e["address1"],
            "address2": e["address2"],
            "city": e["city"],
            "state": e["state"],
            "zip": e["zip"],
            "country": e["country"],
            "note_type": _const(None, k, pl.String),
            "notes": _const(None, k, pl.String),
            "location_id": e["location_id"],
        }
    ).select(field_names())
    out = out.with_columns(entity_id=e["entity"] + 1)
    out = out[r.permutation(k)]
    ids = (pl.int_range(1, k + 1, dtype=pl.Int64) + _EXISTING_ID_BASE).alias("existing_id")
    return out.select(ids, *out.columns)


def generate(
    n: int = 1000,
    *,
    seed: int = 0,
    countries: Sequence[str] = DEFAULT_COUNTRIES,
    duplicate_rate: float = 0.2,
    household_rate: float = 0.05,
    headers: str = "messy",
) -> DemoData:
    """Generate ``n`` messy customer records with their truth, messes and existing customers.

    About ``duplicate_rate`` of the records are extra records of a person already in the list;
    about ``household_rate`` of the people share an address and a phone or an e-mail with
    another person of their household. ``headers`` is ``"messy"`` (``MESSY_HEADERS``, as an
    old export) or ``"canonical"`` (the canonical field names). The same arguments always give
    the same frames.

    Example:
        >>> d = generate(300, seed=7, countries=("DE",), headers="canonical")
        >>> d.truth["country"].unique().to_list()
        ['DE']
        >>> d.messy.columns[:3]
        ['customer_code', 'first_name', 'last_name']
        >>> d.truth["entity_id"].n_unique() < 300
        True
    """
    countries = _check(n, countries, duplicate_rate, household_rate, headers)
    if n == 0:
        return _empty(headers)
    pools = _pools()
    r = _Rand(seed)
    n_dup = min(round(n * duplicate_rate), n - 1)
    incoming = n - n_dup
    total = incoming + round(incoming * _EXISTING_ONLY_SHARE)

    ent = _entities(r, pools, total, countries, incoming)
    ent = _households(r, pools, ent, incoming, household_rate)
    first_part = ent.slice(0, incoming)
    logs: list[pl.DataFrame] = []
    if n_dup:
        dups, logs = _duplicates(r, pools, ent, incoming, n_dup, total)
        rec = pl.concat([first_part, dups])
    else:
        rec = first_part

    # what varies per record: whether the sex was recorded, the notes
    has_gender = r.uniform(n) < 0.88
    note_types = [v for v, _ in pools.words("note_type")]
    notes = [v for v, _ in pools.words("note")]
    has_type = r.uniform(n) < 0.35
    note_type = _when(~has_type, None, pl.Series(note_types).gather(r.below(n, len(note_types))))
    u = r.uniform(n)
    has_note = (has_type & (u < 0.85)) | (~has_type & (u < 0.08))
    note = _when(~has_note, None, pl.Series(notes).gather(r.below(n, len(notes))))

    cc = rec["country"].replace_strict(_country_codes(countries), return_dtype=pl.String)
    truth = {
        "customer_code": rec["customer_code"],
        "first_name": rec["first_name"],
        "last_name": rec["last_name"],
        "company": rec["company"],
        "email": rec["email"],
        "cell_phone": _e164(pools, rec["country"], rec["cell_nsn"]),
        "cell_phone_ext": _const(None, n, pl.String),
        "work_phone": _e164(pools, rec["country"], rec["work_nsn"]),
        "work_phone_ext": _const(None, n, pl.String),
        "dob": rec["dob"],
        "gender": _when(has_gender, rec["sex"], _const(None, n, pl.String)),
        "address1": rec["address1"],
        "address2": rec["address2"],
        "city": rec["city"],
        "state": rec["state"],
        "zip": rec["zip"],
        "country": rec["country"],
        "note_type": note_type,
        "notes": note,
        "location_id": rec["location_id"],
    }
    truth = {k: v.alias(k) for k, v in truth.items()}
    ctx = pl.DataFrame(
        {
            "country": rec["country"],
            "sex": rec["sex"],
            "cc": cc,
            "first_name": rec["first_name"],
            "last_name": rec["last_name"],
            "cell_phone_nsn": rec["cell_nsn"],
            "cell_phone_area": rec["cell_area"],
            "work_phone_nsn": rec["work_nsn"],
            "work_phone_area": rec["work_area"],
        }
    )
    m = _Messer(r, pools, ctx, truth)
    _apply_messes(m)

    # shuffle the records so that duplicates are not adjacent
    order = r.permutation(n)
    position = _const(0, n, pl.Int64).scatter(order, pl.int_range(n, eager=True))
    messy = pl.DataFrame([m.messy[f] for f in MESSY_HEADERS])[order]
    if headers == "messy":
        messy = messy.rename(MESSY_HEADERS)
    truth_frame = pl.DataFrame(
        [
            (rec["entity"] + 1).alias("entity_id"),
            rec["household_id"].alias("household_id"),
            *(m.truth[f] for f in _TRUTH_FIELDS),
        ]
    )[order]
    truth_frame.insert_column(
        0, pl.int_range(1, n + 1, eager=True, dtype=pl.Int64).alias("source_row")
    )
    all_logs = [*logs, *m.logs]
    messes = (
        pl.concat(all_logs)
        if all_logs
        else pl.DataFrame(schema={"row": pl.Int64, "field": pl.String, "mess": pl.String})
    )
    messes = (
        messes.with_columns(source_row=position.gather(messes["row"]) + 1)
        .select("source_row", "field", "mess")
        .sort("source_row", maintain_order=True)
    )
    existing = _existing(r, pools, ent, incoming)
    return DemoData(messy=messy, truth=truth_frame, messes=messes, existing=existing)


# --------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------

#: Excel number formats of the date cells, by the date form the cell stands for.
_DATE_FORMATS: dict[str | None, str] = {
    None: "yyyy-mm-dd",
    "dob_timestamp": "yyyy-mm-dd hh:mm:ss",
    "dob_us": "mm/dd/yyyy",
    "dob_day_first": "dd/mm/yyyy",
    "dob_dotted": "dd.mm.yyyy",
}


def _write_xlsx(path: Path, d: DemoData) -> None:
    """Write the messy list as an old spreadsheet would hold it.

    Postal codes and phones that are all digits become numbers (leading zeros lost), dates of
    birth in a form Excel understands become real date cells, Excel serials become numbers.
    """
    import xlsxwriter

    columns = d.messy.columns
    names = dict(zip(columns, MESSY_HEADERS, strict=True))
    numeric = {c for c in columns if names[c] in ("zip", "cell_phone", "work_phone")}
    dob_column = next(c for c in columns if names[c] == "dob")
    dob_kind = dict(
        d.messes.filter(pl.col("field") == "dob").select("source_row", "mess").iter_rows()
    )
    truth_dob = d.truth["dob"].to_list()
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties(
        {"title": "Customers", "author": "custclean demo", "created": dt.datetime(2024, 1, 1)}
    )
    formats = {k: workbook.add_format({"num_format": v}) for k, v in _DATE_FORMATS.items()}
    sheet = workbook.add_worksheet("Customers")
    sheet.write_row(0, 0, columns)
    for r, row in enumerate(d.messy.iter_rows(), start=1):
        for c, (column, value) in enumerate(zip(columns, row, strict=True)):
            if value is None:
                continue
            if column in numeric and value.isascii() and value.isdigit() and len(value) < 16:
                sheet.write_number(r, c, int(value))
            elif column == dob_column and truth_dob[r - 1] is not None:
                kind = dob_kind.get(r)
                if kind in _DATE_FORMATS:
                    day = dt.datetime.fromisoformat(truth_dob[r - 1])
                    sheet.write_datetime(r, c, day, formats[kind])
                elif kind == "dob_excel_serial":
                    sheet.write_number(r, c, int(value))
                else:
                    sheet.write_string(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()


def write_demo(directory: str | Path, n: int = 1000, seed: int = 0) -> dict[str, Path]:
    """Write a generated list in every supported form, with its truth and existing customers.

    Files: ``customers.csv`` (UTF-8, comma), ``customers_cp1252.csv`` (Windows-1252, ``;``,
    CRLF; characters outside Windows-1252 become ``?`` as in a real old export),
    ``customers.xlsx`` (sheet ``Customers``; all-digit postal codes and phones as numbers, dates
    of birth partly as date cells), ``customers.json`` (an array of objects), ``truth.csv`` and
    ``existing.csv``. The same arguments write byte-identical files. Returns the paths by file
    name.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     paths = write_demo(tmp, n=20)
        ...     sorted(p.suffix for p in paths.values())
        ['.csv', '.csv', '.csv', '.csv', '.json', '.xlsx']
    """
    d = generate(n, seed=seed)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        name: folder / name
        for name in (
            "customers.csv",
            "customers_cp1252.csv",
            "customers.xlsx",
            "customers.json",
            "truth.csv",
            "existing.csv",
        )
    }
    paths["customers.csv"].write_bytes(d.messy.write_csv().encode("utf-8"))
    windows = d.messy.write_csv(separator=";", line_terminator="\r\n")
    paths["customers_cp1252.csv"].write_bytes(windows.encode("cp1252", errors="replace"))
    _write_xlsx(paths["customers.xlsx"], d)
    records = d.messy.to_dicts()
    text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    paths["customers.json"].write_bytes(text.encode("utf-8"))
    paths["truth.csv"].write_bytes(d.truth.write_csv().encode("utf-8"))
    paths["existing.csv"].write_bytes(d.existing.write_csv().encode("utf-8"))
    return paths
