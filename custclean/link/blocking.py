"""Blocking: the candidate pairs worth scoring, found by several cheap passes.

Comparing every record with every other one is quadratic; blocking compares only records that
share a *key* in at least one pass (the same e-mail, the same phone, the same phonetic surname
within a postal area, the same date of birth and initial, …). Each pass is a polars self-join
on its key. A key value shared by more records than the pass's ``max_block_size`` (a
placeholder e-mail, a call-centre phone, "Smith" in a big city) is skipped and reported, so no
block explodes; a pass that would put every record in one block (the full cross product) is an
error.

``count_pairs(records)`` tells the cost before anything is scored: per pass, the pairs it
generates, how many are new (not found by an earlier pass), the blocks it skipped and its
largest block.

Example:
    >>> import polars as pl
    >>> df = pl.DataFrame({
    ...     "source_row": [1, 2, 3],
    ...     "first_name": ["Robert", "Bob", "Ann"],
    ...     "last_name": ["Smith", "Smith", "Lee"],
    ...     "email": ["bob@x.org", "bob@x.org", None],
    ...     "dob": ["1980-02-03", "1980-02-03", "1990-01-01"],
    ... })
    >>> block_pairs(df).pairs.select("source_row_l", "source_row_r", "blocked_by").rows()
    [(1, 2, 'email')]
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import jellyfish
import polars as pl

from custclean.errors import CustcleanError
from custclean.fields import field_names

__all__ = [
    "DEFAULT_RULES",
    "KEY_COLUMNS",
    "NAME_RULES",
    "BlockingError",
    "BlockingResult",
    "BlockingRule",
    "auto_rules",
    "block_keys",
    "block_pairs",
    "count_pairs",
]

#: Default cap on the records sharing one key value (bigger blocks are skipped and reported).
DEFAULT_MAX_BLOCK = 60

#: Records above this count that all share one key make a rule the full cross product.
_CROSS_PRODUCT_MIN = 20


class BlockingError(CustcleanError):
    """A blocking rule is unusable (no key, or the full cross product).

    Example:
        >>> str(BlockingError("rule 'x' has no key"))
        "rule 'x' has no key."
    """


@dataclass(frozen=True, slots=True)
class BlockingRule:
    """One blocking pass: records whose ``on`` columns all agree (and are non-empty) are paired.

    ``on`` names columns of :func:`block_keys` (the derived keys in ``KEY_COLUMNS`` or any
    column of the records). ``max_block_size`` caps the records sharing one key value.

    Example:
        >>> BlockingRule("dob_first", ("dob", "first_initial")).describe()
        'dob + first_initial'
    """

    name: str
    on: tuple[str, ...]
    max_block_size: int = DEFAULT_MAX_BLOCK
    note: str = field(default="", compare=False)

    def describe(self) -> str:
        """Return the rule as text, e.g. ``"last_metaphone + postal_area"``.

        Example:
            >>> BlockingRule("email", ("email",)).describe()
            'email'
        """
        return " + ".join(self.on)


#: The default passes: exact contact keys, then date of birth with the name initials, then
#: address. Together they find about 99.8 % of the true duplicate pairs of the demo data with
#: well under one candidate pair per record (measured at 100,000 and 1,000,000 records).
DEFAULT_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("email", ("email",), note="the same e-mail address"),
    BlockingRule("phone", ("phone",), note="a phone (cell or work) in common, E.164"),
    BlockingRule("customer_code", ("customer_code",), note="the same customer code"),
    BlockingRule(
        "phone_tail",
        ("phone_tail",),
        note="the last 7 digits of a phone (a wrong or missing country code)",
    ),
    BlockingRule(
        "dob_initials",
        ("dob", "name_initials", "country_key"),
        note="date of birth + both initials in any order, nicknames resolved (Bob = Robert)",
    ),
    BlockingRule("address", ("address_key",), note="house number and street in one postal code"),
)

#: Broader passes for files with few e-mails and phones (see :func:`auto_rules`). They cost
#: many more pairs on big files (each name, each birthday and initial is shared by many people)
#: and pull coincidences into the candidates: check with ``count_pairs(records, DEFAULT_RULES +
#: NAME_RULES)`` first.
NAME_RULES: tuple[BlockingRule, ...] = (
    BlockingRule(
        "name_phonetic",
        ("first_metaphone", "last_metaphone"),
        note="first and last name sounding alike",
    ),
    BlockingRule(
        "dob_first",
        ("dob", "first_initial", "country_key"),
        note="date of birth + first initial (surname changed)",
    ),
    BlockingRule(
        "dob_last",
        ("dob", "last_initial", "country_key"),
        note="date of birth + surname initial (first name changed)",
    ),
    BlockingRule("surname_zip", ("last_metaphone", "zip"), note="surname alike in one postal code"),
    BlockingRule(
        "first_zip", ("first_metaphone", "zip"), note="first name alike in one postal code"
    ),
    BlockingRule(
        "name_zip",
        ("name_sorted", "zip"),
        note="the same name words in any order in one postal code",
    ),
    BlockingRule(
        "surname_area",
        ("last_metaphone", "postal_area", "first_initial"),
        note="surname alike + first initial in one postal area",
    ),
    BlockingRule("dob", ("dob",), note="the same date of birth"),
    BlockingRule(
        "first_city", ("first_metaphone", "city_key"), note="first name alike in one city"
    ),
    BlockingRule("surname_city", ("last_metaphone", "city_key"), note="surname alike in one city"),
    BlockingRule(
        "street",
        ("street_key",),
        note="house number and street, whatever the postal code (a mistyped postal code)",
    ),
    BlockingRule(
        "street_name",
        ("street_word", "name_metaphones"),
        note="the same street and a name alike in either name field (no or another number)",
    ),
    BlockingRule("street_zip", ("street_word", "zip"), note="the same street in one postal code"),
    BlockingRule("street_city", ("street_word", "city_key"), note="the same street in one city"),
    BlockingRule(
        "any_name_zip",
        ("name_metaphones", "zip"),
        note="a name alike in either name field (first and last swapped) in one postal code",
    ),
    BlockingRule(
        "any_name_city",
        ("name_metaphones", "city_key"),
        note="a name alike in either name field (first and last swapped) in one city",
    ),
    BlockingRule(
        "address2_area",
        ("address2_key", "postal_area"),
        note="the same second address line (building, unit) in one postal area",
    ),
)

#: ``auto_rules`` adds the ``NAME_RULES`` when fewer records than this share have an e-mail or a
#: phone (the default passes lean on them).
CONTACT_COVERAGE = 0.5

#: ``auto_rules`` keeps a name pass only when it costs at most this many pairs per record.
PAIRS_PER_RECORD = 2.0

#: Derived key columns :func:`block_keys` adds, with what each holds.
KEY_COLUMNS: dict[str, str] = {
    "phone": "every phone of the record (cell and work, E.164); one row per phone",
    "phone_tail": "the last 7 digits of every phone of the record",
    "first_norm": "first name, ASCII-folded, lower case, letters only",
    "last_norm": "last name, ASCII-folded, lower case, letters only",
    "first_metaphone": "Metaphone key of the first name",
    "last_metaphone": "Metaphone key of the last name",
    "first_initial": "first letter of the first name",
    "last_initial": "first letter of the last name",
    "initials_sorted": "the initials of first and last name, sorted",
    "name_initials": "initials_sorted, also with the initial of each full name the first name "
    "is a nickname of (Bob Smith: bs, rs); one row per option",
    "name_sorted": "the words of first and last name, folded and sorted",
    "name_metaphones": "the Metaphone keys of first and last name, so a name meets its swapped "
    "self; one row per name",
    "country_key": "the country code, or '?' when unknown (never empty)",
    "postal_area": "country + the first three characters of the postal code",
    "city_key": "country + the city, folded",
    "address_key": "country + postal code + house number + first street word",
    "street_key": "country + house number + first street word (any postal code)",
    "street_word": "country + first street word of three letters or more",
    "address2_key": "the second address line, folded",
}

_PAIR_SCHEMA = {"source_row_l": pl.Int64, "source_row_r": pl.Int64, "blocked_by": pl.String}
_REPORT_SCHEMA = {
    "pass": pl.String,
    "rule": pl.String,
    "pairs": pl.Int64,
    "new_pairs": pl.Int64,
    "skipped_blocks": pl.Int64,
    "skipped_records": pl.Int64,
    "largest_block": pl.Int64,
}


_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th"})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fold_series(s: pl.Series) -> pl.Series:
    """Fold to lower-case ASCII letters and single spaces (call it on unique values)."""
    folded = s.str.to_lowercase()
    foreign = folded.str.contains(r"[^\x00-\x7f]").fill_null(False)
    if foreign.any():
        rows = foreign.arg_true()
        folded = folded.scatter(rows, [_fold(v) for v in folded.gather(rows).to_list()])
    return (
        folded.str.replace_all(r"[^a-z ]+", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .replace("", None)
    )


def _metaphone_series(s: pl.Series) -> pl.Series:
    return pl.Series(
        s.name,
        [None if v is None else jellyfish.metaphone(v.replace(" ", "")) or None for v in s],
        pl.String,
    )


def _text(records: pl.DataFrame, col: str) -> pl.Expr:
    if col not in records.columns:
        return pl.lit(None, dtype=pl.String)
    return pl.col(col).cast(pl.String).str.strip_chars().replace("", None)


def _name_keys(values: pl.Series, prefix: str) -> pl.DataFrame:
    """Folded name, Metaphone and initial of each distinct name."""
    norm = _fold_series(values)
    return pl.DataFrame(
        {
            "_v": values,
            f"{prefix}_norm": norm,
            f"{prefix}_metaphone": _metaphone_series(norm),
            f"{prefix}_initial": norm.str.slice(0, 1),
        }
    )


def _name_initials(narrow: pl.DataFrame) -> pl.Series:
    """Sorted initial pairs of first (or the full names it is a nickname of) and last name.

    "Bob Smith" gives ``["bs", "rs"]`` (Bob shortens Robert), so it meets "Robert Smith" and
    "Smith Robert"; computed once per distinct (first name, surname initial).
    """
    from custclean.link._cmp_prepare import nickname_keys

    combos = narrow.select("first_norm", "last_initial").drop_nulls().unique()
    firsts = combos["first_norm"].unique()
    options = pl.DataFrame(
        {
            "first_norm": firsts,
            "_opt": nickname_keys(firsts).list.eval(pl.element().str.slice(0, 1)),
        }
    )
    pairs = (
        combos.join(options, on="first_norm", how="left")
        .select(
            _f="first_norm",
            last_initial="last_initial",
            _i=pl.concat_list(pl.col("first_norm").str.slice(0, 1), pl.col("_opt").fill_null([])),
        )
        .explode("_i")
        .with_columns(
            _key=pl.when(pl.col("_i") < pl.col("last_initial"))
            .then(pl.col("_i") + pl.col("last_initial"))
            .otherwise(pl.col("last_initial") + pl.col("_i"))
        )
    )
    lists = pairs.group_by("_f", "last_initial").agg(name_initials=pl.col("_key").unique().sort())
    return narrow.join(
        lists,
        left_on=["first_norm", "last_initial"],
        right_on=["_f", "last_initial"],
        how="left",
        maintain_order="left",
    )["name_initials"]


def _address_keys(values: pl.Series) -> pl.DataFrame:
    """House number and first street word (3+ letters) of each distinct address line."""
    return pl.DataFrame(
        {
            "_v": values,
            "_house": values.str.extract(r"(\d+)", 1),
            "_street": _fold_series(values).str.extract(r"([a-z]{3,})", 1),
        }
    )


def _on_unique(
    frame: pl.DataFrame, col: str, build: Callable[[pl.Series], pl.DataFrame]
) -> pl.DataFrame:
    """Compute ``build`` once per distinct value of ``col`` and join it back (order kept)."""
    uniq = frame.get_column(col).unique().drop_nulls()
    derived = build(uniq)
    return frame.join(derived, left_on=col, right_on="_v", how="left", maintain_order="left")


def block_keys(records: pl.DataFrame, columns: Collection[str] | None = None) -> pl.DataFrame:
    """Return ``records`` with the derived key columns of ``KEY_COLUMNS`` added.

    ``columns`` limits the work to the derived keys named (default: all of them).

    Every derivation that needs Python (ASCII folding, Metaphone) or a costly regex runs once
    per distinct value and is joined back.

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"source_row": [1], "first_name": ["José"],
        ...                    "last_name": ["García López"], "zip": ["06600"],
        ...                    "country": ["MX"]})
        >>> block_keys(df).select("name_sorted", "last_metaphone", "postal_area").row(0)
        ('garcia jose lopez', 'KRXLPS', 'MX066')
    """
    fields = field_names()
    wanted = set(KEY_COLUMNS) if columns is None else set(columns) & set(KEY_COLUMNS)
    names = {
        "first_norm", "last_norm", "first_metaphone", "last_metaphone", "first_initial",
        "last_initial", "initials_sorted", "name_sorted", "name_initials", "name_metaphones",
    }  # fmt: skip
    narrow = records.select(
        pl.col("source_row"),
        *[_text(records, f).alias(f"_{f}") for f in fields],
    )
    if wanted & names:
        narrow = _on_unique(narrow, "_first_name", lambda v: _name_keys(v, "first"))
        narrow = _on_unique(narrow, "_last_name", lambda v: _name_keys(v, "last"))
    if "city_key" in wanted:
        narrow = _on_unique(
            narrow, "_city", lambda v: pl.DataFrame({"_v": v, "_city_norm": _fold_series(v)})
        )
    if wanted & {"address_key", "street_key", "street_word"}:
        narrow = _on_unique(narrow, "_address1", _address_keys)
    if "address2_key" in wanted:
        narrow = _on_unique(
            narrow,
            "_address2",
            lambda v: pl.DataFrame({"_v": v, "_address2_norm": _fold_series(v)}),
        )
    country = pl.col("_country").str.to_uppercase().fill_null("")
    zip_code = pl.col("_zip").str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "")
    narrow = narrow.with_columns(_cc=country, _zipn=zip_code)
    if "name_initials" in wanted:
        narrow = narrow.with_columns(name_initials=_name_initials(narrow))
    phones = [pl.col("_cell_phone"), pl.col("_work_phone")]
    exprs: dict[str, Callable[[], pl.Expr]] = {
        "phone": lambda: pl.concat_list(phones),
        "phone_tail": lambda: pl.concat_list([p.str.slice(-7) for p in phones]),
        "first_norm": lambda: pl.col("first_norm"),
        "last_norm": lambda: pl.col("last_norm"),
        "first_metaphone": lambda: pl.col("first_metaphone"),
        "last_metaphone": lambda: pl.col("last_metaphone"),
        "first_initial": lambda: pl.col("first_initial"),
        "last_initial": lambda: pl.col("last_initial"),
        "name_initials": lambda: pl.col("name_initials"),
        "initials_sorted": lambda: (
            pl.when(pl.col("first_initial") < pl.col("last_initial"))
            .then(pl.col("first_initial") + pl.col("last_initial"))
            .otherwise(pl.col("last_initial") + pl.col("first_initial"))
        ),
        "name_sorted": lambda: (
            pl.concat_str(["first_norm", "last_norm"], separator=" ", ignore_nulls=True)
            .str.split(" ")
            .list.sort()
            .list.join(" ")
            .replace("", None)
        ),
        "country_key": lambda: (
            pl.when(pl.col("_cc") != "").then(pl.col("_cc")).otherwise(pl.lit("?"))
        ),
        "postal_area": lambda: pl.when(pl.col("_zipn").str.len_chars() >= 3).then(
            pl.col("_cc") + pl.col("_zipn").str.slice(0, 3)
        ),
        "city_key": lambda: pl.when(pl.col("_city_norm").is_not_null()).then(
            pl.col("_cc") + "|" + pl.col("_city_norm")
        ),
        "address_key": lambda: pl.when(
            pl.col("_house").is_not_null() & pl.col("_zipn").is_not_null() & (pl.col("_zipn") != "")
        ).then(
            pl.concat_str(
                [pl.col("_cc"), pl.col("_zipn"), pl.col("_house"), pl.col("_street").fill_null("")],
                separator="|",
            )
        ),
        "street_key": lambda: pl.when(
            pl.col("_house").is_not_null() & pl.col("_street").is_not_null()
        ).then(pl.concat_str([pl.col("_cc"), pl.col("_house"), pl.col("_street")], separator="|")),
        "street_word": lambda: pl.when(pl.col("_street").is_not_null()).then(
            pl.col("_cc") + "|" + pl.col("_street")
        ),
        "name_metaphones": lambda: pl.concat_list(["first_metaphone", "last_metaphone"]),
        "address2_key": lambda: pl.col("_address2_norm"),
    }
    keys = narrow.select([exprs[name]().alias(name) for name in KEY_COLUMNS if name in wanted])
    base = records.with_columns(
        pl.lit(None, dtype=pl.String).alias(f) for f in fields if f not in records.columns
    )
    return base.drop([c for c in keys.columns if c in base.columns]).hstack(keys)


def _check_rule(rule: BlockingRule, keyed: pl.DataFrame) -> None:
    if not rule.on:
        raise BlockingError(
            f"blocking rule {rule.name!r} has no key columns, so it would compare every "
            "record with every other one",
            hint="give it at least one selective key, e.g. ('email',)",
        )
    missing = [c for c in rule.on if c not in keyed.columns]
    if missing:
        raise BlockingError(
            f"blocking rule {rule.name!r} uses unknown column(s) {', '.join(missing)}",
            hint="use the canonical fields or the derived keys: " + ", ".join(KEY_COLUMNS),
        )
    if rule.max_block_size < 2:
        raise BlockingError(f"blocking rule {rule.name!r} needs max_block_size of at least 2")


def _rule_keys(rule: BlockingRule, keyed: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
    """``source_row, key`` for one rule (nulls dropped), and whether a record may repeat."""
    frame = keyed.select("source_row", *rule.on)
    exploded = False
    for col in rule.on:
        if isinstance(frame.schema[col], pl.List):
            frame = frame.explode(col)
            exploded = True
    parts = [pl.col(c).cast(pl.String) for c in rule.on]
    if len(parts) == 1:
        key = parts[0].replace("", None)
    else:
        empty = pl.any_horizontal([p == "" for p in parts])
        key = pl.when(~empty).then(pl.concat_str(parts, separator="\x1f"))
    frame = frame.select("source_row", key=key).drop_nulls("key")
    if exploded:
        frame = frame.unique(["source_row", "key"])
    return frame, exploded


def _rule_pairs(
    rule: BlockingRule, keyed: pl.DataFrame, link_only_negative: bool
) -> tuple[pl.DataFrame, dict[str, int]]:
    _check_rule(rule, keyed)
    keys, exploded = _rule_keys(rule, keyed)
    sizes = keys.group_by("key").len()
    n = keyed.height
    largest = int(sizes["len"].max() or 0)
    if n > _CROSS_PRODUCT_MIN and largest >= n:
        raise BlockingError(
            f"blocking rule {rule.name!r} ({rule.describe()}) puts all {n} records in one "
            f"block: that is the full cross product ({n * (n - 1) // 2} pairs)",
            hint="use a more selective key, e.g. add a name or postal key to it",
        )
    too_big = sizes.filter(pl.col("len") > rule.max_block_size)
    blocks = sizes.filter((pl.col("len") > 1) & (pl.col("len") <= rule.max_block_size))
    kept = keys.join(blocks.select("key"), on="key", how="semi")
    pairs = (
        kept.join(kept, on="key", suffix="_r")
        .filter(pl.col("source_row") < pl.col("source_row_r"))
        .select(source_row_l=pl.col("source_row"), source_row_r=pl.col("source_row_r"))
    )
    if link_only_negative:
        pairs = pairs.filter(pl.col("source_row_r") >= 0)
    if exploded:
        pairs = pairs.unique()
    stats = {
        "skipped_blocks": too_big.height,
        "skipped_records": int(too_big["len"].sum() or 0),
        "largest_block": largest,
    }
    return pairs, stats


def _estimated_pairs(rule: BlockingRule, keyed: pl.DataFrame) -> int:
    """Pairs a pass would generate (from its block sizes, without building them)."""
    keys, _ = _rule_keys(rule, keyed)
    sizes = keys.group_by("key").len().filter(pl.col("len") <= rule.max_block_size)
    return int(sizes.select((pl.col("len") * (pl.col("len") - 1) // 2).sum()).item() or 0)


def auto_rules(
    records: pl.DataFrame, keyed: pl.DataFrame | None = None
) -> tuple[BlockingRule, ...]:
    """Return the passes ``block_pairs`` uses by default for ``records``.

    ``DEFAULT_RULES`` always. When fewer than ``CONTACT_COVERAGE`` of the records have an
    e-mail or a phone (a list without contact details, like the FEBRL test data), the
    ``NAME_RULES`` are added, each only if it costs at most ``PAIRS_PER_RECORD`` pairs per record.

    Example:
        >>> import polars as pl
        >>> names = pl.DataFrame({"source_row": [1, 2], "first_name": ["Ann", "Anne"],
        ...                       "last_name": ["Lee", "Lee"]})
        >>> [r.name for r in auto_rules(names)][-3:]
        ['any_name_zip', 'any_name_city', 'address2_area']
        >>> contacts = names.with_columns(email=pl.lit("a@b.org"))
        >>> auto_rules(contacts) == DEFAULT_RULES
        True
    """
    n = records.height
    if n == 0:
        return DEFAULT_RULES
    contact = pl.lit(False)
    for col in ("email", "cell_phone", "work_phone"):
        if col in records.columns:
            contact = contact | pl.col(col).is_not_null()
    coverage = records.select(contact.mean()).item() or 0.0
    if coverage >= CONTACT_COVERAGE:
        return DEFAULT_RULES
    if keyed is None:
        keyed = block_keys(records, {c for rule in NAME_RULES for c in rule.on})
    budget = PAIRS_PER_RECORD * n
    extra = tuple(r for r in NAME_RULES if _estimated_pairs(r, keyed) <= budget)
    return DEFAULT_RULES + extra


@dataclass(frozen=True, slots=True)
class BlockingResult:
    """The candidate pairs of all passes and what each pass cost.

    ``pairs``: ``source_row_l < source_row_r`` (Int64) and ``blocked_by`` (the first pass that
    found the pair). ``report``: per pass ``pass, rule, pairs, new_pairs, skipped_blocks,
    skipped_records, largest_block``.

    Example:
        >>> import polars as pl
        >>> res = block_pairs(pl.DataFrame({"source_row": [1, 2], "email": ["a@b.c", "a@b.c"]}))
        >>> res.report.filter(pl.col("pass") == "email")["new_pairs"].item()
        1
    """

    pairs: pl.DataFrame
    report: pl.DataFrame

    def __repr__(self) -> str:
        return f"BlockingResult({self.pairs.height} candidate pairs, {self.report.height} passes)"


def block_pairs(
    records: pl.DataFrame,
    rules: Sequence[BlockingRule] | None = None,
    *,
    link_only_negative: bool = True,
) -> BlockingResult:
    """Run the blocking passes over ``records`` and return the distinct candidate pairs.

    ``records`` needs ``source_row`` and the fields the rules read; ``rules`` default to
    :func:`auto_rules` (``DEFAULT_RULES``, plus name passes for lists without e-mails and
    phones). Rows with a negative
    ``source_row`` are an account's existing customers: with ``link_only_negative`` two of
    them are never paired with each other (only with incoming records).

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"source_row": [-1, 1, 2], "email": ["a@b.c"] * 3})
        >>> block_pairs(df, [BlockingRule("email", ("email",))]).pairs["source_row_l"].to_list()
        [-1, -1, 1]
    """
    rules = auto_rules(records) if rules is None else tuple(rules)
    keyed = block_keys(records, {c for rule in rules for c in rule.on})
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise BlockingError("blocking rule names must be unique: " + ", ".join(names))
    found: list[pl.DataFrame] = []
    stats: list[dict[str, object]] = []
    for index, rule in enumerate(rules):
        pairs, info = _rule_pairs(rule, keyed, link_only_negative)
        found.append(pairs.with_columns(_pass=pl.lit(index, dtype=pl.Int32)))
        stats.append({"pass": rule.name, "rule": rule.describe(), "pairs": pairs.height, **info})
    if found:
        every = pl.concat(found)
        first = every.group_by("source_row_l", "source_row_r").agg(pl.col("_pass").min())
    else:
        first = pl.DataFrame(schema={**_PAIR_SCHEMA, "_pass": pl.Int32}).drop("blocked_by")
    new_counts = dict(first.group_by("_pass").len().iter_rows())
    report = pl.DataFrame(
        [{**s, "new_pairs": new_counts.get(i, 0)} for i, s in enumerate(stats)],
        schema=_REPORT_SCHEMA,
    )
    pairs = (
        first.sort("source_row_l", "source_row_r")
        .with_columns(
            blocked_by=pl.col("_pass").replace_strict(
                dict(enumerate(names)), return_dtype=pl.String
            )
        )
        .select(list(_PAIR_SCHEMA))
        .cast(_PAIR_SCHEMA)
    )
    return BlockingResult(pairs=pairs, report=report)


def count_pairs(records: pl.DataFrame, rules: Sequence[BlockingRule] | None = None) -> pl.DataFrame:
    """Return what each blocking pass costs, before anything is scored.

    One row per pass: ``pass, rule, pairs`` (generated), ``new_pairs`` (not found by an
    earlier pass), ``skipped_blocks`` / ``skipped_records`` (key values shared by more than the
    rule's ``max_block_size`` records, left out) and ``largest_block``; a final ``total`` row.

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"source_row": [1, 2, 3], "email": ["a@b.c"] * 3,
        ...                    "dob": ["1980-01-02"] * 3, "first_name": ["Al", "Al", "Bo"],
        ...                    "last_name": ["Wu", "Wu", "Wu"]})
        >>> counts = count_pairs(df).filter(pl.col("pairs") > 0)
        >>> counts.select("pass", "pairs", "new_pairs").rows()
        [('email', 3, 3), ('dob_initials', 1, 0), ('total', 4, 3)]
    """
    report = block_pairs(records, rules).report
    total = report.select(
        pl.lit("total").alias("pass"),
        pl.lit("").alias("rule"),
        pl.col("pairs").sum(),
        pl.col("new_pairs").sum(),
        pl.col("skipped_blocks").sum(),
        pl.col("skipped_records").sum(),
        pl.col("largest_block").max(),
    ).cast(_REPORT_SCHEMA)
    return pl.concat([report, total])
