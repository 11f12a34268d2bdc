import time

import polars as pl
import pycountry
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custclean.errors import InputError
from custclean.issues import ISSUE_CODES
from custclean.normalize import country as country_module
from custclean.normalize.country import (
    country_code,
    country_name,
    is_country_code,
    normalize_country,
)
from custclean.reference import load_table


def run(values, **kw):
    out = normalize_country(pl.Series(values, dtype=pl.String), **kw)
    return list(zip(out.value.to_list(), out.code.to_list(), out.message.to_list(), strict=True))


def one(value, **kw):
    return run([value], **kw)[0]


# --- codes -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["US", "GB", "MX", "AU", "FR", "ES", "NA"])
def test_alpha2_in_normal_form_is_kept_without_an_issue(code):
    assert one(code) == (code, None, None)


def test_a_two_letter_country_value_is_that_country_even_when_it_is_a_us_state():
    # CA is Canada, GA Gabon, IN India, DE Germany: the state normaliser reports contradictions.
    assert run(["CA", "GA", "IN", "DE"]) == [(c, None, None) for c in ["CA", "GA", "IN", "DE"]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ca", "CA"),
        (" us ", "US"),
        ("Gb", "GB"),
        ("usa", "US"),
        ("DEU", "DE"),
        ("MEX", "MX"),
        ("can", "CA"),
        ("gbr", "GB"),
        ("AUS", "AU"),
        ("840", "US"),
        ("276", "DE"),
        ("076", "BR"),
        ("76", "BR"),
        ("36", "AU"),
        ("0840", "US"),
        ("840.0", "US"),
    ],
)
def test_other_codes_are_fixed(value, expected):
    got, code, message = one(value)
    assert (got, code) == (expected, "fixed")
    assert message.startswith(f"'{value}' is ") and message.endswith(f": {expected}")


def test_fixed_message_reads_as_a_sentence():
    assert one("U.S.A.") == ("US", "fixed", "'U.S.A.' is the United States: US")
    assert one("Deutschland") == ("DE", "fixed", "'Deutschland' is Germany: DE")
    assert one("England")[2] == "'England' is the United Kingdom: GB"
    assert one("Holland")[2] == "'Holland' is the Netherlands: NL"
    assert one("Burma")[2] == "'Burma' is Myanmar: MM"


# --- names and aliases people type -------------------------------------------------------

ALIASES = {
    "US": [
        "USA", "U.S.A.", "U.S.", "U. S. A.", "US of A", "United States of America", "America",
        "United States", "united states", "UNITED STATES OF AMERICA", "the United States",
        "Estados Unidos", "EE.UU.", "EEUU", "E.U.A.", "États-Unis", "Vereinigte Staaten",
        "U.S.A", "usa.", "U.S.A.,",
    ],
    "GB": [
        "UK", "U.K.", "Great Britain", "Britain", "England", "Scotland", "Wales",
        "Northern Ireland", "United Kingdom", "Royaume-Uni", "Reino Unido", "Großbritannien",
        "United Kingdom of Great Britain and Northern Ireland",
    ],
    "NL": ["Holland", "The Netherlands", "Netherlands, The", "Nederland", "Pays-Bas"],
    "KR": ["South Korea", "Korea", "Korea, Republic of", "Republic of Korea", "Korea, South",
           "Korea, Rep."],
    "EG": ["Egypt", "Egypt, Arab Rep."],
    "KP": ["North Korea", "Korea, Democratic People's Republic of", "DPRK"],
    "RU": ["Russia", "Russian Federation", "Россия"],
    "CI": ["Ivory Coast", "Côte d'Ivoire", "Cote d Ivoire", "COTE D'IVOIRE"],
    "CZ": ["Czech Republic", "Czechia", "Česko"],
    "VN": ["Vietnam", "Viet Nam"],
    "IR": ["Iran", "Iran, Islamic Republic of", "Persia"],
    "SY": ["Syria", "Syrian Arab Republic"],
    "BO": ["Bolivia", "Bolivia, Plurinational State of"],
    "VE": ["Venezuela", "Venezuela, Bolivarian Republic of"],
    "TZ": ["Tanzania", "Tanzania, United Republic of"],
    "LA": ["Laos", "Lao People's Democratic Republic"],
    "MD": ["Moldova", "Moldova, Republic of"],
    "MK": ["Macedonia", "North Macedonia", "FYROM"],
    "TR": ["Turkey", "Türkiye", "Turkiye"],
    "MM": ["Burma", "Myanmar"],
    "IE": ["Ireland", "Republic of Ireland", "Éire", "Eire"],
    "AE": ["UAE", "U.A.E.", "United Arab Emirates"],
    "SA": ["KSA", "Saudi Arabia"],
    "DE": ["Germany", "Deutschland", "Allemagne", "Alemania", "Germania", "BRD"],
    "ES": ["Spain", "España", "Espana", "ESPAÑA", "Espagne", "Spanien"],
    "MX": ["Mexico", "México", "Mexique", "Mexiko", "Estados Unidos Mexicanos"],
    "AT": ["Austria", "Österreich", "Oesterreich", "Osterreich", "Autriche"],
    "CH": ["Switzerland", "Suisse", "Schweiz", "Svizzera", "Swiss Confederation"],
    "IT": ["Italy", "Italia", "Italie"],
    "BR": ["Brazil", "Brasil", "Brésil"],
    "PL": ["Poland", "Polska", "Pologne"],
    "SE": ["Sweden", "Sverige"],
    "DK": ["Denmark", "Danmark"],
    "NO": ["Norway", "Norge"],
    "BE": ["Belgium", "Belgique", "België", "Belgie", "Belgien"],
    "GR": ["Greece", "Ελλάδα", "Hellas"],
    "FR": ["France", "Frankreich", "Francia", "french republic"],
    "CA": ["Canada", "canada", "CANADA", "Kanada"],
    "AU": ["Australia", "Australie", "Australien"],
    "CN": ["China", "中国", "PRC", "People's Republic of China"],
    "JP": ["Japan", "日本", "Nippon"],
    "LC": ["Saint Lucia", "St. Lucia", "St Lucia"],
    "KN": ["St Kitts & Nevis", "Saint Kitts and Nevis"],
    "TT": ["Trinidad & Tobago", "Trinidad and Tobago"],
    "BA": ["Bosnia-Herzegovina", "Bosnia and Herzegovina", "Bosnia & Herzegovina"],
    "CD": ["DRC", "DR Congo", "Democratic Republic of the Congo", "Congo-Kinshasa"],
    "CG": ["Republic of the Congo", "Congo-Brazzaville"],
    "GE": ["Georgia"],
    "JE": ["Jersey"],
    "GG": ["Guernsey"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [(value, code) for code, values in ALIASES.items() for value in values],
)
def test_names_and_aliases(value, expected):
    got, code, _ = one(value)
    assert (got, code) == (expected, "fixed")


def test_every_iso_country_is_read_by_code_and_name():
    # "Congo" alone is ISO's short name of CG but is listed as ambiguous (people mean either).
    countries = [c for c in pycountry.countries if c.alpha_2 != "CG"]
    for attr in ("alpha_3", "name", "numeric"):
        values = [getattr(c, attr) for c in countries]
        out = normalize_country(pl.Series(values))
        assert out.value.to_list() == [c.alpha_2 for c in countries], attr
        assert set(out.code.to_list()) == {"fixed"}, attr
    lower = normalize_country(pl.Series([c.alpha_2.lower() for c in countries]))
    assert lower.value.to_list() == [c.alpha_2 for c in countries]


def test_every_alias_in_the_reference_table_resolves_to_its_country():
    table = load_table("country_aliases").filter(pl.col("country").is_not_null())
    twice = table.group_by("alias").agg(pl.col("country").n_unique().alias("n"))
    ambiguous = set(twice.filter(pl.col("n") > 1)["alias"].to_list())
    out = normalize_country(table["alias"])
    for alias, country, got, code in zip(
        table["alias"], table["country"], out.value, out.code, strict=True
    ):
        if alias in ambiguous:
            assert (got, code) == (None, "ambiguous"), alias
        else:
            assert got == country.strip().upper(), alias


def test_placeholder_aliases_shadow_no_country():
    table = load_table("country_aliases").filter(pl.col("country").is_null())
    assert table.height > 0
    for alias in table["alias"]:
        assert country_code(alias) is None, alias


# --- ambiguity, combinations, stand-ins, rubbish ----------------------------------------


def test_values_naming_two_countries_are_ambiguous():
    assert one("Congo") == (
        None,
        "ambiguous",
        "'Congo' could be CD (Congo, The Democratic Republic of the) or CG (Congo); left empty",
    )
    assert one("Virgin Islands")[:2] == (None, "ambiguous")
    assert one("USA / Canada") == (
        None,
        "ambiguous",
        "'USA / Canada' names more than one country (CA, US); left empty",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Germany (DE)", "DE"),
        ("US - United States", "US"),
        ("USA / United States", "US"),
        ("Canada (CA)", "CA"),
        ("MX | Mexico", "MX"),
    ],
)
def test_parts_that_agree_are_read(value, expected):
    assert one(value)[:2] == (expected, "fixed")


@pytest.mark.parametrize("value", ["N/A", "n/a", "N.A.", "none", "Unknown", "unknown.", "-", "--",
                                   "?", "...", "TBD", "xx", "0", "Not applicable"])  # fmt: skip
def test_placeholders(value):
    got, code, message = one(value)
    assert (got, code) == (None, "placeholder")
    assert message == f"'{value}' is a placeholder, not a country; left empty"


@pytest.mark.parametrize(
    "value", ["Xyz", "Atlantis", "Kosovo", "Yugoslavia", "USSR", "123456", "999", "Q", "ZZ"]
)
def test_rubbish_is_invalid(value):
    assert one(value) == (None, "invalid", f"'{value}' is not a country we know; left empty")


def test_numbers_typed_as_numbers_are_read():
    out = normalize_country(pl.Series([840, 276, None]))
    assert out.value.to_list() == ["US", "DE", None]


def test_blank_is_null_without_an_issue():
    assert run([None, "", "   ", "\t"]) == [(None, None, None)] * 4


def test_long_and_control_character_values_are_quoted_readably():
    got, code, message = one("Xyz\x00\n" + "a" * 500)
    assert (got, code) == (None, "invalid")
    assert "\\x00\\n" in message and "…" in message and len(message) < 150


# --- near misses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "match"),
    [
        ("Untied States", "US", "United States"),
        ("United Sates", "US", "United States"),
        ("Grmany", "DE", "Germany"),
        ("Austrailia", "AU", "Australia"),
        ("Canda", "CA", "Canada"),
        ("Frnace", "FR", "France"),
        ("Itlay", "IT", "Italy"),
        ("Spian", "ES", "Spain"),
        ("Swizerland", "CH", "Switzerland"),
        ("Untied Kingdom", "GB", "United Kingdom"),
        ("Mexcio", "MX", "México"),
        ("Brazl", "BR", "Brazil"),
        ("Deutchland", "DE", "Deutschland"),
    ],
)
def test_near_misses_are_fuzzy(value, expected, match):
    got, code, message = one(value)
    assert (got, code) == (expected, "fuzzy")
    assert message.startswith(f"'{value}' is a near match to '{match}'")
    assert message.endswith(f": {expected}") and "(score " in message


def test_fuzzy_message_names_the_country_when_the_match_is_an_alias():
    assert (
        one("Deutchland")[2]
        == "'Deutchland' is a near match to 'Deutschland', Germany (score 95): DE"
    )


@pytest.mark.parametrize(
    ("value", "close"),
    [("Austrlia", ["Australia", "Austria"]), ("Nigera", ["Nigeria", "Niger"])],
)
def test_near_misses_of_two_countries_are_ambiguous(value, close):
    got, code, message = one(value)
    assert (got, code) == (None, "ambiguous")
    assert all(name in message for name in close)


@pytest.mark.parametrize(
    "value", ["Jorgia", "Irna", "Iraan", "Chna", "Urugay2000", "Untied", "Grmany1", "South America"]
)
def test_far_or_short_misses_are_not_guessed(value):
    got, code, _ = one(value)
    assert got is None and code in ("invalid", "ambiguous")


def test_fuzzy_threshold_is_respected():
    assert one("Grmany", fuzzy_threshold=95.0)[:2] == (None, "invalid")
    assert one("Canda", fuzzy_threshold=100.0)[:2] == (None, "invalid")
    assert one("Canda", fuzzy_threshold=90.0)[:2] == ("CA", "fuzzy")
    # A wrong letter costs two slips: "Venezuala" scores 89, accepted at a lower threshold.
    assert one("Venezuala")[:2] == (None, "invalid")
    assert one("Venezuala", fuzzy_threshold=85.0) == (
        "VE",
        "fuzzy",
        "'Venezuala' is a near match to 'Venezuela' (score 89): VE",
    )
    assert one("Slovania", fuzzy_threshold=85.0)[:2] == (None, "ambiguous")  # SI or SK


@pytest.mark.parametrize(
    ("a", "b", "slips"),
    [
        ("texas", "texsa", 1),  # a swap is one slip
        ("canada", "canda", 1),  # a letter left out
        ("sweden", "swedan", 2),  # a wrong letter is one out and one in
        ("southafrica", "southamerica", 3),
        ("kitten", "sitting", 5),
        ("", "abc", 3),
        ("same", "same", 0),
    ],
)
def test_slip_distance(a, b, slips):
    assert country_module._slip_distance(a, b) == slips
    assert country_module._slip_distance(b, a) == slips


# --- helpers -----------------------------------------------------------------------------


def test_helpers():
    assert country_name("US") == "United States"
    assert country_name("de") == "Germany"
    assert country_name("UK") is None and country_name("") is None
    assert is_country_code("GB") and not is_country_code("UK") and not is_country_code("gb")
    assert country_code("Holland") == "NL" and country_code("Grmany") is None
    assert country_code("") is None and country_code("Congo") is None


def test_a_bad_reference_row_is_reported(monkeypatch):
    bad = pl.DataFrame({"alias": ["Narnia"], "country": ["NR1"], "note": [None]})
    monkeypatch.setattr(country_module, "load_table", lambda name: bad)
    with pytest.raises(InputError, match="Narnia"):
        country_module._load_aliases()


# --- properties --------------------------------------------------------------------------

TEXT = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.text(alphabet="0123456789 .-", max_size=12),
    st.sampled_from([v for values in ALIASES.values() for v in values] + ["N/A", "Canda"]),
    st.text(alphabet=st.characters(categories=["Cc", "Zs", "Po"]), max_size=20),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(1000, 10_000)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, max_size=25))
def test_never_raises_keeps_length_and_is_idempotent(values):
    out = normalize_country(pl.Series(values, dtype=pl.String))
    assert out.value.len() == out.code.len() == out.message.len() == len(values)
    assert set(out.code.drop_nulls().to_list()) <= set(ISSUE_CODES)
    for value, got, code, message in zip(values, out.value, out.code, out.message, strict=True):
        assert (code is None) == (message is None)
        if got is not None:
            assert is_country_code(got)
        if code is None and value is not None and value.strip():
            assert got == value  # unchanged values carry no code
    again = normalize_country(out.value)
    assert again.value.to_list() == out.value.to_list()
    assert again.code.null_count() == len(values)


# --- throughput --------------------------------------------------------------------------


@pytest.mark.slow
def test_throughput_on_200_000_rows():
    import random

    rng = random.Random(5)
    pool = [v for values in ALIASES.values() for v in values] + ["Canda", "Grmany", "N/A", "", None]
    pool += [c.alpha_2 for c in pycountry.countries] + [c.name for c in pycountry.countries]
    values = [rng.choice(pool) for _ in range(200_000)]
    values = [v.upper() if v and rng.random() < 0.2 else v for v in values]
    series = pl.Series(values, dtype=pl.String)
    normalize_country(pl.Series(["warm up"]))
    start = time.perf_counter()
    out = normalize_country(series)
    elapsed = time.perf_counter() - start
    assert out.value.len() == 200_000
    assert elapsed < 10, f"{200_000 / elapsed:,.0f} rows/s"
