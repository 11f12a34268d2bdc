"""The vectorised fast path gives exactly the answers of the per-value path.

Every equivalence test runs ``normalize_phone`` twice on the same cells: once with the fast
path switched off (every cell parsed by phonenumbers, as before) and once as shipped, and
compares value, code, message, ext, type and region row by row.
"""

import contextlib
import functools
import re

import phonenumbers as pn
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from custclean import demo
from custclean.normalize import phone_fast
from custclean.normalize.phone import _dummy, normalize_phone, phone_region
from custclean.normalize.phone_fast import FAST_COLUMNS, read_fast, valid_fast

REGIONS = ["US", "CA", "GB", "DE", "AU", "MX", "FR", "IN", "JP", "BR"]


def _claims_nothing(keys, region=None, default_region=None):
    none = pl.Series([None] * keys.len(), dtype=pl.String)
    return pl.DataFrame(
        {
            "claimed": pl.Series([False] * keys.len(), dtype=pl.Boolean),
            **dict.fromkeys(FAST_COLUMNS, none),
        }
    )


@contextlib.contextmanager
def fast_path(replacement):
    real = phone_fast.read_fast
    phone_fast.read_fast = replacement(real)
    try:
        yield
    finally:
        phone_fast.read_fast = real


def assert_same(values, region=None, default_region=None, expect="any"):
    """Assert the shipped path and the slow path agree on every row; return the share of
    non-blank cells the fast path claimed."""
    values = pl.Series(values, dtype=pl.String) if isinstance(values, list) else values
    if isinstance(region, list):
        region = pl.Series(region, dtype=pl.String)
    kwargs = {"default_region": default_region, "expect": expect, "parallel": False}
    with fast_path(lambda real: _claims_nothing):
        slow = normalize_phone(values, region, **kwargs).to_frame("phone")
    claimed = []

    def recording(real):
        def read(*args):
            out = real(*args)
            claimed.append(out["claimed"].sum())
            return out

        return read

    with fast_path(recording):
        fast = normalize_phone(values, region, **kwargs).to_frame("phone")
    differ = pl.Series(
        [a != b for a, b in zip(fast.rows(), slow.rows(), strict=True)], dtype=pl.Boolean
    )
    if differ.any():  # show the cells before failing
        regions = region if isinstance(region, pl.Series) else [region] * values.len()
        cells = pl.DataFrame({"cell": values.cast(pl.String), "row_region": regions})
        print(pl.concat([cells, fast], how="horizontal").filter(differ), slow.filter(differ))
    assert_frame_equal(fast, slow)
    blank = values.cast(pl.String).str.strip_chars().fill_null("") == ""
    return claimed[0] / max(1, (~blank).sum())


# -- (a) the demo data ------------------------------------------------------------------------


@functools.cache
def demo_data():
    return demo.generate(3000, seed=11, headers="canonical")


@pytest.mark.parametrize("column", ["cell_phone", "work_phone"])
def test_demo_with_the_rows_countries(column):
    data = demo_data()
    expect = "mobile" if column == "cell_phone" else "any"
    share = assert_same(data.messy[column], data.truth["country"], "US", expect)
    assert share > 0.8  # most cells never reach phonenumbers


@pytest.mark.parametrize("column", ["cell_phone", "work_phone"])
def test_demo_without_countries_and_us_by_default(column):
    data = demo_data()
    values = data.messy[column]
    for expect in ("any", "mobile"):
        assert_same(values, pl.Series([None] * values.len(), dtype=pl.String), "US", expect)


def test_demo_with_countries_as_written():
    data = demo_data()
    # the messy country column: 'U.S.', 'Kanada', 'GBR'… are no region phonenumbers knows
    assert_same(data.messy["cell_phone"], data.messy["country"], "US", "mobile")


# -- (b) digit strings with separators and prefixes -------------------------------------------

PREFIXES = [
    "",
    "+",
    "00",
    "011",
    "0",
    "1",
    "+1",
    "001",
    "+44",
    "0044",
    "011 44",
    "+44 (0)",
    "+49",
    "0049",
    "011 49",
    "+61",
    "0061",
    "+52",
    "+52 1",
    "01",
    "044",
    "+33",
    "+91",
    "+81",
    "+55",
    "+800",
    "+7",
]
SEPARATORS = ["", "", "", " ", "-", ".", "(", ")", "/", " / "]
SUFFIXES = ["", "", "", "", ".0", ".00", " x12", "e9"]
# extensions in the forms people write them, and some phonenumbers does not take as one
EXTENSION_LABELS = [
    " x",
    "x",
    " x ",
    " X. ",
    " x: ",
    " ext. ",
    " ext ",
    "ext",
    " Ext: ",
    " extn ",
    " extension ",
    " EXTENSION: ",
    " #",
    "#",
    ";ext=",
    " ; ext=",
    " e ",
    " int ",
    ";",
    ",,",
    " ext#",
    " xx",
    "/x",
]


def _example_digits(region, kind):
    number = pn.example_number_for_type(region, kind)
    return pn.national_significant_number(number) if number else "2125550123"


@st.composite
def phone_like(draw):
    """A cell built from a prefix, digits (random, or an example number with its last
    digits changed) with separators between them, and now and then a decimal or an
    exponent at the end."""
    prefix = draw(st.sampled_from(PREFIXES))
    if draw(st.booleans()):
        digits = draw(st.text("0123456789", min_size=5, max_size=14))
    else:
        region = draw(st.sampled_from([*REGIONS, "GG", "JM", "KZ", "IT"]))
        kind = draw(st.sampled_from(list(range(11))))
        digits = _example_digits(region, kind)
        keep = draw(st.integers(0, len(digits)))
        tail = draw(st.text("0123456789", min_size=len(digits) - keep, max_size=len(digits)))
        digits = draw(st.sampled_from(["", "0"])) + digits[:keep] + tail
    cell = prefix
    for digit in digits:
        cell += draw(st.sampled_from(SEPARATORS)) + digit
    if draw(st.integers(0, 2)) == 0:  # an extension, of 1 to 22 digits
        label = draw(st.sampled_from(EXTENSION_LABELS))
        return cell + label + draw(st.text("0123456789", min_size=1, max_size=22))
    return cell + draw(st.sampled_from(SUFFIXES))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(phone_like(), st.sampled_from([None, *REGIONS])), max_size=120),
    st.sampled_from([None, "US", "GB"]),
    st.sampled_from(["any", "mobile"]),
)
def test_generated_cells(rows, default, expect):
    assert_same([c for c, _ in rows], [r for _, r in rows], default, expect)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=30), st.sampled_from([None, "US", "GB", "ZZ"]))))
def test_any_text(rows):
    assert_same([c for c, _ in rows], [r for _, r in rows], "US")


# -- (c) phonenumbers' example numbers ---------------------------------------------------------

FORMATS = [
    pn.PhoneNumberFormat.NATIONAL,
    pn.PhoneNumberFormat.INTERNATIONAL,
    pn.PhoneNumberFormat.E164,
]


@functools.cache
def examples():
    cells, regions = [], []
    for region in sorted(pn.SUPPORTED_REGIONS):
        for kind in range(11):
            number = pn.example_number_for_type(region, kind)
            if number is None:
                continue
            for fmt in FORMATS:
                cells.append(pn.format_number(number, fmt))
                regions.append(region)
    for code in sorted(pn.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        number = pn.example_number_for_non_geo_entity(code)
        if number is not None:
            cells.append(pn.format_number(number, pn.PhoneNumberFormat.INTERNATIONAL))
            regions.append(None)
    return cells, regions


def test_every_example_number_in_its_own_region():
    cells, regions = examples()
    assert len(cells) > 4000
    assert assert_same(cells, regions, "US", "mobile") > 0.7


def test_every_example_number_without_a_region():
    cells, _ = examples()
    # national forms are read in the default region; international ones need none
    assert_same(cells, [None] * len(cells), "US")
    assert_same(cells, [None] * len(cells), None)


# -- read_fast itself --------------------------------------------------------------------------


def test_read_fast_claims_plain_numbers_only():
    keys = [
        "3125550123",  # plain: read here
        "+442079460958",
        "02079460958",
        "0171/1234567",
        "3125550123.0",  # a spreadsheet's decimal
        "3.125550123e9",  # scientific notation with every digit
        "0014165550199",  # 00 on a North American row: read as + with a note
        "011447400123456",  # 011 on a GB row: the slow path's second reading
        "5550123",  # invalid on a JP row: slow path
        "3125550123/7735550199",  # two numbers: slow path
        "1234567890",  # stand-in: slow path
        "09012345678",  # Japan rewrites its national prefix: slow path
        "3.12555e+09",  # digits lost: invalid, with the slow path's reason
    ]
    regions = ["US", None, "GB", "DE", "US", "US", "US", "GB", "JP", "US", "US", "JP", "US"]
    out = read_fast(pl.Series(keys), pl.Series(regions))
    assert out["claimed"].to_list() == [True] * 8 + [False] * 4 + [True]
    assert (out["value"][12], out["code"][12]) == (None, "invalid")
    assert out["message"][12] == (
        "is in scientific notation with 6 significant digits: a spreadsheet shortened it and "
        "the last 4 digits are lost; left empty"
    )
    assert out["value"].to_list()[:8] == [
        "+13125550123",
        "+442079460958",
        "+442079460958",
        "+491711234567",
        "+13125550123",
        "+13125550123",
        "+14165550199",
        "+447400123456",
    ]
    assert out["code"].to_list()[:8] == [None] * 4 + ["fixed"] * 4
    assert (
        out["message"][4]
        == "written as +13125550123: a spreadsheet had stored it as a decimal number"
    )
    assert out["message"][7] == (
        "written as +447400123456: '011' read as the international prefix dialled from "
        "North America"
    )
    assert out["type"].to_list()[:4] == [
        "fixed_line_or_mobile",
        "fixed_line",
        "fixed_line",
        "mobile",
    ]
    assert out["region"].to_list()[:8] == ["US", "GB", "GB", "DE", "US", "US", "CA", "GB"]


def test_shared_calling_codes_pick_the_region_like_phonenumbers():
    keys = [
        "+12125550123",
        "+14165550199",
        "+18765550123",
        "+447400123456",
        "+447781123456",
        "+441534456789",
        "+61891621234",
        "+79123456789",
        "+77012345678",
    ]
    out = read_fast(pl.Series(keys))
    assert out["claimed"].all()
    expected = [pn.region_code_for_number(pn.parse(k)) for k in keys]
    assert out["region"].to_list() == expected
    assert expected == ["US", "CA", "JM", "GB", "GG", "JE", "CC", "RU", "KZ"]


def test_non_geographic_numbers_have_no_region():
    out = read_fast(pl.Series(["+80012345679"]))
    assert out.row(0, named=True) == {
        "claimed": True,
        "value": "+80012345679",
        "code": None,
        "message": None,
        "ext": None,
        "type": "toll_free",
        "region": None,
    }


def test_read_fast_splits_extensions_off_like_phonenumbers():
    keys = [
        "3125550123x45",  # (312) 555-0123 x45
        "3125550123ext8309",  # 312.555.0123 ext. 8309
        "+442076881504ext:778",  # +44 20 7688 1504 ext: 778
        "01617707862#69",  # (0161) 770 7862 #69
        "+522222917343;ext=9",  # +52 222 291 7343;ext=9
        "0014169768087extension55",  # 001-416-976-8087 extension 55
        "0114915212345678x90",  # 011 49 1521 2345678 x90 on a DE row: dialled from the US
        "011491521234567x90",  # not valid however it is read: slow path
        "3125550123x1234567890",  # 10 digits after x: phonenumbers takes no extension
        "3125550123;ext=1234567",  # 7 digits after ';': a second number to the slow path
        "5550123x45",  # invalid: slow path
        "3125550123int45",  # a label left to the slow path
    ]
    regions = ["US", "US", "US", "GB", "MX", "US", "DE", "DE", "US", "US", "US", "US"]
    out = read_fast(pl.Series(keys), pl.Series(regions))
    assert out["claimed"].to_list() == [True] * 7 + [False] * 5
    assert out["ext"].to_list()[:7] == ["45", "8309", "778", "69", "9", "55", "90"]
    assert out["code"].to_list()[:7] == ["fixed"] * 7
    assert out["message"].to_list()[:7] == [
        "written as +13125550123: extension 45 kept apart",
        "written as +13125550123: extension 8309 kept apart",
        "written as +442076881504: extension 778 kept apart",
        "written as +441617707862: extension 69 kept apart",
        "written as +522222917343: extension 9 kept apart",
        "written as +14169768087: '00' read as the international prefix; extension 55 kept apart",
        "written as +4915212345678: '011' read as the international prefix dialled from North "
        "America; extension 90 kept apart",
    ]
    for key, region, ext in zip(keys[:7], regions, out["ext"], strict=False):
        assert pn.parse(key, region).extension == ext


@pytest.mark.parametrize(
    ("cell", "region"),
    [
        ("(312) 555-0123 x45", "US"),
        ("312-555-0123 X. 45", "US"),
        ("+1 416 976 8087 Ext: 12", "CA"),
        ("020 7946 0958 extension 2", "GB"),
        ("030 25538095 ext 4", "DE"),
        ("+61 3 9289 7655 #9", "AU"),
        ("01 45 67 89 01 poste 12", "FR"),
        ("+34 912 345 678;ext=123", "ES"),
        ("(55) 1234 5678 ext. 101", "MX"),
        ("312-555-0123 ext. 123456789012345678901", "US"),
        ("3125550123 x 0000000", "US"),
        ("1234567 x 8", "US"),
    ],
)
def test_extensions_match_the_slow_path(cell, region):
    assert_same([cell, cell.upper(), f"  {cell} "], [region] * 3, "US", "mobile")


def test_seven_digit_local_numbers_are_answered_like_the_slow_path():
    keys = ["5550123", "5550123", "5550123", "5550123", "5550123", "2345678", "15550123"]
    regions = ["US", None, "PR", "CA", "AG", "US", "US"]
    out = read_fast(pl.Series(keys), pl.Series(regions), "US")
    # AG adds its area code 268 to a local number; stand-ins and prefixes: slow path
    assert out["claimed"].to_list() == [True, True, True, True, False, False, False]
    assert out["code"].to_list()[:4] == ["invalid"] * 4
    assert out["value"].to_list()[:4] == [None] * 4
    assert set(out["message"].to_list()[:4]) == {
        "has 7 digits: a local number without its area code, which is not guessed; left empty"
    }
    # a row whose country is not the default's: the slow path tries the default too
    assert not read_fast(pl.Series(["5550123"]), pl.Series(["US"]), "GB")["claimed"].item()


@pytest.mark.parametrize("default", [None, "US", "CA", "GB", "AU"])
def test_local_numbers_match_the_slow_path(default):
    cells = ["555-0123", "555.0123", "(555) 0123", "867-5309", "1-555-0123", "0-555-0123"]
    cells += ["555-0123 x4", "5550123.0", "444-4444", "234-5678", "987-6543", "800-5555"]
    for region in [None, "US", "CA", "PR", "JM", "DO", "AG", "BS", "GB", "AU"]:
        assert_same(cells, [region] * len(cells), default, "mobile")


def test_invalid_national_numbers_of_the_us_get_the_slow_paths_reason():
    keys = ["07946318829", "31255501", "9996808673", "3125550123456", "0015550123", "0114479"]
    out = read_fast(pl.Series(keys), pl.Series(["US", "CA", "US", "US", "US", "US"]))
    assert out["claimed"].to_list() == [True] * 4 + [False] * 2  # 00, 011: slow path
    assert out["message"].to_list()[:4] == [
        "is too long for a US number (11 digits); left empty",
        "is too short for a CA number (8 digits); left empty",
        "has the length of a US number but is not in a range in use (unknown area code or "
        "prefix); left empty",
        "is too long for a US number (13 digits); left empty",
    ]


@pytest.mark.parametrize("default", [None, "US", "GB"])
def test_foreign_national_numbers_on_north_american_rows(default):
    cells = ["07946 318829", "020 7946 0958", "0171 1234567", "0412 345 678", "(02) 9876 5432"]
    cells += ["55 1234 5678", "06 12 34 56 78", "912 345 678", "999-680-8673", "312-555-01"]
    cells += ["3125550123.0", "9996808673.0", "312555012345678901", "1 999 680 8673", "0"]
    cells += ["0173/3100909", "0173 / 3100909", "017/33100909"]  # the slow path reads parts
    for region in [None, "US", "CA", "JM", "BS", "GB"]:
        assert_same(cells, [region] * len(cells), default, "mobile")


def test_read_fast_on_nothing_and_on_blanks():
    assert read_fast(pl.Series([], dtype=pl.String), "US").height == 0
    out = read_fast(pl.Series([None, "", "+"], dtype=pl.String), "US")
    assert out["claimed"].to_list() == [False] * 3


def test_every_region_translates_to_polars():
    # phonenumbers' patterns all compile under Rust's regex engine today; a region whose
    # patterns stop compiling would silently fall back to the slow path, so watch for it
    missing = [r for r in sorted(pn.SUPPORTED_REGIONS) if phone_fast._plan(r) is None]
    assert missing == []


@settings(max_examples=300, deadline=None)
@given(st.text("0123456789", min_size=1, max_size=25))
def test_stand_ins_match_the_slow_paths_rule(digits):
    frame = pl.DataFrame({"d": [digits]})
    assert frame.select(phone_fast._is_dummy(pl.col("d"))).item() == (_dummy(digits) is not None)


@pytest.mark.parametrize("digits", ["000000", "7" * 40, "123456", "0123456789012", "987654"])
def test_stand_ins(digits):
    frame = pl.DataFrame({"d": [digits]})
    assert frame.select(phone_fast._is_dummy(pl.col("d"))).item()
    assert _dummy(digits) is not None


def _variants(digits):
    """The digits, with each digit changed in turn, one shorter and one longer."""
    changed = [digits[:i] + str((int(d) + 3) % 10) + digits[i + 1 :] for i, d in enumerate(digits)]
    return [digits, digits[:-1], digits + "5", "0" + digits, *changed]


def test_patterns_behave_as_in_python():
    # the translated patterns accept exactly the strings Python's re accepts, and prefix
    # patterns (international and national prefixes, leading digits) match as far
    for region in sorted(pn.SUPPORTED_REGIONS):
        metadata = pn.PhoneMetadata.metadata_for_region(region)
        plan = phone_fast._plan(region)
        examples = [
            pn.national_significant_number(number)
            for kind in range(11)
            if (number := pn.example_number_for_type(region, kind)) is not None
        ]
        strings = sorted({v for digits in examples for v in _variants(digits)})
        series = pl.Series(strings, dtype=pl.String)
        descs = [("general_desc", plan.general), ("fixed_line", plan.fixed_line)]
        descs += [("mobile", plan.mobile), *plan.types]
        for name, desc in descs:
            if desc is None:
                continue
            pattern = getattr(metadata, name).national_number_pattern
            python = [re.fullmatch(pattern, s) is not None for s in strings]
            assert series.str.contains(desc.pattern).to_list() == python, (region, name)
        prefixes = [
            (metadata.international_prefix, plan.idd),
            (metadata.national_prefix_for_parsing, plan.national_prefix),
            (metadata.leading_digits, plan.leading_digits),
        ]
        for pattern, translated in prefixes:
            if pattern is None:
                continue
            dialled = [p + s for s in strings[:5] for p in ("0", "00", "011", "810", "1", "")]
            python = [m.group(0) if (m := re.match(pattern, s)) else None for s in dialled]
            polars = pl.Series(dialled).str.extract(translated, 1).to_list()
            assert polars == python, (region, pattern)


# -- spreadsheet numbers that lost digits ------------------------------------------------------

SCIENTIFIC = ["3.12555E+09", "3.12555e9", "+3.1e9", "3.1e-5", "3.1e-0", "3e-0", "3.10e1"]
SCIENTIFIC += ["3.125550123e9", "3.1255501234e9", "1e0", "3.1e+00", "3.1e99999999999999999999"]
SCIENTIFIC += ["3,1e9", "3.1 e9", "3.1e9 x4", "٣.١e9", "3.1e09", "3.12e010"]


@pytest.mark.parametrize("default", [None, "US"])
def test_scientific_notation_matches_the_slow_path(default):
    for region in [None, "US", "GB"]:
        assert_same(SCIENTIFIC, [region] * len(SCIENTIFIC), default)


@settings(max_examples=60, deadline=None)
@given(
    st.from_regex(r"\A\+?[0-9](\.[0-9]{0,12})?[eE][+-]?[0-9]{1,3}\Z"),
    st.sampled_from([None, "US", "DE"]),
)
def test_generated_scientific_notation(cell, region):
    assert_same([cell, f" {cell} "], [region, region], "US")


# -- valid_fast and phone_region: validity and the number's country only ----------------------


def assert_same_region(values, region):
    """phone_region answers as normalize_phone's region column (without a default region);
    return the share of non-blank cells valid_fast settled without the slow path."""
    values = pl.Series(values, dtype=pl.String) if isinstance(values, list) else values
    region = pl.Series(region, dtype=pl.String) if isinstance(region, list) else region
    with fast_path(lambda real: _claims_nothing):
        slow = normalize_phone(values, region, parallel=False)
    got = phone_region(values, region)
    expected = slow.extra["region"]
    differ = (got.fill_null("-") != expected.fill_null("-")).fill_null(True)
    if differ.any():
        print(
            pl.DataFrame({"cell": values, "row": region, "got": got, "want": expected}).filter(
                differ
            )
        )
    assert got.to_list() == expected.to_list()
    keys = pl.select(
        pl.lit(values).str.strip_chars().str.to_lowercase().str.replace_all(r"[\s.\-()]", "")
    ).to_series()
    settled = valid_fast(keys, region)["valid"].is_not_null().sum()
    blank = values.str.strip_chars().fill_null("") == ""
    return settled / max(1, (~blank).sum())


def test_phone_region_on_the_demo_in_other_countries():
    data = demo_data()
    cells = pl.concat([data.messy["cell_phone"], data.messy["work_phone"]])
    # every number tried in countries that are not its own, as when a state names several
    for countries in (["DE", "AT", "CH", "HU"], ["AU", "NZ", "MX", "CA"], ["GB", "IE", "IN"]):
        region = pl.Series([countries[i % len(countries)] for i in range(cells.len())])
        assert assert_same_region(cells, region) > 0.75  # MX rows and 00, 011, /: slow path


@pytest.mark.parametrize("few", [0, 300, 10**9], ids=["vectorised", "mixed", "key-by-key"])
def test_phone_region_on_example_numbers_in_every_region(monkeypatch, few):
    # regions with few keys are read key by key, the others vectorised: the same answers
    import custclean.normalize.phone as phone_module

    monkeypatch.setattr(phone_module, "FEW_PER_REGION", few)
    cells, regions = examples()
    # each number in the region of the example before it: mostly another country's
    assert_same_region(cells, [*regions[1:], regions[0]])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(phone_like(), st.sampled_from([None, *REGIONS, "IT", "AT"])), max_size=60)
)
def test_phone_region_on_generated_cells(rows):
    assert_same_region([c for c, _ in rows], [r for _, r in rows])


def test_valid_fast_leaves_second_readings_to_the_slow_path():
    keys = ["017693256064", "0049123", "01144207946", "0177/2604", "0155512345678"]
    keys += ["+5215512345678", "3.1e9", "017693256064x12", "", "0176932560", "+49176932560"]
    regions = ["DE", "DE", "DE", "DE", "MX", "US", "DE", "DE", "DE", "GB", "US"]
    out = valid_fast(pl.Series(keys), pl.Series(regions))
    # 00, 011, a '/', Mexico: the slow path tries other readings; an invalid number of any
    # country read exactly (the last two) is settled here
    assert out["valid"].to_list()[:9] == [True, None, None, None, None, None, False, True, None]
    assert out["valid"].to_list()[9:] == [False, False]
    assert out["region"].to_list()[0] == "DE"
    assert_same_region(keys, regions)


def test_keys_in_several_chunks():
    # a column read from a file comes in chunks; polars once panicked on them here
    parts = [["06995289131;ext=653", "2.03595e+09", None], ["3.97174406e8", "+13068331527ext26"]]
    keys = pl.concat(
        [pl.Series(p, dtype=pl.String) for p in [*parts, ["3.1e9", "abc"]]], rechunk=False
    )
    assert keys.n_chunks() == 3
    assert read_fast(keys, "US")["code"].to_list()[:2] == [None, "invalid"]
    assert valid_fast(keys, "US")["valid"].to_list()[:2] == [False, False]
    assert_same_region(keys, ["US"] * keys.len())
    assert_same(keys, "US", "US")


# -- spreadsheet numbers of North America that are no valid number -----------------------------


@pytest.mark.parametrize("default", [None, "US", "CA", "GB"])
def test_invalid_spreadsheet_numbers_of_the_us_are_answered_like_the_slow_path(default):
    # the slow path repairs the decimal or the exponent, then gives +1's reason (no repair
    # named): the fast path answers them as it answers the same digits written plainly
    digits = ["5550123", "555012", "55501234", "1750926034", "9996808673", "07946318829"]
    digits += ["3125550123456", "3105170", "1111111", "0015550123", "01144207946", "3125550123"]
    cells = [f"{d}.0" for d in digits] + [f"{d}.00" for d in digits]
    cells += [f"{d[0]}.{d[1:]}e{len(d) - 1}" for d in digits]
    cells += [f"{d[0]}.{d[1:]}E+{len(d) - 1}" for d in digits] + ["0173/3100909.0"]
    # a '/' is no spreadsheet's: the slow path reads the parts (here: a valid number and
    # more digits, where the digits together are too long)
    cells += ["312-555-0123/4", "3125550123/45", "555/3101234"]
    for region in [None, "US", "CA", "JM", "AG", "GB"]:
        assert_same(cells, [region] * len(cells), default, "mobile")


def test_invalid_spreadsheet_numbers_of_the_us_are_claimed():
    cells = ["5550123.0", "9996808673.0", "5.550123e6", "31255501.0", "5550123.0"]
    out = read_fast(pl.Series(cells), pl.Series([None, None, "US", "CA", "GB"]), "US")
    assert out["claimed"].to_list() == [True, True, True, True, False]  # GB: slow path
    assert out["code"].to_list()[:4] == ["invalid"] * 4
    assert out["message"].to_list()[:4] == [
        "has 7 digits: a local number without its area code, which is not guessed; left empty",
        "has the length of a US number but is not in a range in use (unknown area code or "
        "prefix); left empty",
        "has 7 digits: a local number without its area code, which is not guessed; left empty",
        "is too short for a CA number (8 digits); left empty",
    ]


# -- the steps of the fast path agree with their plain definitions -----------------------------


def test_patterns_checked_together_give_the_plans_checked_one_by_one(monkeypatch):
    import dataclasses

    regions = ["US", "GB", "DE", "AU", "MX", "JP", "BR", "AR", "IT", "KZ", "+800", "+979"]
    together = {r: phone_fast._plan(r) for r in regions}
    phone_fast._plan.cache_clear()
    monkeypatch.setattr(phone_fast, "_COMPILING", set())
    monkeypatch.setattr(phone_fast, "_all_compile", lambda patterns: False)
    try:
        alone = {r: phone_fast._plan(r) for r in regions}
    finally:
        phone_fast._plan.cache_clear()
    for region in regions:
        assert dataclasses.asdict(together[region]) == dataclasses.asdict(alone[region])


def test_patterns_that_do_not_compile_are_not_remembered(monkeypatch):
    compiling: set[str] = set()
    monkeypatch.setattr(phone_fast, "_COMPILING", compiling)
    good = phone_fast._translated("[2-9]\\d{9}", phone_fast._ANCHORED, "(?-u)")
    assert not phone_fast._all_compile([good, "(?-u)[^0]"])  # may match invalid UTF-8
    assert not compiling
    assert phone_fast._all_compile([good])
    assert compiling == {good}
    assert phone_fast._compiles(good) and not phone_fast._compiles("(?-u)[^0]")


def test_calling_codes_read_from_the_first_three_digits():
    # the first of the first 1, 2, 3 digits that is a calling code (none starts with 0)
    codes = sorted({str(code) for code in pn.COUNTRY_CODE_TO_REGION_CODE})
    intl = pl.col("intl")
    rule = pl.when(intl.str.starts_with("0")).then(None)
    for n in (1, 2, 3):
        rule = rule.when(intl.str.head(n).is_in(codes)).then(intl.str.head(n))
    starts = pl.DataFrame({"intl": [f"{n:03d}" for n in range(1000)]})
    expected = starts.select(rule.otherwise(None).cast(pl.Int64)).to_series().to_list()
    mapping = phone_fast._code_of_start()
    assert [mapping.get(s) for s in starts["intl"]] == expected


def test_numbers_of_every_region_of_plus_one():
    # +1 is shared by 25 regions, most picked by their leading digits: valid numbers of
    # each, and the same with their last digits changed (often invalid), in one column
    cells = []
    for region in pn.COUNTRY_CODE_TO_REGION_CODE[1]:
        for kind in range(11):
            number = pn.example_number_for_type(region, kind)
            if number is None:
                continue
            digits = pn.national_significant_number(number)
            for variant in (digits, digits[:-2] + "00", digits[:-4] + "9999", digits[:3]):
                cells += [variant, "+1" + variant, "1" + variant]
    for region in [None, "US", "CA", "JM", "GB"]:
        share = assert_same(cells, [region] * len(cells), "US", "mobile")
        assert share > 0.5 or region == "GB"  # read as GB numbers, the national forms fail
