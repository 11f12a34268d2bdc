"""Comparisons: prepare() and compare() on realistic messy pairs, plus invariants."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custclean.link._cmp_prepare import INPUT_FIELDS
from custclean.link.comparisons import COMPARISONS, PREPARED_COLUMNS, compare, comparison, prepare

FIELDS = INPUT_FIELDS


def records(*rows: dict) -> pl.DataFrame:
    data = {f: [r.get(f) for r in rows] for f in FIELDS}
    return pl.DataFrame(
        {"source_row": [r["source_row"] for r in rows], **data},
        schema={"source_row": pl.Int64, **{f: pl.String for f in FIELDS}},
    )


def levels_of(left: dict, right: dict) -> dict[str, str]:
    """Compare one pair and return {comparison: level label}."""
    rec = prepare(records({"source_row": 1, **left}, {"source_row": 2, **right}))
    out = compare(rec, pl.DataFrame({"source_row_l": [1], "source_row_r": [2]}))
    return {c.name: c.label(out[c.column].item()) for c in COMPARISONS}


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Robert", "Bob", "nickname"),
        ("Bill", "Will", "nickname"),  # both short for William
        ("Elizabeth", "Liz", "nickname"),
        ("Margaret", "Peggy", "nickname"),
        ("Hans", "Johannes", "nickname"),
        ("José", "Pepe", "nickname"),
        ("Guadalupe", "Lupe", "nickname"),
        ("Tilly", "Matlda", "nickname"),  # nickname on one side, typo on the other
        ("Jonathan", "Jonathon", "jaro_winkler>=0.92"),
        ("José", "JOSE", "exact"),  # accents and case do not matter
        ("J.", "John", "initial"),
        ("Mary", "Peter", "else"),
        (None, "Peter", "missing"),
    ],
)
def test_first_name_levels(left: str | None, right: str, level: str) -> None:
    got = levels_of(
        {"first_name": left, "last_name": "Smith"}, {"first_name": right, "last_name": "Smith"}
    )
    assert got["first_name"] == level


def test_swapped_names_agree_crosswise() -> None:
    got = levels_of(
        {"first_name": "Smith", "last_name": "John"}, {"first_name": "John", "last_name": "Smith"}
    )
    assert got["first_name"] == "swapped"
    assert got["last_name"] == "swapped"
    half = levels_of({"first_name": "Taylor"}, {"first_name": "Linda", "last_name": "Taylor"})
    assert half["first_name"] == "swapped"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("Koch", "Matthias"), ("Matze", "Koch")),  # swapped, and a nickname on one side
        (("Harris", "Deborah"), ("Deb", "Harris")),
        (("Torres Muñoz", "Eduardo"), ("Lalo", "Torres Muñoz")),  # nickname, other initial
        (("Smiht", "John"), ("John", "Smith")),  # swapped with a typo
    ],
)
def test_swap_tolerates_nicknames_and_typos(left: tuple[str, str], right: tuple[str, str]) -> None:
    got = levels_of(
        {"first_name": left[0], "last_name": left[1]},
        {"first_name": right[0], "last_name": right[1]},
    )
    assert (got["first_name"], got["last_name"]) == ("swapped", "swapped")


def test_half_swap_agrees_on_the_surname_only() -> None:
    # FEBRL-style: names swapped and one of them replaced; only one name agrees crosswise
    got = levels_of(
        {"first_name": "Riley", "last_name": "Gloster"},
        {"first_name": "Gloster", "last_name": "Mia"},
    )
    assert (got["first_name"], got["last_name"]) == ("else", "swapped")


def test_merely_similar_second_name_is_no_swap() -> None:
    # a mother and daughter: Mai is not Matilda, so the first names still disagree
    got = levels_of(
        {"first_name": "Rossi", "last_name": "Mai"},
        {"first_name": "Matilda", "last_name": "Rossi"},
    )
    assert got["first_name"] != "swapped"
    # a direct typo is not taken for a swap: Jon Johnson / John Jonson
    direct = levels_of(
        {"first_name": "Jon", "last_name": "Johnson"},
        {"first_name": "John", "last_name": "Jonson"},
    )
    assert direct["first_name"] == "nickname"  # Jon is short for John
    assert direct["last_name"] == "jaro_winkler>=0.92"


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("García", "Garcia", "exact"),
        ("Garcia", "Garcia López", "contains"),  # double surname
        ("Jones", "Smith-Jones", "contains"),  # married, hyphenated
        ("Schmidt", "Schmitd", "jaro_winkler>=0.92"),
        ("Smith", "Xiong", "else"),
    ],
)
def test_last_name_levels(left: str, right: str, level: str) -> None:
    got = levels_of(
        {"first_name": "Ann", "last_name": left}, {"first_name": "Ann", "last_name": right}
    )
    assert got["last_name"] == level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Bob.Smith@Gmail.com", "bob.smith@gmail.com", "exact"),
        ("bob.smith@gmail.com", "bobsmith+shop@yahoo.com", "local_part"),
        ("jsmith77@gmail.com", "jsmtih77@gmail.com", "edit_distance<=2"),
        ("jsmith77@gmail.com", "mary.jones@gmail.com", "else"),
        (None, "mary.jones@gmail.com", "missing"),
    ],
)
def test_email_levels(left: str | None, right: str, level: str) -> None:
    assert levels_of({"email": left}, {"email": right})["email"] == level


def test_phone_levels_cross_cell_and_work() -> None:
    cell = "+13125550123"
    assert levels_of({"cell_phone": cell}, {"cell_phone": cell})["phone"] == "cell_exact"
    assert levels_of({"cell_phone": cell}, {"work_phone": cell})["phone"] == "exact"
    other_area = "+17735550123"
    assert levels_of({"cell_phone": cell}, {"cell_phone": other_area})["phone"] == "last_7"
    assert levels_of({"cell_phone": cell}, {"cell_phone": "+13125559999"})["phone"] == "else"
    assert levels_of({"cell_phone": cell}, {})["phone"] == "missing"


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("1980-05-17", "1980-05-17", "exact"),
        ("1980-05-07", "1980-07-05", "day_month_swapped"),
        ("1980-05-17", "1980-05-18", "one_digit_or_year_off"),
        ("1980-05-17", "1979-05-17", "one_digit_or_year_off"),  # year off by one, two digits
        ("1980-05-17", "1955-11-02", "else"),  # a generation apart: parent and child?
        ("1980-05-17", "1983-02-11", "under_15_years"),  # a wrong date, not another generation
        ("1980-05-17", "1965-06-01", "under_15_years"),  # 14 years 11 months
        ("1980-05-17", "1965-05-01", "else"),  # 15 years
        ("1980-05-17", "1964-12-30", "else"),
        (None, "1955-11-02", "missing"),
    ],
)
def test_dob_levels(left: str | None, right: str, level: str) -> None:
    assert levels_of({"dob": left}, {"dob": right})["dob"] == level


def test_junior_and_senior_disagree_on_dob_even_without_dates() -> None:
    got = levels_of({"suffix": "Sr."}, {"suffix": "Jr."})
    assert got["dob"] == "else"


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("12 Elm Street", "12 elm street", "exact"),
        ("1600 Pennsylvania Avenue NW", "1600 Pennsylvania Ave NW", "token_set>=0.90"),
        ("Calzada de Tlalpan 458", "Calz. de Tlalpan 458", "token_set>=0.90"),
        ("12 Elm Street", "14 Elm Street", "else"),  # the house number must agree
    ],
)
def test_address_levels(left: str, right: str, level: str) -> None:
    assert levels_of({"address1": left}, {"address1": right})["address"] == level


def test_address_lines_split_differently_agree() -> None:
    # FEBRL-style: the street and the building swapped between address1 and address2
    left = {"address1": "8 Fawkner Street", "address2": "Emerald Agricultural College"}
    right = {"address1": "8 Emerald Agricultural College", "address2": "Fawkner Street"}
    assert levels_of(left, right)["address"] == "token_set>=0.90"
    # the numbers of both lines must still be one set
    moved = {**right, "address1": "9 Emerald Agricultural College"}
    assert levels_of(left, moved)["address"] == "else"
    # a record without an address2 takes part with its address1
    alone = {"address1": "8 Emerald Agricultural College"}
    assert levels_of(left, alone)["address"] == "token_set>=0.90"


def test_a_bare_house_number_is_no_address_to_compare() -> None:
    # FEBRL-style: the street lost, only the number left; contained in every address with it
    bare = levels_of({"address1": "2 Garrard Street"}, {"address1": "2"})
    assert bare["address"] == "missing"
    assert levels_of({"address1": "2"}, {"address1": "2"})["address"] == "missing"


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("8 Eddy Crescent", "Eddy Crescent", "street_number_missing"),
        ("Colebatch Place", "112 Colebatch Lace", "street_number_missing"),  # and a typo
        ("12 Elm Street", "Oak Avenue", "else"),  # another street
        ("12 Elm Street", "14 Elm Street", "else"),  # two numbers that differ: neighbours
    ],
)
def test_a_house_number_missing_on_one_side_is_partial_agreement(
    left: str, right: str, level: str
) -> None:
    assert levels_of({"address1": left}, {"address1": right})["address"] == level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("6285", "6258", "transposed"),
        ("6076", "0676", "transposed"),
        ("2673", "2763", "transposed"),
        ("6285", "6289", "prefix_3"),
        ("6285", "5826", "else"),  # the same digits, more than one swap
        ("6285", "62855", "prefix_3"),  # other lengths are no swap
    ],
)
def test_postal_codes_with_two_neighbouring_characters_swapped(
    left: str, right: str, level: str
) -> None:
    assert levels_of({"zip": left}, {"zip": right})["postal"] == level


def test_city_counts_for_a_mistyped_postal_code_never_against() -> None:
    typo = levels_of({"zip": "6285", "city": "Galston"}, {"zip": "6258", "city": "Galston"})
    assert typo["city"] == "exact"
    # different postal codes already say "elsewhere": a different city is not counted again
    moved = levels_of({"zip": "6285", "city": "Galston"}, {"zip": "2000", "city": "Sydney"})
    assert moved["city"] == "missing"


def test_postal_and_city() -> None:
    got = levels_of({"zip": "02134-1234", "country": "US"}, {"zip": "02134", "country": "US"})
    assert got["postal"] == "exact"
    assert levels_of({"zip": "SW1A 1AA"}, {"zip": "SW1A 2AA"})["postal"] == "prefix_3"
    # the city does not count when the postal codes agree (no double counting of one place)
    both = levels_of({"zip": "50667", "city": "Köln"}, {"zip": "50667", "city": "Koln"})
    assert both["city"] == "missing"
    assert levels_of({"city": "Köln"}, {"zip": "50667", "city": "Koln"})["city"] == "exact"


def test_company_gender_code() -> None:
    got = levels_of(
        {"company": "Acme Widgets Inc.", "gender": "female", "customer_code": "C001"},
        {"company": "ACME Widgets", "gender": "male", "customer_code": "C001"},
    )
    assert got["company"] == "token_set>=0.85"
    assert got["gender"] == "else"
    assert got["customer_code"] == "exact"


def test_prepare_keeps_rows_and_is_idempotent() -> None:
    rec = records(
        {"source_row": -3, "first_name": "Zoë", "last_name": "O'Brien", "email": "Z@X.com"},
        {"source_row": 10, "first_name": None, "address1": "Unit 4, 221B Baker St"},
    ).with_columns(extra=pl.lit("kept"))
    once = prepare(rec)
    assert once["source_row"].to_list() == [-3, 10]
    assert once["extra"].to_list() == ["kept", "kept"]
    assert set(PREPARED_COLUMNS) <= set(once.columns)
    assert once.row(0, named=True)["first_norm"] == "zoe"
    assert once.row(0, named=True)["last_norm"] == "obrien"
    assert once.row(1, named=True)["house_number"] == "4 221"
    assert prepare(once).equals(once)


def test_prepare_accepts_missing_canonical_columns() -> None:
    out = prepare(pl.DataFrame({"source_row": [1], "first_name": ["Ann"]}))
    assert out["email_norm"].to_list() == [None]


def test_compare_keeps_columns_and_order_and_handles_unknown_rows() -> None:
    rec = prepare(
        records({"source_row": 1, "first_name": "Ann"}, {"source_row": 2, "first_name": "Anne"})
    )
    pairs = pl.DataFrame(
        {"source_row_l": [2, 1, 1], "source_row_r": [1, 2, 99], "blocked_by": ["a", "b", "c"]}
    )
    out = compare(rec, pairs)
    assert out["blocked_by"].to_list() == ["a", "b", "c"]
    assert out["gamma_first_name"].to_list()[:2] == [3, 3]
    assert all(out[c.column][2] == -1 for c in COMPARISONS)
    assert all(out[c.column].dtype == pl.Int8 for c in COMPARISONS)


def test_compare_refuses_unprepared_records() -> None:
    with pytest.raises(ValueError, match="prepare"):
        compare(
            pl.DataFrame({"source_row": [1]}),
            pl.DataFrame({"source_row_l": [1], "source_row_r": [1]}),
        )


def test_comparison_labels_round_trip() -> None:
    for c in COMPARISONS:
        assert c.levels[-1] == "else"
        assert len(c.levels) == len(c.notes) == len(c.m_start) == len(c.m_bounds)
        for level in c.levels:
            assert c.label(c.gamma(level)) == level
    assert comparison("first_name").label(-1) == "missing"
    with pytest.raises(KeyError):
        comparison("shoe_size")


text = st.one_of(
    st.none(), st.text(max_size=12), st.sampled_from(["Bob", "Robert", "Smith", "", " "])
)
dates = st.one_of(st.none(), st.sampled_from(["1980-05-17", "1980-17-05", "1999-01-01", "bad"]))
phones = st.one_of(st.none(), st.sampled_from(["+13125550123", "+17735550123", "+1", "x"]))


@st.composite
def record_pairs(draw: st.DrawFn) -> tuple[dict, dict]:
    def one() -> dict:
        return {
            "first_name": draw(text),
            "last_name": draw(text),
            "email": draw(st.one_of(text, st.sampled_from(["a@b.com", "ab@c.com", "@", "x@"]))),
            "cell_phone": draw(phones),
            "work_phone": draw(phones),
            "dob": draw(dates),
            "address1": draw(text),
            "address2": draw(text),
            "zip": draw(text),
            "city": draw(text),
            "company": draw(text),
            "gender": draw(st.one_of(st.none(), st.sampled_from(["male", "female"]))),
            "suffix": draw(st.one_of(st.none(), st.sampled_from(["Jr.", "Sr."]))),
            "customer_code": draw(text),
        }

    return one(), one()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_pairs())
def test_compare_never_raises_is_in_range_and_symmetric(pair: tuple[dict, dict]) -> None:
    left, right = pair
    rec = prepare(records({"source_row": 1, **left}, {"source_row": 2, **right}))
    forward = compare(rec, pl.DataFrame({"source_row_l": [1], "source_row_r": [2]}))
    backward = compare(rec, pl.DataFrame({"source_row_l": [2], "source_row_r": [1]}))
    for c in COMPARISONS:
        g = forward[c.column].item()
        assert -1 <= g <= len(c.levels) - 1
        assert g == backward[c.column].item(), c.name


# ---------------------------------------------------------------------------------------------
# the fast paths give what the plain way gives


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["+13125550123", "+1 555", "abc", "", " 7 "])),
            st.one_of(st.none(), st.sampled_from(["+13125550123", "+449876543210", "xyz"])),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_phone_lists_match_the_list_kernels(phones: list[tuple[str | None, str | None]]) -> None:
    rec = pl.DataFrame(
        {
            "source_row": list(range(1, len(phones) + 1)),
            "cell_phone": [p[0] for p in phones],
            "work_phone": [p[1] for p in phones],
        },
        schema={"source_row": pl.Int64, "cell_phone": pl.String, "work_phone": pl.String},
    )
    out = prepare(rec)
    text = [pl.col(c).str.strip_chars().replace("", None) for c in ("cell_phone", "work_phone")]
    both = pl.concat_list(text).list.drop_nulls()
    last7 = both.list.eval(pl.element().str.replace_all(r"\D", "").str.slice(-7))
    expected = rec.select(
        phones=both.list.unique().list.sort(), phones_last7=last7.list.unique().list.sort()
    ).select(pl.when(pl.all().list.len() > 0).then(pl.all()))
    assert out.select("phones", "phones_last7").to_dicts() == expected.to_dicts()


def _dob_gamma_plain(a: str | None, b: str | None) -> int:
    """The date-of-birth rule digit by digit, as first written (no suffixes)."""
    if a is None or b is None:
        return -1
    if a == b:
        return 4
    x, y = int(a), int(b)
    ya, yb, ma, mb, da, db = (
        x // 10000,
        y // 10000,
        x // 100 % 100,
        y // 100 % 100,
        x % 100,
        y % 100,
    )
    if ya == yb and ma == db and da == mb and ma != da:
        return 3
    differing = sum(x // 10**i % 10 != y // 10**i % 10 for i in range(8))
    if differing == 1 or (abs(ya - yb) == 1 and ma == mb and da == db):
        return 2
    if abs((ya * 12 + ma) - (yb * 12 + mb)) < 15 * 12:
        return 1
    return 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())),
            st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())),
            st.integers(0, 3),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_dob_gamma_matches_the_digit_by_digit_rule(
    dates: list[tuple[str | None, str | None, int]],
) -> None:
    lefts, rights = [], []
    for a, b, tweak in dates:
        if a and b and tweak:  # near misses: a swapped day/month, a year off, one digit off
            y, m, d = a.split("-")
            b = [
                f"{y}-{d}-{m}",
                f"{int(y) + 1:04d}-{m}-{d}",
                f"{y}-{m}-{d[0]}{(int(d[1]) + 1) % 10}",
            ][tweak - 1]
        lefts.append(a)
        rights.append(b)
    n = len(dates)
    rec = prepare(
        pl.DataFrame(
            {"source_row": list(range(1, 2 * n + 1)), "dob": lefts + rights},
            schema={"source_row": pl.Int64, "dob": pl.String},
        )
    )
    pairs = pl.DataFrame({"source_row_l": range(1, n + 1), "source_row_r": range(n + 1, 2 * n + 1)})
    got = compare(rec, pairs, [comparison("dob")])["gamma_dob"].to_list()
    digits = rec["dob_digits"].to_list()
    assert got == [_dob_gamma_plain(digits[i], digits[n + i]) for i in range(n)]


def test_a_few_pairs_among_many_records_compare_as_with_all_records() -> None:
    """Only the records the pairs touch are encoded; the gammas must not change."""
    people = [
        {
            "source_row": i,
            "first_name": f,
            "last_name": ln,
            "email": f"{f}.{ln}@x.org".lower(),
            "dob": f"19{50 + i % 40}-0{1 + i % 9}-1{i % 10}",
            "address1": f"{i % 7} Elm St",
        }
        for i, (f, ln) in enumerate(
            [
                ("Robert", "Smith"),
                ("Bob", "Smith"),
                ("Rob", "Smyth"),
                ("Ann", "Lee"),
                ("Anne", "Lee"),
                ("Kate", "Brown"),
                ("Katherine", "Browne"),
            ]
            * 6,
            start=1,
        )
    ]
    rec = prepare(records(*people))
    everything = pl.DataFrame(
        [(a, b) for a in range(1, 43) for b in range(a + 1, 43)],
        schema=["source_row_l", "source_row_r"],
        orient="row",
    )
    few = everything.filter(pl.col("source_row_l") <= 3).head(8)
    all_scored = compare(rec, everything).join(few, on=["source_row_l", "source_row_r"])
    assert compare(rec, few).equals(all_scored.select(compare(rec, few).columns))


def test_dense_and_sorted_combination_lookups_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    from custclean.link import _cmp_context

    rows = [
        {"source_row": i, "first_name": f, "last_name": ln, "company": c, "address1": a}
        for i, (f, ln, c, a) in enumerate(
            [
                ("Jon", "Smith", "Acme Inc", "12 Elm St"),
                ("John", "Smith", "ACME Incorporated", "12 Elm Street"),
                ("Smith", "John", None, "12 Elm"),
                ("Johan", "Smyth", "Acme", "14 Elm St"),
                ("J", "Smith-Jones", "Acme Inc.", "12 Elm St Apt 2"),
                ("Bob", "Jones", "Beta LLC", "7 Oak Ave"),
                ("Robert", "Jones", "Beta", "7 Oak Avenue"),
            ],
            start=1,
        )
    ]
    rec = prepare(records(*rows))
    pairs = pl.DataFrame(
        [(a, b) for a in range(1, 8) for b in range(1, 8) if a != b],
        schema=["source_row_l", "source_row_r"],
        orient="row",
    )
    dense = compare(rec, pairs)
    monkeypatch.setattr(_cmp_context, "DENSE_LIMIT", 0)
    assert compare(rec, pairs).equals(dense)
    # symmetric: swapping the sides gives the same gammas
    swapped = compare(rec, pairs.select(source_row_l="source_row_r", source_row_r="source_row_l"))
    gammas = [c.column for c in COMPARISONS]
    assert swapped.select(gammas).equals(dense.select(gammas))
