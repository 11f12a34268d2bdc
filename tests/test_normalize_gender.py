import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custclean.issues import ISSUE_CODES
from custclean.normalize.gender import gender_key, normalize_gender
from custclean.reference import load_table


def one(value):
    out = normalize_gender(pl.Series([value], dtype=pl.String))
    return out.value[0], out.code[0], out.message[0]


@pytest.mark.parametrize("raw", ["male", "female"])
def test_normal_form_gets_no_code(raw):
    assert one(raw) == (raw, None, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("M", "male"),
        ("m.", "male"),
        (" Male ", "male"),
        ("MALE", "male"),
        ("Man", "male"),
        ("Mr", "male"),
        ("Hombre", "male"),
        ("Masculino", "male"),
        ("Varón", "male"),
        ("H", "male"),
        ("Homme", "male"),
        ("Männlich", "male"),
        ("maennlich", "male"),
        ("Herr", "male"),
        ("F", "female"),
        ("f.", "female"),
        ("Female", "female"),
        ("FEMALE", "female"),
        ("Woman", "female"),
        ("Mrs.", "female"),
        ("Ms", "female"),
        ("W", "female"),
        ("Weiblich", "female"),
        ("Frau", "female"),
        ("Mujer", "female"),
        ("Femenino", "female"),
        ("Sra.", "female"),
        ("Féminin", "female"),
        ("FEMININ", "female"),
        ("Femme", "female"),
        ("Mme", "female"),
        ("Vrouw", "female"),
    ],
)
def test_known_spellings_are_fixed(raw, expected):
    assert one(raw) == (expected, "fixed", f"'{raw}' means {expected}")


@pytest.mark.parametrize(
    "raw",
    [
        "U",
        "X",
        "unknown",
        "Prefer not to say",
        "divers",
        "D",
        "N/A",
        "n.a.",
        "?",
        "Other",
        "Non-binary",
        "Keine Angabe",
        "No especificado",
        "Inconnu",
    ],
)
def test_known_unknowns_are_emptied_with_their_own_message(raw):
    assert one(raw) == (
        None,
        "invalid",
        f"'{raw}' does not say male or female; left empty (the target's default applies)",
    )


@pytest.mark.parametrize("raw", ["1", "2", "0", "Q", "Maybe", "John", "mf"])
def test_anything_else_is_invalid(raw):
    assert one(raw) == (
        None,
        "invalid",
        f"'{raw}' is not a gender spelling custclean knows; left empty "
        "(add it to genders.csv if it means male or female)",
    )


def test_blank_and_null_give_no_code():
    out = normalize_gender(pl.Series(["", "  ", None], dtype=pl.String))
    assert out.value.to_list() == [None, None, None]
    assert out.code.to_list() == [None, None, None]


def test_a_realistic_column():
    raw = ["M", "F", "F", None, "female", "U", "Weiblich", "m", "7"]
    out = normalize_gender(pl.Series(raw))
    assert out.value.to_list() == [
        "male",
        "female",
        "female",
        None,
        "female",
        None,
        "female",
        "male",
        None,
    ]
    assert out.code.to_list() == [
        "fixed",
        "fixed",
        "fixed",
        None,
        None,
        "invalid",
        "fixed",
        "fixed",
        "invalid",
    ]


def test_key_ignores_case_accents_dots_and_spaces():
    assert gender_key("  Féminin. ") == "feminin"
    assert gender_key("N.A.") == gender_key("na")
    assert gender_key("prefer   not to say") == "prefer not to say"


def test_table_has_no_spelling_with_two_genders():
    table = load_table("genders")
    assert table.columns[:3] == ["value", "gender", "language"]
    seen: dict[str, str | None] = {}
    for value, gender in table.select("value", "gender").iter_rows():
        key = gender_key(value)
        assert key not in seen or seen[key] == gender, value
        assert gender in (None, "male", "female"), value
        seen[key] = gender


def test_no_guess_from_names_or_numbers():
    # 1/2 are ISO 5218 codes in some systems and the opposite in others: never guessed.
    assert one("1")[0] is None and one("2")[0] is None


VALUES = st.lists(
    st.one_of(
        st.none(),
        st.text(max_size=20),
        st.sampled_from(["M", "f.", "Weiblich", "u", "Hombre", "x"]),
        st.builds(
            lambda s, n: (s * n)[:10_000], st.text(min_size=1, max_size=5), st.integers(1, 5_000)
        ),
    ),
    max_size=15,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES)
def test_never_raises_and_is_idempotent(raw):
    out = normalize_gender(pl.Series(raw, dtype=pl.String))
    assert out.value.len() == len(raw)
    assert set(out.value.drop_nulls()) <= {"male", "female"}
    assert set(out.code.drop_nulls()) <= set(ISSUE_CODES)
    again = normalize_gender(out.value)
    assert again.value.to_list() == out.value.to_list()
    assert again.code.null_count() == len(raw)
