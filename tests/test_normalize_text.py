import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custclean.issues import ISSUE_CODES
from custclean.normalize.text import normalize_integer, normalize_text, show, tidy


def text_one(value):
    out = normalize_text(pl.Series([value], dtype=pl.String))
    return out.value[0], out.code[0], out.message[0]


def int_one(value):
    out = normalize_integer(pl.Series([value], dtype=pl.String))
    return out.value[0], out.code[0], out.message[0]


# --- text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["C-1001", "Allergic to nuts.\nNo latex gloves.", "Prefers\tmornings", "Größe 42 – Schuhe"],
)
def test_clean_text_is_kept_with_inner_line_breaks(raw):
    assert text_one(raw) == (raw, None, None)


@pytest.mark.parametrize(
    ("raw", "expected", "message"),
    [
        ("  C-1001 ", "C-1001", "Surrounding white space removed"),
        ("Line one\r\nLine two", "Line one\nLine two", "Line endings unified"),
        (
            "Line one\rLine two\n",
            "Line one\nLine two",
            "Line endings unified; surrounding white space removed",
        ),
        ("FileMaker\x0bline", "FileMaker\nline", "Line endings unified"),
        ("\ufeffVIP customer", "VIP customer", "Control characters removed"),
        ("Call\x00 back", "Call back", "Control characters removed"),
        ("Cafe\u0301", "Café", "Unicode normalised (NFC)"),
    ],
)
def test_text_changes_are_fixed(raw, expected, message):
    assert text_one(raw) == (expected, "fixed", message)


def test_text_with_nothing_visible_is_invalid():
    assert text_one("\x00\u200b") == (
        None,
        "invalid",
        r"'\x00\u200b' has no visible characters; left empty",
    )


def test_blank_text_gives_no_code():
    out = normalize_text(pl.Series(["", " \n ", None], dtype=pl.String))
    assert out.value.to_list() == [None, None, None]
    assert out.code.to_list() == [None, None, None]


def test_show_and_tidy():
    assert show("x" * 100, limit=10) == "'xxxxxxxxx…'"
    assert show("a\nb") == r"'a\nb'"
    assert tidy("  Jean \t Luc ") == ("Jean Luc", ["white space collapsed"])
    assert tidy("Jean Luc") == ("Jean Luc", [])


# --- integer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected", "message"),
    [
        (" 12 ", "12", "Surrounding white space removed"),
        ("12.0", "12", "Written as a whole number (was '12.0', a spreadsheet number)"),
        ("0012", "12", "Leading zeros removed"),
        ("+12", "12", "Plus sign removed"),
        ("2147483647", "2147483647", None),
    ],
)
def test_integers(raw, expected, message):
    assert int_one(raw) == (expected, "fixed" if message else None, message)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("Store 12", "'Store 12' is not a number; left empty"),
        ("12.5", "'12.5' is not a whole number; left empty"),
        ("1,234", "'1,234' is not a whole number; left empty"),
        ("1.2E+03", "'1.2E+03' is not a whole number; left empty"),
        ("-3", "'-3' is negative: an id is positive; left empty"),
        ("0", "'0' is zero: an id is positive; left empty"),
        ("2147483648", "'2147483648' is larger than 2,147,483,647; left empty"),
        ("١٢", "'١٢' is not a number; left empty"),
    ],
)
def test_integers_rejected(raw, message):
    assert int_one(raw) == (None, "invalid", message)


def test_huge_number_does_not_raise():
    assert int_one("9" * 10_000)[1] == "invalid"
    assert int_one("0" * 9_999 + "7") == ("7", "fixed", "Leading zeros removed")


# --- properties -----------------------------------------------------------------------

VALUES = st.lists(
    st.one_of(
        st.none(),
        st.text(max_size=40),
        st.text(alphabet="0123456789 .+-\r\n\t\x00\ufeffe\u0301âÃ¡©\x81", max_size=15),
        st.builds(
            lambda s, n: (s * n)[:10_000], st.text(min_size=1, max_size=10), st.integers(1, 2_000)
        ),
    ),
    max_size=15,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES)
def test_text_never_raises_and_is_idempotent(raw):
    out = normalize_text(pl.Series(raw, dtype=pl.String))
    assert out.value.len() == len(raw)
    assert set(out.code.drop_nulls()) <= set(ISSUE_CODES)
    again = normalize_text(out.value)
    assert again.value.to_list() == out.value.to_list()
    assert again.code.null_count() == len(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES)
def test_integer_never_raises_and_is_idempotent(raw):
    out = normalize_integer(pl.Series(raw, dtype=pl.String))
    assert out.value.len() == len(raw)
    for value in out.value.drop_nulls():
        assert value.isdigit() and 0 < int(value) < 2**31
    again = normalize_integer(out.value)
    assert again.value.to_list() == out.value.to_list()
    assert again.code.null_count() == len(raw)
