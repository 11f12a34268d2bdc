import time

import phonenumbers as pn
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custclean.issues import ISSUE_CODES
from custclean.normalize import _core
from custclean.normalize.phone import _classify, _parse, normalize_phone, phone_region


def one(value, region=None, **kwargs):
    out = normalize_phone(pl.Series([value], dtype=pl.String), region, **kwargs)
    frame = out.to_frame("phone")
    return frame.row(0, named=True)


# (cell, row region, E.164, code, type, the number's own region); default_region="US"
VALID = [
    ("(312) 555-0123", "US", "+13125550123", "fixed", "fixed_line_or_mobile", "US"),
    ("312.555.0123", "US", "+13125550123", "fixed", "fixed_line_or_mobile", "US"),
    ("312-555-0123", "US", "+13125550123", "fixed", "fixed_line_or_mobile", "US"),
    ("+1 312 555 0123", "US", "+13125550123", "fixed", "fixed_line_or_mobile", "US"),
    ("1-312-555-0123", "US", "+13125550123", "fixed", "fixed_line_or_mobile", "US"),
    ("+13125550123", "US", "+13125550123", None, "fixed_line_or_mobile", "US"),
    ("(212) 555-0199", None, "+12125550199", "fixed", "fixed_line_or_mobile", "US"),
    ("+1 (416) 555-0199", "CA", "+14165550199", "fixed", "fixed_line_or_mobile", "CA"),
    ("(604) 555-0142", "CA", "+16045550142", "fixed", "fixed_line_or_mobile", "CA"),
    ("020 7946 0958", "GB", "+442079460958", "fixed", "fixed_line", "GB"),
    ("+44 (0)20 7946 0958", "GB", "+442079460958", "fixed", "fixed_line", "GB"),
    ("07400 123456", "GB", "+447400123456", "fixed", "mobile", "GB"),
    ("0161 496 0123", "GB", "+441614960123", "fixed", "fixed_line", "GB"),
    ("+44 7400 123456", "US", "+447400123456", "fixed", "mobile", "GB"),  # explicit: kept
    ("030 12345678", "DE", "+493012345678", "fixed", "fixed_line", "DE"),
    ("0171 1234567", "DE", "+491711234567", "fixed", "mobile", "DE"),
    ("0171/1234567", "DE", "+491711234567", "fixed", "mobile", "DE"),
    ("089 / 1234567", "DE", "+49891234567", "fixed", "fixed_line", "DE"),
    ("+49 (0)30 12345678", "DE", "+493012345678", "fixed", "fixed_line", "DE"),
    ("04 1234 5678", "AU", "+61412345678", "fixed", "mobile", "AU"),
    ("(02) 9374 4000", "AU", "+61293744000", "fixed", "fixed_line", "AU"),
    ("55 1234 5678", "MX", "+525512345678", "fixed", "fixed_line_or_mobile", "MX"),
    ("+52 1 55 1234 5678", "MX", "+525512345678", "fixed", "fixed_line_or_mobile", "MX"),
    ("044 55 1234 5678", "MX", "+525512345678", "fixed", "fixed_line_or_mobile", "MX"),
    ("01 55 1234 5678", "MX", "+525512345678", "fixed", "fixed_line_or_mobile", "MX"),
    ("06 12 34 56 78", "FR", "+33612345678", "fixed", "mobile", "FR"),
    ("+33 1 42 68 53 00", "FR", "+33142685300", "fixed", "fixed_line", "FR"),
    ("612 34 56 78", "ES", "+34612345678", "fixed", "mobile", "ES"),
    ("91 123 45 67", "ES", "+34911234567", "fixed", "fixed_line", "ES"),
    # international prefixes
    ("0044 20 7946 0958", "US", "+442079460958", "fixed", "fixed_line", "GB"),
    ("0044 20 7946 0958", "DE", "+442079460958", "fixed", "fixed_line", "GB"),
    ("011 44 20 7946 0958", "US", "+442079460958", "fixed", "fixed_line", "GB"),
    ("011 44 20 7946 0958", "CA", "+442079460958", "fixed", "fixed_line", "GB"),
    ("0114 496 0000", "GB", "+441144960000", "fixed", "fixed_line", "GB"),  # 011… is national
    # …unless the national reading fails and 011 + country code gives the row's own country
    ("011 44 20 7946 0958", "GB", "+442079460958", "fixed", "fixed_line", "GB"),
    ("011 49 173 4837126", "DE", "+491734837126", "fixed", "mobile", "DE"),
    # vanity and non-geographic
    ("1-800-FLOWERS", "US", "+18003569377", "fixed", "toll_free", "US"),
    ("+800 1234 5679", None, "+80012345679", "fixed", "toll_free", None),
    # spreadsheet forms
    ("3125550123.0", "US", "+13125550123", "fixed", "fixed_line_or_mobile", "US"),
    ("3.125550123E9", "US", "+13125550123", "fixed", "fixed_line_or_mobile", "US"),
    ("3.125550123e+09", "US", "+13125550123", "fixed", "fixed_line_or_mobile", "US"),
    ("Tel: 312-555-0123", "US", "+13125550123", "fixed", "fixed_line_or_mobile", "US"),
]


@pytest.mark.parametrize(("cell", "region", "e164", "code", "kind", "own"), VALID)
def test_valid_numbers(cell, region, e164, code, kind, own):
    row = one(cell, region, default_region="US")
    assert (row["phone"], row["code"], row["type"], row["region"]) == (e164, code, kind, own)
    assert row["ext"] is None
    if code is None:
        assert row["message"] is None
    else:
        assert row["message"].startswith(f"'{cell}' written as {e164}")


@pytest.mark.parametrize(
    ("cell", "ext"),
    [
        ("312-555-0123 x123", "123"),
        ("312-555-0123 x 123", "123"),
        ("312-555-0123 X123", "123"),
        ("312-555-0123 ext. 45", "45"),
        ("312-555-0123 ext 45", "45"),
        ("312-555-0123 ext.45", "45"),
        ("312-555-0123 extension 45", "45"),
        ("312-555-0123 #45", "45"),
        ("+13125550123;ext=45", "45"),
    ],
)
def test_extensions_are_kept_apart(cell, ext):
    row = one(cell, "US")
    assert (row["phone"], row["code"], row["ext"]) == ("+13125550123", "fixed", ext)
    assert row["message"] == f"'{cell}' written as +13125550123: extension {ext} kept apart"


REJECTED = [
    # (cell, region, code, message after the quoted cell)
    (
        "555-0123",
        "US",
        "invalid",
        "has 7 digits: a local number without its area code, which is not guessed; left empty",
    ),
    ("312555012", "US", "invalid", "is too short for a US number (9 digits); left empty"),
    ("31255501234", "US", "invalid", "is too long for a US number (11 digits); left empty"),
    (
        "(243) 555-0053",
        "US",
        "invalid",
        "has the length of a US number but is not in a range "
        "in use (unknown area code or prefix); left empty",
    ),
    # 011 from North America is accepted on a non-NANP row only when it gives the row's country
    ("011 49 30 901820", "GB", "invalid", "is too long for a GB number (12 digits); left empty"),
    ("+999 1234 5678", "US", "invalid", "does not start with a country calling code; left empty"),
    (
        "3.12555E+09",
        "US",
        "invalid",
        "is in scientific notation with 6 significant digits: a "
        "spreadsheet shortened it and the last 4 digits are lost; left empty",
    ),
    ("3.1255E-05", "US", "invalid", "is a decimal number, not a phone number; left empty"),
    (
        "3125550123",
        "ZZ",
        "invalid",
        "has no country code (+…) and phonenumbers has no numbering plan for 'ZZ'; left empty",
    ),
    ("call me", "US", "placeholder", "has no digits: it stands for no number; left empty"),
    ("n/a", "US", "placeholder", "has no digits: it stands for no number; left empty"),
    ("none", "GB", "placeholder", "has no digits: it stands for no number; left empty"),
    ("000-000-0000", "US", "placeholder", "is a dummy number (one digit repeated); left empty"),
    ("111-111-1111", "US", "placeholder", "is a dummy number (one digit repeated); left empty"),
    ("(999) 999-9999", "US", "placeholder", "is a dummy number (one digit repeated); left empty"),
    ("123-456-7890", "US", "placeholder", "is a dummy number (consecutive digits); left empty"),
    ("+1 123 456 7890", "US", "placeholder", "is a dummy number (consecutive digits); left empty"),
    ("0000 000000", "GB", "placeholder", "is a dummy number (one digit repeated); left empty"),
    ("01234 567890", "GB", "placeholder", "is a dummy number (consecutive digits); left empty"),
]


@pytest.mark.parametrize(("cell", "region", "code", "tail"), REJECTED)
def test_rejected_numbers(cell, region, code, tail):
    row = one(cell, region)
    assert (row["phone"], row["code"]) == (None, code)
    assert row["message"] == f"'{cell}' {tail}"
    assert row["ext"] is row["type"] is row["region"] is None


def test_no_region_at_all():
    row = one("(312) 555-0123")
    assert (row["phone"], row["code"]) == (None, "invalid")
    assert "has no country code (+…) and the row has no country" in row["message"]
    assert one("+1 312 555 0123")["phone"] == "+13125550123"
    assert one("0044 20 7946 0958")["phone"] == "+442079460958"  # 00 is read everywhere
    assert one("011 44 20 7946 0958")["code"] == "invalid"  # 011 only with a NANP region


def test_row_region_wins_over_the_default_and_conflicts_are_not_guessed():
    values = pl.Series(["020 7946 0958", "(312) 555-0123", "(312) 555-0123", "+1 312 555 0123"])
    regions = pl.Series(["GB", None, "GB", "GB"])
    out = normalize_phone(values, regions, default_region="US")
    assert out.value.to_list() == ["+442079460958", "+13125550123", None, "+13125550123"]
    assert out.code.to_list() == ["fixed", "fixed", "ambiguous", "fixed"]
    assert out.message[2] == (
        "'(312) 555-0123' is not a valid number of GB (the row's country) but would be "
        "+13125550123 in US; left empty rather than guess which of the two is wrong"
    )


def test_region_as_text_and_lower_case():
    assert one("020 7946 0958", " gb ")["phone"] == "+442079460958"
    out = normalize_phone(pl.Series(["020 7946 0958"]), pl.Series(["gb"]))
    assert out.value[0] == "+442079460958"
    assert one("020 7946 0958", default_region="gb")["phone"] == "+442079460958"


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="default_region"):
        normalize_phone(pl.Series(["1"]), default_region="USA")
    with pytest.raises(ValueError, match="expect"):
        normalize_phone(pl.Series(["1"]), expect="cell")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="region has 2 rows"):
        normalize_phone(pl.Series(["1"]), pl.Series(["US", "US"]))


def test_expect_mobile_flags_fixed_lines_only():
    values = pl.Series(["020 7946 0958", "07400 123456", "(312) 555-0123", "0800 123 4567"])
    out = normalize_phone(values, "GB", default_region="US", expect="mobile")
    # (312) 555-0123 read in GB is not valid there but is in the default region: ambiguous
    assert out.code.to_list() == ["conflict", "fixed", "ambiguous", "conflict"]
    assert out.value.to_list() == ["+442079460958", "+447400123456", None, "+448001234567"]
    assert out.message[0] == "'020 7946 0958' is a fixed line, not a mobile: kept as +442079460958"
    assert out.message[3] == (
        "'0800 123 4567' is a toll-free number, not a mobile: kept as +448001234567"
    )
    us = normalize_phone(pl.Series(["(312) 555-0123"]), "US", expect="mobile")
    assert us.code.to_list() == ["fixed"]  # fixed_line_or_mobile is never a conflict
    again = normalize_phone(out.value, "GB", expect="mobile")
    assert again.value.to_list() == out.value.to_list()
    assert again.code.to_list() == ["conflict", None, None, "conflict"]  # an observation


def test_several_numbers_in_one_cell():
    row = one("312-555-0123 / 773-555-0199", "US")
    assert (row["phone"], row["code"]) == ("+13125550123", "ambiguous")
    assert row["message"] == (
        "'312-555-0123 / 773-555-0199' holds 2 numbers; kept the first, +13125550123; "
        "not kept: +17735550199"
    )
    row = one("312-555-0123 or 312.555.0123", "US")
    assert (row["phone"], row["code"]) == ("+13125550123", "fixed")
    assert row["message"].endswith("the same number given 2 times")
    row = one("555-0123 / 312-555-0123", "US")
    assert (row["phone"], row["code"]) == ("+13125550123", "fixed")
    assert "not kept: '5550123' (has 7 digits" in row["message"]
    row = one("312-555-0123, call after 5", "US")
    assert (row["phone"], row["code"]) == ("+13125550123", "ambiguous")
    row = one("312-555-0123 (cell)", "US")
    assert (row["phone"], row["code"]) == ("+13125550123", "fixed")
    assert (
        row["message"] == "'312-555-0123 (cell)' written as +13125550123: the word 'cell' dropped"
    )


def test_messages_name_the_value_and_the_repair():
    assert one("3125550123.0", "US")["message"] == (
        "'3125550123.0' written as +13125550123: a spreadsheet had stored it as a decimal number"
    )
    assert one("0044 20 7946 0958", "US")["message"] == (
        "'0044 20 7946 0958' written as +442079460958: '00' read as the international prefix"
    )
    assert one("+52 1 55 1234 5678")["message"] == (
        "'+52 1 55 1234 5678' written as +525512345678: the '1' that Mexican mobiles carried "
        "after +52 until 2019 was dropped"
    )
    assert one("1-800-FLOWERS", "US")["message"] == (
        "'1-800-FLOWERS' written as +18003569377: letters read as keypad digits"
    )


def test_blank_and_numeric_input():
    out = normalize_phone(pl.Series(["", "  ", None], dtype=pl.String), "US")
    assert out.value.to_list() == out.code.to_list() == out.message.to_list() == [None] * 3
    ints = normalize_phone(pl.Series([3125550123, None]), "US")  # a column read as numbers
    assert ints.value.to_list() == ["+13125550123", None]
    floats = normalize_phone(pl.Series([3125550123.0]), "US")
    assert floats.value.to_list() == ["+13125550123"]
    empty = normalize_phone(pl.Series([], dtype=pl.String), "US")
    assert empty.value.len() == 0 and set(empty.extra) == {"ext", "type", "region"}


def test_formats_share_one_parse(monkeypatch):
    calls = []
    real = _core._apply

    def counting(func, rows, parallel):
        calls.append(len(rows))
        return real(func, rows, parallel)

    monkeypatch.setattr(_core, "_apply", counting)
    # with letters the cells go to phonenumbers (plain numbers never reach it)
    normalize_phone(
        pl.Series(["1-800-FLOWERS", "1 (800) FLOWERS", "1.800.flowers", " 1 800 FLOWERS"]),
        "US",
    )
    assert calls == [1]
    calls.clear()
    plain = normalize_phone(
        pl.Series(["(312) 555-0123", "312.555.0123", "+44 20 7946 0958", "0171/1234567"]),
        pl.Series(["US", "US", "US", "DE"]),
    )
    assert sum(calls) == 0  # all read by the vectorised fast path
    assert plain.value.to_list() == [
        "+13125550123",
        "+13125550123",
        "+442079460958",
        "+491711234567",
    ]


def test_parallel_gives_the_same_answers(monkeypatch):
    monkeypatch.setattr(_core, "PARALLEL_MIN", 10)
    values = pl.Series([f"(312) 555-{i:04d} x{i}" for i in range(40)] + ["n/a", "555-0123"])
    serial = normalize_phone(values, "US", parallel=False).to_frame()
    parallel = normalize_phone(values, "US", parallel=True).to_frame()
    assert parallel.equals(serial)


# -- properties ------------------------------------------------------------------------------

REGIONS = st.sampled_from([None, "US", "CA", "GB", "DE", "AU", "MX", "FR", "ES", "ZZ"])
PHONEISH = st.lists(
    st.sampled_from([*"0123456789 +-.()/x#;", "ext.", "00", "011", "E+09", ".0", "+1", "+44"]),
    max_size=20,
).map("".join)
EXAMPLES = st.builds(
    lambda region, kind: pn.format_number(
        pn.example_number_for_type(region, kind) or pn.example_number(region),
        pn.PhoneNumberFormat.NATIONAL,
    ),
    st.sampled_from(["US", "CA", "GB", "DE", "AU", "MX", "FR", "ES"]),
    st.sampled_from([pn.PhoneNumberType.MOBILE, pn.PhoneNumberType.FIXED_LINE]),
)
CELLS = st.one_of(
    st.none(), st.text(max_size=40), PHONEISH, EXAMPLES, st.text(min_size=1000, max_size=10_000)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(CELLS, REGIONS), max_size=8), REGIONS.filter(lambda r: r != "ZZ"))
def test_never_raises_and_is_idempotent(rows, default):
    values = pl.Series([v for v, _ in rows], dtype=pl.String)
    regions = pl.Series([r for _, r in rows], dtype=pl.String)
    out = normalize_phone(values, regions, default_region=default, parallel=False)
    for series in (out.value, out.code, out.message, *out.extra.values()):
        assert series.len() == values.len()
    assert set(out.code.drop_nulls()) <= set(ISSUE_CODES)
    for cell, value, code, message in zip(values, out.value, out.code, out.message, strict=True):
        assert (code is None) == (message is None)
        if code is None:
            assert value == cell or value is None
        if value is not None:
            assert pn.is_valid_number(pn.parse(value))
    again = normalize_phone(out.value, regions, default_region=default, parallel=False)
    assert again.value.to_list() == out.value.to_list()
    assert again.code.null_count() == again.code.len()


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"(\+1|1)?[2-9]\d{9}", fullmatch=True), st.sampled_from(["US", "CA", "JM"]))
def test_nanp_shortcut_parses_like_phonenumbers(key, region):
    assert _parse(key, region) == pn.parse(key, region)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"\+(1|44|49|52|61|33|34|7|800|39)\d{4,12}", fullmatch=True))
def test_classify_matches_the_public_api(key):
    number = pn.parse(key)
    kind, own = _classify(number)
    assert kind == pn.number_type(number)
    assert (kind != pn.PhoneNumberType.UNKNOWN) == pn.is_valid_number(number)
    if kind != pn.PhoneNumberType.UNKNOWN:
        assert own == pn.region_code_for_number(number)


@pytest.mark.slow
def test_throughput():
    values = pl.Series(
        [
            f"({300 + i % 97}) 555-{i % 10_000:04d}" if i % 3 else f"+44 7400 {i:06d}"
            for i in range(15_000)
        ]
    )
    start = time.process_time()  # CPU time: the machine running the tests may be busy
    out = normalize_phone(values, "US", parallel=False)
    elapsed = time.process_time() - start
    assert out.value.len() == values.len()
    # ~25,000 rows/s serial (200,000 rows, 60% distinct) on an idle 2-CPU machine
    assert values.len() / elapsed > 5_000


# Demo rows (seed 2026) whose 10-digit number lost its area code and happened to start with
# 310: phonenumbers reads 310-xxxx as a Canadian universal access number (+13105170), so the
# cleaner turned a local number into another number instead of leaving it empty.
@pytest.mark.parametrize(
    ("cell", "region"),
    [
        ("310-5170", "US"),
        ("310-2903", "CA"),
        ("310-5359", "US"),
        ("310-9650", "CA"),
        ("310-5170", None),
        ("3105170", "US"),
        ("+1 310 5170", "CA"),
        ("1-310-5170", "US"),
        ("3105170.0", "US"),
        ("+13105170", "US"),
    ],
)
@pytest.mark.parametrize("expect", ["any", "mobile"])
def test_seven_digit_310_numbers_are_local_numbers_not_guessed(cell, region, expect):
    row = one(cell, region, default_region="US", expect=expect)
    assert row["phone"] is None
    assert row["code"] == "invalid"
    assert row["message"].startswith(f"'{cell}' has 7 digits: a local number without")
    assert row["message"].endswith("; left empty")
    assert row["type"] is None and row["region"] is None


def test_a_310_local_number_next_to_a_full_number_leaves_the_full_one():
    row = one("310-5170 / 312-555-0123", "US", default_region="US")
    assert (row["phone"], row["code"]) == ("+13125550123", "fixed")
    assert "not kept: '3105170' (has 7 digits" in row["message"]


def test_a_310_local_number_gives_no_country():
    cells = pl.Series(["310-5170", "310-2903", "(416) 555-0199"])
    assert phone_region(cells, pl.Series(["US", "CA", "CA"])).to_list() == [None, None, "CA"]
    assert phone_region(cells, "US").to_list() == [None, None, "CA"]


# -- the vectorised steps of normalize_phone agree with their plain definitions ----------------


def test_separator_characters_are_the_separator_pattern():
    # the key drops _SEPARATOR_CHARS as literals: exactly what the pattern matches (\s is
    # Unicode's White_Space), over every code point
    from custclean.normalize.phone import _SEPARATOR_CHARS, _SEPARATORS

    chars = pl.Series([chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF])
    matched = chars.filter(chars.str.contains(f"^{_SEPARATORS}$")).to_list()
    assert sorted(matched) == sorted(_SEPARATOR_CHARS)
    assert len(set(_SEPARATOR_CHARS)) == len(_SEPARATOR_CHARS)


def _keys_as_defined(raw):
    """The key as first written: trimmed, lower case, separators dropped unless the cell is a
    spreadsheet's decimal or exponent."""
    from custclean.normalize.phone import _DECIMAL, _SCIENTIFIC, _SEPARATORS

    low = pl.col("low")
    frame = pl.DataFrame({"low": raw.cast(pl.String).str.strip_chars().str.to_lowercase()})
    return frame.select(
        pl.when(low.str.contains(_DECIMAL) | low.str.contains(_SCIENTIFIC))
        .then(low)
        .otherwise(low.str.replace_all(_SEPARATORS, ""))
    ).to_series()


KEY_CELLS = [
    " (312) 555-0123 ",
    "312\u00a0555\u20090123",
    "+44\u202f20\u30007946\t0958",
    "0171\u20131234567",
    "0171\u22121234567 [home]",
    "3.125550123E9",
    " 3125550123.0 ",
    "3125550123.0 x1",
    "+3.1E+9",
    "1-800-FLOWERS",
    "İstanbul 0212 555 0123",
    "ＡＢＣ 123",
    "\u2028\u2029\u0085",
    "",
    None,
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8"), max_size=25) | st.sampled_from(KEY_CELLS)
    )
)
def test_keys_are_the_pattern_definition(cells):
    from custclean.normalize.phone import _keys

    values = pl.Series([*KEY_CELLS, *cells], dtype=pl.String)
    assert _keys(values).to_list() == _keys_as_defined(values).to_list()


def test_region_column_clean_or_not():
    from custclean.normalize.phone import _context

    clean = pl.Series(["US", None, "GB", "US"])
    assert _context(clean, 4).to_list() == ["US", None, "GB", "US"]
    messy = pl.Series(["US", " gb", "", "  ", None, "Us ", "de"])
    assert _context(messy, 7).to_list() == ["US", "GB", None, None, None, "US", "DE"]
    assert _context(" ca ", 2).to_list() == ["CA", "CA"]
    assert _context(None, 2).to_list() == [None, None]
    with pytest.raises(ValueError, match="region has 2 rows"):
        _context(clean.head(2), 3)


@pytest.mark.parametrize("expect", ["any", "mobile"])
def test_a_mostly_empty_column_reads_like_its_cells(expect):
    # a column with many empty cells is read without them, then spread back: the same
    # answers as for its cells alone, and nothing on the empty rows
    cells = ["020 7946 0958", "(312) 555-0123 x45", "555-0123", "n/a", "3.12555E+09", " "]
    cells += ["0171/1234567", "+44 20 7946 0958 / 312-555-0123", "1-800-FLOWERS"]
    regions = ["GB", "US", "US", None, None, "US", "DE", "US", None]
    values, rows = [], []
    for cell, region in zip(cells, regions, strict=True):
        values += [cell, None, None]
        rows += [region, "GB", None]
    full = normalize_phone(
        pl.Series(values, dtype=pl.String), pl.Series(rows), default_region="US", expect=expect
    ).to_frame("phone")
    alone = normalize_phone(
        pl.Series(cells), pl.Series(regions), default_region="US", expect=expect
    ).to_frame("phone")
    assert full.gather_every(3).equals(alone)
    empty = full.filter(pl.int_range(pl.len()) % 3 != 0)
    assert empty.null_count().row(0) == (empty.height,) * empty.width


def test_long_cells_are_quoted_shortened():
    cells = ["(312) 555-0123 " + "-" * 80, "x" * 81, "+44 20 7946 0958" + " " * 64]
    out = normalize_phone(pl.Series(cells), "US", default_region="US", expect="mobile")
    assert out.message.to_list() == [
        f"'(312) 555-0123 {'-' * 64}…' written as +13125550123",
        f"'{'x' * 79}…' has no digits: it stands for no number; left empty",
        f"'+44 20 7946 0958{' ' * 64}' is a fixed line, not a mobile: kept as +442079460958",
    ]
    assert out.code.to_list() == ["fixed", "placeholder", "conflict"]


def test_short_nanp_numbers_are_found_among_values_of_their_length():
    from custclean.normalize.phone import _no_short_nanp

    answers = pl.DataFrame(
        {
            "value": ["+13105170", "+44123456", "+131051701", None],
            "code": [None, "fixed", None, "invalid"],
            "message": [None, "written as +44123456", None, "is too short"],
            "ext": ["12", None, None, None],
            "type": ["uan", "fixed_line", "uan", None],
            "region": ["CA", "GB", "CA", None],
        }
    )
    out = _no_short_nanp(answers)
    assert out.row(0)[:2] == (None, "invalid") and out.row(0)[3:] == (None, None, None)
    assert out.row(0)[2].startswith("has 7 digits: a local number without its area code")
    assert out.slice(1).equals(answers.slice(1))
    assert _no_short_nanp(answers.slice(1)).equals(answers.slice(1))
