import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custclean.issues import ISSUE_CODES
from custclean.normalize.note_type import normalize_note_type, note_type_key

KNOWN = ["General", "VIP", "Allergy", "Follow-up", "Préférences", "Delivery Instructions"]


def one(value, known=KNOWN, **kw):
    out = normalize_note_type(pl.Series([value], dtype=pl.String), known, **kw)
    return out.value[0], out.code[0], out.message[0]


@pytest.mark.parametrize("raw", KNOWN)
def test_exact_names_get_no_code(raw):
    assert one(raw) == (raw, None, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("vip", "VIP"),
        ("  general ", "General"),
        ("GENERAL", "General"),
        ("follow up", "Follow-up"),
        ("FOLLOW-UP", "Follow-up"),
        ("Follow_Up", "Follow-up"),
        ("preferences", "Préférences"),
        ("delivery   instructions", "Delivery Instructions"),
    ],
)
def test_case_space_and_punctuation_differences_are_fixed(raw, expected):
    assert one(raw) == (expected, "fixed", f"'{raw}' written as the known note type '{expected}'")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Alergy", "Allergy"),
        ("Genral", "General"),
        ("Delivery Instruction", "Delivery Instructions"),
    ],
)
def test_near_misses_are_fuzzy(raw, expected):
    value, code, message = one(raw)
    assert (value, code) == (expected, "fuzzy")
    assert message.startswith(f"'{raw}' read as the known note type '{expected}' (")
    assert message.endswith("% similar)")


def test_unknown_is_invalid_and_lists_the_known_names():
    assert one("Birthday") == (
        None,
        "invalid",
        "'Birthday' is not a known note type (General, VIP, Allergy, Follow-up, Préférences, "
        "Delivery Instructions); left empty",
    )
    many = [f"Type {i}" for i in range(10)]
    assert one("Birthday", many)[2] == (
        "'Birthday' is not a known note type (Type 0, Type 1, Type 2, Type 3, Type 4, Type 5, …);"
        " left empty"
    )


def test_threshold_is_respected():
    assert one("Alergy", fuzzy_threshold=95.0)[:2] == (None, "invalid")
    assert one("Gen")[:2] == (None, "invalid")


def test_two_equally_close_names_are_ambiguous():
    value, code, message = one("Note 3", ["Note 1", "Note 2"], fuzzy_threshold=80.0)
    assert (value, code) == (None, "ambiguous")
    assert message == "'Note 3' is equally close to 'Note 1' or 'Note 2'; left empty"


def test_known_names_differing_only_in_case_are_ambiguous():
    assert one("Vip", ["VIP", "vip"])[:2] == (None, "ambiguous")
    assert one("VIP", ["VIP", "vip"]) == ("VIP", None, None)


def test_without_known_names_values_are_only_tidied():
    out = normalize_note_type(pl.Series(["  Birthday  wishes ", "VIP", None]))
    assert out.value.to_list() == ["Birthday wishes", "VIP", None]
    assert out.code.to_list() == ["fixed", None, None]
    assert out.message[0] == "White space collapsed"


def test_empty_known_list_rejects_everything():
    assert one("General", [])[:2] == (None, "invalid")


def test_key():
    assert note_type_key(" Follow-Up ") == "follow up"
    assert note_type_key("Préférences") == "preferences"


VALUES = st.lists(
    st.one_of(
        st.none(),
        st.text(max_size=25),
        st.sampled_from(["vip", " General", "Alergy", "follow up", "Birthday"]),
        st.builds(
            lambda s, n: (s * n)[:10_000], st.text(min_size=1, max_size=8), st.integers(1, 3_000)
        ),
    ),
    max_size=12,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES, st.sampled_from([KNOWN, None, ["A", "a", "B"], []]))
def test_never_raises_and_is_idempotent(raw, known):
    out = normalize_note_type(pl.Series(raw, dtype=pl.String), known)
    assert out.value.len() == len(raw)
    assert set(out.code.drop_nulls()) <= set(ISSUE_CODES)
    again = normalize_note_type(out.value, known)
    assert again.value.to_list() == out.value.to_list()
    assert again.code.null_count() == len(raw)
